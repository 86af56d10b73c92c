package httpapi

import (
	"bytes"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"certa.example/certa/verify"
)

var update = flag.Bool("update", false, "rewrite the golden pages in testdata/pages")

// goldenCase is one page: a request (target and headers) and what to
// render for it, as a handler would.
type goldenCase struct {
	name    string
	target  string
	headers []string // name, value, ...
	serve   func(s *Server, w http.ResponseWriter, r *http.Request)
}

// renderCase renders with s.render, as the handlers do.
func renderCase(status int, name string, data any) func(*Server, http.ResponseWriter, *http.Request) {
	return func(s *Server, w http.ResponseWriter, r *http.Request) { s.render(w, r, status, name, data) }
}

// goldenCases are every state of the public pages, in both languages,
// with the language chosen by the header and by the query.
func goldenCases() []goldenCase {
	var cases []goldenCase
	const code = "7K2M-9QXD-4HRT-W3ZP"
	type langWay struct{ suffix, query, accept string }
	ways := []langWay{{"it", "", "it-IT,it;q=0.9"}, {"en", "", "en-GB,en;q=0.8"}, {"en-query", "?lang=en", "it"}, {"it-query", "?lang=it", "en"}}
	add := func(name, path string, w langWay, serve func(*Server, http.ResponseWriter, *http.Request)) {
		cases = append(cases, goldenCase{name: name + "." + w.suffix, target: path + w.query, headers: []string{"Accept-Language", w.accept}, serve: serve})
	}
	for _, w := range ways {
		lang := pageLang(httptest.NewRequest("GET", "/"+w.query, nil))
		if w.query == "" {
			lang = acceptLang(w.accept)
		}
		// The verification page in every state.
		for _, st := range []string{"valid", "seal", "revoked", "expired", "unknown", "seal-invalid", "seal-mismatch"} {
			v, _ := sampleView(st, lang)
			add("status-"+st, "/v/"+v.Code, w, func(s *Server, rw http.ResponseWriter, r *http.Request) { s.renderStatus(rw, r, v) })
		}
		// Revocations: no date, an unknown reason, no reason, no
		// replacement.
		for name, rv := range map[string]revocationView{
			"revoked-bare":          {},
			"revoked-other":         {At: sampleNow.AddDate(0, 0, -1), Reason: "something-new"},
			"revoked-data-changed":  {At: sampleNow.AddDate(0, 0, -1), Reason: "data-changed"},
			"revoked-in-error-only": {Reason: "issued-in-error"},
		} {
			v, _ := sampleView("revoked", lang)
			v.Revoked = &rv
			v.Verifications = 0
			add("status-"+name, "/v/"+v.Code, w, func(s *Server, rw http.ResponseWriter, r *http.Request) { s.renderStatus(rw, r, v) })
		}
		// A seal that is authentic but does not match, with no facts; a
		// valid seal with no facts.
		{
			v, _ := sampleView("seal", lang)
			v.Seal = &sealView{Valid: true}
			add("status-seal-nomatch", "/v/"+v.Code, w, func(s *Server, rw http.ResponseWriter, r *http.Request) { s.renderStatus(rw, r, v) })
			v2, _ := sampleView("seal", lang)
			v2.Seal = &sealView{Valid: true, Matches: true}
			v2.TypeTitle, v2.Comune = "", ""
			add("status-seal-nofacts", "/v/"+v2.Code, w, func(s *Server, rw http.ResponseWriter, r *http.Request) { s.renderStatus(rw, r, v2) })
		}
		// Text that must be escaped, in the code, the path, the data and
		// the facts.
		{
			hostile := `<b>"x"&'y'+{{.}}</b>`
			v := statusView{Lang: lang, Code: shownCode(hostile), State: stateUnknown, CheckedAt: sampleNow}
			add("status-unknown-hostile", "/v/%3Cb%3E%22x%22&%27y%27+%7B%7B.%7D%7D%3C%2Fb%3E", w, func(s *Server, rw http.ResponseWriter, r *http.Request) { s.renderStatus(rw, r, v) })
			k, _ := sampleView("seal", lang)
			k.Code, k.Holder, k.Comune, k.TypeTitle = `AB"C<D>`, hostile, "S. GIOVANNI <LODI>", "TIPO & "+hostile
			k.Seal.Facts = append(k.Seal.Facts, factView{Label: `L<"'&>`, Value: hostile})
			k.Revoked = &revocationView{ReplacedBy: `javascript:alert("x")`} // not shown: the state is not revoked
			add("status-hostile", "/v/AB%22C%3CD%3E", w, func(s *Server, rw http.ResponseWriter, r *http.Request) { s.renderStatus(rw, r, k) })
			rk, _ := sampleView("revoked", lang)
			rk.Revoked.ReplacedBy = `javascript:alert("x")&a=<b>`
			add("status-revoked-hostile", "/v/"+rk.Code, w, func(s *Server, rw http.ResponseWriter, r *http.Request) { s.renderStatus(rw, r, rk) })
		}
		// Compare your file: identical, different, an error, and an unknown
		// code.
		for _, cmp := range []struct {
			name   string
			status int
			page   func(v statusView) statusPage
		}{
			{"compare-identical", 200, func(v statusView) statusPage {
				return statusPage{View: v, Compare: &compareView{Identical: true, Digest: strings.Repeat("0f", 32)}}
			}},
			{"compare-different", 200, func(v statusView) statusPage {
				return statusPage{View: v, Compare: &compareView{Digest: strings.Repeat("a1", 32)}}
			}},
			{"compare-error", 413, func(v statusView) statusPage {
				return statusPage{View: v, CompareError: "Il file supera il limite di 10\u00a0MB <&>."}
			}},
		} {
			for _, st := range []string{"valid", "revoked"} {
				v, _ := sampleView(st, lang)
				p := cmp.page(v)
				p.path = "/v/" + v.Code
				add(cmp.name+"-"+st, "/v/"+code+"/compare", w, renderCase(cmp.status, "status.html", p))
			}
		}
		{
			v, _ := sampleView("unknown", lang)
			add("compare-unknown", "/v/"+v.Code+"/compare", w, renderCase(404, "status.html", statusPage{View: v}))
		}
		// The upload page: empty, errors, reports.
		add("verifica-empty", "/verifica", w, func(s *Server, rw http.ResponseWriter, r *http.Request) { s.verifyPage(rw, r) })
		t := catalogue(lang)
		for name, msg := range map[string]string{"verifica-error-nofile": t.ErrNoFile, "verifica-error-hostile": `<i>"&'+</i>`} {
			add(name, "/verifica", w, renderCase(400, "verifica.html", verifyPageData{Title: t.VerifyTitle, MaxMB: 10, Error: msg}))
		}
		for name, rep := range sampleReports() {
			add("verifica-report-"+name, "/verifica", w, renderCase(200, "verifica.html", verifyPageData{Title: t.VerifyTitle, MaxMB: 10, Report: rep}))
		}
	}
	return cases
}

// sampleReports are verification reports of every shape the upload page
// shows.
func sampleReports() map[string]*verify.Report {
	day := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	cert := &verify.Certificate{Code: "7K2M-9QXD-4HRT-W3ZP", Type: "residenza+cittadinanza", Status: "valid", Comune: "LODI",
		Holder: "D'ANGELO MARIA GRAZIA", IssuedAt: day(2025, 2, 14), ExpiresAt: day(2025, 8, 14)}
	checks := []verify.Check{
		{Name: verify.CheckSignaturePresent, Status: verify.Passed, OK: true, Message: "One signature.", MessageIT: "Una firma."},
		{Name: verify.CheckTimestamp, Status: verify.NotApplicable, Message: "No timestamp."},
		{Name: verify.CheckTrust, Status: verify.Unavailable, Message: "Offline.", MessageIT: "Non in linea."},
		{Name: verify.CheckIntegrity, Status: verify.Failed, Message: "Digest <mismatch> & \"more\"."},
		{Name: "something-new", Status: "odd", OK: true},
		{Name: verify.CheckLedger, Status: verify.Passed, OK: true, MessageIT: "Solo italiano."},
	}
	revoked := *cert
	revoked.Status, revoked.Revoked, revoked.RevokedAt = "revoked", true, day(2025, 3, 1)
	odd := *cert
	odd.Status, odd.Type, odd.Holder = "strange", "", `<b>"x"&'y'</b>`
	return map[string]*verify.Report{
		"valid": {Verdict: verify.Valid, Message: "The document is valid.", MessageIT: "Il documento è valido.", Checks: checks, Certificate: cert,
			Signer: &verify.SignerInfo{CommonName: "Comune di Lodi DEMO", Organization: "Comune di Lodi"}},
		"revoked":  {Verdict: verify.Revoked, Checks: checks[:2], Certificate: &revoked, Signer: &verify.SignerInfo{CommonName: "Comune di Lodi"}},
		"notcerta": {Verdict: verify.NotCerta, Message: "Not ours.", Checks: checks[:1]},
		"odd":      {Verdict: "brand-new", MessageIT: "Solo italiano <b>.", Checks: checks[3:], Certificate: &odd},
		"nochecks": {Verdict: verify.Invalid},
	}
}

// TestPagesGolden renders every page state (goldenCases) and compares the
// response, headers and body, with testdata/pages. Run with -update to
// rewrite them after a reviewed change of the pages.
func TestPagesGolden(t *testing.T) {
	s := pageServer(t)
	dir := filepath.Join("testdata", "pages")
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for _, tc := range goldenCases() {
		if seen[tc.name] {
			t.Fatalf("two cases named %s", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			got := serveGolden(s, tc)
			file := filepath.Join(dir, tc.name+".golden")
			if *update {
				if err := os.WriteFile(file, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/httpapi -run TestPagesGolden -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s:\n%s", tc.name, file, firstDiff(got, want))
			}
		})
	}
	if !*update {
		// No golden file is left over from a case that is gone.
		files, _ := filepath.Glob(filepath.Join(dir, "*.golden"))
		for _, f := range files {
			if !seen[strings.TrimSuffix(filepath.Base(f), ".golden")] {
				t.Errorf("%s has no case", f)
			}
		}
	}
}

// serveGolden serves tc and writes the response as the golden files keep
// it: the status line, the headers a page sets, a blank line, the body.
func serveGolden(s *Server, tc goldenCase) []byte {
	req := httptest.NewRequest("GET", tc.target, nil)
	for i := 0; i+1 < len(tc.headers); i += 2 {
		req.Header.Set(tc.headers[i], tc.headers[i+1])
	}
	rec := httptest.NewRecorder()
	tc.serve(s, rec, req)
	var out bytes.Buffer
	out.WriteString(rec.Result().Status + "\n")
	var names []string
	for k := range rec.Header() {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		out.WriteString(k + ": " + strings.Join(rec.Header().Values(k), ", ") + "\n")
	}
	out.WriteString("\n")
	out.Write(rec.Body.Bytes())
	return out.Bytes()
}

// firstDiff shows where got and want part.
func firstDiff(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-200)
	return "got:\n" + string(got[from:min(len(got), i+200)]) + "\nwant:\n" + string(want[from:min(len(want), i+200)])
}

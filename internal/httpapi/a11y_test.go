package httpapi_test

// The public pages in a real browser: Debian's chromium, headless, driven
// through chromedp, checks every page state in Italian and English with
// axe-core (testdata/axe, injected through the DevTools protocol: the
// pages' CSP forbids scripts, and stays on) against the WCAG 2.x A and AA
// rules, takes a full-page screenshot of each at 390x844, checks that
// nothing overflows a 320 px screen and that the page loads nothing but
// itself. It also holds the functional tests of "compare your file",
// which need the same server with the page routes.

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"certa.example/certa/internal/httpapi"
	"certa.example/certa/internal/ledger"
	"certa.example/certa/internal/setup"
	"certa.example/certa/internal/testutil"
	"certa.example/certa/internal/vcode"
	"certa.example/certa/verify"
)

// newPagesEnv is newEnv (embedded store, demo engine) serving
// PagesHandlerForTest: the server's Handler plus the page routes and the
// sample views of every state.
func newPagesEnv(t *testing.T, maxUpload int64) *env {
	t.Helper()
	ctx := context.Background()
	emb, err := setup.Open(ctx, setup.Options{DataDir: t.TempDir(), Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emb.Close() })
	ts := httptest.NewUnstartedServer(nil)
	publicURL := "http://" + ts.Listener.Addr().String()
	eng, err := emb.Engine(publicURL, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	srv, err := httpapi.New(httpapi.Config{
		Ready:  emb.Store.Ready,
		Engine: eng, Verifier: &verify.Verifier{Roots: emb.Roots, Ledger: emb.Store, SealTrust: emb.SealTrust(), Now: time.Now},
		Log: slog.New(slog.NewTextHandler(logs, nil)), APIKeys: emb.APIKeys, MaxUpload: maxUpload,
	})
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = recordResponses(httpapi.PagesHandlerForTest(srv))
	ts.Start()
	t.Cleanup(ts.Close)
	key, err := os.ReadFile(emb.APIKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	people, err := setup.CertifiableResidents(ctx, emb.Store, 100)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, url: publicURL, key: strings.TrimSpace(string(key)), emb: emb, people: people, logs: logs}
}

// record puts a certificate straight into the ledger (no PDF), changed by
// edit, and returns its code: the way to an expired one.
func (e *env) record(t *testing.T, edit func(*ledger.Record)) string {
	t.Helper()
	code, err := vcode.New(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p := e.people[len(e.people)-1]
	now := time.Now()
	rec := ledger.Record{Code: code, Type: "residenza", Subject: p.FiscalCode, Holder: p.Surname + " " + p.Name, Comune: "LODI",
		IssuedAt: now.AddDate(0, -1, 0), ExpiresAt: now.AddDate(0, 5, 0), Requester: "test", Channel: "test"}
	rand.Read(rec.SHA256[:])
	edit(&rec)
	if err := e.emb.Store.Record(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	return code
}

// revoke revokes code in the ledger, replaced by another when replacedBy
// is set.
func (e *env) revoke(t *testing.T, code, replacedBy string) {
	t.Helper()
	rev := ledger.Revocation{Code: code, Reason: ledger.ReasonIssuedInError, At: time.Now().Add(-time.Hour), Actor: "test"}
	if replacedBy != "" {
		rev.Reason, rev.ReplacedBy = ledger.ReasonReplaced, replacedBy
	}
	if _, err := e.emb.Store.Revoke(context.Background(), rev); err != nil {
		t.Fatal(err)
	}
}

// upload posts data as the "file" part of a multipart form.
func (e *env) upload(path string, data []byte, headers ...string) (*http.Response, string) {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "certificato.pdf")
	fw.Write(data)
	mw.Close()
	resp, body := e.do("POST", path, &buf, append([]string{"Content-Type", mw.FormDataContentType()}, headers...)...)
	return resp, string(body)
}

func TestCompareUpload(t *testing.T) {
	e := newPagesEnv(t, 64<<10)
	p := e.people[0]
	resp, pdf := e.issue("residenza", p.FiscalCode, "application/pdf")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("issue: %d %s", resp.StatusCode, pdf)
	}
	code := resp.Header.Get("Certa-Code")
	if len(pdf) > 64<<10 {
		t.Fatalf("the sample certificate has %d bytes, over the test's limit", len(pdf))
	}
	// The page offers the comparison, with its limit.
	_, page := e.do("GET", "/v/"+code, nil, "Accept-Language", "it")
	for _, w := range []string{`action="/v/` + code + `/compare"`, `name="file"`, "massimo 64\u00a0kB"} {
		if !strings.Contains(string(page), w) {
			t.Errorf("status page lacks %s", w)
		}
	}

	tampered := bytes.Clone(pdf)
	tampered[len(tampered)/2] ^= 1
	for _, tc := range []struct {
		name, path string
		data       []byte
		headers    []string
		status     int
		want, not  string
		lang       string
	}{
		{"identical", "/v/" + code + "/compare", pdf, nil, 200, "File identico a quello rilasciato", "NON identico", "it"},
		{"identical, typed code", "/v/" + strings.ToLower(strings.ReplaceAll(code, "-", "")) + "/compare", pdf, nil, 200, "File identico", "NON identico", "it"},
		{"tampered", "/v/" + code + "/compare", tampered, nil, 200, "File NON identico: non è il file rilasciato con questo codice", "File identico", "it"},
		{"identical en", "/v/" + code + "/compare?lang=en", pdf, nil, 200, "Identical to the issued file", "NOT identical", "en"},
		{"tampered en", "/v/" + code + "/compare", tampered, []string{"Accept-Language", "en-GB,en;q=0.9"}, 200, "NOT identical: this is not the file issued under this code", "Identical to the issued file", "en"},
		{"unknown code", "/v/ZZZZ-ZZZZ-ZZZZ-ZZZZ/compare", pdf, nil, 404, "Codice sconosciuto", "identico", "it"},
		{"empty file", "/v/" + code + "/compare", nil, nil, 400, "Nessun file ricevuto", "identico", "it"},
		{"too large", "/v/" + code + "/compare?lang=en", bytes.Repeat([]byte("x"), 100<<10), nil, 413, "exceeds the limit of 64\u00a0kB", "identical", "en"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, html := e.upload(tc.path, tc.data, tc.headers...)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if !strings.Contains(html, tc.want) || strings.Contains(html, tc.not) {
				t.Fatalf("page lacks %q or has %q:\n%s", tc.want, tc.not, html)
			}
			if got := resp.Header.Get("Content-Language"); got != tc.lang {
				t.Fatalf("Content-Language %q", got)
			}
			if resp.Header.Get("Content-Security-Policy") == "" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
				t.Fatal("security headers missing")
			}
			if strings.Contains(html, p.FiscalCode) {
				t.Fatal("the page shows the fiscal code")
			}
		})
	}

	// A body announced over the limit is refused before it is read, and a
	// chunked one is cut at the limit.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "big.pdf")
	fw.Write(bytes.Repeat([]byte("x"), 200<<10))
	mw.Close()
	for _, chunked := range []bool{false, true} {
		var body io.Reader = bytes.NewReader(buf.Bytes())
		if chunked {
			body = io.MultiReader(body)
		}
		req, _ := http.NewRequest("POST", e.url+"/v/"+code+"/compare", body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(page), "supera il limite di 64\u00a0kB") {
			t.Fatalf("chunked %v: %d %s", chunked, resp.StatusCode, page)
		}
	}
}

// The real status handler in English, and the switch that keeps the code.
func TestStatusPageLanguages(t *testing.T) {
	e := newPagesEnv(t, 10<<20)
	resp, body := e.issue("residenza", e.people[1].FiscalCode, "application/json")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("issue: %d %s", resp.StatusCode, body)
	}
	code := resp.Header.Get("Certa-Code")
	typed := strings.ToLower(strings.ReplaceAll(code, "-", ""))
	resp, page := e.do("GET", "/V/"+typed, nil, "Accept-Language", "en-US,en;q=0.9,it;q=0.5")
	html := string(page)
	if resp.Header.Get("Content-Language") != "en" || !strings.Contains(strings.Join(resp.Header.Values("Vary"), ","), "Accept-Language") {
		t.Fatalf("headers %v", resp.Header)
	}
	for _, w := range []string{`<html lang="en">`, "Valid certificate", code, `href="/V/` + typed + `?lang=it"`, `href="/V/` + typed + `?lang=en"`, "Compare your file"} {
		if !strings.Contains(html, w) {
			t.Errorf("page lacks %s", w)
		}
	}
	resp, page = e.do("GET", "/V/"+typed+"?lang=it", nil, "Accept-Language", "en")
	if resp.Header.Get("Content-Language") != "it" || !strings.Contains(string(page), "Certificato valido") {
		t.Fatalf("?lang=it: %v", resp.Header)
	}
	revoked := e.record(t, func(*ledger.Record) {})
	e.revoke(t, revoked, code)
	_, page = e.do("GET", "/v/"+revoked+"?lang=en", nil)
	for _, w := range []string{"Certificate revoked", "Revoked on", "replaced by a new certificate", `href="/v/` + code + `?lang=en"`} {
		if !strings.Contains(string(page), w) {
			t.Errorf("revoked page lacks %s", w)
		}
	}
}

// qrPath returns the path of the URL in the QR code's link of a signed PDF.
func qrPath(t *testing.T, pdf []byte) string {
	t.Helper()
	m := regexp.MustCompile(`/URI \(HTTPS?://[^/]+(/V/[^)]+)\)`).FindAllSubmatch(pdf, -1)
	if len(m) == 0 {
		t.Fatal("no QR link in the PDF")
	}
	return string(m[len(m)-1][1])
}

// axeResult is what the test's script takes from axe.run's results.
type axeResult struct {
	Violations []struct {
		ID, Impact, Help string
		Nodes            []struct{ Target, HTML, Summary string }
	}
	Incomplete []string
	Passes     int
}

const axeRun = `axe.run(document, {
	runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']},
	resultTypes: ['violations', 'incomplete'],
}).then(r => ({
	violations: r.violations.map(v => ({id: v.id, impact: v.impact || '', help: v.help,
		nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html, summary: n.failureSummary || ''}))})),
	// Decorative symbols (aria-hidden, beside words of the same colour)
	// are "incomplete" for the contrast rule: not worth a line.
	incomplete: r.incomplete.map(v => ({id: v.id, nodes: v.nodes.filter(n => !/non-text characters/.test((n.any[0] || {}).message || ''))}))
		.filter(v => v.nodes.length > 0)
		.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ') + ' [' + ((n.any[0] || {}).message || '') + ']').join('; ')),
	passes: r.passes.length,
}))`

func TestAccessibility(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		testutil.Unavailable(t, "chromium is not installed (apt-get install chromium)")
	}
	axeJS, err := os.ReadFile(filepath.Join("testdata", "axe", "axe.min.js"))
	if err != nil {
		t.Fatalf("axe-core: %v (run testdata/axe/fetch.sh)", err)
	}
	shots := t.TempDir()
	if d := os.Getenv("CERTA_SCREENSHOT_DIR"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		shots = d
	}

	e := newPagesEnv(t, 10<<20)
	resp, pdf := e.issue("residenza", e.people[0].FiscalCode, "application/pdf")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("issue: %d %s", resp.StatusCode, pdf)
	}
	valid := resp.Header.Get("Certa-Code")
	// The path the QR code opens: /V/<code>/<seal>, and one with the seal
	// of another certificate (authentic, but not this one's).
	sealPath := qrPath(t, pdf)
	resp, other := e.issue("stato_civile", e.people[1].FiscalCode, "application/pdf")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("issue: %d %s", resp.StatusCode, other)
	}
	otherSeal := qrPath(t, other)
	mismatch := sealPath[:strings.LastIndexByte(sealPath, '/')] + otherSeal[strings.LastIndexByte(otherSeal, '/'):]
	pdfPath := filepath.Join(t.TempDir(), "certificato.pdf")
	notPDF := filepath.Join(t.TempDir(), "nota.pdf")
	os.WriteFile(pdfPath, pdf, 0o600)
	os.WriteFile(notPDF, []byte("not a PDF"), 0o600)
	revoked := e.record(t, func(*ledger.Record) {})
	e.revoke(t, revoked, valid)
	expired := e.record(t, func(r *ledger.Record) {
		r.IssuedAt, r.ExpiresAt = time.Now().AddDate(-1, 0, 0), time.Now().AddDate(0, -6, 0)
	})

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.WindowSize(390, 844))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // root (CI) cannot use the setuid sandbox
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 4*time.Minute)
	defer cancelTimeout()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulatePortrait)); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	// Every request the pages make, to prove they load nothing else.
	var (
		mu       sync.Mutex
		requests []string
	)
	if err := chromedp.Listen(ctx, func(ev any) {
		if ev, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			requests = append(requests, ev.Request.URL)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}

	type step struct {
		name, path string
		status     int
		// upload, when set, is a file to choose and submit on the page.
		upload string
		want   string // text the resulting page shows
	}
	var steps []step
	for _, lang := range []string{"it", "en"} {
		q := "?lang=" + lang
		w := func(it, en string) string {
			if lang == "en" {
				return en
			}
			return it
		}
		steps = append(steps,
			step{"valid", "/v/" + valid + q, 200, "", w("Certificato valido", "Valid certificate")},
			step{"revoked", "/v/" + revoked + q, 200, "", w("Sostituito dal certificato", "Replaced by certificate")},
			step{"expired", "/v/" + expired + q, 200, "", w("Certificato scaduto", "Certificate expired")},
			step{"unknown", "/v/ZZZZ-ZZZZ-ZZZZ-ZZZZ" + q, 200, "", w("Codice sconosciuto", "Unknown code")},
			step{"seal", sealPath + q, 200, "", w("Sigillo autentico", "Authentic seal")},
			step{"seal-mismatch", mismatch + q, 200, "", w("Sigillo non autentico", "Seal not authentic")},
			step{"sample-seal", "/test/status/seal" + q, 200, "", w("Sigillo autentico", "Authentic seal")},
			step{"sample-seal-invalid", "/test/status/seal-invalid" + q, 200, "", w("Sigillo non autentico", "Seal not authentic")},
			step{"compare-identical", "/v/" + valid + q, 200, pdfPath, w("File identico a quello rilasciato", "Identical to the issued file")},
			step{"compare-different", "/v/" + valid + q, 200, notPDF, w("File NON identico", "NOT identical")},
			step{"verifica", "/verifica" + q, 200, "", w("Verifica di un certificato PDF", "Verify a PDF certificate")},
			step{"verifica-report", "/verifica" + q, 200, pdfPath, w("Documento valido", "Valid document")},
			step{"verifica-error", "/verifica" + q, 422, notPDF, w("non è un documento PDF", "not a PDF document")},
		)
	}
	// First, that the check sees anything: a field without its label and
	// grey text on white are violations.
	t.Run("axe-finds-violations", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Navigate(e.url+"/verifica?lang=it"),
			chromedp.Evaluate[chromedp.Void](`document.querySelector('label[for=file]').remove();
				const p = document.createElement('p'); p.textContent = 'testo grigio'; p.style.color = '#bbb';
				document.querySelector('main').append(p)`)); err != nil {
			t.Fatal(err)
		}
		found := map[string]bool{}
		for _, v := range runAxe(t, ctx, axeJS).Violations {
			found[v.ID] = true
		}
		if !found["label"] || !found["color-contrast"] {
			t.Fatalf("axe missed the planted violations: found %v", found)
		}
	})
	for _, st := range steps {
		lang := st.path[len(st.path)-2:]
		t.Run(lang+"/"+st.name, func(t *testing.T) {
			mu.Lock()
			requests = requests[:0]
			mu.Unlock()
			resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(e.url+st.path))
			if err != nil {
				t.Fatal(err)
			}
			if st.upload != "" {
				if resp.Status != 200 {
					t.Fatalf("form page: HTTP %d", resp.Status)
				}
				if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.ID("file"), []string{st.upload})); err != nil {
					t.Fatal(err)
				}
				if resp, err = chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form.upload button[type="submit"]`))); err != nil {
					t.Fatal(err)
				}
			}
			if int(resp.Status) != st.status {
				t.Fatalf("HTTP %d, want %d", resp.Status, st.status)
			}
			// The checks below run with the page's CSP in force.
			csp := ""
			for k, v := range resp.Headers {
				if strings.EqualFold(k, "Content-Security-Policy") {
					csp, _ = v.(string)
				}
			}
			if !strings.Contains(csp, "default-src 'none'") {
				t.Fatalf("CSP %q", csp)
			}
			text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang + "\n" + document.body.innerText`))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(text, lang+"\n") || !strings.Contains(text, st.want) {
				t.Fatalf("page (lang %q) lacks %q:\n%s", strings.SplitN(text, "\n", 2)[0], st.want, text)
			}

			res := runAxe(t, ctx, axeJS)
			for _, v := range res.Violations {
				var b strings.Builder
				for _, n := range v.Nodes {
					fmt.Fprintf(&b, "\n    %s: %s\n      %s", n.Target, n.HTML, strings.ReplaceAll(n.Summary, "\n", "\n      "))
				}
				t.Errorf("axe: %s (%s): %s%s", v.ID, v.Impact, v.Help, b.String())
			}
			if len(res.Incomplete) > 0 {
				t.Logf("axe: to review by hand: %s", strings.Join(res.Incomplete, ", "))
			}

			// A phone-sized full-page screenshot.
			shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			name := filepath.Join(shots, lang+"-"+st.name+".png")
			if err := os.WriteFile(name, shot, 0o644); err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(shot))
			if err != nil {
				t.Fatalf("screenshot is not a PNG: %v", err)
			}
			b := img.Bounds()
			colours := map[uint32]bool{}
			for y := b.Min.Y; y < b.Max.Y; y += 3 {
				for x := b.Min.X; x < b.Max.X; x += 3 {
					r, g, bl, _ := img.At(x, y).RGBA()
					colours[r>>8<<16|g>>8<<8|bl>>8] = true
				}
			}
			if b.Dx() != 390 || b.Dy() < 400 || len(colours) < 16 {
				t.Fatalf("screenshot %s: %dx%d with %d colours", name, b.Dx(), b.Dy(), len(colours))
			}

			// Nothing scrolls sideways on a 320 px phone.
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(320, 640, chromedp.EmulateMobile, chromedp.EmulatePortrait)); err != nil {
				t.Fatal(err)
			}
			overflow, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - document.documentElement.clientWidth`))
			if err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulatePortrait)); err != nil {
				t.Fatal(err)
			}
			if overflow > 0 {
				t.Errorf("the page is %d px wider than a 320 px screen", overflow)
			}

			// The page loaded nothing but itself (and the form it posted).
			mu.Lock()
			defer mu.Unlock()
			for _, u := range requests {
				if !strings.HasPrefix(u, e.url+"/") {
					t.Errorf("the page requested %s", u)
				}
			}
		})
	}
	t.Logf("screenshots in %s", shots)
}

// runAxe injects axe-core into the page through DevTools (Runtime.evaluate
// is not subject to the page's CSP) and runs it.
func runAxe(t *testing.T, ctx context.Context, axeJS []byte) axeResult {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](string(axeJS))); err != nil {
		t.Fatalf("injecting axe-core: %v", err)
	}
	res, err := chromedp.Run(ctx, chromedp.Evaluate[axeResult](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe.run: %v", err)
	}
	if res.Passes == 0 {
		t.Fatal("axe ran no rule")
	}
	return res
}

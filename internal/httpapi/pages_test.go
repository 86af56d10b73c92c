package httpapi

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"certa.example/certa/engine"
	"certa.example/certa/verify"
)

func TestAcceptLang(t *testing.T) {
	for _, tc := range []struct{ header, want string }{
		{"", "it"},
		{"en", "en"},
		{"en-GB", "en"},
		{"EN-us,en;q=0.9", "en"},
		{"it-IT,it;q=0.9,en-US;q=0.8,en;q=0.7", "it"},
		{"en-US,en;q=0.9,it;q=0.8", "en"},
		{"de-DE,de;q=0.9,en;q=0.5", "en"},
		{"de, fr", "it"},      // neither: the legal default
		{"fr, *;q=0.5", "it"}, // a wildcard accepts both: Italian first
		{"it;q=0, *", "en"},   // Italian refused, anything else welcome
		{"en;q=0", "it"},
		{"it;q=0.5, en;q=0.5", "it"}, // a tie goes to the one listed first
		{"en;q=0.5, it;q=0.5", "en"},
		{"en;q=0.2, en-GB;q=0.8, it;q=0.5", "en"}, // the best English range counts
		{"en;q=abc, it;q=0.3", "it"},              // a malformed weight drops its range
		{"en;q=2", "it"},
		{" en ; q=0.8 , it ; q=0.9", "it"},
	} {
		if got := acceptLang(tc.header); got != tc.want {
			t.Errorf("Accept-Language %q: %s, want %s", tc.header, got, tc.want)
		}
	}
}

func TestPageLangQueryWins(t *testing.T) {
	for _, tc := range []struct{ url, accept, want string }{
		{"/v/X?lang=en", "it", "en"},
		{"/v/X?lang=IT", "en", "it"},
		{"/v/X?lang=de", "en", "en"}, // an unknown choice falls back to the header
		{"/v/X", "en", "en"},
		{"/v/X", "", "it"},
	} {
		r := httptest.NewRequest("GET", tc.url, nil)
		r.Header.Set("Accept-Language", tc.accept)
		if got := pageLang(r); got != tc.want {
			t.Errorf("%s with %q: %s, want %s", tc.url, tc.accept, got, tc.want)
		}
	}
}

// Every string of the catalogue exists in both languages, with the same
// format verbs, and every map has the same keys.
func TestCatalogueComplete(t *testing.T) {
	verbs := regexp.MustCompile(`%[a-z]`)
	it, en := reflect.ValueOf(textIT), reflect.ValueOf(textEN)
	for i := 0; i < it.NumField(); i++ {
		name := it.Type().Field(i).Name
		a, b := it.Field(i), en.Field(i)
		switch a.Kind() {
		case reflect.String:
			if a.String() == "" || b.String() == "" {
				t.Errorf("%s is empty in a language", name)
			}
			if va, vb := verbs.FindAllString(a.String(), -1), verbs.FindAllString(b.String(), -1); !reflect.DeepEqual(va, vb) {
				t.Errorf("%s: verbs %v in Italian, %v in English", name, va, vb)
			}
		case reflect.Map:
			if a.Len() != b.Len() || a.Len() == 0 {
				t.Errorf("%s: %d Italian entries, %d English", name, a.Len(), b.Len())
			}
			for _, k := range a.MapKeys() {
				if !b.MapIndex(k).IsValid() {
					t.Errorf("%s[%v] has no English text", name, k)
				}
			}
		default:
			t.Errorf("%s: unexpected kind %s", name, a.Kind())
		}
	}
	for _, st := range []string{stateValid, stateExpired, stateRevoked, stateUnknown, stateSealInvalid} {
		for _, tx := range []*text{&textIT, &textEN} {
			s := tx.States[st]
			if s.Class == "" || s.Symbol == "" || s.Heading == "" || s.Text == "" {
				t.Errorf("state %s is not fully described in %s", st, tx.LangName)
			}
		}
	}
}

func TestSizeText(t *testing.T) {
	for _, tc := range []struct {
		n          int64
		lang, want string
	}{
		{10 << 20, "it", "10\u00a0MB"},
		{3 << 19, "it", "1,5\u00a0MB"},
		{3 << 19, "en", "1.5\u00a0MB"},
		{4096, "en", "4\u00a0kB"},
		{100, "it", "100\u00a0byte"},
	} {
		if got := sizeText(tc.n, tc.lang); got != tc.want {
			t.Errorf("sizeText(%d, %s) = %q, want %q", tc.n, tc.lang, got, tc.want)
		}
	}
}

func TestShownCode(t *testing.T) {
	long := strings.Repeat("è", 50)
	got := shownCode(long)
	if !strings.HasSuffix(got, "…") || len([]rune(got)) != maxShownCode+1 {
		t.Fatalf("shownCode cut %q", got)
	}
	if shownCode("ab\xffc") != "ab\uFFFDc" {
		t.Fatal("invalid UTF-8 is kept")
	}
}

func TestTypeTitle(t *testing.T) {
	if got := typeTitle("residenza+cittadinanza"); got != "CERTIFICATO DI RESIDENZA + CERTIFICATO DI CITTADINANZA" {
		t.Fatalf("contestuale title %q", got)
	}
	if got := typeTitle("nuovo"); got != "nuovo" {
		t.Fatalf("unknown type title %q", got)
	}
}

// pageServer is a Server that can render pages; its engine and verifier
// are never called.
func pageServer(t testing.TB) *Server {
	t.Helper()
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		rome = time.UTC
	}
	s, err := New(Config{Engine: &engine.Engine{}, Verifier: &verify.Verifier{}, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		MaxUpload: 10 << 20, Location: rome})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Sample views of every state, for the rendering tests and the
// accessibility test (see PagesHandlerForTest).
var sampleNow = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

func sampleView(name, lang string) (statusView, bool) {
	base := statusView{Lang: lang, Code: "7K2M-9QXD-4HRT-W3ZP", State: stateValid,
		TypeTitle: "CERTIFICATO DI RESIDENZA", Holder: "D'ANGELO MARIA GRAZIA", Comune: "LODI",
		IssuedAt: sampleNow.AddDate(0, -1, 0), ExpiresAt: sampleNow.AddDate(0, 5, 0), CheckedAt: sampleNow}
	switch name {
	case "valid":
	case "seal":
		base.BirthDate = time.Date(1984, 11, 3, 0, 0, 0, 0, time.UTC)
		base.Verifications = 3
		base.Seal = &sealView{Valid: true, Matches: true, Facts: []factView{
			{Label: map[string]string{"it": "Indirizzo", "en": "Address"}[lang], Value: "VIA XX SETTEMBRE 12, 26900 LODI (LO)"},
			{Label: map[string]string{"it": "Stato civile", "en": "Civil status"}[lang], Value: "CONIUGATA"},
		}}
	case "revoked":
		base.State = stateRevoked
		base.Revoked = &revocationView{At: sampleNow.AddDate(0, 0, -2), Reason: "replaced", ReplacedBy: "N4WQ-Y8CA-2B5F-T7JS"}
		base.Verifications = 1
	case "expired":
		base.State = stateExpired
		base.IssuedAt, base.ExpiresAt = sampleNow.AddDate(-1, 0, 0), sampleNow.AddDate(0, -6, 0)
	case "unknown":
		base = statusView{Lang: lang, Code: "ZZZZ-ZZZZ-ZZZZ-ZZZZ", State: stateUnknown, CheckedAt: sampleNow}
	case "seal-invalid":
		base.State = stateSealInvalid
		base.Seal = &sealView{Problem: "untrusted"}
	case "seal-mismatch":
		base.State = stateSealInvalid
		base.Seal = &sealView{Valid: true, Problem: "mismatch"}
	default:
		return statusView{}, false
	}
	return base, true
}

// PagesHandlerForTest serves what the tests of this package's public
// pages need: the page routes (pageRoutes) before s's own Handler, and at
// GET /test/status/{name} the verification page of a sample view (see
// sampleView), in the request's language.
func PagesHandlerForTest(s *Server) http.Handler {
	r := chi.NewRouter()
	r.Use(s.recoverer, securityHeaders)
	s.pageRoutes(r)
	r.Get("/test/status/{name}", func(w http.ResponseWriter, r *http.Request) {
		v, ok := sampleView(chi.URLParam(r, "name"), pageLang(r))
		if !ok {
			http.NotFound(w, r)
			return
		}
		s.renderStatus(w, r, v)
	})
	r.NotFound(s.Handler().ServeHTTP)
	r.MethodNotAllowed(s.Handler().ServeHTTP)
	return r
}

func get(t *testing.T, h http.Handler, url string, headers ...string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result(), rec.Body.String()
}

func TestStatusStates(t *testing.T) {
	h := PagesHandlerForTest(pageServer(t))
	for _, tc := range []struct {
		name string
		want map[string][]string
		not  []string
	}{
		{"valid", map[string][]string{
			"it": {"Certificato valido", "✔", "D&#39;ANGELO MARIA GRAZIA", "CERTIFICATO DI RESIDENZA", "14/02/2025", "14/08/2025", "Confronta il tuo file", `action="/v/7K2M-9QXD-4HRT-W3ZP/compare"`, "massimo 10\u00a0MB", "Verificato il 14/03/2025 10:26:53 CET"},
			"en": {"Valid certificate", "Holder", "Valid until", "14/08/2025", "Compare your file", "at most 10\u00a0MB", "Checked on 14/03/2025"},
		}, []string{"Data di nascita", "Date of birth", "verificato una volta", "checked once", "Sigillo", "seal"}},
		{"seal", map[string][]string{
			"it": {"Data di nascita", "03/11/1984", "Sigillo autentico", "Indirizzo", "VIA XX SETTEMBRE 12", "verificato 3 volte"},
			"en": {"Date of birth", "03/11/1984", "Authentic seal", "Facts certified in the QR code", "Address", "checked 3 times"},
		}, nil},
		{"revoked", map[string][]string{
			"it": {"Certificato revocato", "✖", "Revocato il", "12/03/2025", "sostituito da un nuovo certificato", `href="/v/N4WQ-Y8CA-2B5F-T7JS"`, "verificato una volta"},
			"en": {"Certificate revoked", "Revoked on", "12/03/2025", "replaced by a new certificate", "Replaced by certificate", `href="/v/N4WQ-Y8CA-2B5F-T7JS"`, "checked once"},
		}, []string{"Certificato valido", "Valid certificate"}},
		{"expired", map[string][]string{
			"it": {"Certificato scaduto", "⚠"},
			"en": {"Certificate expired", "⚠"},
		}, nil},
		{"unknown", map[string][]string{
			"it": {"Codice sconosciuto", "ZZZZ-ZZZZ-ZZZZ-ZZZZ"},
			"en": {"Unknown code", "No certificate has this code"},
		}, []string{"<dl>", "compare", "Intestatario", "Holder"}},
		{"seal-invalid", map[string][]string{
			"it": {"Sigillo non autentico", "non è riconosciuta"},
			"en": {"Seal not authentic", "not recognised"},
		}, []string{"Indirizzo", "Address", "Certificato valido", "Valid certificate"}},
		{"seal-mismatch", map[string][]string{
			"it": {"Sigillo non autentico", "non corrispondono"},
			"en": {"Seal not authentic", "do not match"},
		}, []string{"Authentic seal", "Sigillo autentico"}},
	} {
		for _, lang := range []string{"it", "en"} {
			t.Run(tc.name+"/"+lang, func(t *testing.T) {
				resp, html := get(t, h, "/test/status/"+tc.name, "Accept-Language", lang)
				if resp.StatusCode != 200 {
					t.Fatalf("status %d: %s", resp.StatusCode, html)
				}
				if resp.Header.Get("Content-Language") != lang || !strings.Contains(strings.Join(resp.Header.Values("Vary"), ","), "Accept-Language") {
					t.Fatalf("headers %v", resp.Header)
				}
				if !strings.Contains(html, `<html lang="`+lang+`">`) {
					t.Fatal("no <html lang>")
				}
				for _, w := range tc.want[lang] {
					if !strings.Contains(html, w) {
						t.Errorf("page lacks %q", w)
					}
				}
				for _, w := range tc.not {
					if strings.Contains(html, w) {
						t.Errorf("page has %q", w)
					}
				}
				// The switch links to the same path in both languages.
				for _, l := range []string{"it", "en"} {
					if !strings.Contains(html, `href="/test/status/`+tc.name+`?lang=`+l+`" lang="`+l+`" hreflang="`+l+`"`) {
						t.Errorf("no switch link to %s", l)
					}
				}
				if n := strings.Count(html, "<h1>"); n != 1 {
					t.Errorf("%d h1", n)
				}
			})
		}
	}
}

// A language chosen in the query sticks to the page's links and forms.
func TestLangQueryCarried(t *testing.T) {
	h := PagesHandlerForTest(pageServer(t))
	_, html := get(t, h, "/test/status/revoked?lang=en", "Accept-Language", "it")
	for _, w := range []string{`<html lang="en">`, `href="/v/N4WQ-Y8CA-2B5F-T7JS?lang=en"`, `action="/v/7K2M-9QXD-4HRT-W3ZP/compare?lang=en"`, `href="/verifica?lang=en"`, `aria-current="true">English`} {
		if !strings.Contains(html, w) {
			t.Errorf("page lacks %s", w)
		}
	}
	_, html = get(t, h, "/test/status/revoked", "Accept-Language", "en")
	if strings.Contains(html, "?lang=en\"") && !strings.Contains(html, `href="/test/status/revoked?lang=en"`) {
		t.Error("header-chosen language leaks into links")
	}
	if strings.Contains(html, `href="/verifica?lang`) {
		t.Error("a language from Accept-Language is written into links")
	}
}

func TestVerificaPageLanguages(t *testing.T) {
	h := PagesHandlerForTest(pageServer(t))
	for lang, want := range map[string][]string{
		"it": {"Verifica di un certificato PDF", "massimo 10\u00a0MB", `<label for="file">`, ">Verifica</button>"},
		"en": {"Verify a PDF certificate", "at most 10\u00a0MB", `<label for="file">`, ">Verify</button>"},
	} {
		resp, html := get(t, h, "/verifica?lang="+lang)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Language") != lang {
			t.Fatalf("%s: %d %v", lang, resp.StatusCode, resp.Header)
		}
		for _, w := range want {
			if !strings.Contains(html, w) {
				t.Errorf("%s: page lacks %q", lang, w)
			}
		}
	}
}

func TestReportView(t *testing.T) {
	rep := &verify.Report{Verdict: verify.Indeterminate, Message: "Not complete.", MessageIT: "Non completo.", Checks: []verify.Check{
		{Name: verify.CheckSignaturePresent, Status: verify.Passed, OK: true, Message: "One signature.", MessageIT: "Una firma."},
		{Name: verify.CheckTimestamp, Status: verify.NotApplicable, Message: "No timestamp."},
		{Name: verify.CheckTrust, Status: verify.Unavailable, Message: "Offline.", MessageIT: "Non in linea."},
		{Name: "something-new", Status: "odd", Message: "Bad."},
	}, Signer: &verify.SignerInfo{CommonName: "Comune di Lodi DEMO", Organization: "Comune di Lodi"}}
	v := newReportView("it", rep)
	if v.Verdict != "indeterminate" || v.Message != "Non completo." || len(v.Checks) != 4 {
		t.Fatalf("%+v", v)
	}
	want := []checkView{
		{ID: verify.CheckSignaturePresent, Label: "Presenza della firma digitale", Status: "passed", Message: "Una firma."},
		{ID: verify.CheckTimestamp, Label: "Marca temporale della firma", Status: "not-applicable", Message: "No timestamp.", MsgLang: "en"},
		{ID: verify.CheckTrust, Label: "Attendibilità del firmatario", Status: "unavailable", Message: "Non in linea."},
		{ID: "something-new", Label: "something-new", Status: "failed", Message: "Bad.", MsgLang: "en"},
	}
	if !reflect.DeepEqual(v.Checks, want) {
		t.Fatalf("checks\n%+v\nwant\n%+v", v.Checks, want)
	}
	if v.Signer != "Comune di Lodi DEMO, Comune di Lodi" {
		t.Fatalf("signer %q", v.Signer)
	}
	en := newReportView("en", rep)
	if en.Message != "Not complete." || en.Checks[0].MsgLang != "" || en.Checks[0].Label != "Digital signature present" || en.Checks[0].Message != "One signature." {
		t.Fatalf("%+v", en.Checks[0])
	}
	// Every verdict and check the verifier has is named in both languages.
	for _, tx := range []*text{&textIT, &textEN} {
		for _, vd := range []verify.Verdict{verify.Valid, verify.Invalid, verify.Revoked, verify.Expired, verify.Unknown, verify.Indeterminate, verify.NotCerta} {
			if _, ok := tx.Verdicts[string(vd)]; !ok {
				t.Errorf("%s: no verdict %s", tx.LangName, vd)
			}
		}
		for _, c := range verify.CheckNames() {
			if tx.CheckLabels[c] == "" {
				t.Errorf("%s: no label for check %s", tx.LangName, c)
			}
		}
	}
}

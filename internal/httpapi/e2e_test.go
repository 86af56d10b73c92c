package httpapi_test

import (
	"bytes"
	"context"
	"crypto"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"certa.example/certa/engine"
	"certa.example/certa/internal/httpapi"
	"certa.example/certa/internal/registry"
	"certa.example/certa/internal/setup"
	"certa.example/certa/internal/store/postgres"
	"certa.example/certa/internal/testutil"
	"certa.example/certa/signer"
	"certa.example/certa/templates"
	"certa.example/certa/verify"
)

type env struct {
	t      *testing.T
	url    string
	key    string
	emb    *setup.Env
	people []registry.Person
	logs   *bytes.Buffer
	// handler is the server's router, unwrapped.
	handler http.Handler
}

func newEnv(t *testing.T, maxUpload int64) *env {
	return newEnvOn(t, maxUpload, "")
}

// newEnvOn runs the server on PostgreSQL at dbURL (migrated and seeded
// here), or on the embedded store when dbURL is empty.
func newEnvOn(t *testing.T, maxUpload int64, dbURL string, opts ...func(*httpapi.Config, *setup.Env)) *env {
	t.Helper()
	ctx := context.Background()
	if dbURL != "" {
		if err := postgres.Migrate(ctx, dbURL, time.Now); err != nil {
			t.Fatal(err)
		}
	}
	emb, err := setup.Open(ctx, setup.Options{DataDir: t.TempDir(), DatabaseURL: dbURL, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emb.Close() })
	if dbURL != "" {
		if _, err := setup.Seed(ctx, emb.Store, emb.Comune, setup.DemoPostalCode, 11, 30, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	// The public URL must be known before the engine exists: listen first.
	ts := httptest.NewUnstartedServer(nil)
	publicURL := "http://" + ts.Listener.Addr().String()
	emb.DocumentRetention = 90 * 24 * time.Hour // as certa serve's default
	eng, err := emb.Engine(publicURL, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	cfg := httpapi.Config{
		Ready:  emb.Store.Ready,
		Engine: eng, Verifier: &verify.Verifier{Roots: emb.Roots, Ledger: emb.Store, SealTrust: emb.SealTrust(), Now: time.Now},
		Log: slog.New(slog.NewTextHandler(logs, nil)), APIKeys: emb.APIKeys, MaxUpload: maxUpload,
	}
	for _, o := range opts {
		o(&cfg, emb)
	}
	srv, err := httpapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	handler := srv.Handler()
	ts.Config.Handler = recordResponses(handler)
	ts.Start()
	t.Cleanup(ts.Close)
	flushCtx, stopFlush := context.WithCancel(ctx)
	flushed := make(chan struct{})
	go func() { srv.FlushVerifications(flushCtx, 10*time.Millisecond); close(flushed) }()
	t.Cleanup(func() { stopFlush(); <-flushed })
	key, err := os.ReadFile(emb.APIKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	people, err := setup.CertifiableResidents(ctx, emb.Store, 10000)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, url: publicURL, key: strings.TrimSpace(string(key)), emb: emb, people: people, logs: logs, handler: handler}
}

func (e *env) do(method, path string, body io.Reader, headers ...string) (*http.Response, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, b
}

// paidBollo is a stamp duty paid with a contrassegno telematico.
var paidBollo = json.RawMessage(`{"paid":{"marca":"01234567890123"}}`)

const paidJSON = `,"bollo":{"paid":{"marca":"01234567890123"}}`

// counterJSON puts a request on the counter channel (the demo key may).
const counterJSON = `,"channel":"counter","operator":"sportello-1","id_document":{"type":"cie","number":"CA00000AA"}`

// bolloJSON is a paid stamp duty on the counter channel.
const bolloJSON = paidJSON + counterJSON

// onlineJSON puts a request on the online channel, for citizen cf.
func onlineJSON(cf string) string { return `,"channel":"online","requester":"` + cf + `"` }

func (e *env) issue(typ, subject, accept string) (*http.Response, []byte) {
	body, _ := json.Marshal(map[string]any{"type": typ, "subject": subject, "bollo": paidBollo, "channel": "online", "requester": subject})
	return e.do("POST", "/api/v1/certificates", bytes.NewReader(body),
		"Authorization", "Bearer "+e.key, "Content-Type", "application/json", "Accept", accept)
}

// a resident whose name has an accent or apostrophe, if any.
func (e *env) subjectWithHousehold(t *testing.T) registry.Subject {
	t.Helper()
	for _, p := range e.people {
		s, err := e.emb.Store.Subject(context.Background(), p.FiscalCode)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Household.Members) >= 3 && s.Household.Members[2].Removal == nil {
			return s
		}
	}
	t.Fatal("no household with three members in the synthetic registry")
	return registry.Subject{}
}

func TestIssuePDFEndToEnd(t *testing.T) {
	testutil.RequireTools(t, "pdfsig", "qpdf", "pdftotext", "pdftoppm", "zbarimg", "certutil")
	e := newEnv(t, 10<<20)
	subj := e.subjectWithHousehold(t)

	for _, typ := range []string{"residenza", "stato_famiglia"} {
		t.Run(typ, func(t *testing.T) {
			resp, pdf := e.issue(typ, subj.Person.FiscalCode, "application/pdf")
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("status %d: %s", resp.StatusCode, pdf)
			}
			code := resp.Header.Get("Certa-Code")
			if code == "" || resp.Header.Get("Location") != "/api/v1/certificates/"+code {
				t.Fatalf("headers: %v", resp.Header)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/pdf" || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
				t.Fatalf("content type %q", ct)
			}
			dir := t.TempDir()
			path := filepath.Join(dir, "cert.pdf")
			os.WriteFile(path, pdf, 0o600)

			// Signature: valid, trusted through the demo root, whole file.
			rep := testutil.Pdfsig(t, testutil.NSSDB(t, e.emb.RootPath), path)
			if !rep.Valid || !rep.Trusted || !rep.WholeDocument {
				t.Fatalf("pdfsig:\n%s", rep.Raw)
			}
			if out, code := testutil.Run(t, "qpdf", "--check", path); code != 0 {
				t.Fatalf("qpdf --check exit %d:\n%s", code, out)
			}
			if out, _ := testutil.Run(t, "pdffonts", path); strings.Contains(out, " no  ") && !strings.Contains(out, "emb") {
				t.Fatalf("fonts not embedded:\n%s", out)
			}

			// Text: title, holder, code, legal notice, with accents intact.
			text, _ := testutil.Run(t, "pdftotext", "-enc", "UTF-8", path, "-")
			want := []string{templatesTitle(typ), subj.Person.Surname + " " + subj.Person.Name, code, "art. 40", "Validità", "COMUNE DI LODI (LO)"}
			if typ == "stato_famiglia" {
				for _, m := range subj.Household.Members {
					want = append(want, m.Surname+" "+m.Name)
				}
			}
			for _, w := range want {
				if !strings.Contains(text, w) {
					t.Errorf("pdftotext lacks %q:\n%s", w, text)
				}
			}

			// QR: rendered at 150 dpi, decoded by zbar, opens the status.
			if out, code := testutil.Run(t, "pdftoppm", "-r", "150", "-png", "-singlefile", path, filepath.Join(dir, "page")); code != 0 {
				t.Fatal(out)
			}
			codes, err := testutil.DecodeQR(t, filepath.Join(dir, "page.png"))
			if err != nil || len(codes) != 1 {
				t.Fatalf("QR decoding: %v %q", err, codes)
			}
			// The QR holds the upper-case URL with the seal, all in QR's
			// alphanumeric set.
			scanned := codes[0]
			prefix := e.url + "/v/" + code + "/"
			if len(scanned) <= len(prefix) || !strings.EqualFold(scanned[:len(prefix)], prefix) || scanned != strings.ToUpper(scanned) {
				t.Fatalf("QR holds %q, want %s<seal> in upper case", scanned, prefix)
			}
			if strings.Trim(scanned, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:") != "" {
				t.Fatalf("QR text %q leaves the alphanumeric set", scanned)
			}
			req, _ := http.NewRequest("GET", scanned, nil)
			req.Header.Set("Accept", "application/json")
			sresp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var st map[string]any
			json.NewDecoder(sresp.Body).Decode(&st)
			sresp.Body.Close()
			if st["status"] != "valid" || st["code"] != code || st["holder"] != subj.Person.Surname+" "+subj.Person.Name {
				t.Fatalf("status via QR URL: %v", st)
			}
			sl, _ := st["seal"].(map[string]any)
			claims, _ := sl["claims"].(map[string]any)
			if sl["authentic"] != true || sl["problem"] != nil || claims["holder"] != subj.Person.Surname+" "+subj.Person.Name ||
				claims["birth_date"] != subj.Person.BirthDate.Format("2006-01-02") {
				t.Fatalf("seal via QR URL: %v", st["seal"])
			}

			// Upload verification agrees, and notices tampering.
			vr := e.verifyUpload(t, pdf)
			if vr.Verdict != verify.Valid || vr.Certificate == nil || vr.Certificate.Code != code {
				t.Fatalf("verify: %+v", vr)
			}
			tampered := append([]byte(nil), pdf...)
			i := bytes.Index(tampered, []byte("COMUNE"))
			if i < 0 {
				i = len(tampered) / 3
			}
			tampered[i+1] ^= 0x01
			if vr := e.verifyUpload(t, tampered); vr.Verdict != verify.Invalid {
				t.Fatalf("tampered file: %+v", vr)
			}
			appended := append(append([]byte(nil), pdf...), []byte("\n1 0 obj\n<<>>\nendobj\n%%EOF\n")...)
			if vr := e.verifyUpload(t, appended); vr.Verdict != verify.Invalid {
				t.Fatalf("appended file: %+v", vr)
			}
		})
	}
}

func templatesTitle(typ string) string {
	ty, _ := templates.LookupType(typ)
	return ty.Title
}

func (e *env) verifyUpload(t *testing.T, pdf []byte) verify.Report {
	t.Helper()
	resp, body := e.do("POST", "/api/v1/verify", bytes.NewReader(pdf), "Content-Type", "application/pdf")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("verify status %d: %s", resp.StatusCode, body)
	}
	var rep verify.Report
	if err := json.Unmarshal(body, &rep); err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestIssueJSON(t *testing.T) {
	e := newEnv(t, 10<<20)
	p := e.people[0]
	resp, body := e.issue("residenza", strings.ToLower(p.FiscalCode), "application/json")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var got struct {
		VerifyURL string    `json:"verify_url"`
		IssuedAt  time.Time `json:"issued_at"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	var raw map[string]any
	json.Unmarshal(body, &raw)
	for _, k := range []string{"code", "type", "issued_at", "expires_at", "sha256", "verify_url"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("response lacks %q: %s", k, body)
		}
	}
	json.Unmarshal(body, &got)
	code := raw["code"].(string)
	if got.VerifyURL != e.url+"/v/"+code || resp.Header.Get("Certa-Code") != code {
		t.Fatalf("verify_url %q", got.VerifyURL)
	}
	if d := got.ExpiresAt.Sub(got.IssuedAt); d < 181*24*time.Hour || d > 184*24*time.Hour {
		t.Fatalf("validity %v is not six months", d)
	}
	// The Location resolves to the same record.
	resp, body = e.do("GET", resp.Header.Get("Location"), nil, "Authorization", "Bearer "+e.key)
	if resp.StatusCode != 200 || !strings.Contains(string(body), raw["sha256"].(string)) {
		t.Fatalf("GET Location: %d %s", resp.StatusCode, body)
	}
	// The ledger holds subject, requester, channel and the citizen.
	rec, err := e.emb.Store.ByCode(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Subject != p.FiscalCode || rec.Requester != setup.DemoClientID || rec.Channel != "online" || rec.Citizen != p.FiscalCode || hex.EncodeToString(rec.SHA256[:]) != raw["sha256"] {
		t.Fatalf("ledger record %+v", rec)
	}
}

// TestIssueLanguage: "language" chooses a bilingual certificate, which
// only a comune with a second official language issues; the demo comune,
// Lodi, has Italian only.
func TestIssueLanguage(t *testing.T) {
	e := newEnv(t, 10<<20)
	good := e.people[0].FiscalCode
	auth := []string{"Authorization", "Bearer " + e.key, "Content-Type", "application/json", "Accept", "application/json"}
	resp, body := e.do("POST", "/api/v1/certificates", strings.NewReader(`{"type":"residenza","subject":"`+good+`","language":"it"`+bolloJSON+`}`), auth...)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("language it: status %d: %s", resp.StatusCode, body)
	}
	before := auditCount(t, e)
	for _, langs := range []string{"it-fr", "it-de", "fr", "english"} {
		resp, body := e.do("POST", "/api/v1/certificates", strings.NewReader(`{"type":"residenza","subject":"`+good+`","language":"`+langs+`"`+bolloJSON+`}`), auth...)
		checkProblem(t, resp, body, http.StatusBadRequest, "invalid-request")
		var p httpapi.Problem
		json.Unmarshal(body, &p)
		want := "unsupported language"
		if strings.HasPrefix(langs, "it-") {
			want = "has no second official language"
		}
		if !strings.Contains(p.Detail, want) || strings.Contains(string(body), good) {
			t.Errorf("language %s: problem %+v", langs, p)
		}
	}
	if after := auditCount(t, e); after != before {
		t.Fatalf("refused languages left %d audit events", after-before)
	}
}

func TestBadInput(t *testing.T) {
	e := newEnv(t, 10<<20)
	good := e.people[0].FiscalCode
	// A well-formed, checksum-valid code that is not in the registry.
	absent := "RSSMRA85T10A562S"
	auth := []string{"Authorization", "Bearer " + e.key, "Content-Type", "application/json", "Accept", "application/json"}
	with := func(h []string, kv ...string) []string { return append(append([]string(nil), h...), kv...) }
	for _, tc := range []struct {
		name    string
		method  string
		path    string
		body    string
		headers []string
		status  int
		problem string
	}{
		{"unknown type", "POST", "/api/v1/certificates", `{"type":"passaporto","subject":"` + good + `"` + bolloJSON + `}`, auth, 422, "unknown-type"},
		{"bad checksum", "POST", "/api/v1/certificates", `{"type":"residenza","subject":"` + good[:15] + flip(good[15]) + `"` + bolloJSON + `}`, auth, 422, "invalid-fiscal-code"},
		{"malformed code", "POST", "/api/v1/certificates", `{"type":"residenza","subject":"NOT-A-CODE"` + bolloJSON + `}`, auth, 422, "invalid-fiscal-code"},
		{"unknown subject", "POST", "/api/v1/certificates", `{"type":"residenza","subject":"` + absent + `"` + bolloJSON + `}`, auth, 404, "subject-not-found"},
		{"missing fields", "POST", "/api/v1/certificates", `{"type":"residenza"}`, auth, 400, "invalid-request"},
		{"unknown field", "POST", "/api/v1/certificates", `{"type":"residenza","subject":"` + good + `","x":1}`, auth, 400, "invalid-request"},
		{"not json", "POST", "/api/v1/certificates", `type=residenza`, auth, 400, "invalid-request"},
		{"two objects", "POST", "/api/v1/certificates", `{"type":"residenza","subject":"` + good + `"}{}`, auth, 400, "invalid-request"},
		{"wrong field type", "POST", "/api/v1/certificates", `{"type":8,"subject":"` + good + `"}`, auth, 400, "invalid-request"},
		{"no key", "POST", "/api/v1/certificates", `{}`, []string{"Content-Type", "application/json"}, 401, "unauthorized"},
		{"wrong key", "POST", "/api/v1/certificates", `{}`, with(auth, "Authorization", "Bearer nope"), 401, "unauthorized"},
		{"not acceptable", "POST", "/api/v1/certificates", `{}`, with(auth, "Accept", "text/html"), 406, "not-acceptable"},
		{"wrong content type", "POST", "/api/v1/certificates", `{}`, with(auth, "Content-Type", "text/plain"), 415, "unsupported-media-type"},
		{"empty upload", "POST", "/api/v1/verify", ``, []string{"Content-Type", "application/pdf"}, 422, "not-a-pdf"},
		{"non-pdf upload", "POST", "/api/v1/verify", `hello, I am not a PDF`, []string{"Content-Type", "application/pdf"}, 422, "not-a-pdf"},
		{"upload wrong type", "POST", "/api/v1/verify", `%PDF-1.4`, []string{"Content-Type", "text/plain"}, 415, "unsupported-media-type"},
		{"unknown route", "GET", "/nope", ``, nil, 404, "not-found"},
		{"unknown certificate", "GET", "/api/v1/certificates/ABCD-EFGH-JKMN-PQRS", ``, auth, 404, "not-found"},
		{"wrong method", "DELETE", "/api/v1/certificates", ``, auth, 400, "invalid-request"},
		{"no bollo", "POST", "/api/v1/certificates", `{"type":"residenza","subject":"` + good + `"` + onlineJSON(good) + `}`, auth, 400, "invalid-request"},
		{"bad marca", "POST", "/api/v1/certificates", `{"type":"residenza","subject":"` + good + `","bollo":{"paid":{"marca":"123"}}` + onlineJSON(good) + `}`, auth, 400, "invalid-request"},
		{"unknown bollo member", "POST", "/api/v1/certificates", `{"type":"residenza","subject":"` + good + `","bollo":{"cash":{}}` + onlineJSON(good) + `}`, auth, 400, "invalid-request"},
		{"judicial use without exemption", "POST", "/api/v1/certificates", `{"type":"residenza","subject":"` + good + `","use":"judicial"` + bolloJSON + `}`, auth, 400, "invalid-request"},
		{"unknown use", "POST", "/api/v1/certificates", `{"type":"residenza","subject":"` + good + `","use":"shopping"` + bolloJSON + `}`, auth, 400, "invalid-request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.do(tc.method, tc.path, strings.NewReader(tc.body), tc.headers...)
			checkProblem(t, resp, body, tc.status, tc.problem)
			if strings.Contains(string(body), good) || strings.Contains(string(body), absent) {
				t.Fatalf("problem echoes the fiscal code: %s", body)
			}
		})
	}
	if before, after := auditCount(t, e), auditCount(t, e); before != after {
		t.Fatal("audit changed")
	}
	// Nothing above was recorded.
	if n := auditCount(t, e); n != 0 {
		t.Fatalf("bad requests left %d audit events", n)
	}
	// No personal data in the logs.
	if strings.Contains(e.logs.String(), good) || strings.Contains(e.logs.String(), absent) {
		t.Fatalf("log holds a fiscal code:\n%s", e.logs.String())
	}
}

func TestOversizedUpload(t *testing.T) {
	e := newEnv(t, 4096)
	big := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("x"), 8192)...)
	resp, body := e.do("POST", "/api/v1/verify", bytes.NewReader(big), "Content-Type", "application/pdf")
	checkProblem(t, resp, body, 413, "payload-too-large")
	// Chunked, without Content-Length, is bounded too.
	req, _ := http.NewRequest("POST", e.url+"/api/v1/verify", io.MultiReader(bytes.NewReader(big)))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/pdf")
	r2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := io.ReadAll(r2.Body)
	r2.Body.Close()
	checkProblem(t, r2, b2, 413, "payload-too-large")
}

func checkProblem(t *testing.T, resp *http.Response, body []byte, status int, slug string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q: %s", ct, body)
	}
	var p httpapi.Problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	if p.Type != httpapi.ProblemTypeBase+slug || p.Status != status || p.Title == "" {
		t.Fatalf("problem %+v, want type %s", p, slug)
	}
}

func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

func auditCount(t *testing.T, e *env) int {
	t.Helper()
	n, err := e.emb.Store.AuditVerify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestStatusPage(t *testing.T) {
	e := newEnv(t, 10<<20)
	p := e.people[1]
	resp, body := e.issue("residenza", p.FiscalCode, "application/json")
	if resp.StatusCode != 201 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	code := resp.Header.Get("Certa-Code")
	resp, page := e.do("GET", "/v/"+strings.ToLower(strings.ReplaceAll(code, "-", "")), nil)
	html := string(page)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, w := range []string{"Certificato valido", p.Surname + " " + p.Name, "CERTIFICATO DI RESIDENZA", `lang="it"`, code} {
		if !strings.Contains(html, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	if strings.Contains(html, p.FiscalCode) {
		t.Fatal("public page shows the fiscal code")
	}
	if resp.Header.Get("Content-Security-Policy") == "" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Fatal("security headers missing")
	}
	_, page = e.do("GET", "/v/ZZZZ-ZZZZ-ZZZZ-ZZZZ", nil)
	if !strings.Contains(string(page), "Codice sconosciuto") {
		t.Fatal("unknown code page")
	}
	_, js := e.do("GET", "/V/garbage%20code", nil, "Accept", "application/json")
	if !strings.Contains(string(js), `"status": "unknown"`) {
		t.Fatalf("garbage code: %s", js)
	}
}

func TestVerificaUploadPage(t *testing.T) {
	e := newEnv(t, 10<<20)
	resp, pdf := e.issue("residenza", e.people[2].FiscalCode, "application/pdf")
	if resp.StatusCode != 201 {
		t.Fatal(resp.StatusCode)
	}
	resp, page := e.do("GET", "/verifica", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(page), `type="file"`) {
		t.Fatalf("form page: %d", resp.StatusCode)
	}
	post := func(data []byte) (int, string) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "cert.pdf")
		fw.Write(data)
		mw.Close()
		resp, body := e.do("POST", "/verifica", &buf, "Content-Type", mw.FormDataContentType())
		return resp.StatusCode, string(body)
	}
	if status, body := post(pdf); status != 200 || !strings.Contains(body, "Documento valido") {
		t.Fatalf("%d %s", status, body)
	}
	if status, body := post([]byte("nope")); status != 422 || !strings.Contains(body, "non è un documento PDF") {
		t.Fatalf("%d %s", status, body)
	}
}

// A signer that fails must leave no ledger row and no audit event.
func TestFailedSignatureLeavesNoRecord(t *testing.T) {
	ctx := context.Background()
	emb, err := setup.OpenEmbedded(ctx, t.TempDir(), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	broken, err := signer.NewSeal(failingKey{emb.Seal.Key}, emb.Seal.Chain)
	if err != nil {
		t.Fatal(err)
	}
	ps, _ := signer.NewPDFSigner(broken, signer.Info{Name: "x"}, signer.Options{})
	r, _ := templates.New()
	eng, _ := engine.New(engine.Config{Issuer: emb.Issuer, PublicURL: "http://127.0.0.1:1", Now: time.Now}, emb.Store, r, ps)
	people, _ := emb.Store.Residents(ctx, 1)
	_, err = eng.Issue(ctx, engine.Request{Type: "residenza", Subject: people[0].FiscalCode, Requester: "t", Channel: "t"})
	if err == nil {
		t.Fatal("issue succeeded with a failing key")
	}
	if n, _ := emb.Store.AuditVerify(ctx); n != 0 {
		t.Fatalf("%d audit events after a failed signature", n)
	}
}

type failingKey struct{ signer crypto.Signer }

func (k failingKey) Public() crypto.PublicKey { return k.signer.Public() }
func (k failingKey) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, io.ErrUnexpectedEOF
}

// The API behaves the same on PostgreSQL: issue, look up, verify.
func TestIssueOnPostgres(t *testing.T) {
	e := newEnvOn(t, 10<<20, testutil.PostgresSchema(t))
	p := e.people[0]
	resp, pdf := e.issue("stato_famiglia", p.FiscalCode, "application/pdf")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status %d: %s", resp.StatusCode, pdf)
	}
	code := resp.Header.Get("Certa-Code")
	_, js := e.do("GET", "/v/"+code, nil, "Accept", "application/json")
	if !strings.Contains(string(js), `"status": "valid"`) {
		t.Fatalf("status: %s", js)
	}
	if rep := e.verifyUpload(t, pdf); rep.Verdict != verify.Valid {
		t.Fatalf("verify: %+v", rep)
	}
	if resp, body := e.do("GET", "/readyz", nil); resp.StatusCode != 200 {
		t.Fatalf("readyz: %d %s", resp.StatusCode, body)
	}
}

// A store that cannot serve makes /readyz and issuance answer 503 with
// Retry-After, never 500.
func TestNotReadyWhenStoreCloses(t *testing.T) {
	e := newEnv(t, 10<<20)
	if resp, _ := e.do("GET", "/readyz", nil); resp.StatusCode != 200 {
		t.Fatalf("readyz before: %d", resp.StatusCode)
	}
	p := e.people[0]
	e.emb.Store.Close()
	resp, body := e.do("GET", "/readyz", nil)
	checkProblem(t, resp, body, 503, "unavailable")
	if resp.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	resp, body = e.issue("residenza", p.FiscalCode, "application/json")
	if resp.StatusCode != 503 && resp.StatusCode != 500 {
		t.Fatalf("issue on a closed store: %d %s", resp.StatusCode, body)
	}
	checkProblem(t, resp, body, 503, "unavailable")
}

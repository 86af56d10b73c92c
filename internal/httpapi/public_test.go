package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"certa.example/certa/internal/admission"
	"certa.example/certa/internal/httpapi"
	"certa.example/certa/internal/ratelimit"
	"certa.example/certa/internal/seal"
	"certa.example/certa/internal/setup"
)

// withLists publishes the trust and revocation lists and accepts the
// demo admin key, as certa serve does.
func withLists(cfg *httpapi.Config, emb *setup.Env) {
	cfg.AdminKeys = emb.AdminKeys
	for i, c := range emb.SealCertificates() {
		st := seal.TrustRetired
		if i == 0 {
			st = seal.TrustCurrent
		}
		cfg.SealCertificates = append(cfg.SealCertificates, seal.TrustEntry{KID: seal.KID(c), Cert: c, Status: st})
	}
	cfg.ListKey, cfg.ListChain = emb.Seal.Key, emb.Seal.Chain
}

func (e *env) adminKey() string {
	b, err := os.ReadFile(e.emb.AdminKeyPath)
	if err != nil {
		e.t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

var qrURI = regexp.MustCompile(`/URI \(HTTPS?://[^/]+(/V/[^)]+)\)`)

// issueQR issues a residenza and returns its code and the path of its QR.
func (e *env) issueQR(t *testing.T, i int) (code, path string) {
	code, path, _ = e.issueQRPDF(t, i)
	return code, path
}

// issueQRPDF is issueQR, with the PDF.
func (e *env) issueQRPDF(t *testing.T, i int) (code, path string, pdf []byte) {
	t.Helper()
	resp, pdf := e.issue("residenza", e.people[i].FiscalCode, "application/pdf")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("issue: %d %s", resp.StatusCode, pdf)
	}
	m := qrURI.FindAllSubmatch(pdf, -1)
	if len(m) == 0 {
		t.Fatal("no QR link")
	}
	return resp.Header.Get("Certa-Code"), string(m[len(m)-1][1]), pdf
}

func decode(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return m
}

func TestRevokeAPI(t *testing.T) {
	e := newEnvOn(t, 10<<20, "", withLists)
	code, qr := e.issueQR(t, 0)
	repl, _ := e.issueQR(t, 1)
	admin := e.adminKey()
	post := func(key, code, body string) (*http.Response, []byte) {
		return e.do("POST", "/api/v1/certificates/"+code+"/revoke", strings.NewReader(body),
			"Authorization", "Bearer "+key, "Content-Type", "application/json")
	}
	for _, tc := range []struct {
		name, key, code, body string
		status                int
		problem               string
	}{
		{"no key", "", code, `{"reason":"other"}`, 401, "/problems/unauthorized"},
		{"portal key", e.key, code, `{"reason":"other"}`, 403, "/problems/forbidden"},
		{"bad reason", admin, code, `{"reason":"because"}`, 400, "/problems/invalid-request"},
		{"unknown field", admin, code, `{"reason":"other","why":"x"}`, 400, "/problems/invalid-request"},
		{"unknown code", admin, "ZZZZ-ZZZZ-ZZZZ-ZZZZ", `{"reason":"other"}`, 404, "/problems/not-found"},
		{"replaced without code", admin, code, `{"reason":"replaced"}`, 400, "/problems/invalid-request"},
		{"replaced by itself", admin, code, `{"reason":"replaced","replaced_by":"` + code + `"}`, 400, "/problems/invalid-request"},
		{"replaced", admin, strings.ToLower(code), `{"reason":"replaced","replaced_by":"` + repl + `"}`, 200, ""},
		{"again", admin, code, `{"reason":"other"}`, 409, "/problems/conflict"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := post(tc.key, tc.code, tc.body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if tc.problem != "" {
				if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" || decode(t, body)["type"] != tc.problem {
					t.Fatalf("%s %s", ct, body)
				}
				return
			}
			m := decode(t, body)
			rv, _ := m["revocation"].(map[string]any)
			if m["status"] != "revoked" || rv["reason"] != "replaced" || rv["replaced_by"] != repl {
				t.Fatalf("revoked: %s", body)
			}
		})
	}
	// The page the QR opens and its JSON say revoked, with the reason.
	_, body := e.do("GET", qr, nil, "Accept", "application/json")
	m := decode(t, body)
	rv, _ := m["revocation"].(map[string]any)
	if m["status"] != "revoked" || rv["reason"] != "replaced" || m["seal"].(map[string]any)["authentic"] != true {
		t.Fatalf("QR status after revocation: %s", body)
	}
	_, page := e.do("GET", qr+"?lang=en", nil)
	if !strings.Contains(string(page), "Certificate revoked") || !strings.Contains(string(page), repl) {
		t.Fatalf("page after revocation:\n%s", page)
	}
	// The offline revocation list has it, signed; the trust list has the seal.
	resp, cose := e.do("GET", httpapi.RevocationsPath, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/cose" {
		t.Fatalf("revocation list: %d %s", resp.StatusCode, resp.Header)
	}
	rl, err := seal.ParseRevocationList(cose, e.emb.Roots, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !rl.Contains(code) || rl.Contains(repl) {
		t.Fatalf("revocation list: has %s %v, has %s %v", code, rl.Contains(code), repl, rl.Contains(repl))
	}
	resp, cose = e.do("GET", httpapi.TrustListPath, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("trust list: %d %s", resp.StatusCode, cose)
	}
	tl, err := seal.ParseTrustList(cose, e.emb.Roots, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := tl.Lookup(seal.KID(e.emb.Seal.Certificate())); !ok || tl.Expires.Before(time.Now().Add(24*time.Hour)) {
		t.Fatalf("trust list: %+v", tl)
	}
	resp, body = e.do("GET", httpapi.TrustListPath, nil, "Accept", "application/json")
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"current"`) {
		t.Fatalf("trust list JSON: %d %s", resp.StatusCode, body)
	}
}

func TestSealStatusStates(t *testing.T) {
	e := newEnvOn(t, 10<<20, "", withLists)
	code, qr, pdf := e.issueQRPDF(t, 0)
	_, other := e.issueQR(t, 1)
	otherSeal := other[strings.LastIndexByte(other, '/'):]
	base := qr[:strings.LastIndexByte(qr, '/')]
	// Change one letter of the seal into another (still base45).
	tampered := []byte(qr)
	for i := len(tampered) - 10; i > 0; i-- {
		if c := tampered[i]; c >= 'A' && c < 'Z' && tampered[i-1] != '%' && tampered[i-2] != '%' {
			tampered[i]++
			break
		}
	}
	for _, tc := range []struct {
		name, path, status, problem string
	}{
		{"genuine", qr, "valid", ""},
		{"lower-case path", strings.ToLower(qr[:3]) + qr[3:], "valid", ""},
		{"another certificate's seal", base + otherSeal, "seal-invalid", "mismatch"},
		{"tampered", string(tampered), "seal-invalid", ""},
		{"not base45", base + "/not-a-seal", "seal-invalid", "malformed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.do("GET", tc.path, nil, "Accept", "application/json")
			if resp.StatusCode != 200 {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			m := decode(t, body)
			if m["status"] != tc.status || m["code"] != code {
				t.Fatalf("status: %s", body)
			}
			if tc.problem != "" && m["seal"].(map[string]any)["problem"] != tc.problem {
				t.Fatalf("seal: %s", body)
			}
		})
	}
	// Each look-up of a known code is counted, and the portal sees it.
	for range 3 {
		e.do("GET", "/v/"+code, nil)
	}
	if rep := e.verifyUpload(t, pdf); rep.Certificate == nil {
		t.Fatalf("upload: %+v", rep)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, body := e.do("GET", "/api/v1/certificates/"+code, nil, "Authorization", "Bearer "+e.key)
		// Five seal URLs of a known code, three plain look-ups, one upload.
		if n, _ := decode(t, body)["verifications"].(float64); n == 9 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("verifications not counted: %s", body)
		}
		time.Sleep(20 * time.Millisecond) // the flusher runs every 10 ms here
	}
}

func TestPublicRateLimit(t *testing.T) {
	now := time.Now()
	e := newEnvOn(t, 10<<20, "", func(cfg *httpapi.Config, _ *setup.Env) {
		cfg.Limiter = ratelimit.New(ratelimit.Config{Rate: 1, Burst: 3, Now: func() time.Time { return now }})
		cfg.ClientKey = func(r *http.Request) string { return ratelimit.ClientKey(r, nil) }
	})
	code, qr := e.issueQR(t, 0)
	for i := range 3 {
		if resp, body := e.do("GET", "/v/"+code, nil); resp.StatusCode != 200 {
			t.Fatalf("request %d: %d %s", i, resp.StatusCode, body)
		}
	}
	for _, path := range []string{"/v/" + code, qr, "/verifica"} {
		resp, body := e.do("GET", path, nil)
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" ||
			decode(t, body)["type"] != "/problems/rate-limited" {
			t.Fatalf("%s over the limit: %d %v %s", path, resp.StatusCode, resp.Header, body)
		}
	}
	resp, body := e.do("POST", "/api/v1/verify", bytes.NewReader([]byte("%PDF-")), "Content-Type", "application/pdf")
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("verify API over the limit: %d %s", resp.StatusCode, body)
	}
	// The issuance API (authenticated portals) is not limited per IP.
	if resp, body := e.issue("residenza", e.people[1].FiscalCode, "application/json"); resp.StatusCode != http.StatusCreated {
		t.Fatalf("issuance: %d %s", resp.StatusCode, body)
	}
}

func TestIssueOverload(t *testing.T) {
	gate := admission.New(1, 0, 0)
	e := newEnvOn(t, 10<<20, "", func(cfg *httpapi.Config, _ *setup.Env) { cfg.Admission = gate })
	cf := e.people[0].FiscalCode
	if resp, body := e.issue("residenza", cf, "application/json"); resp.StatusCode != http.StatusCreated {
		t.Fatalf("with a free slot: %d %s", resp.StatusCode, body)
	}
	// Take the only slot, as a long issuance would.
	release, ok := gate.Enter(context.Background())
	if !ok {
		t.Fatal("the gate refused the test")
	}
	before, err := e.emb.Store.ListBySubject(context.Background(), cf, nil, 100)
	if err != nil {
		t.Fatal(err)
	}
	resp, body := e.issue("residenza", cf, "application/json")
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "1" ||
		decode(t, body)["type"] != "/problems/overloaded" {
		t.Fatalf("at capacity: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	after, err := e.emb.Store.ListBySubject(context.Background(), cf, nil, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Fatalf("a refused request was recorded: %d issuances, %d before", len(after), len(before))
	}
	if resp, body := e.do("GET", "/problems/overloaded", nil); resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "503") {
		t.Fatalf("the problem type's description: %d %s", resp.StatusCode, body)
	}
	// Verification is not behind the issuance gate.
	if resp, body := e.do("GET", "/verifica", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("verification page at issuance capacity: %d %s", resp.StatusCode, body)
	}
	release()
	if resp, body := e.issue("residenza", cf, "application/json"); resp.StatusCode != http.StatusCreated {
		t.Fatalf("after the slot is free: %d %s", resp.StatusCode, body)
	}
	if gate.Refused() != 1 {
		t.Fatalf("refused %d, want 1", gate.Refused())
	}
}

package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"certa.example/certa/internal/httpapi"
	"certa.example/certa/internal/setup"
)

// otherPortalKey is the API key of a second portal, "portal-b" (issue and
// read).
const otherPortalKey = "other-portal-key-0123456789"

// withReaders accepts the demo admin key and a second portal's key.
func withReaders(cfg *httpapi.Config, emb *setup.Env) {
	cfg.AdminKeys = emb.AdminKeys
	keys := map[string]string{httpapi.HashAPIKey(otherPortalKey): "portal-b"}
	for h, id := range emb.APIKeys {
		keys[h] = id
	}
	cfg.APIKeys = keys
}

func (e *env) issueKeyed(subject, key, accept string, body ...string) (*http.Response, []byte) {
	b, _ := json.Marshal(map[string]any{"type": "residenza", "subject": subject, "bollo": paidBollo, "channel": "online", "requester": subject})
	if len(body) > 0 {
		b = []byte(body[0])
	}
	return e.do("POST", "/api/v1/certificates", bytes.NewReader(b),
		"Authorization", "Bearer "+e.key, "Content-Type", "application/json", "Accept", accept, "Idempotency-Key", key)
}

func TestIdempotencyKeyAPI(t *testing.T) {
	e := newEnv(t, 10<<20)
	cf := e.people[0].FiscalCode
	resp, pdf := e.issueKeyed(cf, "6f1c2a4e-retry", "application/pdf")
	if resp.StatusCode != http.StatusCreated || resp.Header.Get(httpapi.ReplayedHeader) != "" {
		t.Fatalf("first: %d %v: %s", resp.StatusCode, resp.Header, pdf)
	}
	code := resp.Header.Get("Certa-Code")

	// The retry, as PDF: the same bytes, marked replayed.
	resp, again := e.issueKeyed(cf, "6f1c2a4e-retry", "application/pdf")
	if resp.StatusCode != http.StatusCreated || resp.Header.Get(httpapi.ReplayedHeader) != "true" ||
		resp.Header.Get("Certa-Code") != code || !bytes.Equal(again, pdf) {
		t.Fatalf("PDF retry: %d %v, same bytes %v", resp.StatusCode, resp.Header, bytes.Equal(again, pdf))
	}
	// As JSON (the quoted form of the key is the same key).
	resp, js := e.issueKeyed(cf, `"6f1c2a4e-retry"`, "application/json")
	var meta struct{ Code, SHA256 string }
	if err := json.Unmarshal(js, &meta); err != nil || resp.StatusCode != http.StatusCreated || resp.Header.Get(httpapi.ReplayedHeader) != "true" {
		t.Fatalf("JSON retry: %d %s %v", resp.StatusCode, js, err)
	}
	sum := sha256.Sum256(pdf)
	if meta.Code != code || meta.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("JSON retry: %+v", meta)
	}

	other, _ := json.Marshal(map[string]any{"type": "residenza", "subject": e.people[1].FiscalCode, "bollo": paidBollo, "channel": "online", "requester": e.people[1].FiscalCode})
	tests := []struct {
		name, key, body string
		status          int
		slug            string
	}{
		{"same key, another body", "6f1c2a4e-retry", string(other), 422, "idempotency-key-reused"},
		{"space in key", "a b", "", 400, "invalid-request"},
		{"quote in key", `a"b`, "", 400, "invalid-request"},
		{"key too long", string(bytes.Repeat([]byte("k"), 256)), "", 400, "invalid-request"},
		{"empty quoted key", `""`, "", 400, "invalid-request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var resp *http.Response
			var body []byte
			if tc.body != "" {
				resp, body = e.issueKeyed(cf, tc.key, "application/json", tc.body)
			} else {
				resp, body = e.issueKeyed(cf, tc.key, "application/json")
			}
			checkProblem(t, resp, body, tc.status, tc.slug)
		})
	}
	// Two keys in one request.
	b, _ := json.Marshal(map[string]any{"type": "residenza", "subject": cf, "bollo": paidBollo, "channel": "online", "requester": cf})
	req, _ := http.NewRequest("POST", e.url+"/api/v1/certificates", bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+e.key)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Add("Idempotency-Key", "a")
	req.Header.Add("Idempotency-Key", "b")
	resp2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != http.StatusBadRequest {
		t.Fatalf("two keys: %d", resp2.StatusCode)
	}
}

func TestCertificateAccess(t *testing.T) {
	e := newEnvOn(t, 10<<20, "", withReaders)
	holder, stranger := e.people[0].FiscalCode, e.people[1].FiscalCode
	resp, pdf := e.issue("residenza", holder, "application/pdf")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("issue: %d", resp.StatusCode)
	}
	code := resp.Header.Get("Certa-Code")
	admin := e.adminKey()
	tests := []struct {
		name     string
		key      string
		acting   string // Certa-Requester
		code     string
		status   int
		wantSlug string
	}{
		{"issuing client", e.key, "", code, 200, ""},
		{"issuing client, lower-case code", e.key, "", string(bytes.ToLower([]byte(code))), 200, ""},
		{"admin", admin, "", code, 200, ""},
		{"other portal acting for the holder", otherPortalKey, holder, code, 200, ""},
		{"other portal acting for the holder, lower case", otherPortalKey, string(bytes.ToLower([]byte(holder))), code, 200, ""},
		{"other portal", otherPortalKey, "", code, 404, "not-found"},
		{"other portal acting for another citizen", otherPortalKey, stranger, code, 404, "not-found"},
		{"other portal, malformed requester", otherPortalKey, "RSSMRA80A01F205", code, 400, "invalid-request"},
		{"unknown code", e.key, "", "AAAA-BBBB-CCCC-DDDD", 404, "not-found"},
		{"no key", "", "", code, 401, "unauthorized"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/api/v1/certificates/" + tc.code, "/api/v1/certificates/" + tc.code + "/pdf"} {
				h := []string{}
				if tc.key != "" {
					h = append(h, "Authorization", "Bearer "+tc.key)
				}
				if tc.acting != "" {
					h = append(h, httpapi.RequesterHeader, tc.acting)
				}
				resp, body := e.do("GET", path, nil, h...)
				if tc.status != 200 {
					checkProblem(t, resp, body, tc.status, tc.wantSlug)
					continue
				}
				if resp.StatusCode != 200 {
					t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
				}
				if path[len(path)-4:] == "/pdf" {
					if resp.Header.Get("Content-Type") != "application/pdf" || !bytes.Equal(body, pdf) {
						t.Fatalf("%s: not the issued PDF", path)
					}
				} else if !bytes.Contains(body, []byte(`"code": "`+code+`"`)) {
					t.Fatalf("%s: %s", path, body)
				}
			}
		})
	}
	// Once purged, the document is gone (410) and the metadata stay.
	future := time.Now().Add(100 * 24 * time.Hour)
	if _, err := e.emb.Store.PurgeDocuments(context.Background(), future, future); err != nil {
		t.Fatal(err)
	}
	resp, body := e.do("GET", "/api/v1/certificates/"+code+"/pdf", nil, "Authorization", "Bearer "+e.key)
	checkProblem(t, resp, body, http.StatusGone, "document-gone")
	if resp, body := e.do("GET", "/api/v1/certificates/"+code, nil, "Authorization", "Bearer "+e.key); resp.StatusCode != 200 {
		t.Fatalf("metadata after purge: %d %s", resp.StatusCode, body)
	}
	resp, body = e.do("GET", "/api/v1/certificates/"+code+"/pdf", nil, "Authorization", "Bearer "+e.key, "Accept", "application/json")
	checkProblem(t, resp, body, http.StatusNotAcceptable, "not-acceptable")
}

func TestListCertificates(t *testing.T) {
	e := newEnvOn(t, 10<<20, "", withReaders)
	holder := e.people[0].FiscalCode
	var codes []string
	for range 3 {
		resp, body := e.issue("residenza", holder, "application/json")
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("issue: %d %s", resp.StatusCode, body)
		}
		codes = append(codes, resp.Header.Get("Certa-Code"))
	}
	if resp, _ := e.issue("residenza", e.people[1].FiscalCode, "application/json"); resp.StatusCode != http.StatusCreated {
		t.Fatal("issue")
	}
	list := func(key, acting, query string) (*http.Response, []byte) {
		h := []string{"Authorization", "Bearer " + key}
		if acting != "" {
			h = append(h, httpapi.RequesterHeader, acting)
		}
		return e.do("GET", "/api/v1/certificates?"+query, nil, h...)
	}
	type page struct {
		Certificates []struct{ Code string } `json:"certificates"`
		NextCursor   string                  `json:"next_cursor"`
	}
	var got []string
	q := url.Values{"subject": {holder}, "limit": {"2"}}
	for range 3 {
		resp, body := list(otherPortalKey, holder, q.Encode())
		if resp.StatusCode != 200 {
			t.Fatalf("list: %d %s", resp.StatusCode, body)
		}
		var p page
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Certificates {
			got = append(got, c.Code)
		}
		if p.NextCursor == "" {
			break
		}
		q.Set("cursor", p.NextCursor)
	}
	if len(got) != 3 {
		t.Fatalf("listed %v, issued %v", got, codes)
	}
	seen := map[string]bool{}
	for _, c := range got {
		seen[c] = true
	}
	for _, c := range codes {
		if !seen[c] {
			t.Fatalf("listed %v, issued %v", got, codes)
		}
	}
	if resp, body := list(e.adminKey(), "", "subject="+holder); resp.StatusCode != 200 || !bytes.Contains(body, []byte(codes[0])) {
		t.Fatalf("admin: %d %s", resp.StatusCode, body)
	}
	tests := []struct {
		name, key, acting, query string
		status                   int
		slug                     string
	}{
		{"no Certa-Requester", otherPortalKey, "", "subject=" + holder, 403, "forbidden"},
		{"acting for another citizen", otherPortalKey, e.people[1].FiscalCode, "subject=" + holder, 403, "forbidden"},
		{"issuing portal without Certa-Requester", e.key, "", "subject=" + holder, 403, "forbidden"},
		{"malformed subject", otherPortalKey, holder, "subject=XYZ", 422, "invalid-fiscal-code"},
		{"no subject", otherPortalKey, holder, "", 422, "invalid-fiscal-code"},
		{"limit 0", otherPortalKey, holder, "limit=0&subject=" + holder, 400, "invalid-request"},
		{"limit too large", otherPortalKey, holder, "limit=1000&subject=" + holder, 400, "invalid-request"},
		{"bad cursor", otherPortalKey, holder, "cursor=zzz&subject=" + holder, 400, "invalid-request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := list(tc.key, tc.acting, tc.query)
			checkProblem(t, resp, body, tc.status, tc.slug)
			if bytes.Contains(body, []byte(holder)) {
				t.Fatal("the problem echoes the codice fiscale")
			}
		})
	}
}

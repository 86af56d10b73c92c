package httpapi_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"certa.example/certa/internal/apiclient"
	"certa.example/certa/internal/httpapi"
	"certa.example/certa/internal/setup"
	"certa.example/certa/internal/testpki"
	"certa.example/certa/verify"
)

// clientsEnv is a server with stored clients, over TLS that asks for
// client certificates (any: the pin decides), on a clock tests can move.
type clientsEnv struct {
	t       *testing.T
	url     string
	demoKey string
	emb     *setup.Env
	subject string
	offset  atomic.Int64 // added to the clock
	roots   *tls.Config
}

func newClientsEnv(t *testing.T, cacheTTL time.Duration) *clientsEnv {
	t.Helper()
	ctx := context.Background()
	e := &clientsEnv{t: t}
	now := func() time.Time { return time.Now().Add(time.Duration(e.offset.Load())) }
	emb, err := setup.Open(ctx, setup.Options{DataDir: t.TempDir(), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emb.Close() })
	ts := httptest.NewUnstartedServer(nil)
	ts.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	publicURL := "https://" + ts.Listener.Addr().String()
	eng, err := emb.Engine(publicURL, now)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := httpapi.New(httpapi.Config{
		Engine: eng, Verifier: &verify.Verifier{Roots: emb.Roots, Ledger: emb.Store, Now: now},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), APIKeys: emb.APIKeys, AdminKeys: emb.AdminKeys,
		MaxUpload: 10 << 20, Clients: emb.Store, ClientCacheTTL: cacheTTL,
	})
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = recordResponses(srv.Handler())
	ts.StartTLS()
	t.Cleanup(ts.Close)
	key, err := os.ReadFile(emb.APIKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	people, err := setup.CertifiableResidents(ctx, emb.Store, 1)
	if err != nil || len(people) == 0 {
		t.Fatal("no certifiable resident", err)
	}
	e.url, e.demoKey, e.emb, e.subject = publicURL, strings.TrimSpace(string(key)), emb, people[0].FiscalCode
	e.roots = ts.Client().Transport.(*http.Transport).TLSClientConfig
	return e
}

// create stores a client and returns its key.
func (e *clientsEnv) create(c apiclient.Record) string {
	e.t.Helper()
	key, err := apiclient.NewKey(strings.NewReader(strings.Repeat(c.ID+"-random-bytes-", 8)))
	if err != nil {
		e.t.Fatal(err)
	}
	c.KeyHash = apiclient.HashKey(key)
	if _, err := e.emb.Store.CreateClient(context.Background(), c, "operator"); err != nil {
		e.t.Fatal(err)
	}
	return key
}

// do sends a request with key, presenting cert when not nil.
func (e *clientsEnv) do(method, path, key string, body []byte, cert *tls.Certificate, header ...string) (*http.Response, []byte) {
	e.t.Helper()
	cfg := e.roots.Clone()
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}
	defer client.CloseIdleConnections()
	req, err := http.NewRequest(method, e.url+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := client.Do(req)
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

func (e *clientsEnv) issue(key, subject string, cert *tls.Certificate) (*http.Response, []byte) {
	body, _ := json.Marshal(map[string]any{"type": "residenza", "subject": subject, "bollo": paidBollo, "channel": "online", "requester": subject})
	return e.do("POST", "/api/v1/certificates", key, body, cert)
}

// read is an authenticated GET that passes authentication and answers 404.
func (e *clientsEnv) read(key string, cert *tls.Certificate) (*http.Response, []byte) {
	return e.do("GET", "/api/v1/certificates/AAAA-AAAA-AAAA-AAAA", key, nil, cert)
}

func TestStoredClientAuthenticates(t *testing.T) {
	e := newClientsEnv(t, -1) // no cache: every request sees the store
	ctx := context.Background()
	portal := e.create(apiclient.Record{ID: "portale-milano", Scopes: apiclient.Scopes{apiclient.ScopeIssue, apiclient.ScopeRead}})
	reader := e.create(apiclient.Record{ID: "reader", Scopes: apiclient.Scopes{apiclient.ScopeRead}})

	resp, body := e.issue(portal, e.subject, nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("issue with a stored key: %d %s", resp.StatusCode, body)
	}
	rec, err := e.emb.Store.ByCode(ctx, resp.Header.Get("Certa-Code"))
	if err != nil || rec.Requester != "portale-milano" {
		t.Fatalf("ledger requester %q, %v", rec.Requester, err)
	}
	for _, tc := range []struct {
		name, key string
		issue     bool
		status    int
		slug      string
	}{
		{"demo key issues", e.demoKey, true, 201, ""},
		{"stored key reads", portal, false, 404, "not-found"},
		{"read scope cannot issue", reader, true, 403, "forbidden"},
		{"read scope reads", reader, false, 404, "not-found"},
		{"unknown key", "certa_unknown", false, 401, "unauthorized"},
		{"no key", "", false, 401, "unauthorized"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var resp *http.Response
			var body []byte
			if tc.issue {
				resp, body = e.issue(tc.key, e.subject, nil)
			} else {
				resp, body = e.read(tc.key, nil)
			}
			if tc.slug == "" {
				if resp.StatusCode != tc.status {
					t.Fatalf("status %d: %s", resp.StatusCode, body)
				}
				return
			}
			checkProblem(t, resp, body, tc.status, tc.slug)
		})
	}

	// Revoked: refused at once without a cache.
	if _, err := e.emb.Store.RevokeClient(ctx, "portale-milano", "operator"); err != nil {
		t.Fatal(err)
	}
	resp, body = e.issue(portal, e.subject, nil)
	checkProblem(t, resp, body, 401, "unauthorized")
	if !strings.Contains(string(body), "revoked") {
		t.Errorf("refusal does not say the key is revoked: %s", body)
	}
}

// TestClientCacheRevocationLatency: a process reuses a look-up for the
// cache's TTL, so a revocation takes effect within it.
func TestClientCacheRevocationLatency(t *testing.T) {
	e := newClientsEnv(t, 5*time.Second)
	key := e.create(apiclient.Record{ID: "p", Scopes: apiclient.Scopes{apiclient.ScopeRead}})
	if resp, body := e.read(key, nil); resp.StatusCode != 404 {
		t.Fatalf("first read: %d %s", resp.StatusCode, body)
	}
	if _, err := e.emb.Store.RevokeClient(context.Background(), "p", "operator"); err != nil {
		t.Fatal(err)
	}
	e.offset.Add(int64(4 * time.Second))
	if resp, body := e.read(key, nil); resp.StatusCode != 404 {
		t.Fatalf("within the TTL: %d %s (the cached look-up should still admit the key)", resp.StatusCode, body)
	}
	e.offset.Add(int64(time.Second + time.Millisecond))
	resp, body := e.read(key, nil)
	checkProblem(t, resp, body, 401, "unauthorized")
}

func TestClientRateLimit(t *testing.T) {
	e := newClientsEnv(t, 0)
	slow := e.create(apiclient.Record{ID: "slow", Scopes: apiclient.Scopes{apiclient.ScopeRead}, RateLimit: 0.01, RateBurst: 2})
	other := e.create(apiclient.Record{ID: "other", Scopes: apiclient.Scopes{apiclient.ScopeRead}, RateLimit: 0.01, RateBurst: 2})
	for i := range 2 {
		if resp, body := e.read(slow, nil); resp.StatusCode != 404 {
			t.Fatalf("request %d: %d %s", i, resp.StatusCode, body)
		}
	}
	resp, body := e.read(slow, nil)
	checkProblem(t, resp, body, 429, "rate-limited")
	if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 100 {
		t.Errorf("Retry-After %q, want about 100 s", resp.Header.Get("Retry-After"))
	}
	// Each client has its own bucket; configured keys have none.
	if resp, body := e.read(other, nil); resp.StatusCode != 404 {
		t.Errorf("another client with the same limit: %d %s", resp.StatusCode, body)
	}
	for range 5 {
		if resp, body := e.read(e.demoKey, nil); resp.StatusCode != 404 {
			t.Fatalf("demo key: %d %s", resp.StatusCode, body)
		}
	}
	// After the interval a token is back.
	e.offset.Add(int64(100 * time.Second))
	if resp, body := e.read(slow, nil); resp.StatusCode != 404 {
		t.Errorf("after the interval: %d %s", resp.StatusCode, body)
	}
}

func TestClientDailyQuota(t *testing.T) {
	e := newClientsEnv(t, 0)
	key := e.create(apiclient.Record{ID: "quota", Scopes: apiclient.Scopes{apiclient.ScopeIssue}, DailyQuota: 2})
	// Refused requests do not use the quota.
	resp, body := e.issue(key, "RSSMRA80A01F205X", nil) // not in the registry
	checkProblem(t, resp, body, 404, "subject-not-found")
	resp, body = e.do("POST", "/api/v1/certificates", key, []byte(`{"type":`), nil)
	checkProblem(t, resp, body, 400, "invalid-request")
	// A replayed idempotent request returns a certificate issued already:
	// it does not use the quota again.
	issueBody, _ := json.Marshal(map[string]any{"type": "residenza", "subject": e.subject, "bollo": paidBollo, "channel": "online", "requester": e.subject})
	for i := range 2 {
		resp, body := e.do("POST", "/api/v1/certificates", key, issueBody, nil, "Idempotency-Key", "quota-retry-1")
		if resp.StatusCode != 201 || (resp.Header.Get(httpapi.ReplayedHeader) == "true") != (i == 1) {
			t.Fatalf("idempotent issue %d: %d %s %s", i, resp.StatusCode, resp.Header.Get(httpapi.ReplayedHeader), body)
		}
	}
	if resp, body := e.issue(key, e.subject, nil); resp.StatusCode != 201 {
		t.Fatalf("second issue: %d %s", resp.StatusCode, body)
	}
	resp, body = e.issue(key, e.subject, nil)
	checkProblem(t, resp, body, 429, "quota-exceeded")
	if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 25*3600 {
		t.Errorf("Retry-After %q, want the seconds to midnight", resp.Header.Get("Retry-After"))
	}
	if resp, body := e.do("GET", "/problems/quota-exceeded", "", nil, nil); resp.StatusCode != 200 || !strings.Contains(string(body), "429") {
		t.Errorf("problem type doc: %d %s", resp.StatusCode, body)
	}
	// Other routes and clients are not affected; the next day renews it.
	if resp, body := e.read(e.demoKey, nil); resp.StatusCode != 404 {
		t.Errorf("demo read: %d %s", resp.StatusCode, body)
	}
	if resp, body := e.issue(e.demoKey, e.subject, nil); resp.StatusCode != 201 {
		t.Errorf("demo issue: %d %s", resp.StatusCode, body)
	}
	e.offset.Add(int64(24 * time.Hour))
	if resp, body := e.issue(key, e.subject, nil); resp.StatusCode != 201 {
		t.Errorf("next day: %d %s", resp.StatusCode, body)
	}
}

func TestClientMutualTLS(t *testing.T) {
	e := newClientsEnv(t, 0)
	bound := testpki.NewClientCert(t, "portale")
	other := testpki.NewClientCert(t, "intruder")
	pin, err := apiclient.CertFingerprint(bound.PEM)
	if err != nil {
		t.Fatal(err)
	}
	key := e.create(apiclient.Record{ID: "mtls", Scopes: apiclient.Scopes{apiclient.ScopeIssue, apiclient.ScopeRead}, TLSCertSHA256: pin})
	plain := e.create(apiclient.Record{ID: "plain", Scopes: apiclient.Scopes{apiclient.ScopeRead}})
	for _, tc := range []struct {
		name   string
		key    string
		cert   *tls.Certificate
		status int
	}{
		{"bound key without a certificate", key, nil, 401},
		{"bound key with another certificate", key, &other.TLS, 401},
		{"bound key with its certificate", key, &bound.TLS, 404},
		{"unbound key without a certificate", plain, nil, 404},
		{"unbound key with a certificate", plain, &other.TLS, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.read(tc.key, tc.cert)
			if tc.status == 401 {
				checkProblem(t, resp, body, 401, "unauthorized")
				if !strings.Contains(string(body), "client certificate") {
					t.Errorf("refusal does not name the certificate: %s", body)
				}
				return
			}
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
		})
	}
	if resp, body := e.issue(key, e.subject, &bound.TLS); resp.StatusCode != 201 {
		t.Errorf("issue with the bound certificate: %d %s", resp.StatusCode, body)
	}
}

// Over plain HTTP a bound key is always refused.
func TestClientMutualTLSNeedsTLS(t *testing.T) {
	e := newEnvOn(t, 10<<20, "", func(c *httpapi.Config, emb *setup.Env) { c.Clients = emb.Store })
	pin, _ := apiclient.CertFingerprint(testpki.NewClientCert(t, "p").PEM)
	if _, err := e.emb.Store.CreateClient(context.Background(), apiclient.Record{ID: "mtls", KeyHash: apiclient.HashKey("certa_k"),
		Scopes: apiclient.Scopes{apiclient.ScopeRead}, TLSCertSHA256: pin}, "op"); err != nil {
		t.Fatal(err)
	}
	resp, body := e.do("GET", "/api/v1/certificates/AAAA-AAAA-AAAA-AAAA", nil, "Authorization", "Bearer certa_k")
	checkProblem(t, resp, body, 401, "unauthorized")
}

package metrics_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"certa.example/certa/engine"
	"certa.example/certa/internal/batch"
	"certa.example/certa/internal/httpapi"
	"certa.example/certa/internal/metrics"
	"certa.example/certa/internal/setup"
	"certa.example/certa/internal/store"
	"certa.example/certa/verify"
)

// TestMetricsEndToEnd issues and looks up certificates through the real
// server, engine and store, and reads the counts back from /metrics.
func TestMetricsEndToEnd(t *testing.T) {
	ctx := context.Background()
	env, err := setup.OpenEmbedded(ctx, t.TempDir(), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Close() })
	m, err := metrics.New(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(nil)
	url := "http://" + ts.Listener.Addr().String()
	eng, err := env.EngineObserved(url, time.Now, m)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := httpapi.New(httpapi.Config{
		Engine: eng, Verifier: &verify.Verifier{Roots: env.Roots, Ledger: env.Store, SealTrust: env.SealTrust(), Now: time.Now},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), APIKeys: env.APIKeys, MaxUpload: 1 << 20, Observer: m,
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", m.Handler())
	mux.Handle("/", srv.Handler())
	ts.Config.Handler = mux
	ts.Start()
	t.Cleanup(ts.Close)
	key, _ := os.ReadFile(env.APIKeyPath)
	people, err := setup.CertifiableResidents(ctx, env.Store, 1)
	if err != nil || len(people) == 0 {
		t.Fatal("no residents", err)
	}
	do := func(method, path, body string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, url+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(key)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		resp.Body = io.NopCloser(bytes.NewReader(b))
		return resp
	}
	issue := func(typ string) *http.Response {
		return do("POST", "/api/v1/certificates", `{"type":"`+typ+`","subject":"`+people[0].FiscalCode+`","bollo":{"exempt":{"code":7}},"channel":"online","requester":"`+people[0].FiscalCode+`"}`)
	}
	resp := issue("residenza")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("issue: %d", resp.StatusCode)
	}
	var out struct{ Code string }
	json.NewDecoder(resp.Body).Decode(&out)
	if resp := issue("no-such-type"); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("unknown type: %d", resp.StatusCode)
	}
	do("GET", "/v/"+out.Code, "")
	do("GET", "/v/AAAA-AAAA-AAAA-AAAA", "")

	scrape := do("GET", "/metrics", "")
	body, _ := io.ReadAll(scrape.Body)
	text := string(body)
	for _, want := range []string{
		`certa_issuances_total{outcome="ok",type="residenza"} 1`,
		`certa_issuances_total{outcome="unknown-type",type="unknown"} 1`,
		`certa_issuances_total{outcome="subject-not-found",type="residenza"} 0`,
		`certa_issue_duration_seconds_count{outcome="ok"} 1`,
		`certa_issue_duration_seconds_count{outcome="error"} 1`,
		`certa_issue_stage_duration_seconds_count{stage="validate_render"} 1`,
		`certa_issue_stage_duration_seconds_count{stage="sign"} 1`,
		`certa_issue_stage_duration_seconds_count{stage="record"} 1`,
		`certa_http_requests_total{method="POST",route="/api/v1/certificates",status="201"} 1`,
		`certa_http_requests_total{method="POST",route="/api/v1/certificates",status="422"} 1`,
		`certa_http_requests_total{method="GET",route="/v/{code}",status="200"} 2`,
		`certa_verification_lookups_total{page="status",status="valid"} 1`,
		`certa_verification_lookups_total{page="status",status="unknown"} 1`,
		`go_goroutines `,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(text, people[0].FiscalCode) || strings.Contains(text, "no-such-type") {
		t.Error("/metrics carries client input")
	}
}

type pool struct{ inUse, max int }

func (p pool) SessionsInUse() int { return p.inUse }
func (p pool) MaxSessions() int   { return p.max }

func TestWatchSessionPool(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.WatchSessionPool(pool{inUse: 3, max: 8}); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{"certa_signer_sessions_in_use 3", "certa_signer_sessions_max 8"} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if _, err := metrics.New(reg); err == nil {
		t.Error("a second Metrics on the same registry registered twice")
	}
}

// BenchmarkObserveRequest: the per-request cost once the series exist.
func BenchmarkObserveRequest(b *testing.B) {
	m, err := metrics.New(prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.ObserveRequest("/v/{code}", "GET", 200, time.Millisecond)
		}
	})
}

// BenchmarkObserveIssue: what an issuance pays for its metrics.
func BenchmarkObserveIssue(b *testing.B) {
	m, err := metrics.New(prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	o := engine.Observation{Type: "residenza", Reached: 7, Durations: [engine.NumStages]time.Duration{time.Millisecond, 3 * time.Millisecond, time.Millisecond}, Total: 5 * time.Millisecond}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.ObserveIssue(o)
		}
	})
}

var _ batch.Observer = (*metrics.Metrics)(nil)

// Batch metrics: items by outcome, runs by ending, and the running
// batches' pending items, with no batch id among the labels.
func TestBatchMetrics(t *testing.T) {
	m, err := metrics.New(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	scrape := func() string {
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		return rec.Body.String()
	}
	a := store.Batch{ID: "aaaaaaaaaaaaaaaaaaaaaaaaaa", Total: 10}
	b := store.Batch{ID: "bbbbbbbbbbbbbbbbbbbbbbbbbb", Total: 5}
	m.BatchStarted(a)
	m.BatchStarted(b)
	a.Issued, a.Failed = 3, 1
	m.BatchPage(a, 3, 1)
	for _, want := range []string{"certa_batches_running 2", "certa_batch_items_pending 11",
		`certa_batch_items_total{outcome="issued"} 3`, `certa_batch_items_total{outcome="failed"} 1`} {
		if got := scrape(); !strings.Contains(got, want+"\n") {
			t.Errorf("missing %q", want)
		}
	}
	m.BatchStopped(b, errors.New("lease lost"))
	a.Issued = 9
	m.BatchPage(a, 6, 0)
	m.BatchStopped(a, nil)
	got := scrape()
	for _, want := range []string{"certa_batches_running 0", "certa_batch_items_pending 0",
		`certa_batches_total{outcome="done"} 1`, `certa_batches_total{outcome="interrupted"} 1`,
		`certa_batch_items_total{outcome="issued"} 9`} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("missing %q", want)
		}
	}
	if strings.Contains(got, a.ID) || strings.Contains(got, b.ID) {
		t.Error("a batch id is a label value")
	}
}

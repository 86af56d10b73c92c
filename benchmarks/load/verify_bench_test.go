// Package load holds the HTTP load test of the public verification page
// (verify-load.sh, rotate.lua, profserve) and this in-process benchmark of
// the same requests: the handler's own cost per request, without TCP,
// net/http's connection handling or the load generator, for
// -cpuprofile.
//
//	go test -run '^$' -bench BenchmarkVerifyPage -benchtime 3s -cpu 1,2 ./benchmarks/load/
//	go test -run '^$' -bench 'BenchmarkVerifyPage/html' -cpuprofile cpu.prof ./benchmarks/load/ && go tool pprof -top -cum cpu.prof
package load_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"certa.example/certa/internal/httpapi"
	"certa.example/certa/internal/setup"
	"certa.example/certa/verify"
)

// codes is how many certificates the benchmark issues and rotates over.
const codes = 50

// BenchmarkVerifyPage serves GET /v/{code} in process, rotating over 50
// real codes on the embedded SQLite store, as verify-load.sh does over
// HTTP: "html" is the page a QR code opens, "json" its JSON form.
// It reports req/s (of all workers together) and bytes/resp.
func BenchmarkVerifyPage(b *testing.B) {
	h, list := newServer(b)
	for _, form := range []struct{ name, accept, want string }{
		{"html", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"},
		{"json", "application/json", "application/json"},
	} {
		b.Run(form.name, func(b *testing.B) {
			var next atomic.Int64
			var size atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				reqs := make([]*http.Request, len(list))
				for i, c := range list {
					reqs[i] = httptest.NewRequest(http.MethodGet, "/v/"+c, nil)
					reqs[i].Header.Set("Accept", form.accept)
				}
				w := &discard{h: http.Header{}}
				i := int(next.Add(17))
				for pb.Next() {
					clear(w.h)
					w.status, w.n = 0, 0
					h.ServeHTTP(w, reqs[i%len(reqs)])
					i++
					if w.status != http.StatusOK || !strings.HasPrefix(w.h.Get("Content-Type"), form.want) {
						b.Errorf("status %d, Content-Type %q", w.status, w.h.Get("Content-Type"))
						return
					}
					size.Store(int64(w.n))
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
			b.ReportMetric(float64(size.Load()), "bytes/resp")
		})
	}
}

// newServer opens a throwaway embedded default, issues codes certificates
// through the API and returns the handler and their codes.
func newServer(b *testing.B) (http.Handler, []string) {
	b.Helper()
	ctx := context.Background()
	env, err := setup.Open(ctx, setup.Options{DataDir: b.TempDir(), Now: time.Now})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { env.Close() })
	eng, err := env.Engine("http://certa.test", time.Now)
	if err != nil {
		b.Fatal(err)
	}
	const key = "load-benchmark-key"
	srv, err := httpapi.New(httpapi.Config{
		Ready:     env.Ready,
		Engine:    eng,
		Verifier:  &verify.Verifier{Roots: env.Roots, TSARoots: env.TSARoots, Ledger: env.Store, Now: time.Now},
		Log:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		APIKeys:   map[string]string{httpapi.HashAPIKey(key): "bench"},
		MaxUpload: 10 << 20,
	})
	if err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	people, err := setup.CertifiableResidents(ctx, env.Store, codes)
	if err != nil || len(people) == 0 {
		b.Fatalf("no subjects: %v", err)
	}
	var list []string
	for n := range codes {
		body := fmt.Sprintf(`{"type":"residenza","subject":%q,"bollo":{"paid":{"marca":"%014d"}},"channel":"online","requester":%q}`, people[n%len(people)].FiscalCode, n+1, people[n%len(people)].FiscalCode)
		r := httptest.NewRequest(http.MethodPost, "/api/v1/certificates", strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+key)
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Accept", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		var resp struct{ Code string }
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); rec.Code != http.StatusCreated || err != nil || resp.Code == "" {
			b.Fatalf("issuing: %d %s", rec.Code, bytes.TrimSpace(rec.Body.Bytes()))
		}
		list = append(list, resp.Code)
	}
	return h, list
}

// discard is a ResponseWriter that keeps the headers and counts the body.
type discard struct {
	h      http.Header
	status int
	n      int
}

func (d *discard) Header() http.Header { return d.h }
func (d *discard) WriteHeader(s int) {
	if d.status == 0 {
		d.status = s
	}
}

// WriteString as http.ResponseWriter has it, so that io.WriteString costs
// no copy here either.
func (d *discard) WriteString(s string) (int, error) {
	if d.status == 0 {
		d.status = http.StatusOK
	}
	d.n += len(s)
	return len(s), nil
}

func (d *discard) Write(p []byte) (int, error) {
	if d.status == 0 {
		d.status = http.StatusOK
	}
	d.n += len(p)
	return len(p), nil
}

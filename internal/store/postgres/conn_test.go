package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/store/storetest"
)

// Tests of what happens between certa and the server: round trips,
// configuration, unreachable and restarting servers, error mapping.

// tracer counts what a pool sends to the server.
type tracer struct {
	queries, batches, prepares atomic.Int64
}

func (tr *tracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	tr.queries.Add(1)
	return ctx
}
func (tr *tracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (tr *tracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	tr.batches.Add(1)
	return ctx
}
func (tr *tracer) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (tr *tracer) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}
func (tr *tracer) TracePrepareStart(ctx context.Context, _ *pgx.Conn, _ pgx.TracePrepareStartData) context.Context {
	tr.prepares.Add(1)
	return ctx
}
func (tr *tracer) TracePrepareEnd(context.Context, *pgx.Conn, pgx.TracePrepareEndData) {}

func (tr *tracer) reset() { tr.queries.Store(0); tr.batches.Store(0); tr.prepares.Store(0) }

// TestRoundTrips counts the statements each call sends, on a warm
// connection (statements are prepared once per connection): Subject is one
// query, Record two pipelined batches.
func TestRoundTrips(t *testing.T) {
	t.Parallel()
	u := newSchema(t)
	ctx := context.Background()
	if err := Migrate(ctx, u, nil); err != nil {
		t.Fatal(err)
	}
	cfg, err := parseConfig(withParams(t, u, "pool_max_conns", "1"))
	if err != nil {
		t.Fatal(err)
	}
	tr := &tracer{}
	cfg.ConnConfig.Tracer = tr
	s, err := openConfig(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.PutHouseholds(ctx, storetest.Households()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name             string
		call             func(i int) error
		queries, batches int64
	}{
		{"Subject", func(int) error {
			_, err := s.Subject(ctx, "BNCLRA82M41Z129Y")
			return err
		}, 1, 0},
		{"Record", func(i int) error { return s.Record(ctx, storetest.Cert(i)) }, 0, 2},
		{"ByCode", func(int) error {
			_, err := s.ByCode(ctx, storetest.Cert(0).Code)
			return err
		}, 1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(0); err != nil { // warm up: prepare
				t.Fatal(err)
			}
			tr.reset()
			if err := tc.call(1); err != nil {
				t.Fatal(err)
			}
			q, b, p := tr.queries.Load(), tr.batches.Load(), tr.prepares.Load()
			if q != tc.queries || b != tc.batches || p != 0 {
				t.Errorf("%d queries, %d batches, %d prepares; want %d, %d, 0", q, b, p, tc.queries, tc.batches)
			}
		})
	}
}

func TestParseConfig(t *testing.T) {
	base := baseURL()
	tests := []struct {
		name     string
		url      string
		maxConns int32
		timeout  time.Duration
		app      string
	}{
		{"defaults", base, int32(max(4, 2*runtime.GOMAXPROCS(0))), DefaultConnectTimeout, "certa"},
		{"from the URL", withParams(t, base, "pool_max_conns", "3", "connect_timeout", "2", "application_name", "x"),
			3, 2 * time.Second, "x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := parseConfig(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			cc := cfg.ConnConfig
			if cfg.MaxConns != tc.maxConns || cc.ConnectTimeout != tc.timeout || cc.RuntimeParams["application_name"] != tc.app {
				t.Errorf("MaxConns %d, ConnectTimeout %v, application_name %q; want %d, %v, %q",
					cfg.MaxConns, cc.ConnectTimeout, cc.RuntimeParams["application_name"], tc.maxConns, tc.timeout, tc.app)
			}
		})
	}
	for _, bad := range []string{"", "  ", "postgres://certa:s3cr3t@127.0.0.1:notaport/test"} {
		_, err := parseConfig(bad)
		if err == nil {
			t.Errorf("parseConfig(%q) succeeded", bad)
		} else if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("parseConfig error %q shows the password", err)
		}
	}
}

// TestUnreachable: nothing listens on port 1; Open fails fast, and says so
// as errs.Unavailable without the password.
func TestUnreachable(t *testing.T) {
	t.Parallel()
	start := time.Now()
	s, err := Open(context.Background(), "postgres://certa:s3cr3t@127.0.0.1:1/test?sslmode=disable", nil)
	if err == nil {
		s.Close()
		t.Fatal("Open succeeded with no server")
	}
	kindOf(t, err, errs.Unavailable)
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Open took %v", d)
	}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("error %q shows the password", err)
	}
	kindOf(t, Migrate(context.Background(), "postgres://certa@127.0.0.1:1/test?sslmode=disable", nil), errs.Unavailable)
}

// proxy forwards TCP connections to the server until stopped: stopping it
// is the server going away, as far as the store can tell.
type proxy struct {
	target, addr string
	mu           sync.Mutex
	ln           net.Listener
	conns        map[net.Conn]bool
	wg           sync.WaitGroup
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{target: target, addr: ln.Addr().String(), conns: map[net.Conn]bool{}}
	p.serve(ln)
	t.Cleanup(p.stop)
	return p
}

// restart listens again on the same address.
func (p *proxy) restart(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	p.serve(ln)
}

func (p *proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	p.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.wg.Go(func() { p.pipe(c) })
		}
	})
}

func (p *proxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		return false
	}
	for _, c := range cs {
		p.conns[c] = true
	}
	return true
}

func (p *proxy) pipe(c net.Conn) {
	d, err := net.Dial("tcp", p.target)
	if err != nil || !p.track(c, d) {
		c.Close()
		if d != nil {
			d.Close()
		}
		return
	}
	done := make(chan struct{}, 2)
	go func() { io.Copy(d, c); done <- struct{}{} }()
	go func() { io.Copy(c, d); done <- struct{}{} }()
	<-done
	c.Close()
	d.Close()
	<-done
}

// stop closes the listener and every connection, and waits for the
// forwarding goroutines.
func (p *proxy) stop() {
	p.mu.Lock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// TestDatabaseDown: with the server gone, every call fails fast with
// errs.Unavailable; when it is back, the store recovers by itself and the
// ledger and its chain are whole.
func TestDatabaseDown(t *testing.T) {
	t.Parallel()
	direct := newSchema(t)
	ctx := context.Background()
	if err := Migrate(ctx, direct, nil); err != nil {
		t.Fatal(err)
	}
	pc, err := pgconn.ParseConfig(direct)
	if err != nil || strings.HasPrefix(pc.Host, "/") {
		t.Skipf("needs a TCP server address, got %v", err)
	}
	px := startProxy(t, net.JoinHostPort(pc.Host, fmt.Sprint(pc.Port)))
	pu, _ := url.Parse(withParams(t, direct, "connect_timeout", "2"))
	pu.Host = px.addr
	s, err := Open(ctx, pu.String(), storetest.NewClock(storetest.T0).Now)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.PutHouseholds(ctx, storetest.Households()); err != nil {
		t.Fatal(err)
	}
	if err := s.Record(ctx, storetest.Cert(0)); err != nil {
		t.Fatal(err)
	}

	px.stop()
	calls := []struct {
		name string
		call func(context.Context) error
	}{
		{"Ready", s.Ready},
		{"Subject", func(ctx context.Context) error {
			_, err := s.Subject(ctx, "RSSMRA80A01F205X")
			return err
		}},
		{"Record", func(ctx context.Context) error { return s.Record(ctx, storetest.Cert(1)) }},
		{"ByCode", func(ctx context.Context) error {
			_, err := s.ByCode(ctx, storetest.Cert(0).Code)
			return err
		}},
		{"CountResidents", func(ctx context.Context) error {
			_, err := s.CountResidents(ctx)
			return err
		}},
		{"PutHouseholds", func(ctx context.Context) error { return s.PutHouseholds(ctx, storetest.Households()) }},
		{"ImportHouseholds", func(ctx context.Context) error {
			_, err := s.ImportHouseholds(ctx, storetest.Households())
			return err
		}},
		{"AuditVerify", func(ctx context.Context) error {
			_, err := s.AuditVerify(ctx)
			return err
		}},
		{"Open", func(ctx context.Context) error {
			s, err := Open(ctx, pu.String(), nil)
			if err == nil {
				s.Close()
			}
			return err
		}},
	}
	for _, c := range calls {
		t.Run("down/"+c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			start := time.Now()
			kindOf(t, c.call(ctx), errs.Unavailable)
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("%s took %v to fail", c.name, d)
			}
		})
	}

	px.restart(t)
	// Connections broken by the outage may still fail one call each.
	var rerr error
	for range 10 {
		if rerr = s.Ready(ctx); rerr == nil {
			break
		}
		kindOf(t, rerr, errs.Unavailable)
	}
	if rerr != nil {
		t.Fatalf("Ready after the restart: %v", rerr)
	}
	if err := s.Record(ctx, storetest.Cert(2)); err != nil {
		t.Fatalf("Record after the restart: %v", err)
	}
	checkLedger(t, s, direct, map[int]bool{0: true, 2: true})
}

// checkLedger checks that the chain is intact, that it has one event per
// certificate, and that every certificate i in ok is recorded.
func checkLedger(t *testing.T, s *Store, u string, ok map[int]bool) {
	t.Helper()
	ctx := context.Background()
	n, err := s.AuditVerify(ctx)
	if err != nil {
		t.Fatalf("AuditVerify: %v", err)
	}
	if c := count(t, u, `SELECT count(*) FROM certificates`); c != n {
		t.Errorf("%d certificates but %d audit events", c, n)
	}
	for i := range ok {
		if _, err := s.ByCode(ctx, storetest.Cert(i).Code); err != nil {
			t.Errorf("certificate %d recorded without error but not found: %v", i, err)
		}
	}
}

// TestTerminatedBackends kills the store's server processes while records
// are being written: each call succeeds or fails with errs.Unavailable, and
// no record is half written.
func TestTerminatedBackends(t *testing.T) {
	t.Parallel()
	u := newSchema(t)
	app := randomName("certa_test_")
	u = withParams(t, u, "application_name", app)
	ctx := context.Background()
	s, err := OpenAndMigrate(ctx, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.PutHouseholds(ctx, storetest.Households()); err != nil {
		t.Fatal(err)
	}
	admin := connect(t, baseURL())
	defer admin.Close(ctx)
	terminate := func() int {
		var n int
		if err := admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE application_name = $1`, app).Scan(&n); err != nil {
			t.Errorf("pg_terminate_backend: %v", err)
		}
		return n
	}

	const workers, each = 4, 40
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		ok   = map[int]bool{}
		down atomic.Int64
	)
	check := func(what string, err error) bool {
		switch {
		case err == nil:
			return true
		case errs.KindOf(err) == errs.Unavailable:
			down.Add(1)
		default:
			t.Errorf("%s: %v, want success or unavailable", what, err)
		}
		return false
	}
	stop := make(chan struct{})
	killed := 0
	var kwg sync.WaitGroup
	kwg.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(40 * time.Millisecond):
				killed += terminate()
			}
		}
	})
	for w := range workers {
		wg.Go(func() {
			for i := w * each; i < (w+1)*each; i++ {
				if check("Record", s.Record(ctx, storetest.Cert(i))) {
					mu.Lock()
					ok[i] = true
					mu.Unlock()
				}
				_, err := s.Subject(ctx, "RSSMRA80A01F205X")
				check("Subject", err)
			}
		})
	}
	wg.Wait()
	close(stop)
	kwg.Wait()
	t.Logf("%d backends terminated, %d calls unavailable, %d of %d records written", killed, down.Load(), len(ok), workers*each)
	if killed == 0 {
		t.Error("no backend was terminated")
	}
	// Once the killing stops, the pool recovers: each connection it holds
	// fails at most one call.
	recovered := false
	for i := 1000; i < 1020 && !recovered; i++ {
		err := s.Record(ctx, storetest.Cert(i))
		if recovered = err == nil; recovered {
			ok[i] = true
		} else {
			kindOf(t, err, errs.Unavailable)
		}
	}
	if !recovered {
		t.Error("the store did not recover")
	}
	checkLedger(t, s, u, ok)
}

func TestErrorKinds(t *testing.T) {
	pg := func(code string) error { return &pgconn.PgError{Severity: "FATAL", Code: code, Message: "m"} }
	tests := []struct {
		name string
		err  error
		kind errs.Kind
	}{
		{"cancelled", context.Canceled, errs.Unavailable},
		{"deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), errs.Unavailable},
		{"admin shutdown", pg("57P01"), errs.Unavailable},
		{"cannot connect now", pg("57P03"), errs.Unavailable},
		{"too many connections", pg("53300"), errs.Unavailable},
		{"disk full", pg("53100"), errs.Unavailable},
		{"connection failure", pg("08006"), errs.Unavailable},
		{"serialization failure", pg("40001"), errs.Unavailable},
		{"deadlock", pg("40P01"), errs.Unavailable},
		{"statement timeout", pg("57014"), errs.Unavailable},
		{"read-only standby", pg("25006"), errs.Unavailable},
		{"I/O error", pg("58030"), errs.Unavailable},
		{"connection reset", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, errs.Unavailable},
		{"unexpected EOF", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), errs.Unavailable},
		{"conn closed", fmt.Errorf("x: %w", pgconn.ErrConnClosed), errs.Unavailable},
		{"unique violation", pg("23505"), errs.Internal},
		{"check violation", pg("23514"), errs.Internal},
		{"undefined table", pg("42P01"), errs.Internal},
		{"wrong password", pg("28P01"), errs.Internal},
		{"other", errors.New("boom"), errs.Internal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := storageErr(tc.err)
			kindOf(t, err, tc.kind)
			want := map[errs.Kind]string{errs.Unavailable: "storage unavailable", errs.Internal: "storage error"}[tc.kind]
			if errs.PublicOf(err) != want {
				t.Errorf("public text %q, want %q", errs.PublicOf(err), want)
			}
		})
	}
	if storageErr(nil) != nil {
		t.Error("storageErr(nil) != nil")
	}
	// An import that meets a row added meanwhile can be retried.
	err := importErr(&pgconn.PgError{Code: "23505", Detail: "Key (fiscal_code)=(RSSMRA80A01F205X) already exists."})
	kindOf(t, err, errs.Conflict)
	if strings.Contains(fmt.Sprintf("%+v", err), "RSSMRA") {
		t.Errorf("importErr keeps the detail: %v", err)
	}
	kindOf(t, importErr(pg("57P01")), errs.Unavailable)
}

// TestErrorsRedacted: the server quotes key values in DETAIL and input in
// data exceptions; neither reaches the error, even through errors.As.
func TestErrorsRedacted(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	ctx := context.Background()
	if err := s.PutHouseholds(ctx, storetest.Households()); err != nil {
		t.Fatal(err)
	}
	hs := storetest.Households()[1:2]
	hs[0].ID = "H0009" // a new household, an existing resident
	hs[0].Members[0].HouseholdID = ""
	err := s.PutHouseholds(ctx, hs)
	kindOf(t, err, errs.Conflict)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "23505" {
		t.Fatalf("PutHouseholds: %v, want a unique violation inside", err)
	}
	if pe.Detail != "" || strings.Contains(fmt.Sprintf("%+v %#v", err, pe), "VRDNNA") {
		t.Errorf("the fiscal code leaks through %#v", pe)
	}

	rec := storetest.Cert(1)
	if err := s.Record(ctx, rec); err != nil {
		t.Fatal(err)
	}
	rec.SHA256[0]++
	err = s.Record(ctx, rec)
	kindOf(t, err, errs.Conflict)
	if errs.PublicOf(err) != "a certificate with this code is already recorded" {
		t.Errorf("public text %q", errs.PublicOf(err))
	}
	if errors.As(err, &pe) && pe.Detail != "" {
		t.Errorf("DETAIL kept: %q", pe.Detail)
	}

	data := storageErr(&pgconn.PgError{Code: "22P02", Message: `invalid input syntax for type date: "RSSMRA80A01F205X"`})
	if strings.Contains(fmt.Sprintf("%+v", data), "RSSMRA") {
		t.Errorf("data exception quotes the input: %v", data)
	}
}

func TestReadyAndClose(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	if err := s.Ready(context.Background()); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Ready(context.Background()); err == nil {
		t.Error("Ready after Close succeeded")
	}
	if err := s.Record(context.Background(), storetest.Cert(1)); err == nil {
		t.Error("Record after Close succeeded")
	}
}

package engine_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"certa.example/certa/engine"
	"certa.example/certa/internal/bollo"
	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/setup"
	"certa.example/certa/internal/store"
	"certa.example/certa/internal/store/postgres"
	"certa.example/certa/internal/testutil"
)

var paid = &bollo.Request{Paid: &bollo.Paid{Marca: "01234567890123"}}

// apiRequest is an API request for subject with key.
func apiRequest(subject, key string) engine.Request {
	return engine.Request{Type: "residenza", Subject: subject, Requester: "portal-a", Channel: engine.ChannelOnline, Citizen: subject, Bollo: paid, IdempotencyKey: key}
}

func TestIdempotentIssue(t *testing.T) {
	f := newFixture(t, "http://127.0.0.1:8080")
	ctx := context.Background()
	cf := f.people[0].FiscalCode
	first, err := f.eng.Issue(ctx, apiRequest(cf, "k-1"))
	if err != nil {
		t.Fatal(err)
	}
	if first.Replayed {
		t.Fatal("the first answer says replayed")
	}
	// Later (the clock moved), the retry gets the same certificate.
	f.now = f.now.Add(23 * time.Hour)
	again, err := f.eng.Issue(ctx, apiRequest(cf, "k-1"))
	if err != nil {
		t.Fatal(err)
	}
	if !again.Replayed || again.Code != first.Code || !bytes.Equal(again.PDF, first.PDF) || again.SHA256 != first.SHA256 ||
		!again.IssuedAt.Equal(first.IssuedAt) || !again.ExpiresAt.Equal(first.ExpiresAt) || again.Type != first.Type || again.VerifyURL != first.VerifyURL {
		t.Fatalf("replay differs:\n%+v\n%+v", again.Code, first.Code)
	}

	tests := []struct {
		name string
		req  engine.Request
		kind errs.Kind // 0: a new certificate
	}{
		{"same key, other subject", apiRequest(f.people[1].FiscalCode, "k-1"), errs.IdempotencyReuse},
		{"same key, other bollo", func() engine.Request {
			r := apiRequest(cf, "k-1")
			r.Bollo = &bollo.Request{Exempt: &bollo.Exempt{Code: 7}}
			return r
		}(), errs.IdempotencyReuse},
		{"same key, other type", func() engine.Request { r := apiRequest(cf, "k-1"); r.Type = "stato_famiglia"; return r }(), errs.IdempotencyReuse},
		{"same key, other client", func() engine.Request { r := apiRequest(cf, "k-1"); r.Requester = "portal-b"; return r }(), 0},
		{"other key", apiRequest(cf, "k-2"), 0},
		{"quoted key (Request takes it parsed)", apiRequest(cf, `"k-1"`), errs.InvalidRequest},
		{"space in key", apiRequest(cf, "k 1"), errs.InvalidRequest},
		{"key too long", apiRequest(cf, string(bytes.Repeat([]byte("k"), 256))), errs.InvalidRequest},
		{"non-ASCII key", apiRequest(cf, "chiavé"), errs.InvalidRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			iss, err := f.eng.Issue(ctx, tc.req)
			if tc.kind != 0 {
				if errs.KindOf(err) != tc.kind {
					t.Fatalf("error %v, want kind %v", err, tc.kind)
				}
				return
			}
			if err != nil || iss.Replayed || iss.Code == first.Code {
				t.Fatalf("%+v %v: want a new certificate", iss.Code, err)
			}
		})
	}
}

// KeyLikelyNew skips the look-up, not the guarantee: a used key is still
// answered with its certificate, or refused for another request.
func TestKeyLikelyNew(t *testing.T) {
	f := newFixture(t, "http://127.0.0.1:8080")
	ctx := context.Background()
	cf := f.people[0].FiscalCode
	likelyNew := func(r engine.Request) engine.Request { r.KeyLikelyNew = true; return r }
	first, err := f.eng.Issue(ctx, apiRequest(cf, "k-1"))
	if err != nil {
		t.Fatal(err)
	}
	events := func() int {
		n, err := f.emb.Store.AuditVerify(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := events()
	again, err := f.eng.Issue(ctx, likelyNew(apiRequest(cf, "k-1")))
	if err != nil || !again.Replayed || again.Code != first.Code || !bytes.Equal(again.PDF, first.PDF) {
		t.Fatalf("a used key: %+v %v", again.Code, err)
	}
	other := likelyNew(apiRequest(f.people[1].FiscalCode, "k-1"))
	if _, err := f.eng.Issue(ctx, other); errs.KindOf(err) != errs.IdempotencyReuse {
		t.Fatalf("a used key for another request: %v", err)
	}
	if _, err := f.eng.Issue(ctx, likelyNew(apiRequest(cf, "k 1"))); errs.KindOf(err) != errs.InvalidRequest {
		t.Fatalf("a malformed key: %v", err)
	}
	if n := events(); n != before {
		t.Fatalf("%d audit events, want %d: nothing new recorded", n, before)
	}
	fresh, err := f.eng.Issue(ctx, likelyNew(apiRequest(cf, "k-2")))
	if err != nil || fresh.Replayed || fresh.Code == first.Code {
		t.Fatalf("a new key: %+v %v", fresh.Code, err)
	}
}

// A request that fails records nothing under its key: the key stays free.
func TestIdempotentFailureStoresNothing(t *testing.T) {
	f := newFixture(t, "http://127.0.0.1:8080")
	ctx := context.Background()
	bad := apiRequest("RSSMRA80A01F205X", "k-fail") // no such resident
	for range 2 {
		if _, err := f.eng.Issue(ctx, bad); errs.KindOf(err) != errs.SubjectNotFound {
			t.Fatalf("error %v, want subject-not-found each time", err)
		}
	}
	if _, err := f.emb.Store.Idempotency(ctx, "portal-a", "k-fail"); errs.KindOf(err) != errs.NotFound {
		t.Fatalf("entry after a failure: %v", err)
	}
	if iss, err := f.eng.Issue(ctx, apiRequest(f.people[0].FiscalCode, "k-fail")); err != nil || iss.Replayed {
		t.Fatalf("the key after a failure: %v", err)
	}
}

// engines returns n engines on n handles of one database: PostgreSQL when
// dbURL is set, else one SQLite file.
func engines(t *testing.T, dbURL string, n int, now func() time.Time) ([]*engine.Engine, *setup.Env) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	if dbURL != "" {
		if err := postgres.Migrate(ctx, dbURL, time.Now); err != nil {
			t.Fatal(err)
		}
	}
	var out []*engine.Engine
	var first *setup.Env
	for i := range n {
		env, err := setup.Open(ctx, setup.Options{DataDir: dir, DatabaseURL: dbURL, Now: time.Now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { env.Close() })
		if i == 0 {
			first = env
			if dbURL != "" {
				if _, err := setup.Seed(ctx, env.Store, env.Comune, setup.DemoPostalCode, 11, 20, time.Now()); err != nil {
					t.Fatal(err)
				}
			}
		}
		eng, err := env.Engine("http://127.0.0.1:8080", now)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, eng)
	}
	return out, first
}

// Many concurrent requests with one key, through two engines on two store
// handles (as two processes), record one certificate and all get it.
func TestIdempotentConcurrent(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			url := ""
			if db == "postgres" {
				url = testutil.PostgresSchema(t)
			}
			engs, env := engines(t, url, 2, time.Now)
			ctx := context.Background()
			people, err := setup.CertifiableResidents(ctx, env.Store, 1)
			if err != nil || len(people) == 0 {
				t.Fatalf("residents: %v", err)
			}
			cf := people[0].FiscalCode
			const n = 16
			got := make([]engine.Issued, n)
			errc := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() { got[i], errc[i] = engs[i%2].Issue(ctx, apiRequest(cf, "one-key")) })
			}
			wg.Wait()
			fresh := 0
			for i := range n {
				if errc[i] != nil {
					t.Fatalf("request %d: %v", i, errc[i])
				}
				if got[i].Code != got[0].Code || !bytes.Equal(got[i].PDF, got[0].PDF) {
					t.Fatalf("request %d got %s, request 0 %s", i, got[i].Code, got[0].Code)
				}
				if !got[i].Replayed {
					fresh++
				}
			}
			if fresh != 1 {
				t.Fatalf("%d answers not replayed, want 1", fresh)
			}
			recs, err := env.Store.ListBySubject(ctx, cf, nil, 100)
			if err != nil || len(recs) != 1 {
				t.Fatalf("%d certificates recorded (%v), want 1", len(recs), err)
			}
		})
	}
}

func TestDocumentRetentionAndPurge(t *testing.T) {
	const day = 24 * time.Hour
	tests := []struct {
		name      string
		retention time.Duration
	}{{"kept 90 days", 90 * day}, {"none kept", 0}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			now := time.Date(2026, 3, 31, 9, 0, 0, 0, time.UTC)
			clock := func() time.Time { return now }
			ctx := context.Background()
			emb, err := setup.Open(ctx, setup.Options{DataDir: t.TempDir(), Now: clock, DocumentRetention: tc.retention})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { emb.Close() })
			eng, err := emb.Engine("http://127.0.0.1:8080", clock)
			if err != nil {
				t.Fatal(err)
			}
			people, _ := setup.CertifiableResidents(ctx, emb.Store, 2)
			plain, err := eng.Issue(ctx, apiRequest(people[0].FiscalCode, ""))
			if err != nil {
				t.Fatal(err)
			}
			keyed, err := eng.Issue(ctx, apiRequest(people[1].FiscalCode, "k"))
			if err != nil {
				t.Fatal(err)
			}
			stored := func(code string) bool {
				t.Helper()
				pdf, err := eng.Document(ctx, code)
				if err != nil && errs.KindOf(err) != errs.DocumentGone {
					t.Fatal(err)
				}
				return err == nil && len(pdf) > 0
			}
			if stored(plain.Code) != (tc.retention > 0) || !stored(keyed.Code) {
				t.Fatalf("after issue: plain stored %v, keyed %v", stored(plain.Code), stored(keyed.Code))
			}
			if pdf, _ := eng.Document(ctx, keyed.Code); !bytes.Equal(pdf, keyed.PDF) {
				t.Fatal("the stored document differs from the issued one")
			}
			// A day later the key has expired: its document goes unless the
			// retention keeps it.
			now = now.Add(day + time.Second)
			if _, err := eng.PurgeDocuments(ctx); err != nil {
				t.Fatal(err)
			}
			if stored(keyed.Code) != (tc.retention > 0) {
				t.Fatalf("a day later: keyed stored %v", stored(keyed.Code))
			}
			now = now.Add(tc.retention)
			res, err := eng.PurgeDocuments(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if stored(plain.Code) || stored(keyed.Code) {
				t.Fatalf("after the retention: still stored (%+v)", res)
			}
			// The ledger keeps both; the key is free again.
			for _, code := range []string{plain.Code, keyed.Code} {
				if _, err := eng.Certificate(ctx, code); err != nil {
					t.Fatalf("ledger row of %s: %v", code, err)
				}
			}
			if iss, err := eng.Issue(ctx, apiRequest(people[1].FiscalCode, "k")); err != nil || iss.Replayed {
				t.Fatalf("key after purge: %v %v", iss.Replayed, err)
			}
		})
	}
}

func TestPurgeLoop(t *testing.T) {
	f := newFixture(t, "http://127.0.0.1:8080")
	ctx, cancel := context.WithCancel(context.Background())
	runs := make(chan error, 10)
	done := make(chan struct{})
	go func() {
		f.eng.PurgeLoop(ctx, time.Millisecond, func(_ store.PurgeResult, err error) {
			select {
			case runs <- err:
			default:
			}
		})
		close(done)
	}()
	for range 2 {
		if err := <-runs; err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	<-done
}

func TestListBySubject(t *testing.T) {
	f := newFixture(t, "http://127.0.0.1:8080")
	ctx := context.Background()
	cf := f.people[0].FiscalCode
	var codes []string
	for range 5 {
		iss, err := f.eng.Issue(ctx, apiRequest(cf, ""))
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, iss.Code)
		f.now = f.now.Add(time.Minute)
	}
	var got []string
	cursor := ""
	for {
		recs, next, err := f.eng.ListBySubject(ctx, cf, cursor, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			got = append(got, r.Code)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if len(got) != 5 {
		t.Fatalf("listed %v", got)
	}
	for i := range got {
		if got[i] != codes[4-i] {
			t.Fatalf("not newest first: %v, issued %v", got, codes)
		}
	}
	for _, bad := range []struct {
		cursor string
		limit  int
	}{{"", -1}, {"", engine.MaxListLimit + 1}, {"!!", 1}, {"MTIz", 1}, {engine.FormatCursor(store.ListCursor{Code: "nope"}), 1}} {
		if _, _, err := f.eng.ListBySubject(ctx, cf, bad.cursor, bad.limit); errs.KindOf(err) != errs.InvalidRequest {
			t.Errorf("cursor %q limit %d: %v", bad.cursor, bad.limit, err)
		}
	}
}

func FuzzParseIdempotencyKey(f *testing.F) {
	for _, s := range []string{"k", `"8e03978e-40d5-43e8-bc93-6894a57f9324"`, `""`, `"`, "a b", "\x00", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := engine.ParseIdempotencyKey(s)
		if err != nil {
			if errs.KindOf(err) != errs.InvalidRequest {
				t.Fatalf("kind %v", errs.KindOf(err))
			}
			return
		}
		if k == "" || len(k) > store.MaxIdempotencyKey {
			t.Fatalf("accepted %q", k)
		}
		if k2, err := engine.ParseIdempotencyKey(k); err != nil || k2 != k {
			t.Fatalf("not stable: %q -> %q %v", k, k2, err)
		}
	})
}

func FuzzParseCursor(f *testing.F) {
	f.Add(engine.FormatCursor(store.ListCursor{IssuedAt: time.Unix(1774947600, 0), Code: "ABCD-EFGH-JKMN-PQRS"}))
	f.Add("")
	f.Add("MTIz")
	f.Add("MTc3NDk0NzYwMD\n\n\n\nAwMDAwMC5BQkNELUVGR0gtSktNTi1QUVJT") // the decoder skips newlines
	f.Fuzz(func(t *testing.T, s string) {
		c, err := engine.ParseCursor(s)
		if err != nil {
			var e *errs.Error
			if !errors.As(err, &e) || e.Kind != errs.InvalidRequest {
				t.Fatalf("error %v", err)
			}
			return
		}
		if engine.FormatCursor(c) != s {
			t.Fatalf("round trip: %q -> %+v -> %q", s, c, engine.FormatCursor(c))
		}
	})
}

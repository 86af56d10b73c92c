package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"certa.example/certa/internal/audit"
	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/store"
)

// Stored documents, idempotency entries, the list of a holder's
// certificates and the purge.

// PDF returns the bytes whose SHA-256 is Cert(i).SHA256.
func PDF(i int) []byte { return fmt.Appendf(nil, "pdf %d", i) }

// issuance returns Cert(i) with its document and, when key is not empty,
// an idempotency entry of client-a.
func issuance(i int, key string) store.Issuance {
	iss := store.Issuance{Record: Cert(i), PDF: PDF(i)}
	if key != "" {
		iss.Idempotency = &store.IdempotencyEntry{Client: "client-a", Key: key, RequestHash: sha256.Sum256([]byte(key))}
	}
	return iss
}

// fixedClock is a settable clock.
type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fixedClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// openAt returns a handle on a fresh database whose clock the test sets.
func openAt(t *testing.T, h Harness) (store.Store, *fixedClock) {
	t.Helper()
	e := &env{db: h.NewDB(t)}
	c := &fixedClock{t: T0}
	s, err := e.db.Open(c.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, c
}

func wantDocument(t *testing.T, s store.Store, i int, stored bool) {
	t.Helper()
	got, err := s.Document(context.Background(), Cert(i).Code)
	switch {
	case stored && (err != nil || !bytes.Equal(got, PDF(i))):
		t.Fatalf("Document(%d) = %q, %v; want the stored PDF", i, got, err)
	case !stored && errs.KindOf(err) != errs.NotFound:
		t.Fatalf("Document(%d) = %q, %v; want NotFound", i, got, err)
	}
}

func testRecordIssue(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, context.Background()
	iss := issuance(0, "key-0")
	if err := s.RecordIssue(ctx, iss); err != nil {
		t.Fatal(err)
	}
	if rec, err := s.ByCode(ctx, Cert(0).Code); err != nil || rec.SHA256 != Cert(0).SHA256 {
		t.Fatalf("ByCode: %+v %v", rec, err)
	}
	wantDocument(t, s, 0, true)
	ent, err := s.Idempotency(ctx, "client-a", "key-0")
	if err != nil {
		t.Fatal(err)
	}
	if ent.Code != Cert(0).Code || ent.RequestHash != iss.Idempotency.RequestHash || ent.Client != "client-a" || ent.Key != "key-0" {
		t.Fatalf("entry %+v", ent)
	}
	if ent.CreatedAt.Location() != time.UTC || ent.CreatedAt.Before(T0.Truncate(h.TimePrecision)) {
		t.Fatalf("created at %v", ent.CreatedAt)
	}
	if n := auditLen(t, s); n != 1 {
		t.Fatalf("%d audit events, want 1", n)
	}
	// Keys are per client, and a record without document or key stores
	// neither.
	if _, err := s.Idempotency(ctx, "client-b", "key-0"); errs.KindOf(err) != errs.NotFound {
		t.Fatalf("other client's key: %v", err)
	}
	other := issuance(1, "key-0")
	other.Idempotency.Client = "client-b"
	if err := s.RecordIssue(ctx, other); err != nil {
		t.Fatalf("same key, other client: %v", err)
	}
	if err := s.RecordIssue(ctx, store.Issuance{Record: Cert(2)}); err != nil {
		t.Fatal(err)
	}
	wantDocument(t, s, 2, false)
	if err := s.Record(ctx, Cert(3)); err != nil {
		t.Fatal(err)
	}
	wantDocument(t, s, 3, false)
}

func testRecordIssueRefused(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, context.Background()
	if err := s.RecordIssue(ctx, issuance(0, "taken")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		iss  store.Issuance
		kind errs.Kind
	}{
		{"key taken", issuance(1, "taken"), errs.Conflict},
		{"code taken", func() store.Issuance { x := issuance(1, "fresh"); x.Record.Code = Cert(0).Code; return x }(), errs.Conflict},
		{"digest of another document", func() store.Issuance { x := issuance(1, "fresh"); x.PDF = PDF(2); return x }(), errs.InvalidRequest},
		{"entry names another code", func() store.Issuance { x := issuance(1, "fresh"); x.Idempotency.Code = Cert(0).Code; return x }(), errs.InvalidRequest},
		{"empty key", issuance(1, ""), 0},
		{"key too long", issuance(1, string(bytes.Repeat([]byte("k"), store.MaxIdempotencyKey+1))), errs.InvalidRequest},
		{"NUL in key", issuance(1, "a\x00b"), errs.InvalidRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.kind == 0 { // an empty key is no key; make it explicit
				tc.iss.Idempotency = &store.IdempotencyEntry{Client: "client-a"}
				tc.kind = errs.InvalidRequest
			}
			err := s.RecordIssue(ctx, tc.iss)
			wantKind(t, err, tc.kind)
			if tc.name == "key taken" && !errors.Is(err, store.ErrIdempotencyKeyTaken) {
				t.Fatalf("%v does not wrap ErrIdempotencyKeyTaken", err)
			}
			// Nothing of it was written.
			if _, err := s.ByCode(ctx, Cert(1).Code); errs.KindOf(err) != errs.NotFound {
				t.Fatalf("ledger row written: %v", err)
			}
			wantDocument(t, s, 1, false)
			if _, err := s.Idempotency(ctx, "client-a", "fresh"); errs.KindOf(err) != errs.NotFound {
				t.Fatalf("entry written: %v", err)
			}
			if ent, _ := s.Idempotency(ctx, "client-a", "taken"); ent.Code != Cert(0).Code {
				t.Fatalf("the first entry changed: %+v", ent)
			}
			if n := auditLen(t, s); n != 1 {
				t.Fatalf("%d audit events, want 1", n)
			}
		})
	}
}

// Many requests with one key, on two handles (two processes), record one
// certificate; every other gets ErrIdempotencyKeyTaken and nothing is left
// of it.
func testIdempotencyConcurrent(t *testing.T, h Harness) {
	e := newEnv(t, h)
	handles := []store.Store{e.s, e.open(t)}
	ctx := context.Background()
	const n = 24
	errc := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errc <- handles[i%2].RecordIssue(ctx, issuance(i, "one-key")) })
	}
	wg.Wait()
	close(errc)
	won := 0
	for err := range errc {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrIdempotencyKeyTaken) || errs.KindOf(err) != errs.Conflict:
			t.Errorf("loser: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d requests recorded, want 1", won)
	}
	ent, err := e.s.Idempotency(ctx, "client-a", "one-key")
	if err != nil {
		t.Fatal(err)
	}
	recorded := 0
	for i := range n {
		_, err := e.s.ByCode(ctx, Cert(i).Code)
		if err == nil {
			recorded++
			if Cert(i).Code != ent.Code {
				t.Fatalf("recorded %s, the entry names %s", Cert(i).Code, ent.Code)
			}
			wantDocument(t, e.s, i, true)
		} else {
			wantDocument(t, e.s, i, false)
		}
	}
	if recorded != 1 || auditLen(t, e.s) != 1 {
		t.Fatalf("%d certificates, %d audit events; want 1 and 1", recorded, auditLen(t, e.s))
	}
}

func testListBySubject(t *testing.T, h Harness) {
	s := newEnv(t, h).s
	ctx := context.Background()
	const holder = "BNCLRA85M41H501Z"
	// Seven certificates of holder, two of them issued in the same second
	// (the code breaks the tie), and others of another holder.
	for i := range 9 {
		rec := Cert(i)
		if i < 7 {
			rec.Subject = holder
			if i == 4 {
				rec.IssuedAt = Cert(3).IssuedAt
			}
		}
		if err := s.Record(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}
	// Newest first: 6, 5, then 4 and 3 (same second; code 4 > code 3), 2, 1, 0.
	order := []int{6, 5, 4, 3, 2, 1, 0}
	var got []string
	var after *store.ListCursor
	for page := 0; ; page++ {
		recs, err := s.ListBySubject(ctx, holder, after, 3)
		if err != nil {
			t.Fatal(err)
		}
		if page > 5 || len(recs) > 3 {
			t.Fatalf("page %d: %d records", page, len(recs))
		}
		for _, r := range recs {
			if r.Subject != holder {
				t.Fatalf("another holder's certificate %s", r.Code)
			}
			got = append(got, r.Code)
		}
		if len(recs) < 3 {
			break
		}
		last := recs[len(recs)-1]
		after = &store.ListCursor{IssuedAt: last.IssuedAt, Code: last.Code}
	}
	if len(got) != len(order) {
		t.Fatalf("listed %v", got)
	}
	for i, j := range order {
		if got[i] != Cert(j).Code {
			t.Fatalf("position %d: %s, want %s (all: %v)", i, got[i], Cert(j).Code, got)
		}
	}
	if recs, err := s.ListBySubject(ctx, "RSSMRA80A01F205X", nil, store.MaxListLimit); err != nil || len(recs) != 2 {
		t.Fatalf("other holder: %d, %v", len(recs), err)
	}
	if recs, err := s.ListBySubject(ctx, "NNNNNN00A00A000A", nil, 10); err != nil || recs != nil {
		t.Fatalf("unknown holder: %v, %v", recs, err)
	}
	for _, limit := range []int{0, -1, store.MaxListLimit + 1} {
		_, err := s.ListBySubject(ctx, holder, nil, limit)
		wantKind(t, err, errs.InvalidRequest)
	}
}

func testPurgeDocuments(t *testing.T, h Harness) {
	s, clock := openAt(t, h)
	ctx := context.Background()
	day := 24 * time.Hour
	// Documents stored on days 0 to 3; the one of day 1 with a key.
	for i := range 4 {
		clock.Set(T0.Add(time.Duration(i) * day))
		key := ""
		if i == 1 {
			key = "kept-by-key"
		}
		if err := s.RecordIssue(ctx, issuance(i, key)); err != nil {
			t.Fatal(err)
		}
	}
	// Keys created before day 1 (none) go; documents before day 2 go,
	// except the keyed one.
	res, err := s.PurgeDocuments(ctx, T0.Add(2*day), T0.Add(day))
	if err != nil {
		t.Fatal(err)
	}
	if res != (store.PurgeResult{Documents: 1, Keys: 0}) {
		t.Fatalf("purge: %+v", res)
	}
	for i, stored := range []bool{false, true, true, true} {
		wantDocument(t, s, i, stored)
	}
	// Once the key expires, its document goes with it.
	res, err = s.PurgeDocuments(ctx, T0.Add(2*day), T0.Add(day+time.Second))
	if err != nil || res != (store.PurgeResult{Documents: 1, Keys: 1}) {
		t.Fatalf("purge: %+v %v", res, err)
	}
	wantDocument(t, s, 1, false)
	if _, err := s.Idempotency(ctx, "client-a", "kept-by-key"); errs.KindOf(err) != errs.NotFound {
		t.Fatalf("key after purge: %v", err)
	}
	// Nothing more to do; ledger rows all stay.
	if res, err := s.PurgeDocuments(ctx, T0.Add(2*day), T0.Add(2*day)); err != nil || res != (store.PurgeResult{}) {
		t.Fatalf("second purge: %+v %v", res, err)
	}
	for i := range 4 {
		if _, err := s.ByCode(ctx, Cert(i).Code); err != nil {
			t.Fatalf("ledger row %d: %v", i, err)
		}
	}
	if n := auditLen(t, s); n != 4 {
		t.Fatalf("%d audit events, want 4", n)
	}
	// The key can be used again after its purge.
	if err := s.RecordIssue(ctx, issuance(5, "kept-by-key")); err != nil {
		t.Fatalf("key reused after purge: %v", err)
	}
}

func testRecordIssuesGroup(t *testing.T, h Harness) {
	e := newEnv(t, h)
	ctx := context.Background()
	gr, ok := e.s.(store.GroupRecorder)
	if !ok {
		t.Fatal("the store does not record groups")
	}
	// All or none: a group with a code recorded already writes nothing.
	if err := e.s.RecordIssue(ctx, issuance(0, "")); err != nil {
		t.Fatal(err)
	}
	err := gr.RecordIssues(ctx, []store.Issuance{issuance(1, "k1"), issuance(0, ""), issuance(2, "")})
	if errs.KindOf(err) != errs.Conflict {
		t.Fatalf("group with a recorded code: %v, want conflict", err)
	}
	for _, i := range []int{1, 2} {
		if _, err := e.s.ByCode(ctx, Cert(i).Code); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("certificate %d of a failed group: %v", i, err)
		}
		wantDocument(t, e.s, i, false)
	}
	if _, err := e.s.Idempotency(ctx, "client-a", "k1"); errs.KindOf(err) != errs.NotFound {
		t.Fatalf("idempotency entry of a failed group: %v", err)
	}
	if n := auditLen(t, e.s); n != 1 {
		t.Fatalf("%d audit events after a failed group, want 1", n)
	}
	if err := gr.RecordIssues(ctx, []store.Issuance{issuance(1, "k1"), issuance(2, ""), issuance(3, "")}); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{1, 2, 3} {
		wantDocument(t, e.s, i, true)
	}
	if n := auditLen(t, e.s); n != 4 {
		t.Fatalf("%d audit events, want 4", n)
	}
}

// testGroupCommitConcurrent: many concurrent issuances through
// store.GroupCommit, some of them conflicting: each caller gets its own
// outcome, every other issuance is recorded with its document and one
// audit event, and the trail's chain holds.
func testGroupCommitConcurrent(t *testing.T, h Harness) {
	e := newEnv(t, h)
	ctx := context.Background()
	g := store.NewGroupCommit(e.s.(store.GroupRecorder), store.Linger)
	const n = 150
	errc := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			iss := issuance(i, "")
			if i%25 == 24 { // reuses the idempotency key of i-1
				iss = issuance(i, fmt.Sprint("key-", i-1))
			} else if i%25 == 23 {
				iss = issuance(i, fmt.Sprint("key-", i))
			}
			errc[i] = g.RecordIssue(ctx, iss)
		})
	}
	wg.Wait()
	recorded := 0
	for i, err := range errc {
		if i%25 == 23 || i%25 == 24 {
			continue // one of each pair wins
		}
		if err != nil {
			t.Fatalf("issuance %d: %v", i, err)
		}
		wantDocument(t, e.s, i, true)
		recorded++
	}
	for i := 23; i < n; i += 25 {
		a, b := errc[i], errc[i+1]
		if (a == nil) == (b == nil) {
			t.Fatalf("issuances %d and %d share a key: errors %v and %v", i, i+1, a, b)
		}
		for _, err := range []error{a, b} {
			if err != nil && !errors.Is(err, store.ErrIdempotencyKeyTaken) {
				t.Fatalf("the loser of a key: %v", err)
			}
		}
		recorded++
	}
	if got := auditLen(t, e.s); got != recorded {
		t.Fatalf("%d audit events, %d issuances recorded", got, recorded)
	}
	es, err := e.db.Events()
	if err != nil {
		t.Fatal(err)
	}
	if err := audit.VerifyChain(es); err != nil {
		t.Fatalf("VerifyChain: %v", err)
	}
	// A caller whose context ended first records nothing.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := g.RecordIssue(cctx, issuance(n, "")); err == nil {
		t.Fatal("recorded with an ended context")
	}
	wantDocument(t, e.s, n, false)
}

// testDocumentParts: documents stored with shared parts come back byte
// for byte, through the handle that stored them and through a fresh one
// (which reads the parts from the database), alone and in groups; a
// document without parts is stored whole.
func testDocumentParts(t *testing.T, h Harness) {
	e := newEnv(t, h)
	ctx := context.Background()
	fill := func(n int, seed byte) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*31) ^ seed ^ byte(i>>7)
		}
		return b
	}
	a, b := store.NewSharedPart(fill(3000, 1)), store.NewSharedPart(fill(5000, 2))
	doc := func(i int, parts ...store.SharedPart) store.Issuance {
		pdf := fmt.Appendf(nil, "%%PDF-1.7 document %d\n", i)
		for _, p := range parts {
			pdf = append(pdf, p.Body...)
			pdf = fmt.Appendf(pdf, "\nbetween %d\n", i)
		}
		rec := Cert(i)
		rec.SHA256 = sha256.Sum256(pdf)
		return store.Issuance{Record: rec, PDF: pdf, Parts: []store.SharedPart{a, b}}
	}
	issued := []store.Issuance{doc(0, a, b), doc(1, b), doc(2), doc(3, a, a, b)}
	if err := e.s.RecordIssue(ctx, issued[0]); err != nil {
		t.Fatal(err)
	}
	if err := e.s.(store.GroupRecorder).RecordIssues(ctx, issued[1:]); err != nil {
		t.Fatal(err)
	}
	whole := doc(4, a)
	whole.Parts = nil // stored as it is
	if err := e.s.RecordIssue(ctx, whole); err != nil {
		t.Fatal(err)
	}
	issued = append(issued, whole)
	for _, s := range []store.Store{e.s, e.open(t)} {
		for _, iss := range issued {
			got, err := s.Document(ctx, iss.Record.Code)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, iss.PDF) {
				t.Fatalf("document %s: %d bytes back, %d stored", iss.Record.Code, len(got), len(iss.PDF))
			}
		}
	}
}

// groupSizes records the size of each transaction a GroupCommit makes.
type groupSizes struct {
	store.GroupRecorder
	mu    sync.Mutex
	sizes []int
}

func (g *groupSizes) RecordIssue(ctx context.Context, iss store.Issuance) error {
	g.add(1)
	return g.GroupRecorder.RecordIssue(ctx, iss)
}

func (g *groupSizes) RecordIssues(ctx context.Context, group []store.Issuance) error {
	g.add(len(group))
	return g.GroupRecorder.RecordIssues(ctx, group)
}

func (g *groupSizes) add(n int) { g.mu.Lock(); g.sizes = append(g.sizes, n); g.mu.Unlock() }

func (g *groupSizes) get() []int { g.mu.Lock(); defer g.mu.Unlock(); return slices.Clone(g.sizes) }

// testGroupCommitLinger: a leader waits for the issuances announced with
// Track, and for nothing else. The lingers are long, so a wait that should
// not happen shows as a hang (bounded by the test's own deadline) and one
// that should cannot be missed.
func testGroupCommitLinger(t *testing.T, h Harness) {
	e := newEnv(t, h)
	ctx := context.Background()
	const long = time.Hour
	// returns runs f and fails if it has not returned within a minute: far
	// below the linger, so it returned without lingering.
	returns := func(what string, f func() error) {
		t.Helper()
		done := make(chan error, 1)
		go func() { done <- f() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		case <-time.After(time.Minute):
			t.Fatalf("%s: still waiting after a minute", what)
		}
	}
	// queued waits until g has n issuances queued.
	queued := func(g *store.GroupCommit, n int) {
		t.Helper()
		for deadline := time.Now().Add(time.Minute); g.Queued() != n; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%d queued, want %d", g.Queued(), n)
			}
		}
	}

	t.Run("alone", func(t *testing.T) {
		rec := &groupSizes{GroupRecorder: e.s.(store.GroupRecorder)}
		g := store.NewGroupCommit(rec, long)
		ticket := g.Track()
		returns("a lone issuance", func() error { return ticket.RecordIssue(ctx, issuance(0, "")) })
		returns("an untracked issuance", func() error { return g.RecordIssue(ctx, issuance(1, "")) })
		if got := rec.get(); !slices.Equal(got, []int{1, 1}) {
			t.Fatalf("transactions of %v issuances, want [1 1]", got)
		}
	})
	t.Run("waits for a tracked issuance", func(t *testing.T) {
		rec := &groupSizes{GroupRecorder: e.s.(store.GroupRecorder)}
		g := store.NewGroupCommit(rec, long)
		a, b := g.Track(), g.Track()
		errA := make(chan error, 1)
		go func() { errA <- a.RecordIssue(ctx, issuance(2, "")) }()
		queued(g, 1) // A leads and waits for B
		returns("B", func() error { return b.RecordIssue(ctx, issuance(3, "")) })
		returns("A", func() error { return <-errA })
		if got := rec.get(); !slices.Equal(got, []int{2}) {
			t.Fatalf("transactions of %v issuances, want [2]", got)
		}
		wantDocument(t, e.s, 2, true)
		wantDocument(t, e.s, 3, true)
	})
	t.Run("stops waiting for one that fails", func(t *testing.T) {
		rec := &groupSizes{GroupRecorder: e.s.(store.GroupRecorder)}
		g := store.NewGroupCommit(rec, long)
		a, b := g.Track(), g.Track()
		errA := make(chan error, 1)
		go func() { errA <- a.RecordIssue(ctx, issuance(4, "")) }()
		queued(g, 1)
		b.Cancel() // B failed before the ledger
		b.Cancel() // and a second call does nothing more
		a.Cancel() // nor does one after recording
		returns("A", func() error { return <-errA })
		if got := rec.get(); !slices.Equal(got, []int{1}) {
			t.Fatalf("transactions of %v issuances, want [1]", got)
		}
	})
	t.Run("bounded", func(t *testing.T) {
		rec := &groupSizes{GroupRecorder: e.s.(store.GroupRecorder)}
		g := store.NewGroupCommit(rec, 10*time.Millisecond)
		b := g.Track() // never arrives within the linger
		defer b.Cancel()
		returns("A", func() error { return g.RecordIssue(ctx, issuance(5, "")) })
		wantDocument(t, e.s, 5, true)
	})
}

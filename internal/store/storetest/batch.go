package storetest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"certa.example/certa/internal/audit"
	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/store"
)

// Batch tests: CreateBatch, the lease (ClaimBatch, RenewLease), items
// (PendingItems, FinishItems, BatchItems), CompleteBatch and CancelBatch.

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// BatchRequest returns the request line of item i: a small JSON object
// with a synthetic fiscal code.
func BatchRequest(i int64) []byte {
	return fmt.Appendf(nil, `{"type":"residenza","subject":"RSSMRA80A01F205X","ref":%d}`, i)
}

// ItemsSource yields the items with seqs seqs, requests BatchRequest(seq).
func ItemsSource(seqs ...int64) store.BatchSource {
	i := 0
	return func() (store.BatchItem, error) {
		if i == len(seqs) {
			return store.BatchItem{}, io.EOF
		}
		i++
		return store.BatchItem{Seq: seqs[i-1], Request: BatchRequest(seqs[i-1])}, nil
	}
}

// CountingSource yields n items, seqs 1..n, without holding them.
func CountingSource(n int64) store.BatchSource {
	var i int64
	return func() (store.BatchItem, error) {
		if i == n {
			return store.BatchItem{}, io.EOF
		}
		i++
		return store.BatchItem{Seq: i, Request: BatchRequest(i)}, nil
	}
}

var batchInput = NewBatchInput()

// NewBatchInput returns the batch the suite creates: client "client-a",
// the digest of "batch file".
func NewBatchInput() store.NewBatch {
	return store.NewBatch{Client: "client-a", InputSHA256: sha256.Sum256([]byte("batch file"))}
}

func createBatch(t *testing.T, s store.Store, seqs ...int64) store.Batch {
	t.Helper()
	b, err := s.CreateBatch(context.Background(), batchInput, ItemsSource(seqs...))
	if err != nil {
		t.Fatalf("CreateBatch: %v", err)
	}
	return b
}

func claim(t *testing.T, s store.Store, owner string, lease time.Duration) store.Batch {
	t.Helper()
	b, ok, err := s.ClaimBatch(context.Background(), owner, lease)
	if err != nil || !ok {
		t.Fatalf("ClaimBatch(%s) = %v, %v; want a batch", owner, ok, err)
	}
	return b
}

func wantNoClaim(t *testing.T, s store.Store) {
	t.Helper()
	if b, ok, err := s.ClaimBatch(context.Background(), "w-other", time.Minute); err != nil || ok {
		t.Fatalf("ClaimBatch = %+v, %v, %v; want none", b, ok, err)
	}
}

func allItems(t *testing.T, s store.Store, id string) []store.BatchItem {
	t.Helper()
	var out []store.BatchItem
	var after int64
	for {
		page, err := s.BatchItems(context.Background(), id, after, 2)
		if err != nil {
			t.Fatalf("BatchItems: %v", err)
		}
		if len(page) == 0 {
			return out
		}
		out = append(out, page...)
		after = page[len(page)-1].Seq
	}
}

func wantEvent(t *testing.T, e *env, action, actor, object, outcome string) {
	t.Helper()
	ev, ok := lastEvent(t, e)
	if !ok {
		return
	}
	want := audit.Event{Actor: actor, Action: action, Object: object, Outcome: outcome}
	got := audit.Event{Actor: ev.Actor, Action: ev.Action, Object: ev.Object, Outcome: ev.Outcome}
	if got != want {
		t.Errorf("last audit event %+v, want %+v", got, want)
	}
}

func testBatchCreate(t *testing.T, h Harness) {
	e := newEnv(t, h)
	ctx := context.Background()
	before := len(e.clock.Readings())
	b := createBatch(t, e.s, 1, 2, 4, 5, 7) // 3 and 6: blank lines
	if !store.ValidBatchID(b.ID) {
		t.Errorf("id %q is not a valid batch id", b.ID)
	}
	readings := e.clock.Readings()[before:]
	if len(readings) == 0 || b.CreatedAt != readings[0].Truncate(h.TimePrecision) {
		t.Errorf("CreatedAt %v, want the first clock reading of CreateBatch truncated to %v", b.CreatedAt, h.TimePrecision)
	}
	want := store.Batch{ID: b.ID, Client: "client-a", CreatedAt: b.CreatedAt, Status: store.BatchQueued,
		Total: 5, InputSHA256: batchInput.InputSHA256}
	if b != want {
		t.Errorf("CreateBatch = %+v, want %+v", b, want)
	}
	if got, err := e.s.Batch(ctx, b.ID); err != nil || got != want {
		t.Errorf("Batch = %+v, %v; want %+v", got, err, want)
	}
	items := allItems(t, e.s, b.ID)
	var seqs []int64
	for _, it := range items {
		seqs = append(seqs, it.Seq)
		if want := (store.BatchItem{Seq: it.Seq, Request: BatchRequest(it.Seq), Status: store.ItemPending}); !reflect.DeepEqual(it, want) {
			t.Errorf("item %+v, want %+v", it, want)
		}
	}
	if !reflect.DeepEqual(seqs, []int64{1, 2, 4, 5, 7}) {
		t.Errorf("seqs %v", seqs)
	}
	wantEvent(t, e, store.ActionBatchCreate, "client-a", b.ID, "ok items=5")
	if n := auditLen(t, e.s); n != 1 {
		t.Errorf("%d audit events, want 1", n)
	}
	// Ids are random: a second batch has another.
	if b2 := createBatch(t, e.s, 1); b2.ID == b.ID {
		t.Errorf("two batches with id %s", b.ID)
	}
}

func testBatchCreateRefused(t *testing.T, h Harness) {
	e := newEnv(t, h)
	ctx := context.Background()
	createBatch(t, e.s, 1) // something stored already
	if _, ok, err := e.s.ClaimBatch(ctx, "w0", time.Hour); err != nil || !ok {
		t.Fatalf("ClaimBatch: %v %v", ok, err)
	}
	boom := errors.New("disk on fire")
	item := func(seq int64, req string) store.BatchItem { return store.BatchItem{Seq: seq, Request: []byte(req)} }
	tests := []struct {
		name  string
		nb    store.NewBatch
		items []store.BatchItem
		fail  error // the source's error after items
		kind  errs.Kind
		seq   string // the public text names it
	}{
		{"source error", batchInput, []store.BatchItem{item(1, `{}`), item(2, `{}`)}, boom, errs.Internal, ""},
		{"no items", batchInput, nil, nil, errs.InvalidRequest, ""},
		{"no client", store.NewBatch{}, []store.BatchItem{item(1, `{}`)}, nil, errs.InvalidRequest, ""},
		{"not JSON", batchInput, []store.BatchItem{item(1, `{}`), item(2, `{"a":`)}, nil, errs.InvalidRequest, "2"},
		{"not an object", batchInput, []store.BatchItem{item(1, `[1]`)}, nil, errs.InvalidRequest, "1"},
		{"empty", batchInput, []store.BatchItem{item(1, ``)}, nil, errs.InvalidRequest, "1"},
		{"NUL", batchInput, []store.BatchItem{item(3, "{\"a\":\"\x00\"}")}, nil, errs.InvalidRequest, "3"},
		{"not UTF-8", batchInput, []store.BatchItem{item(1, "{\"a\":\"\xff\"}")}, nil, errs.InvalidRequest, "1"},
		{"too long", batchInput, []store.BatchItem{item(1, `{"a":"`+strings.Repeat("x", store.MaxBatchRequest)+`"}`)}, nil, errs.InvalidRequest, "1"},
		{"seq not increasing", batchInput, []store.BatchItem{item(2, `{}`), item(2, `{}`)}, nil, errs.InvalidRequest, "2"},
		{"seq zero", batchInput, []store.BatchItem{item(0, `{}`)}, nil, errs.InvalidRequest, "0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			events := auditLen(t, e.s)
			i := 0
			src := func() (store.BatchItem, error) {
				if i < len(tc.items) {
					i++
					return tc.items[i-1], nil
				}
				if tc.fail != nil {
					return store.BatchItem{}, tc.fail
				}
				return store.BatchItem{}, io.EOF
			}
			_, err := e.s.CreateBatch(ctx, tc.nb, src)
			wantKind(t, err, tc.kind)
			if tc.fail != nil && !errors.Is(err, tc.fail) {
				t.Errorf("error %v does not wrap the source's", err)
			}
			if tc.seq != "" && !strings.Contains(errs.PublicOf(err), tc.seq) {
				t.Errorf("public text %q does not name item %s", errs.PublicOf(err), tc.seq)
			}
			if strings.Contains(err.Error(), "RSSMRA") {
				t.Errorf("error %q echoes the request", err)
			}
			wantNoClaim(t, e.s) // nothing queued
			if n := auditLen(t, e.s); n != events {
				t.Errorf("%d audit events, want %d", n, events)
			}
		})
	}
}

func testBatchLifecycle(t *testing.T, h Harness) {
	e := newEnv(t, h)
	ctx := context.Background()
	b := createBatch(t, e.s, 1, 2, 3, 4)
	later := createBatch(t, e.s, 1) // a later batch: claimed second
	got := claim(t, e.s, "w1", time.Minute)
	if got.ID != b.ID || got.Status != store.BatchRunning || got.LeaseOwner != "w1" {
		t.Fatalf("claimed %+v, want %s running for w1", got, b.ID)
	}
	last := e.clock.Readings()
	if want := last[len(last)-1].Add(time.Minute).Truncate(h.TimePrecision); got.LeaseExpires != want {
		t.Errorf("LeaseExpires %v, want %v", got.LeaseExpires, want)
	}
	if next := claim(t, e.s, "w2", time.Minute); next.ID != later.ID {
		t.Errorf("second claim got %s, want the later batch", next.ID)
	}
	wantNoClaim(t, e.s)

	pending, err := e.s.PendingItems(ctx, b.ID, 0, 10)
	if err != nil || len(pending) != 4 {
		t.Fatalf("PendingItems = %d items, %v", len(pending), err)
	}
	fin, err := e.s.FinishItems(ctx, b.ID, "w1", []store.ItemResult{
		{Seq: 1, Code: "AAAA-BBBB-CCCC-DDDD"},
		{Seq: 3, ProblemType: "/problems/not-certifiable/deceased", ProblemDetail: "the subject is deceased"},
	})
	if err != nil || fin.Issued != 1 || fin.Failed != 1 || fin.Pending() != 2 {
		t.Fatalf("FinishItems = %+v, %v", fin, err)
	}
	// A replayed item keeps its first outcome and is not counted again.
	fin, err = e.s.FinishItems(ctx, b.ID, "w1", []store.ItemResult{{Seq: 1, Code: "ZZZZ-ZZZZ-ZZZZ-ZZZZ"}, {Seq: 3, Code: "YYYY-YYYY-YYYY-YYYY"}})
	if err != nil || fin.Issued != 1 || fin.Failed != 1 {
		t.Fatalf("FinishItems again = %+v, %v", fin, err)
	}
	pending, err = e.s.PendingItems(ctx, b.ID, 0, 10)
	if err != nil || len(pending) != 2 || pending[0].Seq != 2 || pending[1].Seq != 4 {
		t.Fatalf("PendingItems = %+v, %v; want 2 and 4", pending, err)
	}
	if pending, err = e.s.PendingItems(ctx, b.ID, 2, 10); err != nil || len(pending) != 1 || pending[0].Seq != 4 {
		t.Fatalf("PendingItems after 2 = %+v, %v; want 4", pending, err)
	}

	refused := []struct {
		name    string
		owner   string
		results []store.ItemResult
		kind    errs.Kind
	}{
		{"other owner", "w2", []store.ItemResult{{Seq: 2, Code: "A"}}, errs.Conflict},
		{"unknown seq", "w1", []store.ItemResult{{Seq: 2, Code: "A"}, {Seq: 9, Code: "B"}}, errs.InvalidRequest},
		{"seq twice", "w1", []store.ItemResult{{Seq: 2, Code: "A"}, {Seq: 2, Code: "B"}}, errs.InvalidRequest},
		{"no outcome", "w1", []store.ItemResult{{Seq: 2}}, errs.InvalidRequest},
		{"both outcomes", "w1", []store.ItemResult{{Seq: 2, Code: "A", ProblemType: "/p"}}, errs.InvalidRequest},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.s.FinishItems(ctx, b.ID, tc.owner, tc.results)
			wantKind(t, err, tc.kind)
			if cur, _ := e.s.Batch(ctx, b.ID); cur.Issued != 1 || cur.Failed != 1 {
				t.Errorf("counts changed: %+v", cur)
			}
		})
	}
	_, err = e.s.CompleteBatch(ctx, b.ID, "w1")
	wantKind(t, err, errs.Conflict) // items pending

	if _, err := e.s.FinishItems(ctx, b.ID, "w1", []store.ItemResult{{Seq: 2, Code: "EEEE-FFFF-GGGG-HHHH"}, {Seq: 4, Code: "JJJJ-KKKK-LLLL-MMMM"}}); err != nil {
		t.Fatal(err)
	}
	_, err = e.s.CompleteBatch(ctx, b.ID, "w2")
	wantKind(t, err, errs.Conflict) // not the holder
	done, err := e.s.CompleteBatch(ctx, b.ID, "w1")
	if err != nil || done.Status != store.BatchDone || done.FinishedAt.IsZero() || done.Issued != 3 || done.Failed != 1 {
		t.Fatalf("CompleteBatch = %+v, %v", done, err)
	}
	wantEvent(t, e, store.ActionBatchComplete, "client-a", b.ID, "ok items=4 issued=3 failed=1")
	_, err = e.s.CompleteBatch(ctx, b.ID, "w1")
	wantKind(t, err, errs.Conflict)
	_, err = e.s.CancelBatch(ctx, b.ID, "admin-a")
	wantKind(t, err, errs.Conflict)
	_, err = e.s.FinishItems(ctx, b.ID, "w1", nil)
	wantKind(t, err, errs.Conflict)

	items := allItems(t, e.s, b.ID)
	want := []store.BatchItem{
		{Seq: 1, Status: store.ItemIssued, Code: "AAAA-BBBB-CCCC-DDDD"},
		{Seq: 2, Status: store.ItemIssued, Code: "EEEE-FFFF-GGGG-HHHH"},
		{Seq: 3, Status: store.ItemFailed, ProblemType: "/problems/not-certifiable/deceased", ProblemDetail: "the subject is deceased"},
		{Seq: 4, Status: store.ItemIssued, Code: "JJJJ-KKKK-LLLL-MMMM"},
	}
	for i := range want {
		want[i].Request = BatchRequest(want[i].Seq)
	}
	if !reflect.DeepEqual(items, want) {
		t.Errorf("items\n%+v\nwant\n%+v", items, want)
	}
	if pending, err := e.s.PendingItems(ctx, b.ID, 0, 10); err != nil || len(pending) != 0 {
		t.Errorf("PendingItems of a done batch = %+v, %v", pending, err)
	}
	if _, err := e.s.AuditVerify(ctx); err != nil {
		t.Error(err)
	}
}

func testBatchLeaseExpiry(t *testing.T, h Harness) {
	e := newEnv(t, h)
	ctx := context.Background()
	b := createBatch(t, e.s, 1, 2, 3)
	claim(t, e.s, "w1", time.Minute)
	if _, err := e.s.FinishItems(ctx, b.ID, "w1", []store.ItemResult{{Seq: 1, Code: "AAAA-AAAA-AAAA-AAAA"}}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(30 * time.Second)
	renewed, err := e.s.RenewLease(ctx, b.ID, "w1", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	wantNoClaim(t, e.s)
	_, err = e.s.RenewLease(ctx, b.ID, "w2", time.Minute)
	wantKind(t, err, errs.Conflict)

	// w1 stops (a crash): after its lease, w2 takes the batch over.
	e.clock.Advance(renewed.LeaseExpires.Sub(e.clock.Now()) + time.Millisecond)
	_, err = e.s.FinishItems(ctx, b.ID, "w1", []store.ItemResult{{Seq: 2, Code: "BBBB-BBBB-BBBB-BBBB"}})
	wantKind(t, err, errs.Conflict) // expired, even before another claims it
	_, err = e.s.RenewLease(ctx, b.ID, "w1", time.Minute)
	wantKind(t, err, errs.Conflict)
	got := claim(t, e.s, "w2", time.Minute)
	if got.ID != b.ID || got.LeaseOwner != "w2" || got.Issued != 1 {
		t.Fatalf("claimed %+v, want %s for w2 with 1 issued", got, b.ID)
	}
	pending, err := e.s.PendingItems(ctx, b.ID, 0, 10)
	if err != nil || len(pending) != 2 || pending[0].Seq != 2 {
		t.Fatalf("PendingItems = %+v, %v; want 2 and 3", pending, err)
	}
	_, err = e.s.FinishItems(ctx, b.ID, "w1", []store.ItemResult{{Seq: 2, Code: "BBBB-BBBB-BBBB-BBBB"}})
	wantKind(t, err, errs.Conflict)
	if _, err := e.s.FinishItems(ctx, b.ID, "w2", []store.ItemResult{{Seq: 2, Code: "CCCC-CCCC-CCCC-CCCC"}, {Seq: 3, Code: "DDDD-DDDD-DDDD-DDDD"}}); err != nil {
		t.Fatal(err)
	}
	if done, err := e.s.CompleteBatch(ctx, b.ID, "w2"); err != nil || done.Issued != 3 {
		t.Fatalf("CompleteBatch = %+v, %v", done, err)
	}
}

func testBatchCancel(t *testing.T, h Harness) {
	e := newEnv(t, h)
	ctx := context.Background()
	queued := createBatch(t, e.s, 1)
	c, err := e.s.CancelBatch(ctx, queued.ID, "admin-a")
	if err != nil || c.Status != store.BatchCancelled || c.FinishedAt.IsZero() {
		t.Fatalf("CancelBatch(queued) = %+v, %v", c, err)
	}
	wantEvent(t, e, store.ActionBatchCancel, "admin-a", queued.ID, "ok items=1 issued=0 failed=0 pending=1")
	wantNoClaim(t, e.s)

	b := createBatch(t, e.s, 1, 2)
	claim(t, e.s, "w1", time.Minute)
	if _, err := e.s.FinishItems(ctx, b.ID, "w1", []store.ItemResult{{Seq: 1, Code: "AAAA-AAAA-AAAA-AAAA"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.CancelBatch(ctx, b.ID, "client-a"); err != nil {
		t.Fatal(err)
	}
	wantEvent(t, e, store.ActionBatchCancel, "client-a", b.ID, "ok items=2 issued=1 failed=0 pending=1")
	_, err = e.s.FinishItems(ctx, b.ID, "w1", []store.ItemResult{{Seq: 2, Code: "BBBB-BBBB-BBBB-BBBB"}})
	wantKind(t, err, errs.Conflict)
	_, err = e.s.RenewLease(ctx, b.ID, "w1", time.Minute)
	wantKind(t, err, errs.Conflict)
	_, err = e.s.CancelBatch(ctx, b.ID, "client-a")
	wantKind(t, err, errs.Conflict)
	if pending, err := e.s.PendingItems(ctx, b.ID, 0, 10); err != nil || len(pending) != 1 || pending[0].Seq != 2 {
		t.Errorf("PendingItems = %+v, %v; want item 2 still pending", pending, err)
	}
	wantNoClaim(t, e.s)
}

func testBatchNotFound(t *testing.T, h Harness) {
	e := newEnv(t, h)
	ctx := context.Background()
	createBatch(t, e.s, 1)
	for _, id := range []string{store.NewBatchID(), "", "nope", "'; DROP TABLE batches; --", "\x00\xff"} {
		t.Run(fmt.Sprintf("%q", id), func(t *testing.T) {
			_, err := e.s.Batch(ctx, id)
			wantKind(t, err, errs.NotFound)
			_, err = e.s.BatchItems(ctx, id, 0, 10)
			wantKind(t, err, errs.NotFound)
			_, err = e.s.PendingItems(ctx, id, 0, 10)
			wantKind(t, err, errs.NotFound)
			_, err = e.s.RenewLease(ctx, id, "w1", time.Minute)
			wantKind(t, err, errs.NotFound)
			_, err = e.s.FinishItems(ctx, id, "w1", []store.ItemResult{{Seq: 1, Code: "A"}})
			wantKind(t, err, errs.NotFound)
			_, err = e.s.CompleteBatch(ctx, id, "w1")
			wantKind(t, err, errs.NotFound)
			_, err = e.s.CancelBatch(ctx, id, "admin-a")
			wantKind(t, err, errs.NotFound)
		})
	}
	b := createBatch(t, e.s, 1)
	for _, p := range []struct {
		after int64
		limit int
	}{{-1, 10}, {0, 0}, {0, store.MaxBatchPage + 1}} {
		_, err := e.s.BatchItems(ctx, b.ID, p.after, p.limit)
		wantKind(t, err, errs.InvalidRequest)
	}
	for _, lease := range []time.Duration{0, -time.Second, 25 * time.Hour} {
		_, _, err := e.s.ClaimBatch(ctx, "w1", lease)
		wantKind(t, err, errs.InvalidRequest)
	}
	_, _, err := e.s.ClaimBatch(ctx, "", time.Minute)
	wantKind(t, err, errs.InvalidRequest)
}

// testBatchClaimConcurrent claims batches from goroutines on two handles
// (two processes): every batch goes to exactly one owner.
func testBatchClaimConcurrent(t *testing.T, h Harness) {
	e := newEnv(t, h)
	other := e.open(t)
	ctx := context.Background()
	const batches = 12
	for range batches {
		createBatch(t, e.s, 1, 2)
	}
	var (
		mu     sync.Mutex
		owners = map[string][]string{}
		wg     sync.WaitGroup
	)
	workers := max(4, runtime.GOMAXPROCS(0))
	for w := range workers {
		s := e.s
		if w%2 == 1 {
			s = other
		}
		wg.Go(func() {
			owner := fmt.Sprintf("w%d", w)
			for empty := 0; empty < 3; {
				b, ok, err := s.ClaimBatch(ctx, owner, time.Hour)
				if err != nil {
					t.Error(err)
					return
				}
				if !ok {
					empty++
					continue
				}
				mu.Lock()
				owners[b.ID] = append(owners[b.ID], owner)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for { // a claim that lost a race for its candidate may have found none
		b, ok, err := e.s.ClaimBatch(ctx, "sweeper", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		owners[b.ID] = append(owners[b.ID], "sweeper")
	}
	if len(owners) != batches {
		t.Errorf("%d batches claimed, want %d", len(owners), batches)
	}
	for id, os := range owners {
		if len(os) != 1 {
			t.Errorf("batch %s claimed by %v", id, os)
			continue
		}
		b, err := other.Batch(ctx, id)
		if err != nil || b.LeaseOwner != os[0] || b.Status != store.BatchRunning {
			t.Errorf("batch %s = %+v, %v; want running for %s", id, b, err, os[0])
		}
	}
}

// testBatchFinishRace finishes the same items from two handles while the
// lease moves from one owner to the other: every item is counted once.
func testBatchFinishRace(t *testing.T, h Harness) {
	e := newEnv(t, h)
	other := e.open(t)
	ctx := context.Background()
	const n = 40
	seqs := make([]int64, n)
	for i := range seqs {
		seqs[i] = int64(i + 1)
	}
	b := createBatch(t, e.s, seqs...)
	claim(t, e.s, "w1", time.Hour)
	var wg sync.WaitGroup
	for i := range n {
		s := e.s
		if i%2 == 1 {
			s = other
		}
		wg.Go(func() {
			// Each item twice, as a replay after a crash would.
			for range 2 {
				if _, err := s.FinishItems(ctx, b.ID, "w1", []store.ItemResult{{Seq: int64(i + 1), Code: fmt.Sprintf("CODE-%04d", i)}}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	got, err := other.Batch(ctx, b.ID)
	if err != nil || got.Issued != n || got.Pending() != 0 {
		t.Fatalf("Batch = %+v, %v; want %d issued", got, err, n)
	}
}

func testBatchClaimByID(t *testing.T, h Harness) {
	e := newEnv(t, h)
	ctx := context.Background()
	older := createBatch(t, e.s, 1)
	b := createBatch(t, e.s, 1, 2)
	got, ok, err := e.s.ClaimBatchID(ctx, b.ID, "w1", time.Minute)
	if err != nil || !ok || got.ID != b.ID || got.LeaseOwner != "w1" || got.Status != store.BatchRunning {
		t.Fatalf("ClaimBatchID = %+v, %v, %v", got, ok, err)
	}
	// Held: nobody else takes it, not even by id; the older one is untouched.
	if _, ok, err := e.s.ClaimBatchID(ctx, b.ID, "w2", time.Minute); ok || err != nil {
		t.Fatalf("second claim of a held batch: %v %v", ok, err)
	}
	if o, _ := e.s.Batch(ctx, older.ID); o.Status != store.BatchQueued {
		t.Fatalf("the older batch changed: %+v", o)
	}
	for _, id := range []string{"aaaaaaaaaaaaaaaaaaaaaaaaaa", "not-an-id"} {
		if _, ok, err := e.s.ClaimBatchID(ctx, id, "w2", time.Minute); ok || err != nil {
			t.Fatalf("claim of %q: %v %v", id, ok, err)
		}
	}
	e.clock.Advance(time.Minute + time.Millisecond)
	if got, ok, err := e.s.ClaimBatchID(ctx, b.ID, "w2", time.Minute); err != nil || !ok || got.LeaseOwner != "w2" {
		t.Fatalf("claim after the lease lapsed: %+v %v %v", got, ok, err)
	}
	if _, err := e.s.CancelBatch(ctx, b.ID, "op"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2 * time.Minute)
	if _, ok, err := e.s.ClaimBatchID(ctx, b.ID, "w3", time.Minute); ok || err != nil {
		t.Fatalf("claim of a cancelled batch: %v %v", ok, err)
	}
}

// Finished batches go with the documents' retention; running ones stay.
func testBatchPurge(t *testing.T, h Harness) {
	e := newEnv(t, h)
	ctx := context.Background()
	done := createBatch(t, e.s, 1)
	claim(t, e.s, "w1", time.Minute)
	if _, err := e.s.FinishItems(ctx, done.ID, "w1", []store.ItemResult{{Seq: 1, Code: "AAAA-AAAA-AAAA-AAAA"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.CompleteBatch(ctx, done.ID, "w1"); err != nil {
		t.Fatal(err)
	}
	cancelled := createBatch(t, e.s, 1, 2)
	if _, err := e.s.CancelBatch(ctx, cancelled.ID, "op"); err != nil {
		t.Fatal(err)
	}
	queued := createBatch(t, e.s, 1)
	finished := e.clock.Now()
	e.clock.Advance(time.Hour)
	// A cut-off before they finished keeps them.
	if res, err := e.s.PurgeDocuments(ctx, finished.Add(-time.Minute), finished.Add(-time.Minute)); err != nil || res.Batches != 0 {
		t.Fatalf("early purge: %+v %v", res, err)
	}
	res, err := e.s.PurgeDocuments(ctx, e.clock.Now(), e.clock.Now())
	if err != nil || res.Batches != 2 {
		t.Fatalf("purge: %+v %v", res, err)
	}
	for _, id := range []string{done.ID, cancelled.ID} {
		if _, err := e.s.Batch(ctx, id); errs.KindOf(err) != errs.NotFound {
			t.Errorf("batch %s after purge: %v", id, err)
		}
		if _, err := e.s.BatchItems(ctx, id, 0, 10); errs.KindOf(err) != errs.NotFound {
			t.Errorf("items of %s after purge: %v", id, err)
		}
	}
	if b, err := e.s.Batch(ctx, queued.ID); err != nil || b.Status != store.BatchQueued {
		t.Errorf("queued batch: %+v %v", b, err)
	}
	if items, err := e.s.PendingItems(ctx, queued.ID, 0, 10); err != nil || len(items) != 1 {
		t.Errorf("queued batch's items: %d %v", len(items), err)
	}
}

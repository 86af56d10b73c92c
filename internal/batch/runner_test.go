package batch_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"certa.example/certa/engine"
	"certa.example/certa/internal/apiclient"
	"certa.example/certa/internal/batch"
	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/setup"
	"certa.example/certa/internal/store"
)

type runnerEnv struct {
	emb    *setup.Env
	eng    *engine.Engine
	offset atomic.Int64 // added to the wall clock, to let leases lapse
	people []string
}

func newRunnerEnv(t *testing.T) *runnerEnv {
	t.Helper()
	e := &runnerEnv{}
	now := func() time.Time { return time.Now().Add(time.Duration(e.offset.Load())) }
	emb, err := setup.OpenEmbedded(context.Background(), t.TempDir(), now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emb.Close() })
	if e.eng, err = emb.Engine("http://127.0.0.1:8080", now); err != nil {
		t.Fatal(err)
	}
	people, err := setup.CertifiableResidents(context.Background(), emb.Store, 20)
	if err != nil || len(people) < 20 {
		t.Fatalf("residents: %v", err)
	}
	for _, p := range people {
		e.people = append(e.people, p.FiscalCode)
	}
	e.emb = emb
	return e
}

func (e *runnerEnv) now() time.Time { return time.Now().Add(time.Duration(e.offset.Load())) }

// file is a batch of n valid requests (each citizen for themself, online)
// with, at the lines in bad, requests the engine refuses.
func (e *runnerEnv) file(n int, bad map[int]string) []byte {
	var b bytes.Buffer
	for i := 1; i <= n; i++ {
		if line, ok := bad[i]; ok {
			b.WriteString(line + "\n")
			continue
		}
		cf := e.people[i%len(e.people)]
		fmt.Fprintf(&b, `{"type":"residenza","subject":%q,"channel":"online","requester":%q,"bollo":{"exempt":{"code":7}}}`+"\n", cf, cf)
	}
	return b.Bytes()
}

func (e *runnerEnv) create(t *testing.T, data []byte) store.Batch {
	t.Helper()
	rd := batch.NewReader(bytes.NewReader(data), 0)
	b, err := e.emb.Store.CreateBatch(context.Background(), store.NewBatch{Client: "portal", InputSHA256: [32]byte{1}}, rd.Source())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (e *runnerEnv) runner(owner string, issuer batch.Issuer) *batch.Runner {
	return &batch.Runner{Store: e.emb.Store, Issuer: issuer, Owner: owner, Lease: time.Minute, Workers: 4, PageSize: 7, Now: e.now}
}

// certificates counts the issuance events of the audit trail.
func (e *runnerEnv) auditEvents(t *testing.T) int {
	n, err := e.emb.Store.AuditVerify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func items(t *testing.T, e *runnerEnv, id string) []store.BatchItem {
	t.Helper()
	its, err := e.emb.Store.BatchItems(context.Background(), id, 0, store.MaxBatchPage)
	if err != nil {
		t.Fatal(err)
	}
	return its
}

func TestRunnerIssuesEveryItemOnce(t *testing.T) {
	e := newRunnerEnv(t)
	bad := map[int]string{
		3:  `{"type":"residenza","subject":"` + e.people[1] + `","channel":"online","requester":"` + e.people[2] + `","bollo":{"exempt":{"code":7}}}`,
		9:  `{"type":"passaporto","subject":"` + e.people[1] + `","channel":"online","requester":"` + e.people[1] + `"}`,
		10: `{"type":"residenza","subject":"` + e.people[1] + `","x":1}`,
		17: `{"type":"residenza","subject":"` + e.people[1] + `"}`,
	}
	b := e.create(t, e.file(25, bad))
	var seen []int64
	r := e.runner("runner-a", e.eng)
	r.Progress = func(b store.Batch) { seen = append(seen, b.Issued+b.Failed) }
	done, err := r.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != store.BatchDone || done.Issued != 21 || done.Failed != 4 {
		t.Fatalf("batch %+v", done)
	}
	if len(seen) != 4 || seen[len(seen)-1] != 25 {
		t.Errorf("progress %v, want 4 pages ending at 25", seen)
	}
	codes := map[string]bool{}
	wantProblem := map[int64]string{3: "/problems/forbidden/not-own-household", 9: "/problems/unknown-type", 10: "/problems/invalid-request", 17: "/problems/invalid-request"}
	for _, it := range items(t, e, b.ID) {
		if p, ok := wantProblem[it.Seq]; ok {
			if it.Status != store.ItemFailed || it.ProblemType != p || it.ProblemDetail == "" {
				t.Errorf("item %d: %+v, want problem %s", it.Seq, it, p)
			}
			continue
		}
		if it.Status != store.ItemIssued || codes[it.Code] {
			t.Fatalf("item %d: %+v", it.Seq, it)
		}
		codes[it.Code] = true
		rec, err := e.emb.Store.ByCode(context.Background(), it.Code)
		if err != nil || rec.Requester != "portal" || rec.Channel != "online" {
			t.Fatalf("item %d ledger: %+v %v", it.Seq, rec, err)
		}
	}
	// 21 issuances, batch.create, batch.complete.
	if n := e.auditEvents(t); n != 23 {
		t.Errorf("%d audit events, want 23", n)
	}
	if _, err := r.RunOnce(context.Background()); !errors.Is(err, batch.ErrNoBatch) {
		t.Errorf("second RunOnce: %v", err)
	}
}

// crashingIssuer issues through the engine, then "crashes" (a transient
// error) once n certificates are made: the page they belong to is never
// recorded.
type crashingIssuer struct {
	eng *engine.Engine
	mu  sync.Mutex
	n   int
}

func (c *crashingIssuer) Issue(ctx context.Context, req engine.Request) (engine.Issued, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == 0 {
		return engine.Issued{}, errs.New(errs.Unavailable, "crash")
	}
	c.n--
	return c.eng.Issue(ctx, req)
}

// A runner dies mid-page; after its lease lapses another resumes the
// batch: every item ends issued exactly once, the ones issued before the
// crash are replayed with their codes.
func TestRunnerResumesWithoutIssuingTwice(t *testing.T) {
	e := newRunnerEnv(t)
	b := e.create(t, e.file(30, nil))
	dying := e.runner("runner-a", &crashingIssuer{eng: e.eng, n: 11})
	dying.Workers = 1 // deterministic: pages of 7, so 7 recorded, 4 issued unrecorded
	if _, err := dying.RunOnce(context.Background()); errs.KindOf(err) != errs.Unavailable {
		t.Fatalf("dying runner: %v", err)
	}
	mid, err := e.emb.Store.Batch(context.Background(), b.ID)
	if err != nil || mid.Issued != 7 || mid.Status != store.BatchRunning {
		t.Fatalf("after the crash: %+v %v", mid, err)
	}
	before := e.auditEvents(t) // batch.create + 11 issuances
	if before != 12 {
		t.Fatalf("%d audit events after the crash, want 12", before)
	}
	// The lease still holds: nobody else may take the batch.
	other := e.runner("runner-b", e.eng)
	if _, err := other.RunOnce(context.Background()); !errors.Is(err, batch.ErrNoBatch) {
		t.Fatalf("claimed a leased batch: %v", err)
	}
	e.offset.Add(int64(2 * time.Minute))
	done, err := other.RunOnce(context.Background())
	if err != nil || done.Status != store.BatchDone || done.Issued != 30 || done.Failed != 0 {
		t.Fatalf("resumed: %+v %v", done, err)
	}
	// 30 certificates in all: the 4 issued before the crash were replayed.
	if n := e.auditEvents(t); n != 1+30+1 {
		t.Errorf("%d audit events, want %d (no certificate twice)", n, 32)
	}
	codes := map[string]bool{}
	for _, it := range items(t, e, b.ID) {
		if it.Status != store.ItemIssued || codes[it.Code] {
			t.Fatalf("item %d: %+v", it.Seq, it)
		}
		codes[it.Code] = true
	}
}

// A stored client's daily quota applies per batch item: past it the
// batch waits; the next day it resumes, replaying the unrecorded items
// without counting them again.
func TestRunnerDailyQuota(t *testing.T) {
	e := newRunnerEnv(t)
	ctx := context.Background()
	if _, err := e.emb.Store.CreateClient(ctx, apiclient.Record{ID: "portal", KeyHash: [32]byte{7},
		Scopes: apiclient.Scopes{apiclient.ScopeIssue}, DailyQuota: 4}, "test"); err != nil {
		t.Fatal(err)
	}
	e.create(t, e.file(6, nil)) // client "portal"
	r := e.runner("runner-a", e.eng)
	r.Workers = 1
	r.Quota = batch.StoreQuota(e.emb.Store, time.UTC, e.now)
	if _, err := r.RunOnce(ctx); errs.KindOf(err) != errs.QuotaExceeded {
		t.Fatalf("past the quota: %v", err)
	}
	if n := e.auditEvents(t); n != 2+4 {
		t.Fatalf("%d audit events, want client.create, batch.create and 4 issuances", n)
	}
	e.offset.Add(int64(24 * time.Hour))
	done, err := r.RunOnce(ctx)
	if err != nil || done.Status != store.BatchDone || done.Issued != 6 {
		t.Fatalf("next day: %+v %v", done, err)
	}
	if n := e.auditEvents(t); n != 2+6+1 {
		t.Fatalf("%d audit events, want 6 certificates in all (and batch.complete)", n)
	}
	// The 4 replayed items gave their count back: today's count is 2.
	used, ok, err := e.emb.Store.UseClientQuota(ctx, "portal", e.now().In(time.UTC), 4)
	if err != nil || !ok || used != 3 {
		t.Errorf("quota after the batch: used %d (%v, %v), want 2 before this call", used, ok, err)
	}
}

// RunToZIP writes the ZIP while the batch runs: after a crash it stops
// with the runner's error, and the resumed run writes the same archive as
// WriteZIP over the finished batch, every item once.
func TestRunToZIP(t *testing.T) {
	e := newRunnerEnv(t)
	ctx := context.Background()
	bad := map[int]string{5: `{"type":"passaporto","subject":"` + e.people[1] + `","channel":"online","requester":"` + e.people[1] + `"}`}
	b := e.create(t, e.file(40, bad))
	pdf := batch.StoredDocuments(e.eng)

	dying := e.runner("runner-a", &crashingIssuer{eng: e.eng, n: 11})
	var partial bytes.Buffer
	if _, _, err := batch.RunToZIP(ctx, dying, b.ID, &partial, pdf, t.TempDir()); errs.KindOf(err) != errs.Unavailable {
		t.Fatalf("dying runner: %v", err)
	}
	e.offset.Add(int64(2 * time.Minute))
	var got bytes.Buffer
	r := e.runner("runner-b", e.eng)
	pages := 0
	r.Progress = func(store.Batch) { pages++ }
	done, sum, err := batch.RunToZIP(ctx, r, b.ID, &got, pdf, t.TempDir())
	if err != nil || done.Status != store.BatchDone || sum.Issued != 39 || sum.Failed != 1 || pages == 0 {
		t.Fatalf("resumed: %+v %+v %v (%d pages heard)", done, sum, err, pages)
	}
	var want bytes.Buffer
	if _, err := batch.WriteZIP(ctx, &want, batch.StoredItems(e.emb.Store, b.ID), pdf,
		batch.ZIPOptions{Modified: b.CreatedAt, TempDir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Fatalf("RunToZIP wrote %d bytes, WriteZIP over the finished batch %d, not the same", got.Len(), want.Len())
	}
	zr, err := zip.NewReader(bytes.NewReader(got.Bytes()), int64(got.Len()))
	if err != nil || len(zr.File) != 40 {
		t.Fatalf("archive: %v, %d entries", err, len(zr.File))
	}
	if n := e.auditEvents(t); n != 1+39+1 {
		t.Errorf("%d audit events, want %d (no certificate twice)", n, 41)
	}
	// A finished batch: RunToZIP only writes.
	var again bytes.Buffer
	if _, _, err := batch.RunToZIP(ctx, e.runner("runner-c", e.eng), b.ID, &again, pdf, t.TempDir()); err != nil || !bytes.Equal(again.Bytes(), want.Bytes()) {
		t.Fatalf("finished batch: %v", err)
	}
}

// Following ends a cancelled batch with its pending items as they are.
func TestFollowingCancelled(t *testing.T) {
	e := newRunnerEnv(t)
	ctx := context.Background()
	b := e.create(t, e.file(5, nil))
	if _, err := e.emb.Store.CancelBatch(ctx, b.ID, "test"); err != nil {
		t.Fatal(err)
	}
	pages := batch.Following(e.emb.Store, b.ID, nil, time.Hour)
	its, err := pages(ctx, 0, 100)
	if err != nil || len(its) != 5 || its[0].Status != store.ItemPending {
		t.Fatalf("items %+v %v", its, err)
	}
	if its, err := pages(ctx, 5, 100); err != nil || len(its) != 0 {
		t.Fatalf("after the last: %+v %v", its, err)
	}
}

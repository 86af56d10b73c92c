package batch

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"certa.example/certa/engine"
	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/store"
)

// Issuer issues one certificate; *engine.Engine is one.
type Issuer interface {
	Issue(ctx context.Context, req engine.Request) (engine.Issued, error)
}

// Runner works through stored batches: it claims one (store.ClaimBatch),
// issues its pending items page by page with Workers in parallel, records
// each page's outcomes (store.FinishItems) and completes the batch.
//
// Each item is issued with the idempotency key IdempotencyKey(batch, seq)
// and the batch's client as requester, so an item issued by a runner that
// died before recording it is replayed, not issued twice, by whichever
// runner resumes the batch after the lease expires. An item the engine
// refuses (a client error: invalid request, not certifiable, forbidden,
// ...) fails on its own; a transient failure (store or signer down) stops
// the page without recording it, and the batch is taken up again later.
type Runner struct {
	Store  store.Store
	Issuer Issuer
	// Owner names this runner in leases (unique per process).
	Owner string
	// Lease is how long a claim lasts; the runner renews it every third.
	Lease time.Duration
	// Workers issue in parallel; PageSize items are read and recorded at
	// a time.
	Workers, PageSize int
	// Now is the clock for lease renewal.
	Now func() time.Time
	// Progress, when set, receives the batch after each recorded page.
	Progress func(store.Batch)
	// Recorded, when set, receives each recorded page's results with the
	// signed PDFs of its issued items (zero for a failed one), before
	// Progress; the slices are its to keep.
	Recorded func(results []store.ItemResult, docs []Doc)
	// Observer, when set, hears batches start, pages recorded and batches
	// stop (metrics).
	Observer Observer
	// Quota, when set, counts each item against its client's daily quota
	// (StoreQuota).
	Quota Quota
}

// Observer hears a runner's work. BatchPage counts the items a page
// issued and failed; BatchStopped's err is nil for a completed batch.
type Observer interface {
	BatchStarted(b store.Batch)
	BatchPage(b store.Batch, issued, failed int)
	BatchStopped(b store.Batch, err error)
}

// ErrNoBatch is RunOnce's answer when no batch is waiting.
var ErrNoBatch = errors.New("batch: no batch to run")

// RunOnce claims one batch and runs it to the end. It returns the batch
// as last recorded, ErrNoBatch when none was waiting, or the error that
// stopped it (the lease then lapses and the batch is resumed later).
func (r *Runner) RunOnce(ctx context.Context) (store.Batch, error) {
	if r.Workers <= 0 || r.PageSize <= 0 || r.Lease <= 0 || r.Owner == "" || r.Now == nil {
		return store.Batch{}, errors.New("batch: Runner needs Owner, Lease, Workers, PageSize and Now")
	}
	b, ok, err := r.Store.ClaimBatch(ctx, r.Owner, r.Lease)
	if err != nil {
		return store.Batch{}, err
	}
	if !ok {
		return store.Batch{}, ErrNoBatch
	}
	return r.run(ctx, b)
}

func (r *Runner) run(ctx context.Context, b store.Batch) (_ store.Batch, err error) {
	if r.Observer != nil {
		r.Observer.BatchStarted(b)
		defer func() { r.Observer.BatchStopped(b, err) }()
	}
	// Pages are pipelined so that the workers never wait for a page to be
	// recorded or read: a reader reads page n+1 and feeds its items while
	// the workers finish page n, and this goroutine records pages in
	// order as each completes. At most three pages are held: the one being
	// recorded, the one being issued and the one read ahead.
	work, stop := context.WithCancelCause(ctx)
	var workers sync.WaitGroup
	defer func() {
		stop(nil)
		workers.Wait()
	}()
	pages := make(chan *runPage, 1)
	jobs := make(chan runJob)
	go r.readPages(work, stop, b.ID, pages, jobs)
	claimed := b // the workers' copy: b changes as pages are recorded
	for range r.Workers {
		workers.Go(func() {
			for j := range jobs {
				res, doc, err := r.issueItem(work, claimed, j.page.items[j.i])
				if err != nil {
					j.page.failed.Store(true)
					stop(err)
				}
				j.page.results[j.i], j.page.docs[j.i] = res, doc
				j.page.itemDone()
			}
		})
	}
	renewed := r.Now()
	for p := range pages {
		select {
		case <-p.done:
		case <-work.Done():
		}
		if p.failed.Load() || p.left.Load() > 0 {
			break // a transient failure: this page and later ones are not recorded
		}
		if r.Now().Sub(renewed) > r.Lease/3 {
			nb, err := r.Store.RenewLease(ctx, b.ID, r.Owner, r.Lease)
			if err != nil {
				stop(err)
				return b, err
			}
			b, renewed = nb, r.Now()
		}
		nb, err := r.Store.FinishItems(ctx, b.ID, r.Owner, p.results)
		if err != nil {
			stop(err)
			return b, err
		}
		b = nb
		if r.Observer != nil {
			issued := 0
			for _, res := range p.results {
				if res.Code != "" {
					issued++
				}
			}
			r.Observer.BatchPage(b, issued, len(p.results)-issued)
		}
		if r.Recorded != nil {
			r.Recorded(p.results, p.docs)
		}
		if r.Progress != nil {
			r.Progress(b)
		}
	}
	if err := context.Cause(work); err != nil {
		return b, err
	}
	done, err := r.Store.CompleteBatch(ctx, b.ID, r.Owner)
	if err != nil {
		return b, err
	}
	return done, nil
}

// runPage is a page of pending items on its way through run.
type runPage struct {
	items   []store.BatchItem
	results []store.ItemResult
	docs    []Doc         // of the issued items
	left    atomic.Int64  // items without a result yet
	failed  atomic.Bool   // an item failed transiently
	done    chan struct{} // closed when left reaches 0
}

func (p *runPage) itemDone() {
	if p.left.Add(-1) == 0 {
		close(p.done)
	}
}

type runJob struct {
	page *runPage
	i    int
}

// readPages reads the batch's pending items page by page, sends each page
// to pages (in order) and then its items to jobs; it closes both when the
// items run out or work ends, and stops work on a read error.
func (r *Runner) readPages(work context.Context, stop context.CancelCauseFunc, id string, pages chan<- *runPage, jobs chan<- runJob) {
	defer close(pages)
	defer close(jobs)
	var after int64
	for {
		items, err := r.Store.PendingItems(work, id, after, r.PageSize)
		if err != nil {
			stop(err)
			return
		}
		if len(items) == 0 {
			return
		}
		p := &runPage{items: items, results: make([]store.ItemResult, len(items)), docs: make([]Doc, len(items)), done: make(chan struct{})}
		p.left.Store(int64(len(items)))
		select {
		case pages <- p:
		case <-work.Done():
			return
		}
		for i := range items {
			select {
			case jobs <- runJob{p, i}:
			case <-work.Done():
				return
			}
		}
		after = items[len(items)-1].Seq
	}
}

// issueItem issues one item, returning its result and PDF; a refusal is a
// failed result, a transient error is returned.
func (r *Runner) issueItem(ctx context.Context, b store.Batch, it store.BatchItem) (store.ItemResult, Doc, error) {
	req, err := engine.DecodeRequestJSON(it.Request)
	if err == nil {
		giveBack := func() {}
		if r.Quota != nil {
			if giveBack, err = r.Quota(ctx, b.Client); err != nil {
				return store.ItemResult{}, Doc{}, fmt.Errorf("batch %s item %d: %w", b.ID, it.Seq, err)
			}
		}
		var iss engine.Issued
		ir := req.Request(b.Client, IdempotencyKey(b.ID, it.Seq))
		ir.KeyLikelyNew = true // pending items: only one cut short by a crash was issued
		iss, err = r.Issuer.Issue(ctx, ir)
		if err != nil || iss.Replayed {
			giveBack() // no new certificate
		}
		if err == nil {
			return store.ItemResult{Seq: it.Seq, Code: iss.Code}, Doc{PDF: iss.PDF, SHA256: iss.SHA256}, nil
		}
	}
	if transient(err) {
		return store.ItemResult{}, Doc{}, fmt.Errorf("batch %s item %d: %w", b.ID, it.Seq, err)
	}
	typ := "/problems/" + errs.KindOf(err).String()
	if slug, _ := errs.RuleOf(err); slug != "" {
		typ += "/" + slug
	}
	detail := errs.PublicOf(err)
	if detail == "" {
		detail = errs.KindOf(err).String()
	}
	return store.ItemResult{Seq: it.Seq, ProblemType: typ, ProblemDetail: detail}, Doc{}, nil
}

// transient reports whether err may pass if the item is tried again later.
func transient(err error) bool {
	switch errs.KindOf(err) {
	case errs.Unavailable, errs.SigningFailed, errs.RateLimited, errs.QuotaExceeded:
		return true
	}
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// Loop runs batches until ctx ends: RunOnce, and when no batch waits or a
// batch stopped on an error, a pause of idle before trying again (an
// interrupted batch is resumed once its lease lapses). report, when set,
// hears each error and each batch run to its end.
func (r *Runner) Loop(ctx context.Context, idle time.Duration, report func(store.Batch, error)) {
	for ctx.Err() == nil {
		b, err := r.RunOnce(ctx)
		if errors.Is(err, ErrNoBatch) {
			err = nil
		} else if report != nil && ctx.Err() == nil {
			report(b, err)
		}
		if err != nil || b.ID == "" {
			select {
			case <-ctx.Done():
			case <-time.After(idle):
			}
		}
	}
}

// RunBatch claims batch id (store.ClaimBatchID) and runs it to the end.
// A batch held by another worker, finished or cancelled is an
// errs.Conflict error.
func (r *Runner) RunBatch(ctx context.Context, id string) (store.Batch, error) {
	b, ok, err := r.Store.ClaimBatchID(ctx, id, r.Owner, r.Lease)
	if err != nil {
		return store.Batch{}, err
	}
	if !ok {
		return store.Batch{}, errs.New(errs.Conflict, "the batch is held by another worker, finished or cancelled")
	}
	return r.run(ctx, b)
}

// RequestSource is rd's items, each checked as POST /api/v1/certificates
// checks a body (engine.DecodeRequestJSON): a bad request is an
// errs.InvalidRequest naming its line, which makes CreateBatch store
// nothing.
func RequestSource(rd *Reader) store.BatchSource {
	return func() (store.BatchItem, error) {
		it, err := rd.Next()
		if err != nil {
			return it, err
		}
		if _, err := engine.DecodeRequestJSON(it.Request); err != nil {
			return it, errs.Wrap(errs.InvalidRequest, "line "+strconv.FormatInt(it.Seq, 10)+": "+errs.PublicOf(err), err)
		}
		return it, nil
	}
}

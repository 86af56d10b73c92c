package batch

import (
	"context"
	"io"
	"sync"
	"time"

	"certa.example/certa/internal/store"
)

// Following returns the Pages of batch id's items as they finish: each
// page holds the items finished so far from after on, in seq order, and
// while the next item is still pending in a running batch it waits for a
// signal on wake or for poll to pass. Once the batch is done or cancelled
// it gives the rest as they are (a cancelled batch's pending items too)
// and then ends. A writer given these Pages writes the result while the
// batch is being issued.
func Following(st interface {
	BatchItems(ctx context.Context, id string, after int64, limit int) ([]store.BatchItem, error)
	Batch(ctx context.Context, id string) (store.Batch, error)
}, id string, wake <-chan struct{}, poll time.Duration) Pages {
	return func(ctx context.Context, after int64, limit int) ([]store.BatchItem, error) {
		for {
			b, err := st.Batch(ctx, id)
			if err != nil {
				return nil, err
			}
			if b.Status == store.BatchDone || b.Status == store.BatchCancelled {
				return st.BatchItems(ctx, id, after, limit)
			}
			// Runners finish items in seq order (seqs are 1..Total), so
			// the finished ones past after are about Issued+Failed-after:
			// read those, not the pending ones behind them.
			if n := min(int64(limit), b.Issued+b.Failed-after); n > 0 {
				items, err := st.BatchItems(ctx, id, after, int(n))
				if err != nil {
					return nil, err
				}
				k := 0
				for k < len(items) && items[k].Status != store.ItemPending {
					k++
				}
				if k > 0 {
					return items[:k], nil
				}
			}
			t := time.NewTimer(poll)
			select {
			case <-wake:
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return nil, ctx.Err()
			}
			t.Stop()
		}
	}
}

// RunToZIP runs batch id with r and writes its result as a ZIP to w
// meanwhile (Following), so that the ZIP is done soon after the last item
// is issued; the entries carry the batch's creation time. pdf gives the
// PDFs of items issued before this run; those this run issues are written
// as the engine returned them, the bytes the store recorded. It stops
// both on the first error of either: the batch then resumes later as
// after any interruption, and w holds an unusable partial archive. r's
// Progress and Recorded, when set, still hear every page. tempDir is as
// in ZIPOptions.
func RunToZIP(ctx context.Context, r *Runner, id string, w io.Writer, pdf PDFFunc, tempDir string) (store.Batch, Summary, error) {
	b, err := r.Store.Batch(ctx, id)
	if err != nil {
		return store.Batch{}, Summary{}, err
	}
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	wake := make(chan struct{}, 1)
	signal := func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	// The PDFs this run issues go to the writer from memory, up to
	// recentMax of them; older ones, and those of earlier runs, are read
	// back from the store.
	recent := &recentDocs{m: map[int64]Doc{}}
	runner := *r
	runner.Recorded = func(results []store.ItemResult, docs []Doc) {
		if r.Recorded != nil {
			r.Recorded(results, docs)
		}
		recent.add(results, docs)
	}
	runner.Progress = func(b store.Batch) {
		if r.Progress != nil {
			r.Progress(b)
		}
		signal()
	}
	stored := fetchPDF(pdf)
	fetch := func(ctx context.Context, it store.BatchItem) (Doc, error) {
		if d, ok := recent.take(it.Seq); ok {
			return d, nil
		}
		return stored(ctx, it)
	}
	var (
		wg     sync.WaitGroup
		done   = b
		runErr error
	)
	if b.Status != store.BatchDone {
		wg.Go(func() {
			if done, runErr = runner.RunBatch(ctx, id); runErr != nil {
				stop(runErr)
			}
			signal()
		})
	}
	sum, werr := writeZIP(ctx, w, Following(r.Store, id, wake, time.Second), fetch,
		ZIPOptions{Modified: b.CreatedAt, TempDir: tempDir})
	if werr != nil {
		stop(werr)
	}
	wg.Wait()
	if runErr != nil {
		return done, sum, runErr
	}
	return done, sum, werr
}

// recentDocs holds the documents of recorded items until the writer
// takes them.
type recentDocs struct {
	mu sync.Mutex
	m  map[int64]Doc
}

// recentMax bounds the documents held (about 8 MB).
const recentMax = 256

func (r *recentDocs) add(results []store.ItemResult, docs []Doc) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, res := range results {
		if docs[i].PDF != nil && len(r.m) < recentMax {
			r.m[res.Seq] = docs[i]
		}
	}
}

func (r *recentDocs) take(seq int64) (Doc, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d, ok := r.m[seq]
	delete(r.m, seq)
	return d, ok
}

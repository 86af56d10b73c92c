package benchmarks

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"testing"
	"time"

	"certa.example/certa/internal/batch"
	"certa.example/certa/internal/store"
)

// BenchmarkBatch is what `certa batch FILE --out FILE.zip` does, on the
// embedded store with the file key: store a file of counter requests for
// residenza, issue it with the batch runner (four workers per core, pages
// of 64) while the ZIP of the PDFs and the manifest is written (to
// io.Discard, batch.RunToZIP).
// docs/s is over all three; compare it with BenchmarkIssue of the same
// run (issue 9: at least 75%). peak-heap-MiB is the largest live heap seen
// at the end of each page.
//
//	go test -run '^$' -bench 'BenchmarkBatch$|BenchmarkIssue$' -benchtime 1x -cpu 2 ./benchmarks/
func BenchmarkBatch(b *testing.B) {
	items := 20_000
	if testing.Short() {
		items = 500
	}
	f := newFixture(b)
	ctx := context.Background()
	var file bytes.Buffer
	for i := range items {
		p := f.subjects[i%len(f.subjects)]
		fmt.Fprintf(&file, `{"type":"residenza","subject":%q,"bollo":{"paid":{"marca":"%014d"}},"channel":"counter","operator":"sportello-1","id_document":{"type":"cie","number":"CA00000AA"}}`+"\n", p.FiscalCode, i+1)
	}
	input := file.Bytes()
	var peak uint64
	var createT, runT time.Duration
	b.ResetTimer()
	for n := range b.N {
		t0 := time.Now()
		bt, err := f.env.Store.CreateBatch(ctx, store.NewBatch{Client: fmt.Sprint("bench-", n)},
			batch.RequestSource(batch.NewReader(bytes.NewReader(input), 0)))
		if err != nil {
			b.Fatal(err)
		}
		r := &batch.Runner{Store: f.env.Store, Issuer: f.engine, Owner: "bench", Lease: time.Minute,
			Workers: 4 * runtime.GOMAXPROCS(0), PageSize: 64, Now: time.Now,
			Progress: func(store.Batch) {
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
			}}
		t1 := time.Now()
		done, _, err := batch.RunToZIP(ctx, r, bt.ID, io.Discard, batch.StoredDocuments(f.engine), "")
		if err != nil || done.Issued != int64(items) {
			b.Fatalf("%+v %v", done, err)
		}
		createT, runT = createT+t1.Sub(t0), runT+time.Since(t1)
	}
	b.ReportMetric(float64(b.N*items)/b.Elapsed().Seconds(), "docs/s")
	// The two phases' own rates: storing the file; issuing with the ZIP
	// written meanwhile.
	b.ReportMetric(float64(b.N*items)/createT.Seconds(), "create-docs/s")
	b.ReportMetric(float64(b.N*items)/runT.Seconds(), "run-docs/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

package batch_test

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"certa.example/certa/engine"
	"certa.example/certa/internal/batch"
	"certa.example/certa/internal/setup"
	"certa.example/certa/internal/store"
)

// fastIssuer stands for the engine so that the runner and the store are
// what is measured: it answers each request with a fresh code.
type fastIssuer struct{ n atomic.Int64 }

func (f *fastIssuer) Issue(_ context.Context, req engine.Request) (engine.Issued, error) {
	n := f.n.Add(1)
	return engine.Issued{Code: fmt.Sprintf("ZZZZ-%04X-%04X-%04X", n>>32&0xffff, n>>16&0xffff, n&0xffff)}, nil
}

// BenchmarkRunnerMemory runs batches of growing size through the runner on
// the embedded store and reports items/s and the peak live heap: it must
// not grow with the batch (pages of 64 items).
//
//	go test -run '^$' -bench RunnerMemory -benchtime 1x ./internal/batch/
func BenchmarkRunnerMemory(b *testing.B) {
	for _, items := range []int{2_000, 20_000, 200_000} {
		if testing.Short() && items > 2_000 {
			continue
		}
		b.Run(fmt.Sprint(items), func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				emb, err := setup.OpenEmbedded(context.Background(), b.TempDir(), time.Now)
				if err != nil {
					b.Fatal(err)
				}
				var file bytes.Buffer
				for range items {
					file.WriteString(`{"type":"residenza","subject":"RSSMRA80A01F205X","channel":"online","requester":"RSSMRA80A01F205X"}` + "\n")
				}
				if _, err := emb.Store.CreateBatch(context.Background(), store.NewBatch{Client: "bench"}, batch.NewReader(&file, 0).Source()); err != nil {
					b.Fatal(err)
				}
				file = bytes.Buffer{}
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				base := ms.HeapAlloc
				var peak uint64
				stop := make(chan struct{})
				var wg sync.WaitGroup
				wg.Go(func() {
					t := time.NewTicker(5 * time.Millisecond)
					defer t.Stop()
					for {
						select {
						case <-stop:
							return
						case <-t.C:
							var ms runtime.MemStats
							runtime.ReadMemStats(&ms)
							peak = max(peak, ms.HeapAlloc)
						}
					}
				})
				r := &batch.Runner{Store: emb.Store, Issuer: &fastIssuer{}, Owner: "bench", Lease: time.Minute, Workers: 4, PageSize: 64, Now: time.Now}
				b.StartTimer()
				done, err := r.RunOnce(context.Background())
				b.StopTimer()
				close(stop)
				wg.Wait()
				if err != nil || done.Issued != int64(items) {
					b.Fatalf("%+v %v", done, err)
				}
				emb.Close()
				b.ReportMetric(float64(items)/b.Elapsed().Seconds(), "items/s")
				b.ReportMetric(float64(peak-min(peak, base))/(1<<20), "peak-heap-growth-MiB")
			}
		})
	}
}

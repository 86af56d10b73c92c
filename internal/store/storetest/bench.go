package storetest

import (
	"context"
	"runtime"
	"testing"

	"certa.example/certa/internal/store"
)

// SmokeSize is n, or at most 5,000 with -short: make bench-smoke (CI)
// only checks that the store benchmarks still run, quickly; the measured
// figures in benchmarks/README.md use the full sizes.
func SmokeSize(n int) int {
	if testing.Short() {
		return min(n, 5000)
	}
	return n
}

// BenchImport benchmarks ImportHouseholds of PopulationOf(persons) in one
// call, reporting persons/s: into an empty database (fresh; and through
// BeginImport in batches of 5,000 households as registry import does, fresh-batches), again
// (identical: every row compares equal and none is written), and again
// with one person in a hundred changed (changed). newStore opens a store
// on a new, empty database, closed when b ends.
func BenchImport(b *testing.B, persons int, newStore func(b *testing.B) store.Store) {
	persons = SmokeSize(persons)
	hs := PopulationOf(persons)
	ctx := context.Background()
	imported := func(b *testing.B) store.Store {
		s := newStore(b)
		if _, err := s.ImportHouseholds(ctx, hs); err != nil {
			b.Fatal(err)
		}
		return s
	}
	b.Run("fresh", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			s := newStore(b)
			b.StartTimer()
			r, err := s.ImportHouseholds(ctx, hs)
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			if r.Persons != persons {
				b.Fatalf("ImportHouseholds = %+v, want %d persons", r, persons)
			}
		}
		b.ReportMetric(float64(b.N*persons)/b.Elapsed().Seconds(), "persons/s")
	})
	b.Run("fresh-batches", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			s := newStore(b)
			b.StartTimer()
			r, err := importBatches(ctx, s, hs, 5000)
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			if r.Persons != persons {
				b.Fatalf("import = %+v, want %d persons", r, persons)
			}
		}
		b.ReportMetric(float64(b.N*persons)/b.Elapsed().Seconds(), "persons/s")
	})
	b.Run("identical", func(b *testing.B) {
		s := imported(b)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			r, err := s.ImportHouseholds(ctx, hs)
			if err != nil {
				b.Fatal(err)
			}
			if r.Unchanged != persons+len(hs) {
				b.Fatalf("ImportHouseholds = %+v, want all unchanged", r)
			}
		}
		b.ReportMetric(float64(b.N*persons)/b.Elapsed().Seconds(), "persons/s")
	})
	b.Run("changed", func(b *testing.B) {
		s := imported(b)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			changed := Changed(hs, i+1, 100)
			b.StartTimer()
			r, err := s.ImportHouseholds(ctx, changed)
			if err != nil {
				b.Fatal(err)
			}
			if r.Persons != persons/100 {
				b.Fatalf("ImportHouseholds = %+v, want %d persons changed", r, persons/100)
			}
		}
		b.ReportMetric(float64(b.N*persons)/b.Elapsed().Seconds(), "persons/s")
	})
}

// BenchCreateBatch benchmarks CreateBatch of items small items (seqs
// 1..items, BatchRequest each), reporting items/s and the peak of the
// live heap during the insert (runtime.MemStats.HeapAlloc, sampled every
// 10,000 items and at the end, after a GC before the start): it stays flat
// however many items there are. newStore opens a store on a new, empty
// database, closed when b ends.
func BenchCreateBatch(b *testing.B, items int64, newStore func(b *testing.B) store.Store) {
	ctx := context.Background()
	var peak uint64
	for b.Loop() {
		b.StopTimer()
		s := newStore(b)
		runtime.GC()
		var ms runtime.MemStats
		sample := func() {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
		sample()
		src := CountingSource(items)
		var n int64
		sampled := func() (store.BatchItem, error) {
			if n++; n%10_000 == 0 {
				sample()
			}
			return src()
		}
		b.StartTimer()
		bt, err := s.CreateBatch(ctx, NewBatchInput(), sampled)
		b.StopTimer()
		sample()
		if err != nil {
			b.Fatal(err)
		}
		if bt.Total != items {
			b.Fatalf("CreateBatch stored %d items, want %d", bt.Total, items)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(int64(b.N)*items)/b.Elapsed().Seconds(), "items/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

package postgres

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"certa.example/certa/internal/store"
	"certa.example/certa/internal/store/storetest"
)

// BenchmarkRecord measures issuance recording from parallel goroutines
// (GOMAXPROCS of them: vary with -cpu). The audit head serialises the
// commits, so records/s is bounded by the commit latency.
func BenchmarkRecord(b *testing.B) {
	s, _ := openStore(b)
	ctx := context.Background()
	var next atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := s.Record(ctx, storetest.Cert(int(next.Add(1)))); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkByCode measures verification lookups.
func BenchmarkByCode(b *testing.B) {
	s, _ := openStore(b)
	ctx := context.Background()
	const n = 1000
	for i := range n {
		if err := s.Record(ctx, storetest.Cert(i)); err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.ByCode(ctx, storetest.Cert(int(next.Add(1)%n)).Code); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}

// BenchmarkPutHouseholds loads 100,000 synthetic persons into an empty
// schema in one call.
func BenchmarkPutHouseholds(b *testing.B) {
	persons := storetest.SmokeSize(100_000)
	hs := storetest.PopulationOf(persons)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s, _ := openStore(b)
		b.StartTimer()
		if err := s.PutHouseholds(ctx, hs); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if n, err := s.CountResidents(ctx); err != nil || n != persons {
			b.Fatalf("CountResidents = %d, %v; want %d", n, err, persons)
		}
		s.Close()
	}
	b.ReportMetric(float64(b.N*persons)/b.Elapsed().Seconds(), "persons/s")
}

// BenchmarkImportHouseholds imports 100,000 synthetic persons in one call:
// into an empty database (fresh), again unchanged (identical), and again
// with one person in a hundred changed (changed).
func BenchmarkImportHouseholds(b *testing.B) {
	storetest.BenchImport(b, 100_000, func(b *testing.B) store.Store {
		s, _ := openStore(b)
		return s
	})
}

// BenchmarkAddVerifications measures one flush of verification counts:
// 2,000 codes, one in ten unknown, into a ledger of 200,000 certificates
// (written directly; ANALYZEd).
func BenchmarkAddVerifications(b *testing.B) {
	s, u := openStore(b)
	ctx := context.Background()
	exec(b, u, `INSERT INTO certificates (code, type, subject, holder, comune, issued_at, expires_at, sha256, requester, channel)
		SELECT 'ZZZZ-' || lpad(i::text, 14, '0'), 'residenza', 'X', 'X', 'LODI', now(), now() + interval '6 months',
		       sha256(i::text::bytea), 'bench', 'test'
		FROM generate_series(1, 200000) AS i`, `ANALYZE certificates`)
	counts := make(map[string]int64, 2000)
	for i := range 2000 {
		counts[fmt.Sprintf("ZZZZ-%014d", 1+i*111)] = int64(i%5 + 1) // 1..221890: one in ten past the end
	}
	b.ResetTimer()
	for b.Loop() {
		if err := s.AddVerifications(ctx, counts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(counts))/b.Elapsed().Seconds(), "codes/s")
}

// BenchmarkCreateBatch stores a batch of 1,000,000 small items in one
// transaction (COPY), reporting items/s and the peak live heap (flat).
func BenchmarkCreateBatch(b *testing.B) {
	storetest.BenchCreateBatch(b, batchBenchItems(), func(b *testing.B) store.Store {
		s, _ := openStore(b)
		return s
	})
}

// batchBenchItems is a million items, the size issue 7 names; with -short
// (make bench-smoke) ten thousand, so that CI only checks it still runs.
func batchBenchItems() int64 {
	if testing.Short() {
		return 10_000
	}
	return 1_000_000
}

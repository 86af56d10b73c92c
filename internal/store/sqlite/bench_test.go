package sqlite

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"certa.example/certa/internal/store"
	"certa.example/certa/internal/store/storetest"
)

// BenchmarkRecord measures issuance recording from many goroutines; the
// single writer serialises them, so records/s is the store's ceiling.
func BenchmarkRecord(b *testing.B) {
	s, _ := newStore(b)
	ctx := context.Background()
	var next atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := s.Record(ctx, cert(int(next.Add(1)))); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkByCode measures verification lookups on the read pool.
func BenchmarkByCode(b *testing.B) {
	s, _ := newStore(b)
	ctx := context.Background()
	const n = 1000
	for i := range n {
		if err := s.Record(ctx, cert(i)); err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.ByCode(ctx, cert(int(next.Add(1)%n)).Code); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}

func benchmarkPut(b *testing.B, households int) {
	households = storetest.SmokeSize(households)
	ctx := context.Background()
	persons := 0
	for _, h := range storetest.Population(0, households) {
		persons += len(h.Members)
	}
	s, _ := newStore(b)
	i := 0
	for b.Loop() {
		if err := s.PutHouseholds(ctx, storetest.Population(i*households, households)); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N*persons)/b.Elapsed().Seconds(), "persons/s")
}

func BenchmarkPutHouseholds300(b *testing.B) { benchmarkPut(b, 300) }
func BenchmarkPutHouseholds43k(b *testing.B) { benchmarkPut(b, 43479) } // ~100,000 persons

// BenchmarkImportHouseholds imports 100,000 synthetic persons in one call:
// into an empty database (fresh), again unchanged (identical), and again
// with one person in a hundred changed (changed).
func BenchmarkImportHouseholds(b *testing.B) {
	storetest.BenchImport(b, 100_000, func(b *testing.B) store.Store {
		s, _ := newStore(b)
		return s
	})
}

// BenchmarkAddVerifications measures one flush of verification counts:
// 2,000 codes, one in ten unknown, into a ledger of 200,000 certificates
// (written directly).
func BenchmarkAddVerifications(b *testing.B) {
	s, path := newStore(b)
	ctx := context.Background()
	if _, err := rawDB(b, path).Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
		INSERT INTO certificates (code, type, subject, holder, comune, issued_at, expires_at, sha256, requester, channel)
		SELECT printf('ZZZZ-%014d', i), 'residenza', 'X', 'X', 'LODI', 1, 2, unhex(printf('%064x', i)), 'bench', 'test'
		FROM n`); err != nil {
		b.Fatal(err)
	}
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
// transaction, reporting items/s and the peak live heap (flat).
func BenchmarkCreateBatch(b *testing.B) {
	storetest.BenchCreateBatch(b, batchBenchItems(), func(b *testing.B) store.Store {
		s, _ := newStore(b)
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

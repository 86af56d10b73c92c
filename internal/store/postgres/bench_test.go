package postgres

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"certa.example/certa/internal/comuni"
	"certa.example/certa/internal/registry"
	"certa.example/certa/internal/store/storetest"
	"certa.example/certa/internal/synth"
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

var population struct {
	once sync.Once
	hs   []registry.Household
	err  error
}

// synthPopulation returns households of Lodi (E648) with exactly n
// members in all, from as many runs of the synthetic generator as needed
// (it makes at most synth.MaxHouseholds per run). Household IDs get the
// run's number; a household with a fiscal code an earlier run produced is
// left out, the last one is cut to size.
func synthPopulation(b *testing.B, n int) []registry.Household {
	population.once.Do(func() {
		lodi, ok := comuni.Current("E648")
		if !ok {
			population.err = fmt.Errorf("comune E648 not in force")
			return
		}
		seen := map[string]bool{}
		persons := 0
		for seed := int64(1); persons < n; seed++ {
			hs, err := synth.Generate(seed, lodi, "26900", synth.MaxHouseholds, storetest.T0)
			if err != nil {
				population.err = err
				return
			}
		next:
			for _, h := range hs {
				for _, m := range h.Members {
					if seen[m.FiscalCode] {
						continue next
					}
				}
				h.ID = fmt.Sprintf("%d-%s", seed, h.ID)
				h.Members = h.Members[:min(len(h.Members), n-persons)]
				for i := range h.Members {
					h.Members[i].HouseholdID = h.ID
					seen[h.Members[i].FiscalCode] = true
				}
				population.hs = append(population.hs, h)
				if persons += len(h.Members); persons == n {
					break
				}
			}
		}
	})
	if population.err != nil {
		b.Fatal(population.err)
	}
	return population.hs
}

// BenchmarkPutHouseholds loads 100,000 synthetic residents into an empty
// schema in one call.
func BenchmarkPutHouseholds(b *testing.B) {
	const persons = 100_000
	hs := synthPopulation(b, persons)
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

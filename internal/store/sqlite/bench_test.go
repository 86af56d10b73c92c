package sqlite

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"certa.example/certa/internal/registry"
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

// synthHouseholds returns n households of 1 to 4 members, about 2.3 on
// average, with invented fiscal codes starting at base.
func synthHouseholds(base, n int) []registry.Household {
	hs := make([]registry.Household, n)
	for i := range hs {
		h := registry.Household{
			ID:      fmt.Sprintf("H%08d", base+i),
			Address: registry.Address{Toponym: "VIA", Street: "ROMA", Number: fmt.Sprint(i%200 + 1), PostalCode: "20100"},
		}
		size := []int{1, 2, 2, 3, 3, 1, 4, 2, 2, 3}[i%10] // mean 2.3
		for j := range size {
			kin := registry.KinChild
			if j == 0 {
				kin = registry.KinHead
			}
			h.Members = append(h.Members, registry.Person{
				FiscalCode: fmt.Sprintf("TST%08dX%04d", base+i, j),
				Surname:    "TEST", Name: "PERSONA", Sex: registry.Female,
				BirthDate:   date(1970+j*10, time.Month(1+i%12), 1+i%28),
				BirthPlace:  registry.Place{ComuneCode: "F205", Name: "MILANO", Province: "MI"},
				Citizenship: "ITALIANA", CivilStatus: registry.CivilSingle, Kinship: kin,
			})
		}
		hs[i] = h
	}
	return hs
}

func benchmarkPut(b *testing.B, households int) {
	ctx := context.Background()
	persons := 0
	for _, h := range synthHouseholds(0, households) {
		persons += len(h.Members)
	}
	s, _ := newStore(b)
	i := 0
	for b.Loop() {
		if err := s.PutHouseholds(ctx, synthHouseholds(i*households, households)); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N*persons)/b.Elapsed().Seconds(), "persons/s")
}

func BenchmarkPutHouseholds300(b *testing.B) { benchmarkPut(b, 300) }
func BenchmarkPutHouseholds43k(b *testing.B) { benchmarkPut(b, 43479) } // ~100,000 persons

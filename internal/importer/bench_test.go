package importer

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"certa.example/certa/internal/registry"
)

// syntheticFile returns n households of two persons each, all valid and
// with distinct fiscal codes.
func syntheticFile(b testing.TB, n int) []byte {
	b.Helper()
	surnames := []string{"ROSSI", "BIANCHI", "VERDI", "NERI", "GALLO", "COLOMBO", "FERRARI", "ESPOSITO"}
	names := []string{"MARIO", "LUCA", "ANNA", "SOFIA", "GIULIA", "MARCO", "PAOLA", "ELENA"}
	addr := registry.Address{Toponym: "VIA", Street: "ROMA", Number: "1", PostalCode: "26900"}
	lodi := registry.Place{ComuneCode: "E648", Name: "LODI", Province: "LO"}
	var buf bytes.Buffer
	for i := range n {
		birth := d(1993, 1, 1).AddDate(0, 0, i/len(surnames))
		s := surnames[i%len(surnames)]
		p := func(name string, sex registry.Sex, kin int, born time.Time) registry.Person {
			return registry.Person{
				FiscalCode: cf(b, s, name, sex, born, "E648", 0), Surname: s, Name: name, Sex: sex,
				BirthDate: born, BirthPlace: lodi,
				Citizenships: []registry.Citizenship{{StateCode: "100", Name: "ITALIANA"}},
				CivilStatus:  registry.CivilSingle, Kinship: kin,
				Residences:     []registry.Residence{{From: d(2020, 1, 1), Address: addr, FromComune: "F205"}},
				Certifiability: registry.CertFull,
			}
		}
		h := registry.Household{ID: fmt.Sprintf("H%07d", i), Kind: registry.KindFamily, Address: addr,
			Members: []registry.Person{
				p(names[i%len(names)], registry.Male, registry.KinHead, birth),
				p(names[(i+3)%len(names)], registry.Female, registry.KinChild, birth),
			}}
		if err := Encode(&buf, h); err != nil {
			b.Fatal(err)
		}
	}
	return buf.Bytes()
}

// The benchmarks loop on b.N rather than with b.Loop: the lines are
// checked by GOMAXPROCS goroutines, and with b.Loop (or -benchtime 1x)
// the first value of -cpu is measured with the GOMAXPROCS of the last one
// (https://go.dev/issue/49980).

func BenchmarkValidate(b *testing.B) {
	file := syntheticFile(b, 10000)
	if _, err := Validate(bytes.NewReader(file), testNow, Options{}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := Validate(bytes.NewReader(file), testNow, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(20000*b.N)/b.Elapsed().Seconds(), "persons/s")
}

// BenchmarkImportFile runs Import, both passes, with an apply that does
// nothing on the file named by $IMPORTER_BENCH_FILE, e.g. one written by
// "certa registry seed --out /tmp/pop300k.jsonl --persons 300000 --seed 42";
// it is skipped when the variable is not set.
func BenchmarkImportFile(b *testing.B) {
	name := os.Getenv("IMPORTER_BENCH_FILE")
	if name == "" {
		b.Skip("IMPORTER_BENCH_FILE is not set")
	}
	f, err := os.Open(name)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	persons := 0
	for range b.N {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			b.Fatal(err)
		}
		rep, err := Import(context.Background(), f, time.Now(), Options{},
			func(context.Context, []registry.Household) error { return nil })
		if err != nil {
			b.Fatalf("%v: %v", err, rep.Errors)
		}
		persons += rep.Persons
	}
	b.ReportMetric(float64(persons)/b.Elapsed().Seconds(), "persons/s")
}

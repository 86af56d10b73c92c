package importer

import (
	"bytes"
	"fmt"
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
				Citizenships: []registry.Citizenship{{StateCode: "100", Name: "ITALIA"}},
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

func BenchmarkValidate(b *testing.B) {
	file := syntheticFile(b, 10000)
	if _, err := Validate(bytes.NewReader(file), testNow, Options{}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Validate(bytes.NewReader(file), testNow, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(20000*b.N)/b.Elapsed().Seconds(), "persons/s")
}

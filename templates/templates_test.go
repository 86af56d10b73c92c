package templates

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"certa.example/certa/internal/registry"
)

var update = flag.Bool("update", false, "rewrite golden files")

func day(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

// fixtureSubject is a fixed household used by the golden tests.
func fixtureSubject() registry.Subject {
	h := registry.Household{
		ID:      "F000001",
		Address: registry.Address{Toponym: "VIA", Street: "GIUSEPPE GARIBALDI", Number: "12", Internal: "3", PostalCode: "26900"},
		Members: []registry.Person{
			{FiscalCode: "RSSMRA80A01E648D", Surname: "ROSSI", Name: "MARIO", Sex: registry.Male, BirthDate: day(1980, 1, 1),
				BirthPlace: registry.Place{ComuneCode: "E648", Name: "LODI", Province: "LO"}, Citizenships: []registry.Citizenship{{StateCode: registry.StateItaly, Name: "ITALIANA"}}, CivilStatus: registry.CivilMarried, Kinship: registry.KinHead},
			{FiscalCode: "PPSNCL82M55Z129X", Surname: "POPESCU", Name: "NICOLETA ȘTEFANIA", Sex: registry.Female, BirthDate: day(1982, 8, 15),
				BirthPlace: registry.Place{StateCode: "Z129", Country: "ROMANIA", Name: "ROMANIA"}, Citizenships: []registry.Citizenship{{StateCode: "235", Name: "ROMENA"}}, CivilStatus: registry.CivilMarried, Kinship: registry.KinSpouse},
			{FiscalCode: "RSSNCL10C12E648Y", Surname: "ROSSI", Name: "NICOLÒ", Sex: registry.Male, BirthDate: day(2010, 3, 12),
				BirthPlace: registry.Place{ComuneCode: "E648", Name: "LODI", Province: "LO"}, Citizenships: []registry.Citizenship{{StateCode: registry.StateItaly, Name: "ITALIANA"}}, CivilStatus: registry.CivilSingle, Kinship: registry.KinChild},
		},
	}
	return registry.Subject{Person: h.Members[0], Household: h}
}

func fixtureDocument(t *testing.T, typ string) *Document {
	t.Helper()
	ty, ok := LookupType(typ)
	if !ok {
		t.Fatalf("type %s missing", typ)
	}
	issued := time.Date(2026, 11, 23, 10, 30, 0, 0, time.UTC)
	return &Document{
		Type: ty, Code: "ABCD-EFGH-JKMN-PQRS", VerifyURL: "http://127.0.0.1:8080/v/ABCD-EFGH-JKMN-PQRS", QRText: "HTTP://127.0.0.1:8080/V/ABCD-EFGH-JKMN-PQRS",
		IssuedAt: issued, ExpiresAt: issued.AddDate(0, 6, 0),
		Issuer:  Issuer{Comune: "LODI", Province: "LO", Office: "Ufficio Anagrafe"},
		Subject: fixtureSubject(), Demo: true,
	}
}

func newRenderer(t testing.TB) *Renderer {
	t.Helper()
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestGoldenText renders each type and compares pdftotext's output with a
// reviewed golden file. Run with -update to rewrite them.
func TestGoldenText(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CERTA_REQUIRE_INTEGRATION") != "" {
			t.Fatal("pdftotext not installed (poppler-utils)")
		}
		t.Skip("pdftotext not installed (poppler-utils)")
	}
	r := newRenderer(t)
	for _, ty := range Types() {
		t.Run(ty.Name, func(t *testing.T) {
			res, err := r.Render(fixtureDocument(t, ty.Name))
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			in := filepath.Join(dir, "doc.pdf")
			if err := os.WriteFile(in, res.PDF, 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", in, "-").Output()
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", ty.Name+".golden.txt")
			if *update {
				if err := os.WriteFile(golden, out, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./templates -update)", err)
			}
			if !bytes.Equal(out, want) {
				t.Errorf("pdftotext output differs from %s:\n%s", golden, out)
			}
		})
	}
}

func TestRenderDeterministic(t *testing.T) {
	r := newRenderer(t)
	a, err := r.Render(fixtureDocument(t, "residenza"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := r.Render(fixtureDocument(t, "residenza"))
	if !bytes.Equal(a.PDF, b.PDF) {
		t.Fatal("same document rendered to different bytes")
	}
	if a.Lossy {
		t.Fatal("fixture text should be encodable")
	}
	if !bytes.Contains(a.PDF, []byte("/Keywords (certa-code:ABCD-EFGH-JKMN-PQRS)")) {
		t.Fatal("keywords marker missing")
	}
}

func TestRenderLossy(t *testing.T) {
	r := newRenderer(t)
	d := fixtureDocument(t, "residenza")
	d.Subject.Person.Name = "ŇUŇO" // Ň is outside the encoding
	res, err := r.Render(d)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Lossy {
		t.Fatal("lossy rendering not reported")
	}
}

func TestLookupType(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{{"residenza", "residenza"}, {"8", "residenza"}, {"stato_famiglia", "stato_famiglia"}, {"12", "stato_famiglia"}, {"nascita", ""}, {"", ""}} {
		t.Run(tc.in, func(t *testing.T) {
			ty, ok := LookupType(tc.in)
			if tc.want == "" {
				if ok {
					t.Fatalf("unexpected type %s", ty.Name)
				}
				return
			}
			if !ok || ty.Name != tc.want {
				t.Fatalf("got %v %v", ty, ok)
			}
		})
	}
}

func BenchmarkRender(b *testing.B) {
	r := newRenderer(b)
	d := fixtureDocument(&testing.T{}, "stato_famiglia")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := r.Render(d); err != nil {
				b.Fatal(err)
			}
		}
	})
}

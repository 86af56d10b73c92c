package templates

import (
	"bytes"
	"certa.example/certa/templates/i18n"
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
	d := &Document{
		Type: ty, Code: "ABCD-EFGH-JKMN-PQRS", VerifyURL: "http://127.0.0.1:8080/v/ABCD-EFGH-JKMN-PQRS", QRText: "HTTP://127.0.0.1:8080/V/ABCD-EFGH-JKMN-PQRS",
		IssuedAt: issued, ExpiresAt: issued.AddDate(0, ty.ValidMonths, 0),
		Issuer:  Issuer{Comune: "LODI", Province: "LO", Office: "Ufficio Anagrafe"},
		Subject: fixtureSubject(), Demo: true,
	}
	fitFixture(d)
	d.BolloLine = "Imposta di bollo assolta mediante contrassegno telematico n. 01234567890123"
	return d
}

// fitFixture gives the fixture holder the facts the document's type
// certifies (a death, a civil union, an AIRE registration, ...), as the
// engine's rules would require.
func fitFixture(d *Document) {
	per := &d.Subject.Person
	h := &d.Subject.Household
	lodi := registry.Place{ComuneCode: "E648", Name: "LODI", Province: "LO"}
	per.BirthRecord = &registry.CivilRecord{ComuneCode: "E648", Year: 1980, Part: "I", Series: "A", Number: "12"}
	per.Citizenships[0].Since = day(1980, 1, 1)
	per.CivilEvents = []registry.CivilEvent{{Kind: registry.EventMarriage, Date: day(2008, 6, 14), Place: lodi,
		PartnerFiscalCode: "PPSNCL82M55Z129X", PartnerName: "POPESCU NICOLETA ȘTEFANIA",
		Record: &registry.CivilRecord{ComuneCode: "E648", Year: 2008, Part: "I", Number: "45"}}}
	per.Residences = []registry.Residence{
		{From: day(1980, 1, 1), To: day(2008, 6, 30), Address: registry.Address{Toponym: "CORSO", Street: "UMBERTO I", Number: "3", PostalCode: "26900"}},
		{From: day(2008, 7, 1), Address: h.Address},
	}
	switch d.Type.Name {
	case "morte":
		per.Removal = &registry.Removal{Reason: registry.RemovalDeath, Date: day(2026, 10, 2), DeathPlace: lodi}
	case "cancellazione":
		per.Removal = &registry.Removal{Reason: 3, Date: day(2025, 4, 30)}
	case "unione_civile":
		per.CivilStatus = registry.CivilUnited
		per.CivilEvents = []registry.CivilEvent{{Kind: registry.EventCivilUnion, Date: day(2019, 5, 11), Place: lodi,
			PartnerFiscalCode: "BNCLCU75B10F205K", PartnerName: "BIANCHI LUCA",
			Record: &registry.CivilRecord{ComuneCode: "E648", Year: 2019, Part: "I", Series: "U", Number: "2"}}}
	case "stato_libero":
		per.CivilStatus = registry.CivilDivorced
	case "contratto_convivenza":
		per.Contracts = []registry.CohabitationContract{{PartnerFiscalCode: "BNCLCU75B10F205K", PartnerName: "BIANCHI LUCA",
			Date: day(2021, 2, 1), Registered: day(2021, 2, 20), Professional: "NOTAIO ANNA VERDI"}}
	case "residenza_aire", "stato_famiglia_aire":
		per.AIRE = &registry.AIRE{Since: day(2015, 9, 1), Consulate: "CONSOLATO GENERALE D'ITALIA A MONACO DI BAVIERA"}
		h.AIRE = true
		h.Address = registry.Address{Street: "LEOPOLDSTRASSE", Number: "5", PostalCode: "80802", Locality: "MÜNCHEN", Country: "GERMANIA", StateCode: "Z112"}
	case "residenza_convivenza":
		h.Kind = registry.KindCohabitation
		h.CohabitationName = "RSA SANTA CHIARA"
		h.CohabitationKind = 2
	case "storico_residenza_data":
		d.At = day(2005, 3, 15)
	case "storico_cittadinanza":
		per.Citizenships = append(per.Citizenships, registry.Citizenship{StateCode: "235", Name: "ROMENA", Since: day(2012, 7, 3)})
	}
	h.Members[0] = *per
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
	requirePdftotext(t)
	r := newRenderer(t)
	for _, ty := range Types() {
		t.Run(ty.Name, func(t *testing.T) {
			res, err := r.Render(fixtureDocument(t, ty.Name))
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, filepath.Join("testdata", ty.Name+".golden.txt"), pdfText(t, res.PDF))
		})
	}
}

// TestGoldenContestuale renders a contestuale certificate: the holder once,
// then what each type certifies.
func TestGoldenContestuale(t *testing.T) {
	requirePdftotext(t)
	r := newRenderer(t)
	d := fixtureDocument(t, "residenza")
	for _, name := range []string{"cittadinanza", "stato_civile"} {
		ty, _ := LookupType(name)
		d.Also = append(d.Also, ty)
	}
	res, err := r.Render(d)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, filepath.Join("testdata", "contestuale.golden.txt"), pdfText(t, res.PDF))
	d.Languages = []i18n.Lang{i18n.IT, i18n.DE}
	if _, err := r.Render(d); err == nil {
		t.Error("a bilingual contestuale certificate was rendered")
	}
}

func requirePdftotext(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CERTA_REQUIRE_INTEGRATION") != "" {
			t.Fatal("pdftotext not installed (poppler-utils)")
		}
		t.Skip("pdftotext not installed (poppler-utils)")
	}
}

// pdfText returns pdftotext's layout text of a document.
func pdfText(t *testing.T, pdf []byte) []byte {
	t.Helper()
	in := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkGolden compares out with the golden file, which -update rewrites.
func checkGolden(t *testing.T, golden string, out []byte) {
	t.Helper()
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
	}{{"residenza", "residenza"}, {"8", "residenza"}, {"stato_famiglia", "stato_famiglia"}, {"12", "stato_famiglia"}, {"nascita", "nascita"}, {"1", "nascita"}, {"20", "storico_residenza_data"}, {"21", ""}, {"0", ""}, {"passaporto", ""}, {"", ""}} {
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

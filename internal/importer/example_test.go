package importer

import (
	"bytes"
	"flag"
	"os"
	"reflect"
	"testing"
	"time"

	"certa.example/certa/internal/codicefiscale"
	"certa.example/certa/internal/registry"
)

var update = flag.Bool("update", false, "rewrite testdata/registry/example.jsonl from exampleHouseholds")

const exampleFile = "../../testdata/registry/example.jsonl"

// testNow is the "now" of the tests: every date of the example is before.
var testNow = time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)

func d(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }

// cf computes a fiscal code, at an omocodia level when level > 0.
func cf(t testing.TB, surname, name string, sex registry.Sex, birth time.Time, place string, level int) string {
	t.Helper()
	c, err := codicefiscale.Compute(surname, name, sex, birth, place)
	if err != nil {
		t.Fatal(err)
	}
	if level > 0 {
		c = codicefiscale.Omocodia(c, level)
	}
	return c.String()
}

// exampleHouseholds is the content of testdata/registry/example.jsonl as
// the importer must read it, names of places and states filled in.
func exampleHouseholds(t testing.TB) []registry.Household {
	t.Helper()
	const (
		M = registry.Male
		F = registry.Female
	)
	var (
		lodi       = registry.Place{ComuneCode: "E648", Name: "LODI", Province: "LO"}
		lodiInMI   = registry.Place{ComuneCode: "E648", Name: "LODI", Province: "MI"} // before the province of Lodi (1992)
		milano     = registry.Place{ComuneCode: "F205", Name: "MILANO", Province: "MI"}
		bergamo    = registry.Place{ComuneCode: "A794", Name: "BERGAMO", Province: "BG"}
		torino     = registry.Place{ComuneCode: "L219", Name: "TORINO", Province: "TO"}
		napoli     = registry.Place{ComuneCode: "F839", Name: "NAPOLI", Province: "NA"}
		bucarest   = registry.Place{StateCode: "Z129", Name: "BUCAREST", Country: "ROMANIA"}
		monaco     = registry.Place{StateCode: "Z112", Name: "MONACO DI BAVIERA", Country: "GERMANIA"}
		italy      = registry.Citizenship{StateCode: "100", Name: "ITALIANA"}
		consulate  = "CONSOLATO GENERALE D'ITALIA A MONACO DI BAVIERA"
		garibaldi  = registry.Address{Toponym: "VIA", Street: "GIUSEPPE GARIBALDI", Number: "12", PostalCode: "26900"}
		roma       = registry.Address{Toponym: "VIA", Street: "ROMA", Number: "3", Internal: "2", PostalCode: "26900"}
		pavia      = registry.Address{Toponym: "VIALE", Street: "PAVIA", Number: "40", PostalCode: "26900"}
		bassiano   = registry.Address{Toponym: "VIA", Street: "SAN BASSIANO", Number: "20", PostalCode: "26900"}
		cavour     = registry.Address{Toponym: "CORSO", Street: "CAVOUR", Number: "8", PostalCode: "26900"}
		leopold    = registry.Address{Street: "LEOPOLDSTRASSE", Number: "25", PostalCode: "80802", Locality: "MONACO DI BAVIERA", Country: "GERMANIA", StateCode: "Z112"}
		rossiMario = cf(t, "ROSSI", "MARIO", M, d(1980, 3, 15), "F205", 0)
		popescuAna = cf(t, "POPESCU", "ANA", F, d(1984, 5, 9), "Z129", 0)
		verdiAnna  = cf(t, "VERDI", "ANNA", F, d(1948, 8, 30), "E648", 0)
		neri       = cf(t, "NERI", "GIUSEPPE", M, d(1945, 2, 11), "A794", 0)
		gallo      = cf(t, "GALLO", "LUCA", M, d(1990, 10, 12), "L219", 0)
		marino     = cf(t, "MARINO", "ELENA", F, d(1992, 4, 3), "F205", 0)
	)
	marriage1 := registry.CivilEvent{Kind: registry.EventMarriage, Date: d(2008, 6, 21), Place: lodi,
		Record: &registry.CivilRecord{ComuneCode: "E648", Year: 2008, Part: "2", Series: "A", Number: "45"}}
	marriage2 := registry.CivilEvent{Kind: registry.EventMarriage, Date: d(1972, 9, 16), Place: lodiInMI}
	contract := registry.CohabitationContract{Date: d(2021, 5, 10), Registered: d(2021, 5, 20), Professional: "NOTAIO MARIA BIANCHI"}
	with := func(e registry.CivilEvent, code, name string) registry.CivilEvent {
		e.PartnerFiscalCode, e.PartnerName = code, name
		return e
	}
	withC := func(c registry.CohabitationContract, code, name string) registry.CohabitationContract {
		c.PartnerFiscalCode, c.PartnerName = code, name
		return c
	}
	return []registry.Household{
		{
			// A famiglia: a couple, one spouse born abroad with two
			// citizenships, and two children, one with an omocodia code.
			ID: "F001", Kind: registry.KindFamily, Address: garibaldi,
			Members: []registry.Person{
				{
					FiscalCode: rossiMario, Surname: "ROSSI", Name: "MARIO", Sex: M, BirthDate: d(1980, 3, 15), BirthPlace: milano,
					BirthRecord:  &registry.CivilRecord{ComuneCode: "F205", Year: 1980, Part: "1", Series: "A", Number: "1234"},
					Citizenships: []registry.Citizenship{italy}, CivilStatus: registry.CivilMarried,
					CivilEvents: []registry.CivilEvent{with(marriage1, popescuAna, "POPESCU ANA")},
					HouseholdID: "F001", Kinship: registry.KinHead,
					Residences:     []registry.Residence{{From: d(2008, 6, 21), Address: garibaldi, FromComune: "F205"}},
					Certifiability: registry.CertFull,
				},
				{
					FiscalCode: popescuAna, Surname: "POPESCU", Name: "ANA", Sex: F, BirthDate: d(1984, 5, 9), BirthPlace: bucarest,
					Citizenships: []registry.Citizenship{{StateCode: "235", Name: "ROMENA"}, {StateCode: "100", Name: "ITALIANA", Since: d(2012, 9, 10)}},
					CivilStatus:  registry.CivilMarried,
					CivilEvents:  []registry.CivilEvent{with(marriage1, rossiMario, "ROSSI MARIO")},
					HouseholdID:  "F001", Kinship: registry.KinSpouse,
					Residences:     []registry.Residence{{From: d(2008, 6, 21), Address: garibaldi, FromComune: "Z129"}},
					Certifiability: registry.CertFull,
				},
				{
					FiscalCode: cf(t, "ROSSI", "LUCA", M, d(2010, 7, 4), "E648", 0), Surname: "ROSSI", Name: "LUCA", Sex: M,
					BirthDate: d(2010, 7, 4), BirthPlace: lodi,
					BirthRecord:  &registry.CivilRecord{ComuneCode: "E648", Year: 2010, Part: "1", Series: "A", Number: "310"},
					Citizenships: []registry.Citizenship{italy}, CivilStatus: registry.CivilSingle,
					CivilEvents: []registry.CivilEvent{}, Contracts: []registry.CohabitationContract{},
					HouseholdID: "F001", Kinship: registry.KinChild,
					Residences:     []registry.Residence{{From: d(2010, 7, 4), Address: garibaldi}},
					Certifiability: registry.CertFull,
				},
				{
					FiscalCode: cf(t, "ROSSI", "SOFIA", F, d(2014, 1, 20), "E648", 1), Surname: "ROSSI", Name: "SOFIA", Sex: F,
					BirthDate: d(2014, 1, 20), BirthPlace: lodi,
					Citizenships: []registry.Citizenship{italy}, CivilStatus: registry.CivilSingle,
					HouseholdID: "F001", Kinship: registry.KinChild,
					Residences:     []registry.Residence{{From: d(2014, 1, 20), Address: garibaldi}},
					Certifiability: registry.CertFull,
				},
			},
		},
		{
			// A widow, and her husband, deceased, still linked to the
			// household he last belonged to.
			ID: "F002", Kind: registry.KindFamily, Address: roma,
			Members: []registry.Person{
				{
					FiscalCode: verdiAnna, Surname: "VERDI", Name: "ANNA", Sex: F, BirthDate: d(1948, 8, 30), BirthPlace: lodiInMI,
					Citizenships: []registry.Citizenship{italy}, CivilStatus: registry.CivilWidowed,
					CivilEvents: []registry.CivilEvent{
						with(marriage2, neri, "NERI GIUSEPPE"),
						{Kind: registry.EventWidowhood, Date: d(2019, 3, 2), PartnerFiscalCode: neri, PartnerName: "NERI GIUSEPPE"},
					},
					HouseholdID: "F002", Kinship: registry.KinHead,
					Residences:     []registry.Residence{{From: d(1972, 9, 16), Address: roma}},
					Certifiability: registry.CertFull,
				},
				{
					FiscalCode: neri, Surname: "NERI", Name: "GIUSEPPE", Sex: M, BirthDate: d(1945, 2, 11), BirthPlace: bergamo,
					Citizenships: []registry.Citizenship{italy}, CivilStatus: registry.CivilMarried,
					CivilEvents: []registry.CivilEvent{with(marriage2, verdiAnna, "VERDI ANNA")},
					HouseholdID: "F002", Kinship: registry.KinSpouse,
					Residences:     []registry.Residence{{From: d(1972, 9, 16), To: d(2019, 3, 2), Address: roma, FromComune: "A794"}},
					Removal:        &registry.Removal{Reason: registry.RemovalDeath, Date: d(2019, 3, 2), DeathPlace: lodi},
					Certifiability: registry.CertFull,
				},
			},
		},
		{
			// Two cohabitants with a contratto di convivenza.
			ID: "F003", Kind: registry.KindFamily, Address: pavia,
			Members: []registry.Person{
				{
					FiscalCode: gallo, Surname: "GALLO", Name: "LUCA", Sex: M, BirthDate: d(1990, 10, 12), BirthPlace: torino,
					Citizenships: []registry.Citizenship{italy}, CivilStatus: registry.CivilSingle,
					Contracts:   []registry.CohabitationContract{withC(contract, marino, "MARINO ELENA")},
					HouseholdID: "F003", Kinship: registry.KinHead,
					Residences: []registry.Residence{
						{From: d(2018, 2, 1), To: d(2021, 4, 30), Address: registry.Address{Toponym: "VIA", Street: "SAN FRANCESCO", Number: "7", PostalCode: "26900"}, FromComune: "L219"},
						{From: d(2021, 5, 1), Address: pavia},
					},
					Certifiability: registry.CertFull,
				},
				{
					FiscalCode: marino, Surname: "MARINO", Name: "ELENA", Sex: F, BirthDate: d(1992, 4, 3), BirthPlace: milano,
					Citizenships: []registry.Citizenship{italy}, CivilStatus: registry.CivilSingle,
					Contracts:   []registry.CohabitationContract{withC(contract, gallo, "GALLO LUCA")},
					HouseholdID: "F003", Kinship: registry.KinCohabitant,
					Residences:     []registry.Residence{{From: d(2021, 5, 1), Address: pavia, FromComune: "F205"}},
					Certifiability: registry.CertFull,
				},
			},
		},
		{
			// A convivenza: a care home, its responsible and a guest under
			// guardianship, widowed with no civil event on file.
			ID: "C001", Kind: registry.KindCohabitation, Address: bassiano,
			CohabitationName: "CASA DI RIPOSO SAN BASSIANO", CohabitationKind: 3,
			Members: []registry.Person{
				{
					FiscalCode: cf(t, "FERRARI", "PAOLA", F, d(1965, 6, 18), "E648", 0), Surname: "FERRARI", Name: "PAOLA", Sex: F,
					BirthDate: d(1965, 6, 18), BirthPlace: lodiInMI,
					Citizenships: []registry.Citizenship{italy}, CivilStatus: registry.CivilSingle,
					HouseholdID: "C001", Kinship: registry.CohabResponsible,
					Residences:     []registry.Residence{{From: d(2005, 9, 1), Address: bassiano, FromComune: "A794"}},
					Certifiability: registry.CertFull,
				},
				{
					FiscalCode: cf(t, "ESPOSITO", "GIOVANNI", M, d(1936, 12, 5), "F839", 0), Surname: "ESPOSITO", Name: "GIOVANNI", Sex: M,
					BirthDate: d(1936, 12, 5), BirthPlace: napoli,
					Citizenships: []registry.Citizenship{italy}, CivilStatus: registry.CivilWidowed,
					HouseholdID: "C001", Kinship: registry.CohabMember,
					Residences:     []registry.Residence{{From: d(2020, 11, 15), Address: bassiano, FromComune: "F839"}},
					Certifiability: registry.CertInterdicted,
				},
			},
		},
		{
			// An AIRE household in Germany: a father married abroad and a
			// daughter born there, Italian and German.
			ID: "A001", Kind: registry.KindFamily, Address: leopold, AIRE: true,
			Members: []registry.Person{
				{
					FiscalCode: cf(t, "COLOMBO", "MARCO", M, d(1975, 11, 28), "E648", 0), Surname: "COLOMBO", Name: "MARCO", Sex: M,
					BirthDate: d(1975, 11, 28), BirthPlace: lodiInMI,
					Citizenships: []registry.Citizenship{italy}, CivilStatus: registry.CivilMarried,
					CivilEvents: []registry.CivilEvent{{Kind: registry.EventMarriage, Date: d(2012, 7, 14), Place: monaco,
						Record:      &registry.CivilRecord{ComuneCode: "E648", Year: 2013, Part: "2", Series: "C", Number: "7"},
						PartnerName: "MÜLLER CLAUDIA"}},
					HouseholdID: "A001", Kinship: registry.KinHead,
					Residences:     []registry.Residence{{From: d(1975, 11, 28), To: d(2015, 3, 31), Address: cavour}},
					AIRE:           &registry.AIRE{Since: d(2015, 4, 1), Consulate: consulate},
					Certifiability: registry.CertFull,
				},
				{
					FiscalCode: cf(t, "COLOMBO", "EMMA", F, d(2016, 2, 14), "Z112", 0), Surname: "COLOMBO", Name: "EMMA", Sex: F,
					BirthDate: d(2016, 2, 14), BirthPlace: monaco,
					BirthRecord:  &registry.CivilRecord{ComuneCode: "E648", Year: 2016, Part: "2", Series: "B", Number: "3"},
					Citizenships: []registry.Citizenship{italy, {StateCode: "216", Name: "TEDESCA"}},
					CivilStatus:  registry.CivilSingle,
					HouseholdID:  "A001", Kinship: registry.KinChild,
					AIRE:           &registry.AIRE{Since: d(2016, 2, 14), Consulate: consulate},
					Certifiability: registry.CertFull,
				},
			},
		},
	}
}

// normalize makes nil and empty slices alike, as the decoder gives empty
// ones.
func normalize(hs []registry.Household) []registry.Household {
	out := make([]registry.Household, len(hs))
	for i, h := range hs {
		ms := make([]registry.Person, len(h.Members))
		for j, p := range h.Members {
			if len(p.Citizenships) == 0 {
				p.Citizenships = nil
			}
			if len(p.CivilEvents) == 0 {
				p.CivilEvents = nil
			}
			if len(p.Contracts) == 0 {
				p.Contracts = nil
			}
			if len(p.Residences) == 0 {
				p.Residences = nil
			}
			ms[j] = p
		}
		h.Members = ms
		out[i] = h
	}
	return out
}

func encodeAll(t testing.TB, hs []registry.Household) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, h := range hs {
		if err := Encode(&b, h); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

// TestExampleFile checks that the example file is the encoding of
// exampleHouseholds and decodes back into them. With -update it rewrites
// the file (go generate ./internal/importer/ does).
func TestExampleFile(t *testing.T) {
	want := exampleHouseholds(t)
	enc := encodeAll(t, want)
	if *update {
		if err := os.WriteFile(exampleFile, enc, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	file, err := os.ReadFile(exampleFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(file, enc) {
		t.Errorf("%s is not the encoding of exampleHouseholds: run go generate ./internal/importer/", exampleFile)
	}
	got, rep, err := Decode(bytes.NewReader(file), testNow, Options{})
	if err != nil {
		t.Fatalf("Decode: %v; errors: %v", err, rep.Errors)
	}
	if rep.Lines != len(want) || rep.Households != len(want) || rep.Persons != 12 || rep.Bytes != int64(len(file)) {
		t.Errorf("report %+v", rep)
	}
	got, want = normalize(got), normalize(want)
	if len(got) != len(want) {
		t.Fatalf("got %d households, want %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			for j := range want[i].Members {
				if j < len(got[i].Members) && !reflect.DeepEqual(got[i].Members[j], want[i].Members[j]) {
					t.Errorf("household %s member %d:\n got %+v\nwant %+v", want[i].ID, j, got[i].Members[j], want[i].Members[j])
				}
			}
			g, w := got[i], want[i]
			g.Members, w.Members = nil, nil
			if !reflect.DeepEqual(g, w) {
				t.Errorf("household %d:\n got %+v\nwant %+v", i, g, w)
			}
		}
	}
	// And the real clock accepts it too: the example has no future date.
	if _, err := Validate(bytes.NewReader(file), time.Now(), Options{}); err != nil {
		t.Errorf("Validate with the real clock: %v", err)
	}
}

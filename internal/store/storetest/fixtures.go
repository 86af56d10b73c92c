package storetest

import (
	"fmt"
	"slices"
	"time"

	"certa.example/certa/internal/registry"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// Fiscal codes of Households' members that tests refer to.
const (
	CodeMario    = "RSSMRA80A01F205X" // H0001 head
	CodeLaura    = "BNCLRA82M41Z129Y" // H0001 spouse, two citizenships
	CodeGiovanni = "RSSGNN10C15F205Z" // H0001 child
	CodeAnna     = "VRDNNA45T52H501W" // H0002, alone, widowed
	CodePaolo    = "NREPLA70A01F205K" // H0003 head, divorced, a contract
	CodeElena    = "FRRLNE75B41F205J" // H0003 cohabitant partner
	CodeMatteo   = "NRIMTT01C03F205Q" // H0003, removed as untraceable
	CodeMarco    = "GLLMRC85D10F205U" // H0004, AIRE
	CodeSofia    = "GLLSFO15E50Z112T" // H0004, AIRE, born abroad
	CodeGiulia   = "MROGLI60H45F205P" // H0005 (convivenza) responsible
	CodeAmadou   = "KNAMDA88L01Z343X" // H0005 member, stateless
	CodePietro   = "BSSPTR30M10F205R" // H0005 member, deceased
)

// Households returns five synthetic households, twelve persons, with every
// field of the model set somewhere and the edge cases of its
// representation present:
//
//   - H0001, a family with an empty Kind: birth records (one with a
//     volume), two citizenships one of them Italian, a marriage with its
//     act, residence history with FromComune, an open procedure, a birth
//     abroad with a state code;
//   - H0002, one widow whose HouseholdID is preset: a marriage without an
//     act and a widowhood;
//   - H0003, an incomplete family: a marriage whose act is known to exist
//     but has no details (a non-nil zero CivilRecord), a divorce with its
//     EndingType, a cohabitation contract on both partners, an
//     interdicted person (certifiability 4), a member removed as
//     untraceable (a Removal without a death place) without a fixed abode
//     and not certifiable (0);
//   - H0004, an AIRE household abroad (locality, country, state code): AIRE
//     registrations, one of them a non-nil zero AIRE;
//   - H0005, a convivenza (name and kind, kinship 1 and 2 of ANPR table 6):
//     a stateless member with partial certifiability, a deceased member
//     (Removal with a death place) without citizenships.
func Households() []registry.Household {
	milano := registry.Place{ComuneCode: "F205", Name: "MILANO", Province: "MI"}
	roma := registry.Place{ComuneCode: "H501", Name: "ROMA", Province: "RM"}
	italian := registry.Citizenship{StateCode: registry.StateItaly, Name: "ITALIANA"}
	garibaldi := registry.Address{Toponym: "VIA", Street: "GIUSEPPE GARIBALDI",
		Number: "12/A", Internal: "3", PostalCode: "20121"}
	dante := registry.Address{Toponym: "CORSO", Street: "DANTE", Number: "7", PostalCode: "20123"}
	duomo := registry.Address{Toponym: "PIAZZA", Street: "DEL DUOMO", Number: "1", PostalCode: "20122"}
	po := registry.Address{Toponym: "VIA", Street: "PO", Number: "2", Internal: "B", PostalCode: "20124"}
	marriage := func(partner, name string) registry.CivilEvent {
		return registry.CivilEvent{Kind: registry.EventMarriage, Date: date(2008, 6, 14), Place: milano,
			Record:            &registry.CivilRecord{ComuneCode: "F205", Year: 2008, Part: "2", Series: "A", Number: "112"},
			PartnerFiscalCode: partner, PartnerName: name}
	}
	contract := func(partner, name string) registry.CohabitationContract {
		return registry.CohabitationContract{PartnerFiscalCode: partner, PartnerName: name,
			Date: date(2018, 4, 10), Registered: date(2018, 5, 2), Professional: "NOTAIO LUIGI BASSI"}
	}
	return []registry.Household{
		{
			ID:      "H0001",
			Address: garibaldi,
			Members: []registry.Person{
				{FiscalCode: CodeMario, Surname: "ROSSI", Name: "MARIO", Sex: registry.Male,
					BirthDate: date(1980, 1, 1), BirthPlace: milano,
					BirthRecord:  &registry.CivilRecord{ComuneCode: "F205", Year: 1980, Part: "1", Series: "A", Number: "15"},
					Citizenships: []registry.Citizenship{italian},
					CivilStatus:  registry.CivilMarried, Kinship: registry.KinHead,
					CivilEvents: []registry.CivilEvent{marriage(CodeLaura, "BIANCHI LAURA")},
					Residences: []registry.Residence{
						{From: date(1980, 1, 1), To: date(2008, 6, 30), Address: dante},
						{From: date(2008, 7, 1), Address: garibaldi},
					},
					Certifiability: registry.CertFull},
				{FiscalCode: CodeLaura, Surname: "BIANCHI", Name: "LAURA", Sex: registry.Female,
					BirthDate:  date(1982, 8, 1),
					BirthPlace: registry.Place{Name: "BUCAREST", StateCode: "Z129", Country: "ROMANIA"},
					Citizenships: []registry.Citizenship{
						{StateCode: "235", Name: "ROMENA"},
						{StateCode: registry.StateItaly, Name: "ITALIANA", Since: date(2015, 6, 1)},
					},
					CivilStatus: registry.CivilMarried, Kinship: registry.KinSpouse,
					CivilEvents: []registry.CivilEvent{marriage(CodeMario, "ROSSI MARIO")},
					Residences: []registry.Residence{
						{From: date(2008, 7, 1), Address: garibaldi, FromComune: "Z129"},
					},
					Certifiability: registry.CertFull},
				{FiscalCode: CodeGiovanni, Surname: "ROSSI", Name: "GIOVANNI", Sex: registry.Male,
					BirthDate: date(2010, 3, 15), BirthPlace: milano,
					BirthRecord: &registry.CivilRecord{ComuneCode: "F205", Year: 2010, Part: "1", Series: "A",
						Number: "301", Volume: "2"},
					Citizenships: []registry.Citizenship{italian},
					CivilStatus:  registry.CivilSingle, Kinship: registry.KinChild,
					Residences:     []registry.Residence{{From: date(2010, 3, 15), Address: garibaldi}},
					Certifiability: registry.CertFull, OpenProcedure: true},
			},
		},
		{
			ID:      "H0002",
			Kind:    registry.KindFamily,
			Address: duomo,
			Members: []registry.Person{
				{FiscalCode: CodeAnna, Surname: "VERDI", Name: "ANNA", Sex: registry.Female,
					BirthDate: date(1945, 12, 12), BirthPlace: roma,
					Citizenships: []registry.Citizenship{italian},
					CivilStatus:  registry.CivilWidowed, Kinship: registry.KinHead,
					HouseholdID: "H0002",
					CivilEvents: []registry.CivilEvent{
						{Kind: registry.EventMarriage, Date: date(1968, 9, 21), Place: roma, PartnerName: "BRUNO CARLO"},
						{Kind: registry.EventWidowhood, Date: date(2020, 2, 2), PartnerName: "BRUNO CARLO"},
					},
					Residences:     []registry.Residence{{From: date(1970, 5, 4), Address: duomo, FromComune: "H501"}},
					Certifiability: registry.CertFull},
			},
		},
		{
			ID:         "H0003",
			Kind:       registry.KindFamily,
			Address:    po,
			Incomplete: true,
			Members: []registry.Person{
				{FiscalCode: CodePaolo, Surname: "NERI", Name: "PAOLO", Sex: registry.Male,
					BirthDate: date(1970, 1, 1), BirthPlace: milano,
					Citizenships: []registry.Citizenship{italian},
					CivilStatus:  registry.CivilDivorced, Kinship: registry.KinHead,
					CivilEvents: []registry.CivilEvent{
						{Kind: registry.EventMarriage, Date: date(2000, 5, 20), Place: milano,
							Record: &registry.CivilRecord{}, PartnerName: "GIALLI SARA"},
						{Kind: registry.EventDivorce, Date: date(2012, 11, 3), Place: milano,
							Record:      &registry.CivilRecord{ComuneCode: "F205", Year: 2012, Part: "2", Series: "C", Number: "8"},
							PartnerName: "GIALLI SARA", EndingType: 1},
					},
					Contracts:      []registry.CohabitationContract{contract(CodeElena, "FERRI ELENA")},
					Certifiability: registry.CertFull},
				{FiscalCode: CodeElena, Surname: "FERRI", Name: "ELENA", Sex: registry.Female,
					BirthDate: date(1975, 2, 1), BirthPlace: milano,
					Citizenships: []registry.Citizenship{italian},
					CivilStatus:  registry.CivilSingle, Kinship: registry.KinCohabitant,
					Contracts: []registry.CohabitationContract{func() registry.CohabitationContract {
						c := contract(CodePaolo, "NERI PAOLO")
						c.Ended = date(2025, 1, 31)
						return c
					}()},
					Certifiability: registry.CertInterdicted},
				{FiscalCode: CodeMatteo, Surname: "NERI", Name: "MATTEO", Sex: registry.Male,
					BirthDate: date(2001, 3, 3), BirthPlace: milano,
					Citizenships: []registry.Citizenship{italian},
					CivilStatus:  registry.CivilSingle, Kinship: registry.KinChild,
					Removal:        &registry.Removal{Reason: registry.RemovalUntraceable, Date: date(2021, 9, 1)},
					Certifiability: registry.CertNone, NoFixedAbode: true},
			},
		},
		{
			ID:   "H0004",
			AIRE: true,
			Address: registry.Address{Street: "LEOPOLDSTRASSE", Number: "5", PostalCode: "80802",
				Locality: "MONACO DI BAVIERA", Country: "GERMANIA", StateCode: "Z112"},
			Members: []registry.Person{
				{FiscalCode: CodeMarco, Surname: "GALLI", Name: "MARCO", Sex: registry.Male,
					BirthDate: date(1985, 4, 10), BirthPlace: milano,
					Citizenships: []registry.Citizenship{italian},
					CivilStatus:  registry.CivilSingle, Kinship: registry.KinHead,
					Residences: []registry.Residence{
						{From: date(1985, 4, 10), To: date(2019, 8, 31), Address: dante},
					},
					AIRE: &registry.AIRE{Since: date(2019, 9, 1),
						Consulate: "CONSOLATO GENERALE D'ITALIA A MONACO DI BAVIERA"},
					Certifiability: registry.CertFull},
				{FiscalCode: CodeSofia, Surname: "GALLI", Name: "SOFIA", Sex: registry.Female,
					BirthDate:  date(2015, 5, 10),
					BirthPlace: registry.Place{Name: "MONACO DI BAVIERA", StateCode: "Z112", Country: "GERMANIA"},
					Citizenships: []registry.Citizenship{
						italian, {StateCode: "216", Name: "TEDESCA", Since: date(2015, 5, 10)},
					},
					CivilStatus: registry.CivilSingle, Kinship: registry.KinChild,
					AIRE:           &registry.AIRE{},
					Certifiability: registry.CertFull},
			},
		},
		{
			ID:               "H0005",
			Kind:             registry.KindCohabitation,
			Address:          registry.Address{Toponym: "VIA", Street: "DELLE SUORE", Number: "4", PostalCode: "20125"},
			CohabitationName: "ISTITUTO SAN GIUSEPPE \"OPERA PIA\"",
			CohabitationKind: 3,
			Members: []registry.Person{
				{FiscalCode: CodeGiulia, Surname: "MORO", Name: "GIULIA", Sex: registry.Female,
					BirthDate: date(1960, 6, 5), BirthPlace: milano,
					Citizenships: []registry.Citizenship{italian},
					CivilStatus:  registry.CivilSingle, Kinship: registry.CohabResponsible,
					Certifiability: registry.CertFull},
				{FiscalCode: CodeAmadou, Surname: "KANE", Name: "AMADOU", Sex: registry.Male,
					BirthDate:  date(1988, 7, 1),
					BirthPlace: registry.Place{Name: "DAKAR", StateCode: "Z343", Country: "SENEGAL"},
					Citizenships: []registry.Citizenship{
						{StateCode: registry.StateStateless, Name: "APOLIDE", Since: date(2010, 1, 1)},
					},
					CivilStatus: registry.CivilNotKnown, Kinship: registry.CohabMember,
					Residences: []registry.Residence{
						{From: date(2016, 2, 29), Address: registry.Address{Toponym: "VIA", Street: "DELLE SUORE",
							Number: "4", PostalCode: "20125"}, FromComune: "Z343"},
					},
					Certifiability: registry.CertPartial},
				{FiscalCode: CodePietro, Surname: "BASSI", Name: "PIETRO", Sex: registry.Male,
					BirthDate: date(1930, 8, 10), BirthPlace: milano,
					CivilStatus: registry.CivilWidowed, Kinship: registry.CohabMember,
					Removal: &registry.Removal{Reason: registry.RemovalDeath, Date: date(2024, 1, 20),
						DeathPlace: milano},
					Certifiability: registry.CertNone},
			},
		},
	}
}

// FixtureCodes returns the fiscal codes of Households' members in byte
// order, as Residents lists them.
func FixtureCodes() []string {
	var out []string
	for _, h := range Households() {
		for _, m := range h.Members {
			out = append(out, m.FiscalCode)
		}
	}
	slices.Sort(out)
	return out
}

// Stored returns h as a store reads it back: the members' HouseholdID is
// h.ID, an empty Kind is KindFamily, and empty lists are nil.
func Stored(h registry.Household) registry.Household {
	if h.Kind == "" {
		h.Kind = registry.KindFamily
	}
	h.Members = slices.Clone(h.Members)
	for i := range h.Members {
		m := &h.Members[i]
		m.HouseholdID = h.ID
		if len(m.Citizenships) == 0 {
			m.Citizenships = nil
		}
		if len(m.CivilEvents) == 0 {
			m.CivilEvents = nil
		}
		if len(m.Contracts) == 0 {
			m.Contracts = nil
		}
		if len(m.Residences) == 0 {
			m.Residences = nil
		}
	}
	return h
}

// Population returns n synthetic households, with IDs and fiscal codes
// numbered from first so that disjoint ranges never collide, of one to
// four members (2.3 on average), for benchmarks: every member has a birth
// record, a citizenship and one or two residences; heads and spouses are
// married, with the act; one household in ten lives abroad (AIRE), one in
// fifty has a foreign-born member with two citizenships.
func Population(first, n int) []registry.Household {
	milano := registry.Place{ComuneCode: "F205", Name: "MILANO", Province: "MI"}
	italian := []registry.Citizenship{{StateCode: registry.StateItaly, Name: "ITALIANA"}}
	hs := make([]registry.Household, n)
	for i := range hs {
		k := first + i
		h := registry.Household{
			ID:   fmt.Sprintf("P%09d", k),
			Kind: registry.KindFamily,
			Address: registry.Address{Toponym: "VIA", Street: "ROMA", Number: fmt.Sprint(k%200 + 1),
				PostalCode: "20100"},
		}
		if k%10 == 9 {
			h.AIRE = true
			h.Address = registry.Address{Street: "RUE DE RIVOLI", Number: fmt.Sprint(k%90 + 1), PostalCode: "75001",
				Locality: "PARIGI", Country: "FRANCIA", StateCode: "Z110"}
		}
		size := []int{1, 2, 2, 3, 3, 1, 4, 2, 2, 3}[k%10] // mean 2.3
		for j := range size {
			birth := date(1950+j*15+k%20, time.Month(1+k%12), 1+k%28)
			p := registry.Person{
				FiscalCode: fmt.Sprintf("TST%09dX%03d", k, j),
				Surname:    "TEST", Name: "PERSONA", Sex: registry.Female,
				BirthDate: birth, BirthPlace: milano,
				BirthRecord: &registry.CivilRecord{ComuneCode: "F205", Year: birth.Year(), Part: "1", Series: "A",
					Number: fmt.Sprint(k%997 + 1)},
				Citizenships:   italian,
				CivilStatus:    registry.CivilSingle,
				Kinship:        registry.KinChild,
				Residences:     []registry.Residence{{From: birth, Address: h.Address}},
				Certifiability: registry.CertFull,
			}
			if j < 2 && size > 1 {
				p.Kinship = []int{registry.KinHead, registry.KinSpouse}[j]
				p.CivilStatus = registry.CivilMarried
				p.CivilEvents = []registry.CivilEvent{{Kind: registry.EventMarriage, Date: date(2000+k%20, 6, 1),
					Place:             milano,
					Record:            &registry.CivilRecord{ComuneCode: "F205", Year: 2000 + k%20, Part: "2", Series: "A", Number: "7"},
					PartnerFiscalCode: fmt.Sprintf("TST%09dX%03d", k, 1-j), PartnerName: "TEST PERSONA"}}
			} else if j == 0 {
				p.Kinship = registry.KinHead
			}
			if h.AIRE {
				p.AIRE = &registry.AIRE{Since: date(2015, 1, 1), Consulate: "CONSOLATO GENERALE D'ITALIA A PARIGI"}
				p.Residences = []registry.Residence{{From: birth, To: date(2014, 12, 31),
					Address: registry.Address{Toponym: "VIA", Street: "ROMA", Number: "1", PostalCode: "20100"}}}
			}
			if k%50 == 7 && j == size-1 {
				p.BirthPlace = registry.Place{Name: "TIRANA", StateCode: "Z100", Country: "ALBANIA"}
				p.Citizenships = []registry.Citizenship{{StateCode: "201", Name: "ALBANESE"},
					{StateCode: registry.StateItaly, Name: "ITALIANA", Since: date(2012, 3, 1)}}
				p.Residences = []registry.Residence{{From: date(2005, 1, 1), Address: h.Address, FromComune: "Z100"}}
			}
			h.Members = append(h.Members, p)
		}
		hs[i] = h
	}
	return hs
}

// PopulationOf returns Population's first households with exactly persons
// members in all: the last household is cut to size.
func PopulationOf(persons int) []registry.Household {
	hs := Population(0, persons*10/23+10)
	n := 0
	for i := range hs {
		if n+len(hs[i].Members) >= persons {
			hs[i].Members = hs[i].Members[:persons-n]
			return hs[:i+1]
		}
		n += len(hs[i].Members)
	}
	panic("storetest: population too small")
}

// Changed returns a copy of hs in which one person in every (counted
// across households) has a name of round's own: importing it after hs,
// or after Changed with another round, changes those persons only.
func Changed(hs []registry.Household, round, every int) []registry.Household {
	out := slices.Clone(hs)
	k := 0
	for i := range out {
		members := out[i].Members
		for j := range members {
			if k%every == 0 {
				if &members[0] == &hs[i].Members[0] {
					members = slices.Clone(members)
					out[i].Members = members
				}
				members[j].Name = fmt.Sprintf("PERSONA %d", round)
			}
			k++
		}
	}
	return out
}

// V1Rows insert registry rows as schema version 1 held them (one
// citizenship as text, no other fact of the current model), in SQL both
// stores run; V1Upgraded is what they read back as after the upgrade.
// The stores' upgrade tests use them.
var V1Rows = []string{
	`INSERT INTO households (id, toponym, street, number, internal, postal_code) VALUES
		('H0001', 'VIA', 'GIUSEPPE GARIBALDI', '12/A', '3', '20121'),
		('H0002', 'PIAZZA', 'DEL DUOMO', '1', '', '20122')`,
	`INSERT INTO persons (fiscal_code, surname, name, sex, birth_date, birth_comune_code,
		birth_place_name, birth_province, birth_country, citizenship, civil_status, household_id, kinship, ord) VALUES
		('RSSMRA80A01F205X', 'ROSSI', 'MARIO', 'M', '1980-01-01', 'F205', 'MILANO', 'MI', '', 'ITALIANA', 2, 'H0001', 1, 0),
		('BNCLRA82M41Z129Y', 'BIANCHI', 'LAURA', 'F', '1982-08-01', '', 'BUCAREST', '', 'ROMANIA', 'ROMENA', 2, 'H0001', 2, 1),
		('VRDNNA45T52H501W', 'VERDI', 'ANNA', 'F', '1945-12-12', 'H501', 'ROMA', 'RM', '', '', 3, 'H0002', 1, 0)`,
}

// V1Upgraded returns V1Rows as the current model reads them: families in
// Italy, fully certifiable persons, the citizenship a list of one with
// state code 100 when it was ITALIANA (none when it was empty).
func V1Upgraded() []registry.Household {
	return []registry.Household{
		{ID: "H0001", Kind: registry.KindFamily,
			Address: registry.Address{Toponym: "VIA", Street: "GIUSEPPE GARIBALDI", Number: "12/A", Internal: "3", PostalCode: "20121"},
			Members: []registry.Person{
				{FiscalCode: CodeMario, Surname: "ROSSI", Name: "MARIO", Sex: registry.Male,
					BirthDate: date(1980, 1, 1), BirthPlace: registry.Place{ComuneCode: "F205", Name: "MILANO", Province: "MI"},
					Citizenships: []registry.Citizenship{{StateCode: registry.StateItaly, Name: "ITALIANA"}},
					CivilStatus:  registry.CivilMarried, HouseholdID: "H0001", Kinship: registry.KinHead, Certifiability: registry.CertFull},
				{FiscalCode: CodeLaura, Surname: "BIANCHI", Name: "LAURA", Sex: registry.Female,
					BirthDate: date(1982, 8, 1), BirthPlace: registry.Place{Name: "BUCAREST", Country: "ROMANIA"},
					Citizenships: []registry.Citizenship{{Name: "ROMENA"}},
					CivilStatus:  registry.CivilMarried, HouseholdID: "H0001", Kinship: registry.KinSpouse, Certifiability: registry.CertFull},
			}},
		{ID: "H0002", Kind: registry.KindFamily,
			Address: registry.Address{Toponym: "PIAZZA", Street: "DEL DUOMO", Number: "1", PostalCode: "20122"},
			Members: []registry.Person{
				{FiscalCode: CodeAnna, Surname: "VERDI", Name: "ANNA", Sex: registry.Female,
					BirthDate: date(1945, 12, 12), BirthPlace: registry.Place{ComuneCode: "H501", Name: "ROMA", Province: "RM"},
					CivilStatus: registry.CivilWidowed, HouseholdID: "H0002", Kinship: registry.KinHead, Certifiability: registry.CertFull},
			}},
	}
}

package engine

import (
	"regexp"
	"slices"
	"testing"
	"time"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/registry"
	"certa.example/certa/templates"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

var (
	lodi     = registry.Place{ComuneCode: "E648", Name: "LODI", Province: "LO"}
	munich   = registry.Place{Name: "MONACO DI BAVIERA", StateCode: "Z112", Country: "GERMANIA"}
	viaRoma  = registry.Address{Toponym: "VIA", Street: "ROMA", Number: "1", PostalCode: "26900"}
	viaPo    = registry.Address{Toponym: "VIA", Street: "PO", Number: "2", PostalCode: "26900"}
	abroadAt = registry.Address{Street: "LEOPOLDSTRASSE", Number: "5", PostalCode: "80802",
		Locality: "MONACO DI BAVIERA", Country: "GERMANIA", StateCode: "Z112"}
)

const (
	cfMario = "RSSMRA80A01E648D"
	cfLaura = "BNCLRA82M55E648X"
)

// resident is a certifiable Italian resident, married (with the act and
// the spouse's data), head of a two-person family in the comune, with a
// residence history. It passes every type for residents and for the
// living.
func resident() registry.Subject {
	person := func(cf, surname, name string, sex registry.Sex, kin int, spouseCF, spouseName string) registry.Person {
		return registry.Person{FiscalCode: cf, Surname: surname, Name: name, Sex: sex,
			BirthDate: day(1980, 1, 1), BirthPlace: lodi,
			BirthRecord:  &registry.CivilRecord{ComuneCode: "E648", Year: 1980, Part: "1", Series: "A", Number: "15"},
			Citizenships: []registry.Citizenship{{StateCode: registry.StateItaly, Name: "ITALIANA"}},
			CivilStatus:  registry.CivilMarried,
			CivilEvents: []registry.CivilEvent{{Kind: registry.EventMarriage, Date: day(2008, 6, 14), Place: lodi,
				Record:            &registry.CivilRecord{ComuneCode: "E648", Year: 2008, Part: "2", Series: "A", Number: "112"},
				PartnerFiscalCode: spouseCF, PartnerName: spouseName}},
			HouseholdID: "F1", Kinship: kin,
			Residences: []registry.Residence{
				{From: day(1980, 1, 1), To: day(2008, 6, 30), Address: viaPo},
				{From: day(2008, 7, 1), Address: viaRoma},
			},
			Certifiability: registry.CertFull}
	}
	head := person(cfMario, "ROSSI", "MARIO", registry.Male, registry.KinHead, cfLaura, "BIANCHI LAURA")
	wife := person(cfLaura, "BIANCHI", "LAURA", registry.Female, registry.KinSpouse, cfMario, "ROSSI MARIO")
	return registry.Subject{Person: head, Household: registry.Household{ID: "F1", Kind: registry.KindFamily,
		Address: viaRoma, Members: []registry.Person{head, wife}}}
}

// base returns a subject that typ's rules let through.
func base(typ string) registry.Subject {
	s := resident()
	switch typ {
	case "morte":
		s.Person.Removal = &registry.Removal{Reason: registry.RemovalDeath, Date: day(2024, 1, 20), DeathPlace: lodi}
	case "cancellazione":
		s.Person.Removal = &registry.Removal{Reason: registry.RemovalMovedOut, Date: day(2024, 1, 20)}
	case "residenza_aire", "stato_famiglia_aire":
		s.Household.AIRE, s.Household.Address = true, abroadAt
		for _, p := range append([]*registry.Person{&s.Person}, ptrs(s.Household.Members)...) {
			p.AIRE = &registry.AIRE{Since: day(2019, 9, 1), Consulate: "CONSOLATO GENERALE D'ITALIA A MONACO DI BAVIERA"}
			p.Residences[len(p.Residences)-1].To = day(2019, 8, 31)
		}
	case "stato_libero":
		s.Person.CivilStatus, s.Person.CivilEvents = registry.CivilSingle, nil
	case "unione_civile":
		s.Person.CivilStatus = registry.CivilUnited
		s.Person.CivilEvents = []registry.CivilEvent{{Kind: registry.EventCivilUnion, Date: day(2018, 5, 5), Place: lodi,
			PartnerFiscalCode: cfLaura, PartnerName: "BIANCHI LAURA"}}
	case "contratto_convivenza":
		s.Person.CivilStatus, s.Person.CivilEvents = registry.CivilSingle, nil
		s.Person.Contracts = []registry.CohabitationContract{{PartnerFiscalCode: cfLaura, PartnerName: "BIANCHI LAURA",
			Date: day(2018, 4, 10), Registered: day(2018, 5, 2), Professional: "NOTAIO LUIGI BASSI"}}
	case "residenza_convivenza":
		s.Household.Kind, s.Household.CohabitationName, s.Household.CohabitationKind =
			registry.KindCohabitation, "ISTITUTO SAN GIUSEPPE", 3
		s.Household.Members[0].Kinship, s.Household.Members[1].Kinship = registry.CohabResponsible, registry.CohabMember
	}
	return s
}

func ptrs(ms []registry.Person) []*registry.Person {
	out := make([]*registry.Person, len(ms))
	for i := range ms {
		out[i] = &ms[i]
	}
	return out
}

// wantRules is the rule table: each type's slugs in the order applied.
var wantRules = map[string][]string{
	"nascita": {"soggetto-non-certificabile", "soggetto-non-iscrivibile", "soggetto-interdetto", "soggetto-parzialmente-certificabile",
		"procedimento-aperto", "soggetto-cancellato", "soggetto-deceduto", "aire-nato-all-estero"},
	"morte": {"soggetto-non-certificabile", "soggetto-non-iscrivibile", "soggetto-interdetto", "soggetto-parzialmente-certificabile",
		"procedimento-aperto", "iscritto-aire", "soggetto-non-deceduto"},
	"matrimonio": {"soggetto-non-certificabile", "soggetto-non-iscrivibile", "soggetto-interdetto", "soggetto-parzialmente-certificabile",
		"procedimento-aperto", "soggetto-cancellato", "soggetto-deceduto",
		"stato-civile-mancante", "stato-libero-o-unito-civilmente", "dati-matrimonio-assenti", "dati-coniuge-assenti", "matrimonio-durante-aire"},
	"cancellazione": {"soggetto-non-certificabile", "soggetto-non-iscrivibile", "soggetto-interdetto", "soggetto-parzialmente-certificabile",
		"procedimento-aperto", "iscritto-aire", "soggetto-deceduto", "soggetto-non-cancellato", "data-cancellazione-assente"},
	"cittadinanza": {"soggetto-non-certificabile", "soggetto-non-iscrivibile", "soggetto-interdetto", "soggetto-parzialmente-certificabile",
		"procedimento-aperto", "soggetto-cancellato", "soggetto-deceduto",
		"cittadinanza-non-definita", "cittadinanze-multiple", "cittadinanza-assente", "cittadinanza-non-italiana"},
	"storico_cittadinanza": {"soggetto-non-certificabile", "soggetto-non-iscrivibile", "soggetto-interdetto", "soggetto-parzialmente-certificabile",
		"procedimento-aperto", "iscritto-aire", "cittadinanza-non-italiana", "cittadinanza-assente"},
	"esistenza_in_vita": {"soggetto-non-certificabile", "soggetto-non-iscrivibile", "soggetto-interdetto", "soggetto-parzialmente-certificabile",
		"procedimento-aperto", "iscritto-aire", "soggetto-cancellato", "soggetto-deceduto"},
	"residenza": {"soggetto-non-certificabile", "soggetto-non-iscrivibile", "soggetto-interdetto",
		"procedimento-aperto", "iscritto-aire", "soggetto-cancellato", "soggetto-deceduto", "senza-famiglia"},
	"storico_residenza": {"soggetto-non-certificabile", "soggetto-non-iscrivibile", "soggetto-interdetto", "soggetto-parzialmente-certificabile",
		"procedimento-aperto", "decorrenza-residenza-assente"},
	"residenza_aire": {"soggetto-non-certificabile", "soggetto-non-iscrivibile", "soggetto-interdetto", "soggetto-parzialmente-certificabile",
		"procedimento-aperto", "non-iscritto-aire", "soggetto-cancellato", "soggetto-deceduto", "senza-famiglia"},
	"stato_civile": {"soggetto-non-certificabile", "soggetto-non-iscrivibile", "soggetto-interdetto", "soggetto-parzialmente-certificabile",
		"procedimento-aperto", "iscritto-aire", "soggetto-cancellato", "soggetto-deceduto", "stato-civile-mancante", "dati-stato-civile-assenti"},
	"stato_famiglia": {"soggetto-non-certificabile", "soggetto-non-iscrivibile", "soggetto-interdetto",
		"procedimento-aperto", "iscritto-aire", "soggetto-cancellato", "soggetto-deceduto",
		"famiglia-non-certificabile", "senza-fissa-dimora", "appartiene-a-convivenza", "senza-famiglia", "famiglia-senza-intestatario"},
	"stato_famiglia_stato_civile": {"soggetto-non-certificabile", "soggetto-non-iscrivibile", "soggetto-interdetto", "soggetto-parzialmente-certificabile",
		"procedimento-aperto", "iscritto-aire", "soggetto-cancellato", "soggetto-deceduto",
		"famiglia-non-certificabile", "appartiene-a-convivenza", "senza-famiglia", "famiglia-senza-intestatario", "famiglia-un-solo-componente"},
	"residenza_convivenza": {"soggetto-non-certificabile", "soggetto-non-iscrivibile", "soggetto-interdetto",
		"procedimento-aperto", "iscritto-aire", "soggetto-cancellato", "soggetto-deceduto", "non-appartiene-a-convivenza"},
	"stato_famiglia_aire": {"soggetto-non-certificabile", "soggetto-non-iscrivibile", "soggetto-interdetto", "soggetto-parzialmente-certificabile",
		"procedimento-aperto", "non-iscritto-aire", "soggetto-cancellato", "soggetto-deceduto",
		"famiglia-non-aire", "senza-famiglia", "legame-parentela-non-ammesso"},
	"stato_famiglia_parentela": {"soggetto-non-certificabile", "soggetto-non-iscrivibile", "soggetto-interdetto", "soggetto-parzialmente-certificabile",
		"procedimento-aperto", "iscritto-aire", "soggetto-cancellato", "soggetto-deceduto",
		"famiglia-non-certificabile", "appartiene-a-convivenza", "senza-famiglia", "famiglia-senza-intestatario", "famiglia-un-solo-componente"},
	"stato_libero": {"soggetto-non-certificabile", "soggetto-non-iscrivibile", "soggetto-interdetto", "soggetto-parzialmente-certificabile",
		"procedimento-aperto", "iscritto-aire", "soggetto-cancellato", "soggetto-deceduto", "stato-civile-non-libero"},
	"unione_civile": {"soggetto-non-certificabile", "soggetto-non-iscrivibile", "soggetto-interdetto", "soggetto-parzialmente-certificabile",
		"procedimento-aperto", "soggetto-cancellato", "soggetto-deceduto",
		"stato-civile-mancante", "non-unito-civilmente", "dati-unione-civile-assenti", "dati-parte-unita-assenti", "unione-durante-aire"},
	"contratto_convivenza": {"soggetto-non-certificabile", "soggetto-non-iscrivibile", "soggetto-interdetto", "soggetto-parzialmente-certificabile",
		"procedimento-aperto", "soggetto-cancellato", "soggetto-deceduto",
		"dati-contratto-assenti", "contratto-cessato", "dati-convivente-assenti", "contratto-durante-aire"},
	"storico_residenza_data": {"soggetto-non-certificabile", "soggetto-non-iscrivibile", "soggetto-interdetto", "soggetto-parzialmente-certificabile",
		"procedimento-aperto", "decorrenza-residenza-assente"},
}

// trigger makes the rule with the slug the first to refuse, from the
// type's base subject.
var trigger = map[string]func(*registry.Subject){
	"soggetto-non-certificabile":          func(s *registry.Subject) { s.Person.Certifiability = registry.CertNone },
	"soggetto-non-iscrivibile":            func(s *registry.Subject) { s.Person.Certifiability = registry.CertNotRegistrable },
	"soggetto-interdetto":                 func(s *registry.Subject) { s.Person.Certifiability = registry.CertInterdicted },
	"soggetto-parzialmente-certificabile": func(s *registry.Subject) { s.Person.Certifiability = registry.CertPartial },
	"procedimento-aperto":                 func(s *registry.Subject) { s.Person.OpenProcedure = true },
	"iscritto-aire":                       func(s *registry.Subject) { s.Person.AIRE = &registry.AIRE{Since: day(2019, 9, 1)} },
	"non-iscritto-aire":                   func(s *registry.Subject) { s.Person.AIRE = nil },
	"soggetto-cancellato": func(s *registry.Subject) {
		s.Person.Removal = &registry.Removal{Reason: registry.RemovalUntraceable, Date: day(2021, 9, 1)}
	},
	"soggetto-deceduto": func(s *registry.Subject) {
		s.Person.Removal = &registry.Removal{Reason: registry.RemovalDeath, Date: day(2024, 1, 20), DeathPlace: lodi}
	},
	"soggetto-non-deceduto":      func(s *registry.Subject) { s.Person.Removal = nil },
	"soggetto-non-cancellato":    func(s *registry.Subject) { s.Person.Removal = nil },
	"data-cancellazione-assente": func(s *registry.Subject) { s.Person.Removal.Date = time.Time{} },
	"aire-nato-all-estero": func(s *registry.Subject) {
		s.Person.AIRE, s.Person.BirthPlace, s.Person.BirthRecord = &registry.AIRE{Since: day(2019, 9, 1)}, munich, nil
	},
	"stato-civile-mancante":           func(s *registry.Subject) { s.Person.CivilStatus = 0 },
	"dati-stato-civile-assenti":       func(s *registry.Subject) { s.Person.CivilEvents = nil },
	"stato-libero-o-unito-civilmente": func(s *registry.Subject) { s.Person.CivilStatus = registry.CivilSingle },
	"dati-matrimonio-assenti":         func(s *registry.Subject) { s.Person.CivilEvents = nil },
	"dati-coniuge-assenti": func(s *registry.Subject) {
		s.Person.CivilEvents[0].PartnerName, s.Person.CivilEvents[0].PartnerFiscalCode = "", ""
	},
	"matrimonio-durante-aire":    func(s *registry.Subject) { s.Person.AIRE = &registry.AIRE{Since: day(2008, 6, 14)} },
	"stato-civile-non-libero":    func(s *registry.Subject) { s.Person.CivilStatus = registry.CivilMarried },
	"non-unito-civilmente":       func(s *registry.Subject) { s.Person.CivilStatus = registry.CivilUnionDissolv },
	"dati-unione-civile-assenti": func(s *registry.Subject) { s.Person.CivilEvents = nil },
	"dati-parte-unita-assenti": func(s *registry.Subject) {
		s.Person.CivilEvents[0].PartnerName, s.Person.CivilEvents[0].PartnerFiscalCode = "", ""
	},
	"unione-durante-aire": func(s *registry.Subject) { s.Person.AIRE = &registry.AIRE{Since: day(2010, 1, 1)} },
	"cittadinanza-non-definita": func(s *registry.Subject) {
		s.Person.Citizenships = []registry.Citizenship{{StateCode: registry.StateBeingDetermined, Name: "IN CORSO DI DEFINIZIONE"}}
	},
	"cittadinanze-multiple": func(s *registry.Subject) {
		s.Person.Citizenships = append(s.Person.Citizenships, registry.Citizenship{StateCode: "235", Name: "ROMENA"})
	},
	"cittadinanza-assente": func(s *registry.Subject) { s.Person.Citizenships = nil },
	"cittadinanza-non-italiana": func(s *registry.Subject) {
		s.Person.Citizenships = []registry.Citizenship{{StateCode: "235", Name: "ROMENA"}}
	},
	"famiglia-non-certificabile":  func(s *registry.Subject) { s.Household.Incomplete = true },
	"senza-fissa-dimora":          func(s *registry.Subject) { s.Person.NoFixedAbode = true },
	"appartiene-a-convivenza":     func(s *registry.Subject) { s.Household.Kind = registry.KindCohabitation },
	"senza-famiglia":              func(s *registry.Subject) { s.Household = registry.Household{} },
	"famiglia-senza-intestatario": func(s *registry.Subject) { s.Household.Members[0].Kinship = registry.KinChild },
	"famiglia-un-solo-componente": func(s *registry.Subject) { s.Household.Members = s.Household.Members[:1] },
	"non-appartiene-a-convivenza": func(s *registry.Subject) { s.Household.Kind = registry.KindFamily },
	"famiglia-non-aire":           func(s *registry.Subject) { s.Household.AIRE = false },
	"legame-parentela-non-ammesso": func(s *registry.Subject) {
		s.Household.Members[1].Kinship = 14 // figliastro: retired in 2015
	},
	"dati-contratto-assenti": func(s *registry.Subject) { s.Person.Contracts = nil },
	"contratto-cessato":      func(s *registry.Subject) { s.Person.Contracts[0].Ended = day(2025, 1, 31) },
	"dati-convivente-assenti": func(s *registry.Subject) {
		s.Person.Contracts[0].PartnerName, s.Person.Contracts[0].PartnerFiscalCode = "", ""
	},
	"contratto-durante-aire":       func(s *registry.Subject) { s.Person.AIRE = &registry.AIRE{Since: day(2010, 1, 1)} },
	"decorrenza-residenza-assente": func(s *registry.Subject) { s.Person.Residences = nil },
}

// refusedBy checks that err is the refusal of the rule with slug.
func refusedBy(t *testing.T, err error, slug string) {
	t.Helper()
	r, ok := RuleBySlug(slug)
	if !ok {
		t.Fatalf("no rule %s", slug)
	}
	gotSlug, title := errs.RuleOf(err)
	if errs.KindOf(err) != errs.NotCertifiable || gotSlug != slug || title != r.Title() || errs.PublicOf(err) != r.Detail() {
		t.Fatalf("got %v (rule %q, title %q), want rule %s", err, gotSlug, title, slug)
	}
}

func TestRuleTable(t *testing.T) {
	if len(wantRules) != 20 || len(typeRules) != 20 {
		t.Fatalf("%d expected types, %d types with rules; want ANPR's 20", len(wantRules), len(typeRules))
	}
	for name, want := range wantRules {
		var got []string
		for _, r := range RulesFor(name) {
			got = append(got, r.Slug())
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s:\n got %q\nwant %q", name, got, want)
		}
	}
}

// For every type: its base subject passes, and each rule, triggered from
// it, is the one that refuses.
func TestRulesPerType(t *testing.T) {
	for name := range typeRules {
		t.Run(name+"/passes", func(t *testing.T) {
			if err := applyRules(name, base(name)); err != nil {
				t.Fatalf("refused: %v", err)
			}
		})
		for _, r := range RulesFor(name) {
			t.Run(name+"/"+r.Slug(), func(t *testing.T) {
				edit, ok := trigger[r.Slug()]
				if !ok {
					t.Fatalf("no test subject for rule %s", r.Slug())
				}
				s := base(name)
				edit(&s)
				refusedBy(t, applyRules(name, s), r.Slug())
			})
		}
	}
}

// Further cases: what each rule allows, and other data that trip it.
func TestRulesCases(t *testing.T) {
	aireSince := func(y int) func(*registry.Subject) {
		return func(s *registry.Subject) { s.Person.AIRE = &registry.AIRE{Since: day(y, 1, 1)} }
	}
	status := func(cs int, events ...registry.CivilEventKind) func(*registry.Subject) {
		return func(s *registry.Subject) {
			s.Person.CivilStatus, s.Person.CivilEvents = cs, nil
			for _, k := range events {
				s.Person.CivilEvents = append(s.Person.CivilEvents, registry.CivilEvent{Kind: k, Date: day(2010, 1, 1), PartnerName: "BIANCHI LAURA"})
			}
		}
	}
	for _, tc := range []struct {
		name, typ string
		edit      func(*registry.Subject)
		want      string // "" issued
	}{
		{"code outside table 42", "residenza", func(s *registry.Subject) { s.Person.Certifiability = 7 }, "soggetto-non-certificabile"},
		{"partial allows residenza", "residenza", trigger["soggetto-parzialmente-certificabile"], ""},
		{"partial allows stato di famiglia", "stato_famiglia", trigger["soggetto-parzialmente-certificabile"], ""},
		{"partial allows residenza in convivenza", "residenza_convivenza", trigger["soggetto-parzialmente-certificabile"], ""},
		{"household AIRE only", "residenza", func(s *registry.Subject) { s.Household.AIRE = true }, "iscritto-aire"},
		{"presumed death", "esistenza_in_vita", func(s *registry.Subject) {
			s.Person.Removal = &registry.Removal{Reason: registry.RemovalPresumedDeath, Date: day(2020, 1, 1)}
		}, "soggetto-deceduto"},
		{"presumed death certifies morte", "morte", func(s *registry.Subject) { s.Person.Removal.Reason = registry.RemovalPresumedDeath }, ""},
		{"removed, not dead: no morte", "morte", trigger["soggetto-cancellato"], "soggetto-non-deceduto"},
		{"deceased: no cancellazione", "cancellazione", trigger["soggetto-deceduto"], "soggetto-deceduto"},
		{"untraceable: cancellazione", "cancellazione", trigger["soggetto-cancellato"], ""},
		{"storico residenza of the removed", "storico_residenza", trigger["soggetto-cancellato"], ""},
		{"storico residenza of the dead", "storico_residenza_data", trigger["soggetto-deceduto"], ""},
		{"storico cittadinanza of the dead", "storico_cittadinanza", trigger["soggetto-deceduto"], ""},
		{"storico residenza: a start date missing", "storico_residenza", func(s *registry.Subject) { s.Person.Residences[1].From = time.Time{} }, "decorrenza-residenza-assente"},
		{"nascita for AIRE born in Italy", "nascita", aireSince(2019), ""},
		{"nascita born abroad, resident", "nascita", func(s *registry.Subject) { s.Person.BirthPlace = munich }, ""},
		{"cittadinanza for AIRE", "cittadinanza", aireSince(2019), ""},
		{"cittadinanza stateless", "cittadinanza", func(s *registry.Subject) {
			s.Person.Citizenships = []registry.Citizenship{{StateCode: registry.StateStateless, Name: "APOLIDE"}}
		}, "cittadinanza-non-italiana"},
		{"cittadinanza not attributable", "cittadinanza", func(s *registry.Subject) {
			s.Person.Citizenships = append(s.Person.Citizenships, registry.Citizenship{StateCode: registry.StateNotAttributable})
		}, "cittadinanza-non-definita"},
		{"cittadinanza Italian and Romanian", "cittadinanza", func(s *registry.Subject) {
			s.Person.Citizenships = []registry.Citizenship{{StateCode: "235", Name: "ROMENA"}, {StateCode: registry.StateItaly, Name: "ITALIANA"}}
		}, "cittadinanze-multiple"},
		{"cittadinanza empty entry", "cittadinanza", func(s *registry.Subject) { s.Person.Citizenships = []registry.Citizenship{{}} }, "cittadinanza-assente"},
		{"storico cittadinanza of a foreigner", "storico_cittadinanza", trigger["cittadinanza-non-italiana"], "cittadinanza-non-italiana"},
		{"stato civile ignoto", "stato_civile", func(s *registry.Subject) { s.Person.CivilStatus = registry.CivilNotKnown }, "stato-civile-mancante"},
		{"stato civile single, no events", "stato_civile", status(registry.CivilSingle), ""},
		{"stato civile widowed, widowhood only", "stato_civile", status(registry.CivilWidowed, registry.EventWidowhood), ""},
		{"stato civile divorced, no events", "stato_civile", status(registry.CivilDivorced), "dati-stato-civile-assenti"},
		{"stato civile united, no union", "stato_civile", status(registry.CivilUnited, registry.EventMarriage), "dati-stato-civile-assenti"},
		{"stato civile union dissolved", "stato_civile", status(registry.CivilUnionDissolv, registry.EventCivilUnion, registry.EventUnionDissolution), ""},
		{"stato libero widowed", "stato_libero", status(registry.CivilWidowed), ""},
		{"stato libero divorced", "stato_libero", status(registry.CivilDivorced), ""},
		{"stato libero union dissolved", "stato_libero", status(registry.CivilUnionDissolv), ""},
		{"stato libero partner dead", "stato_libero", status(registry.CivilUnionDeadPar), ""},
		{"stato libero united", "stato_libero", status(registry.CivilUnited), "stato-civile-non-libero"},
		{"stato libero unknown", "stato_libero", status(registry.CivilNotKnown), "stato-civile-non-libero"},
		{"stato libero not recorded", "stato_libero", status(0), "stato-civile-non-libero"},
		{"matrimonio widowed", "matrimonio", func(s *registry.Subject) { s.Person.CivilStatus = registry.CivilWidowed }, ""},
		{"matrimonio divorced", "matrimonio", func(s *registry.Subject) { s.Person.CivilStatus = registry.CivilDivorced }, ""},
		{"matrimonio united", "matrimonio", func(s *registry.Subject) { s.Person.CivilStatus = registry.CivilUnited }, "stato-libero-o-unito-civilmente"},
		{"matrimonio union dissolved", "matrimonio", func(s *registry.Subject) { s.Person.CivilStatus = registry.CivilUnionDissolv }, "stato-libero-o-unito-civilmente"},
		{"matrimonio, spouse's fiscal code only", "matrimonio", func(s *registry.Subject) { s.Person.CivilEvents[0].PartnerName = "" }, ""},
		{"matrimonio before AIRE", "matrimonio", aireSince(2019), ""},
		{"matrimonio, AIRE date unknown", "matrimonio", func(s *registry.Subject) { s.Person.AIRE = &registry.AIRE{} }, ""},
		{"unione civile on the AIRE day", "unione_civile", func(s *registry.Subject) { s.Person.AIRE = &registry.AIRE{Since: day(2018, 5, 5)} }, ""},
		{"unione civile before AIRE", "unione_civile", aireSince(2020), ""},
		{"unione civile, no status", "unione_civile", func(s *registry.Subject) { s.Person.CivilStatus = 0 }, "stato-civile-mancante"},
		{"contratto: an ended one and one in force", "contratto_convivenza", func(s *registry.Subject) {
			old := registry.CohabitationContract{PartnerName: "VERDI ANNA", Date: day(2010, 1, 1), Ended: day(2015, 1, 1)}
			s.Person.Contracts = append([]registry.CohabitationContract{old}, s.Person.Contracts...)
		}, ""},
		{"contratto before AIRE", "contratto_convivenza", aireSince(2020), ""},
		{"contratto for AIRE, registration date unknown, date after", "contratto_convivenza", func(s *registry.Subject) {
			s.Person.Contracts[0].Registered = time.Time{}
			s.Person.AIRE = &registry.AIRE{Since: day(2018, 1, 1)}
		}, "contratto-durante-aire"},
		{"famiglia: a member not certifiable", "stato_famiglia", func(s *registry.Subject) { s.Household.Members[1].Certifiability = registry.CertNone }, "famiglia-non-certificabile"},
		{"stato di famiglia of one person", "stato_famiglia", trigger["famiglia-un-solo-componente"], ""},
		{"parentela: the other member removed", "stato_famiglia_parentela", func(s *registry.Subject) {
			s.Household.Members[1].Removal = &registry.Removal{Reason: registry.RemovalMovedOut, Date: day(2020, 1, 1)}
		}, "famiglia-un-solo-componente"},
		{"parentela: no fixed abode is not ANPR's check", "stato_famiglia_parentela", trigger["senza-fissa-dimora"], ""},
		{"parentela: convivenza", "stato_famiglia_parentela", trigger["appartiene-a-convivenza"], "appartiene-a-convivenza"},
		{"stato famiglia e stato civile: no household", "stato_famiglia_stato_civile", trigger["senza-famiglia"], "senza-famiglia"},
		{"stato famiglia AIRE: subject's kinship retired", "stato_famiglia_aire", func(s *registry.Subject) { s.Person.Kinship = 80 }, "legame-parentela-non-ammesso"},
		{"stato famiglia AIRE: civil partner kinship", "stato_famiglia_aire", func(s *registry.Subject) { s.Household.Members[1].Kinship = registry.KinCivilPartner }, ""},
		{"residenza in convivenza: no household", "residenza_convivenza", trigger["senza-famiglia"], "non-appartiene-a-convivenza"},
		{"residenza: convivenza member", "residenza", trigger["appartiene-a-convivenza"], ""},
		{"residenza AIRE: AIRE household without person's AIRE", "residenza_aire", trigger["non-iscritto-aire"], "non-iscritto-aire"},
		{"esistenza in vita: no fixed abode", "esistenza_in_vita", trigger["senza-fissa-dimora"], ""},
	} {
		t.Run(tc.typ+"/"+tc.name, func(t *testing.T) {
			s := base(tc.typ)
			tc.edit(&s)
			err := applyRules(tc.typ, s)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			refusedBy(t, err, tc.want)
		})
	}
}

var slugRE = regexp.MustCompile(`^[a-z]+(-[a-z]+)*$`)

// Slugs are kebab-case, and a slug names one rule with one title and
// detail across all types.
func TestRuleSlugs(t *testing.T) {
	seen := map[string]Rule{}
	for name := range typeRules {
		for _, r := range RulesFor(name) {
			if !slugRE.MatchString(r.Slug()) || r.Title() == "" || r.Detail() == "" {
				t.Errorf("rule %q: title %q, detail %q", r.Slug(), r.Title(), r.Detail())
			}
			if o, ok := seen[r.Slug()]; ok && (o.Title() != r.Title() || o.Detail() != r.Detail()) {
				t.Errorf("slug %s names two rules", r.Slug())
			}
			seen[r.Slug()] = r
			if !slices.Contains(RuleTypes(r.Slug()), name) {
				t.Errorf("RuleTypes(%s) lacks %s", r.Slug(), name)
			}
		}
	}
	all := AllRules()
	if len(all) != len(seen)+len(combinations)+1 || len(trigger) != len(seen) {
		t.Errorf("%d rules, %d slugs used, %d triggers", len(all), len(seen), len(trigger))
	}
	for _, r := range all {
		if got, ok := RuleBySlug(r.Slug()); !ok || got.Title() != r.Title() {
			t.Errorf("RuleBySlug(%s)", r.Slug())
		}
	}
	if _, ok := RuleBySlug("no-such-rule"); ok {
		t.Error("unknown slug found")
	}
	if got := RuleTypes("iscritto-aire"); got[0] != "morte" || got[len(got)-1] != "stato_libero" {
		t.Errorf("RuleTypes(iscritto-aire) = %v, want ANPR code order", got)
	}
}

func TestEveryTypeHasRules(t *testing.T) {
	for _, ty := range templates.Types() {
		if len(RulesFor(ty.Name)) == 0 {
			t.Errorf("type %s has no issuance rules", ty.Name)
		}
	}
	if err := applyRules("no_such_type", resident()); errs.KindOf(err) != errs.Internal {
		t.Errorf("a type without rules: %v, want an internal error (fail closed)", err)
	}
}

func TestCheckRules(t *testing.T) {
	s := resident()
	s.Person.OpenProcedure = true
	for _, typ := range []string{"residenza", "8", "stato_libero", "17", "unione_civile", "18"} {
		refusedBy(t, CheckRules(typ, s), "procedimento-aperto")
	}
	if err := CheckRules("residenza", resident()); err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{"", "21", "08", "RESIDENZA", "certificato"} {
		if err := CheckRules(typ, s); errs.KindOf(err) != errs.UnknownType {
			t.Errorf("CheckRules(%q): %v, want unknown type", typ, err)
		}
	}
	// The slug travels in the error's text for the log.
	if err := CheckRules("residenza", s); err.Error() != "not-certifiable/procedimento-aperto: "+ruleOpenProcedure.Detail() {
		t.Errorf("error text %q", err.Error())
	}
}

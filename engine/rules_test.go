package engine

import (
	"strings"
	"testing"
	"time"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/registry"
	"certa.example/certa/templates"
)

// plain is a certifiable resident in a two-person family.
func plain() registry.Subject {
	head := registry.Person{FiscalCode: "RSSMRA80A01E648D", Surname: "ROSSI", Name: "MARIO", Kinship: registry.KinHead,
		Certifiability: registry.CertFull, HouseholdID: "F1"}
	wife := registry.Person{FiscalCode: "BNCLRA82M55E648X", Surname: "BIANCHI", Name: "LAURA", Kinship: registry.KinSpouse,
		Certifiability: registry.CertFull, HouseholdID: "F1"}
	return registry.Subject{Person: head, Household: registry.Household{ID: "F1", Kind: registry.KindFamily, Members: []registry.Person{head, wife}}}
}

func TestRules(t *testing.T) {
	for _, tc := range []struct {
		name   string
		edit   func(*registry.Subject)
		refuse map[string]string // type -> rule slug; absent: issued
	}{
		{"plain resident", func(*registry.Subject) {}, nil},
		{"not certifiable", func(s *registry.Subject) { s.Person.Certifiability = registry.CertNone },
			map[string]string{"residenza": "soggetto-non-certificabile", "stato_famiglia": "soggetto-non-certificabile"}},
		{"interdicted", func(s *registry.Subject) { s.Person.Certifiability = registry.CertInterdicted },
			map[string]string{"residenza": "soggetto-interdetto", "stato_famiglia": "soggetto-interdetto"}},
		{"not registrable", func(s *registry.Subject) { s.Person.Certifiability = registry.CertNotRegistrable },
			map[string]string{"residenza": "soggetto-non-iscrivibile", "stato_famiglia": "soggetto-non-iscrivibile"}},
		{"open procedure", func(s *registry.Subject) { s.Person.OpenProcedure = true },
			map[string]string{"residenza": "procedimento-aperto", "stato_famiglia": "procedimento-aperto"}},
		{"AIRE", func(s *registry.Subject) { s.Person.AIRE = &registry.AIRE{Since: time.Now()} },
			map[string]string{"residenza": "iscritto-aire", "stato_famiglia": "iscritto-aire"}},
		{"deceased", func(s *registry.Subject) { s.Person.Removal = &registry.Removal{Reason: registry.RemovalDeath} },
			map[string]string{"residenza": "soggetto-deceduto", "stato_famiglia": "soggetto-deceduto"}},
		{"moved out", func(s *registry.Subject) { s.Person.Removal = &registry.Removal{Reason: registry.RemovalMovedOut} },
			map[string]string{"residenza": "soggetto-cancellato", "stato_famiglia": "soggetto-cancellato"}},
		{"no household", func(s *registry.Subject) { s.Household = registry.Household{} },
			map[string]string{"residenza": "senza-famiglia", "stato_famiglia": "senza-famiglia"}},
		{"household incomplete", func(s *registry.Subject) { s.Household.Incomplete = true },
			map[string]string{"stato_famiglia": "famiglia-non-certificabile"}},
		{"member not certifiable", func(s *registry.Subject) { s.Household.Members[1].Certifiability = registry.CertNone },
			map[string]string{"stato_famiglia": "famiglia-non-certificabile"}},
		{"no fixed abode", func(s *registry.Subject) { s.Person.NoFixedAbode = true },
			map[string]string{"stato_famiglia": "senza-fissa-dimora"}},
		{"convivenza", func(s *registry.Subject) { s.Household.Kind = registry.KindCohabitation },
			map[string]string{"stato_famiglia": "appartiene-a-convivenza"}},
		{"no head", func(s *registry.Subject) { s.Household.Members[0].Kinship = registry.KinChild },
			map[string]string{"stato_famiglia": "famiglia-senza-intestatario"}},
	} {
		for _, ty := range templates.Types() {
			t.Run(tc.name+"/"+ty.Name, func(t *testing.T) {
				s := plain()
				tc.edit(&s)
				err := checkRules(ty, s)
				want, refused := tc.refuse[ty.Name]
				if !refused {
					if err != nil {
						t.Fatalf("refused: %v", err)
					}
					return
				}
				if errs.KindOf(err) != errs.NotCertifiable || !strings.HasPrefix(errs.PublicOf(err), want+": ") {
					t.Fatalf("got %v, want rule %s", err, want)
				}
			})
		}
	}
}

func TestEveryTypeHasRules(t *testing.T) {
	for _, ty := range templates.Types() {
		if len(rulesFor(ty.Name)) == 0 {
			t.Errorf("type %s has no issuance rules", ty.Name)
		}
	}
}

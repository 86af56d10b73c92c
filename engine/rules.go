package engine

import "certa.example/certa/internal/registry"

// rule is one of ANPR's issuance checks (../shared/reference/anpr-controlli):
// a stable slug, the reason in Italian for the citizen, and the test.
type rule struct {
	slug    string
	detail  string
	refuses func(registry.Subject) bool
}

// Checks shared by the types, in ANPR's order.
var (
	ruleNotCertifiable = rule{"soggetto-non-certificabile",
		"i dati anagrafici della persona non sono certificabili; rivolgersi all'ufficio anagrafe",
		func(s registry.Subject) bool { return s.Person.Certifiability == registry.CertNone }}
	ruleNotRegistrable = rule{"soggetto-non-iscrivibile",
		"la persona risulta non iscrivibile in anagrafe; rivolgersi all'ufficio anagrafe",
		func(s registry.Subject) bool { return s.Person.Certifiability == registry.CertNotRegistrable }}
	ruleInterdicted = rule{"soggetto-interdetto",
		"la persona è sottoposta a tutela; il certificato si richiede all'ufficio anagrafe",
		func(s registry.Subject) bool { return s.Person.Certifiability == registry.CertInterdicted }}
	ruleOpenProcedure = rule{"procedimento-aperto",
		"è in corso un procedimento amministrativo sulla posizione anagrafica; rivolgersi all'ufficio anagrafe",
		func(s registry.Subject) bool { return s.Person.OpenProcedure }}
	ruleAIRE = rule{"iscritto-aire",
		"la persona è iscritta all'AIRE (residente all'estero): il certificato richiesto riguarda i residenti",
		func(s registry.Subject) bool { return s.Person.AIRE != nil || s.Household.AIRE }}
	ruleDeceased = rule{"soggetto-deceduto",
		"la persona risulta deceduta",
		func(s registry.Subject) bool { return s.Person.Deceased() }}
	ruleRemoved = rule{"soggetto-cancellato",
		"la persona risulta cancellata dall'anagrafe di questo comune",
		func(s registry.Subject) bool { return s.Person.Removal != nil }}
	ruleNoHousehold = rule{"senza-famiglia",
		"la persona non risulta associata a una famiglia anagrafica",
		func(s registry.Subject) bool { return s.Household.ID == "" || len(s.Household.Members) == 0 }}
	ruleFamilyIncomplete = rule{"famiglia-non-certificabile",
		"la composizione della famiglia non è certificabile o completa; rivolgersi all'ufficio anagrafe",
		func(s registry.Subject) bool {
			if s.Household.Incomplete {
				return true
			}
			for _, m := range s.Household.Members {
				if m.Certifiability == registry.CertNone {
					return true
				}
			}
			return false
		}}
	ruleNoFixedAbode = rule{"senza-fissa-dimora",
		"la persona risulta senza fissa dimora",
		func(s registry.Subject) bool { return s.Person.NoFixedAbode }}
	ruleCohabitation = rule{"appartiene-a-convivenza",
		"la persona appartiene a una convivenza anagrafica: il certificato adatto è quello di residenza in convivenza",
		func(s registry.Subject) bool { return s.Household.Kind == registry.KindCohabitation }}
	ruleNoHead = rule{"famiglia-senza-intestatario",
		"la famiglia non ha un intestatario registrato; rivolgersi all'ufficio anagrafe",
		func(s registry.Subject) bool { return s.Household.Head().FiscalCode == "" }}
)

// subjectRules are the checks every resident certificate starts with.
var subjectRules = []rule{ruleNotCertifiable, ruleNotRegistrable, ruleInterdicted, ruleOpenProcedure, ruleAIRE, ruleDeceased, ruleRemoved}

var typeRules = map[string][]rule{
	"residenza":      append(append([]rule(nil), subjectRules...), ruleNoHousehold),
	"stato_famiglia": append(append([]rule(nil), subjectRules...), ruleNoHousehold, ruleFamilyIncomplete, ruleNoFixedAbode, ruleCohabitation, ruleNoHead),
}

func rulesFor(typeName string) []rule { return typeRules[typeName] }

package engine

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"time"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/registry"
)

// Rule is one of ANPR's issuance checks (../shared/reference/anpr-controlli)
// as it applies to certa's registry model: a stable kebab-case Italian
// slug, a short English title, the reason in Italian for the citizen, and
// the test. A refusal is an errs.NotCertifiable error carrying the slug and
// the title (errs.Error.Rule, errs.Error.Title) with the Italian reason as
// its public detail; the HTTP layer turns it into the problem type
// /problems/not-certifiable/<slug>.
//
// The checks of ANPR's sections "Tipo richiedente PA", "Esenzione bolli"
// and "Combinazioni certificati su cumulativi" concern the request, not the
// registry, and are not rules. Wherever ANPR lets forzaCertificazione
// override a check, certa applies the check: it never forces a certificate.
type Rule struct {
	slug    string
	title   string
	detail  string
	refuses func(registry.Subject) bool
}

// Slug is the rule's stable identifier, the last segment of its problem type.
func (r Rule) Slug() string { return r.slug }

// Title is the rule's short English title.
func (r Rule) Title() string { return r.title }

// Detail is the reason, in Italian, the citizen is told.
func (r Rule) Detail() string { return r.detail }

// Refuses reports whether the rule refuses a certificate about s.
func (r Rule) Refuses(s registry.Subject) bool { return r.refuses(s) }

// err is the refusal as an error.
func (r Rule) err() error {
	return &errs.Error{Kind: errs.NotCertifiable, Public: r.detail, Rule: r.slug, Title: r.title}
}

// Helpers on the subject.

// isAIRE: the person or their household is registered abroad.
func isAIRE(s registry.Subject) bool { return s.Person.AIRE != nil || s.Household.AIRE }

func hasHousehold(s registry.Subject) bool {
	return s.Household.ID != "" && len(s.Household.Members) > 0
}

// lastEvent returns the person's last civil event of kind, as the
// certificates print it.
func lastEvent(p registry.Person, kind registry.CivilEventKind) (registry.CivilEvent, bool) {
	for i := len(p.CivilEvents) - 1; i >= 0; i-- {
		if p.CivilEvents[i].Kind == kind {
			return p.CivilEvents[i], true
		}
	}
	return registry.CivilEvent{}, false
}

func hasEvent(p registry.Person, kinds ...registry.CivilEventKind) bool {
	for _, e := range p.CivilEvents {
		if slices.Contains(kinds, e.Kind) {
			return true
		}
	}
	return false
}

// contractInForce returns the person's last contract not ended, as the
// certificate prints it.
func contractInForce(p registry.Person) (registry.CohabitationContract, bool) {
	for i := len(p.Contracts) - 1; i >= 0; i-- {
		if p.Contracts[i].Ended.IsZero() {
			return p.Contracts[i], true
		}
	}
	return registry.CohabitationContract{}, false
}

// duringAIRE reports whether the person is registered abroad and t is on
// or after the registration (strictly after when strict). An unknown date,
// either one, proves nothing and does not refuse.
func duringAIRE(p registry.Person, t time.Time, strict bool) bool {
	if p.AIRE == nil || p.AIRE.Since.IsZero() || t.IsZero() {
		return false
	}
	if strict {
		return t.After(p.AIRE.Since)
	}
	return !t.Before(p.AIRE.Since)
}

// hasCitizenship reports whether any citizenship data are recorded.
func hasCitizenship(p registry.Person) bool {
	for _, c := range p.Citizenships {
		if c.StateCode != "" || c.Name != "" {
			return true
		}
	}
	return false
}

// civilStatusKnown: a code of ANPR table 1 other than 9 (non
// classificabile/ignoto).
func civilStatusKnown(cs int) bool {
	switch cs {
	case registry.CivilSingle, registry.CivilMarried, registry.CivilWidowed, registry.CivilDivorced,
		registry.CivilUnited, registry.CivilUnionDeadPar, registry.CivilUnionDissolv:
		return true
	}
	return false
}

// civilStatusEvents are the events whose data a civil status certifies:
// any one of them recorded is enough (ANPR refuses only when the data are
// wholly absent).
var civilStatusEvents = map[int][]registry.CivilEventKind{
	registry.CivilMarried:      {registry.EventMarriage},
	registry.CivilWidowed:      {registry.EventMarriage, registry.EventWidowhood},
	registry.CivilDivorced:     {registry.EventMarriage, registry.EventDivorce},
	registry.CivilUnited:       {registry.EventCivilUnion},
	registry.CivilUnionDeadPar: {registry.EventCivilUnion, registry.EventPartnerDeath},
	registry.CivilUnionDissolv: {registry.EventCivilUnion, registry.EventUnionDissolution},
}

// Kinship codes of ANPR table 5 no longer admitted since 2015-09-15
// (usable only at subentro): figliastro, patrigno, fratellastro, adottato.
var kinshipRetired = []int{14, 15, 19, 80}

// The rules, in the order of ANPR's sections: certificabilità soggetto,
// procedimento amministrativo, controlli APR/AIRE, soggetto cancellato,
// controlli specifici.
var (
	// Certificabilità soggetto (table 42). A code outside the table is
	// treated as 0: certa fails closed.
	ruleNotCertifiable = Rule{"soggetto-non-certificabile", "Subject not certifiable",
		"i dati anagrafici della persona non sono certificabili; rivolgersi all'ufficio anagrafe",
		func(s registry.Subject) bool {
			switch s.Person.Certifiability {
			case registry.CertPartial, registry.CertFull, registry.CertNotRegistrable, registry.CertInterdicted:
				return false
			}
			return true
		}}
	ruleNotRegistrable = Rule{"soggetto-non-iscrivibile", "Subject not registrable",
		"la persona risulta non iscrivibile in anagrafe; rivolgersi all'ufficio anagrafe",
		func(s registry.Subject) bool { return s.Person.Certifiability == registry.CertNotRegistrable }}
	ruleInterdicted = Rule{"soggetto-interdetto", "Subject under guardianship",
		"la persona è interdetta e sottoposta a tutela: il certificato si richiede all'ufficio anagrafe",
		func(s registry.Subject) bool { return s.Person.Certifiability == registry.CertInterdicted }}
	rulePartial = Rule{"soggetto-parzialmente-certificabile", "Subject only partially certifiable",
		"per questa persona si rilasciano soltanto i certificati di residenza e di stato di famiglia; per gli altri rivolgersi all'ufficio anagrafe",
		func(s registry.Subject) bool { return s.Person.Certifiability == registry.CertPartial }}

	// Procedimento amministrativo.
	ruleOpenProcedure = Rule{"procedimento-aperto", "Administrative procedure open",
		"è in corso un procedimento amministrativo sulla posizione anagrafica; rivolgersi all'ufficio anagrafe",
		func(s registry.Subject) bool { return s.Person.OpenProcedure }}

	// Controlli soggetto APR/AIRE.
	ruleAIRE = Rule{"iscritto-aire", "Subject registered in AIRE",
		"la persona è iscritta all'AIRE (italiani residenti all'estero): questo certificato si rilascia solo per i residenti nel comune",
		isAIRE}
	ruleNotAIRE = Rule{"non-iscritto-aire", "Subject not registered in AIRE",
		"la persona non è iscritta all'AIRE (italiani residenti all'estero): questo certificato si rilascia solo per gli iscritti all'AIRE",
		func(s registry.Subject) bool { return s.Person.AIRE == nil }}

	// Soggetto cancellato: removed for another reason, then for death.
	ruleRemoved = Rule{"soggetto-cancellato", "Subject removed from the register",
		"la persona risulta cancellata dall'anagrafe di questo comune",
		func(s registry.Subject) bool { return s.Person.Removal != nil && !s.Person.Deceased() }}
	ruleDeceased = Rule{"soggetto-deceduto", "Subject deceased",
		"la persona risulta deceduta",
		func(s registry.Subject) bool { return s.Person.Deceased() }}

	// Controlli specifici: morte, cancellazione.
	ruleNotDeceased = Rule{"soggetto-non-deceduto", "Subject not deceased",
		"il certificato di morte si rilascia solo per una persona cancellata dall'anagrafe per decesso",
		func(s registry.Subject) bool { return !s.Person.Deceased() }}
	ruleNotRemoved = Rule{"soggetto-non-cancellato", "Subject not removed from the register",
		"il certificato di cancellazione si rilascia solo per una persona cancellata dall'anagrafe di questo comune",
		func(s registry.Subject) bool { return s.Person.Removal == nil }}
	ruleNoRemovalDate = Rule{"data-cancellazione-assente", "Removal date missing",
		"la data di cancellazione dall'anagrafe non è registrata; rivolgersi all'ufficio anagrafe",
		func(s registry.Subject) bool { return s.Person.Removal == nil || s.Person.Removal.Date.IsZero() }}

	// Controlli specifici: nascita.
	ruleAIREBornAbroad = Rule{"aire-nato-all-estero", "AIRE subject born abroad",
		"la persona è iscritta all'AIRE ed è nata all'estero: il certificato anagrafico di nascita non si rilascia",
		func(s registry.Subject) bool { return isAIRE(s) && s.Person.BirthPlace.Abroad() }}

	// Controlli specifici: stato civile, matrimonio, unione civile, stato libero.
	ruleNoCivilStatus = Rule{"stato-civile-mancante", "Civil status missing",
		"lo stato civile della persona non è registrato; rivolgersi all'ufficio anagrafe",
		func(s registry.Subject) bool { return !civilStatusKnown(s.Person.CivilStatus) }}
	ruleNoCivilStatusData = Rule{"dati-stato-civile-assenti", "Civil status data missing",
		"mancano i dati dell'evento che ha determinato lo stato civile (matrimonio, unione civile, divorzio, vedovanza); rivolgersi all'ufficio anagrafe",
		func(s registry.Subject) bool {
			kinds, ok := civilStatusEvents[s.Person.CivilStatus]
			return ok && !hasEvent(s.Person, kinds...)
		}}
	ruleFreeOrUnited = Rule{"stato-libero-o-unito-civilmente", "Subject free or in a civil union",
		"la persona è di stato libero o unita civilmente: il certificato di matrimonio non si rilascia",
		func(s registry.Subject) bool {
			switch s.Person.CivilStatus {
			case registry.CivilSingle, registry.CivilUnited, registry.CivilUnionDeadPar, registry.CivilUnionDissolv:
				return true
			}
			return false
		}}
	ruleNoMarriage = Rule{"dati-matrimonio-assenti", "Marriage data missing",
		"i dati del matrimonio non sono registrati; rivolgersi all'ufficio anagrafe",
		func(s registry.Subject) bool { return !hasEvent(s.Person, registry.EventMarriage) }}
	ruleNoSpouse = Rule{"dati-coniuge-assenti", "Spouse data missing",
		"i dati del coniuge non sono registrati; rivolgersi all'ufficio anagrafe",
		func(s registry.Subject) bool {
			e, _ := lastEvent(s.Person, registry.EventMarriage)
			return e.PartnerName == "" && e.PartnerFiscalCode == ""
		}}
	ruleMarriageInAIRE = Rule{"matrimonio-durante-aire", "Married while registered in AIRE",
		"alla data del matrimonio la persona era già iscritta all'AIRE: il certificato anagrafico di matrimonio non si rilascia; rivolgersi all'ufficio anagrafe",
		func(s registry.Subject) bool {
			e, _ := lastEvent(s.Person, registry.EventMarriage)
			return duringAIRE(s.Person, e.Date, false)
		}}
	ruleNotFree = Rule{"stato-civile-non-libero", "Civil status not free",
		"lo stato civile registrato non è di stato libero (la persona è coniugata, unita civilmente o lo stato civile non è noto): il certificato di stato libero non si rilascia",
		func(s registry.Subject) bool {
			switch s.Person.CivilStatus {
			case registry.CivilSingle, registry.CivilWidowed, registry.CivilDivorced,
				registry.CivilUnionDissolv, registry.CivilUnionDeadPar:
				return false
			}
			return true
		}}
	ruleNotUnited = Rule{"non-unito-civilmente", "Not in a civil union",
		"la persona non risulta unita civilmente: il certificato di unione civile non si rilascia",
		func(s registry.Subject) bool { return s.Person.CivilStatus != registry.CivilUnited }}
	ruleNoUnion = Rule{"dati-unione-civile-assenti", "Civil union data missing",
		"i dati dell'unione civile non sono registrati; rivolgersi all'ufficio anagrafe",
		func(s registry.Subject) bool { return !hasEvent(s.Person, registry.EventCivilUnion) }}
	ruleNoPartner = Rule{"dati-parte-unita-assenti", "Civil partner data missing",
		"i dati della parte unita civilmente non sono registrati; rivolgersi all'ufficio anagrafe",
		func(s registry.Subject) bool {
			e, _ := lastEvent(s.Person, registry.EventCivilUnion)
			return e.PartnerName == "" && e.PartnerFiscalCode == ""
		}}
	ruleUnionInAIRE = Rule{"unione-durante-aire", "Civil union after emigration",
		"l'unione civile è stata costituita dopo l'iscrizione all'AIRE: il certificato anagrafico di unione civile non si rilascia; rivolgersi all'ufficio anagrafe",
		func(s registry.Subject) bool {
			e, _ := lastEvent(s.Person, registry.EventCivilUnion)
			return duringAIRE(s.Person, e.Date, true)
		}}

	// Controlli specifici: cittadinanza.
	ruleCitizenshipUndetermined = Rule{"cittadinanza-non-definita", "Citizenship undetermined",
		"la cittadinanza della persona è in corso di definizione o non attribuibile",
		func(s registry.Subject) bool {
			for _, c := range s.Person.Citizenships {
				if c.StateCode == registry.StateBeingDetermined || c.StateCode == registry.StateNotAttributable {
					return true
				}
			}
			return false
		}}
	ruleSeveralCitizenships = Rule{"cittadinanze-multiple", "Several citizenships",
		"la persona possiede più cittadinanze: il certificato di cittadinanza non si rilascia; rivolgersi all'ufficio anagrafe",
		func(s registry.Subject) bool { return len(s.Person.Citizenships) > 1 }}
	ruleNoCitizenship = Rule{"cittadinanza-assente", "Citizenship data missing",
		"i dati sulla cittadinanza della persona non sono registrati; rivolgersi all'ufficio anagrafe",
		func(s registry.Subject) bool { return !hasCitizenship(s.Person) }}
	ruleNotItalian = Rule{"cittadinanza-non-italiana", "Not an Italian citizen",
		"la persona non risulta cittadina italiana (è straniera o apolide): questo certificato si rilascia solo ai cittadini italiani",
		func(s registry.Subject) bool { return hasCitizenship(s.Person) && !s.Person.Italian() }}

	// Controlli specifici: famiglia e convivenza.
	ruleFamilyIncomplete = Rule{"famiglia-non-certificabile", "Household not certifiable",
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
	ruleNoFixedAbode = Rule{"senza-fissa-dimora", "No fixed abode",
		"la persona risulta senza fissa dimora: il certificato di stato di famiglia non si rilascia",
		func(s registry.Subject) bool { return s.Person.NoFixedAbode }}
	ruleCohabitation = Rule{"appartiene-a-convivenza", "Member of an institutional cohabitation",
		"la persona appartiene a una convivenza anagrafica: il certificato adatto è quello di residenza in convivenza",
		func(s registry.Subject) bool { return s.Household.Kind == registry.KindCohabitation }}
	ruleNoHousehold = Rule{"senza-famiglia", "No registered household",
		"la persona non risulta associata a una famiglia o a una convivenza anagrafica",
		func(s registry.Subject) bool { return !hasHousehold(s) }}
	ruleNoHead = Rule{"famiglia-senza-intestatario", "Household without a head",
		"la famiglia non ha un intestatario registrato; rivolgersi all'ufficio anagrafe",
		func(s registry.Subject) bool { return s.Household.Head().FiscalCode == "" }}
	ruleSingleMember = Rule{"famiglia-un-solo-componente", "Household of one person",
		"la famiglia anagrafica è composta da una sola persona: questo certificato non si rilascia (si può richiedere quello di stato di famiglia)",
		func(s registry.Subject) bool {
			n := 0
			for _, m := range s.Household.Members {
				if m.Removal == nil { // removed members are no longer part of it
					n++
				}
			}
			return n <= 1
		}}
	ruleNotCohabitation = Rule{"non-appartiene-a-convivenza", "Not a member of an institutional cohabitation",
		"la persona non appartiene a una convivenza anagrafica (istituto, comunità): il certificato adatto è quello di residenza",
		func(s registry.Subject) bool { return s.Household.Kind != registry.KindCohabitation }}
	ruleFamilyNotAIRE = Rule{"famiglia-non-aire", "Household not registered in AIRE",
		"la famiglia della persona non è iscritta all'AIRE (italiani residenti all'estero)",
		func(s registry.Subject) bool { return hasHousehold(s) && !s.Household.AIRE }}
	ruleKinshipRetired = Rule{"legame-parentela-non-ammesso", "Kinship code no longer admitted",
		"la relazione di parentela con l'intestatario registrata per la persona o per un componente della famiglia non è più ammessa; rivolgersi all'ufficio anagrafe",
		func(s registry.Subject) bool {
			if s.Household.Kind == registry.KindCohabitation { // table 6, not 5
				return false
			}
			if slices.Contains(kinshipRetired, s.Person.Kinship) {
				return true
			}
			for _, m := range s.Household.Members {
				if slices.Contains(kinshipRetired, m.Kinship) {
					return true
				}
			}
			return false
		}}

	// Controlli specifici: contratto di convivenza.
	ruleNoContract = Rule{"dati-contratto-assenti", "Cohabitation contract missing",
		"non risulta registrato alcun contratto di convivenza",
		func(s registry.Subject) bool { return len(s.Person.Contracts) == 0 }}
	ruleContractEnded = Rule{"contratto-cessato", "Cohabitation contract ended",
		"il contratto di convivenza registrato risulta cessato",
		func(s registry.Subject) bool { _, ok := contractInForce(s.Person); return !ok }}
	ruleNoCohabitant = Rule{"dati-convivente-assenti", "Cohabitant data missing",
		"i dati dell'altro convivente non sono registrati; rivolgersi all'ufficio anagrafe",
		func(s registry.Subject) bool {
			c, _ := contractInForce(s.Person)
			return c.PartnerName == "" && c.PartnerFiscalCode == ""
		}}
	ruleContractInAIRE = Rule{"contratto-durante-aire", "Contract registered after emigration",
		"il contratto di convivenza è stato registrato dopo l'iscrizione all'AIRE: il certificato non si rilascia; rivolgersi all'ufficio anagrafe",
		func(s registry.Subject) bool {
			c, _ := contractInForce(s.Person)
			when := c.Registered
			if when.IsZero() {
				when = c.Date
			}
			return duringAIRE(s.Person, when, true)
		}}

	// Controlli specifici: storico di residenza.
	ruleNoResidenceStart = Rule{"decorrenza-residenza-assente", "Residence start date missing",
		"la storia delle residenze della persona nel comune non è registrata o manca la data di inizio di una residenza; rivolgersi all'ufficio anagrafe",
		func(s registry.Subject) bool {
			if len(s.Person.Residences) == 0 {
				return true
			}
			for _, r := range s.Person.Residences {
				if r.From.IsZero() {
					return true
				}
			}
			return false
		}}
)

// Shared sequences. Every type starts with the certifiability checks and
// the open procedure; partial certifiability (table 42 code 1) allows
// residenza, residenza in convivenza and stato di famiglia only, so
// certifiedPartialOK lacks that check.
var (
	certified          = []Rule{ruleNotCertifiable, ruleNotRegistrable, ruleInterdicted, rulePartial, ruleOpenProcedure}
	certifiedPartialOK = []Rule{ruleNotCertifiable, ruleNotRegistrable, ruleInterdicted, ruleOpenProcedure}
	removedOrDeceased  = []Rule{ruleRemoved, ruleDeceased}
	familyChecks       = []Rule{ruleFamilyIncomplete, ruleCohabitation, ruleNoHousehold, ruleNoHead, ruleSingleMember}
	residenceHistories = []Rule{ruleNoResidenceStart}
)

func join(parts ...[]Rule) []Rule { return slices.Concat(parts...) }

// typeRules lists the rules of each type, by API name, in ANPR's order.
// certa adds a few checks its data model calls for, each after ANPR's:
// morte needs a death and cancellazione a removal (soggetto-non-deceduto,
// soggetto-non-cancellato), residenza in convivenza a convivenza,
// contratto di convivenza a contract in force (contratto-cessato), and
// residenza and residenza AIRE a household, whose address they print.
// ANPR's checks on the reference date of the storico certificates concern
// the request (engine.Request.At), not the registry, and are not rules.
// typeCodes is ANPR table 13: the code of each name.
var (
	typeRules = map[string][]Rule{
		"nascita": join(certified, removedOrDeceased, []Rule{ruleAIREBornAbroad}),
		"morte":   join(certified, []Rule{ruleAIRE, ruleNotDeceased}),
		"matrimonio": join(certified, removedOrDeceased,
			[]Rule{ruleNoCivilStatus, ruleFreeOrUnited, ruleNoMarriage, ruleNoSpouse, ruleMarriageInAIRE}),
		"cancellazione": join(certified, []Rule{ruleAIRE, ruleDeceased, ruleNotRemoved, ruleNoRemovalDate}),
		"cittadinanza": join(certified, removedOrDeceased,
			[]Rule{ruleCitizenshipUndetermined, ruleSeveralCitizenships, ruleNoCitizenship, ruleNotItalian}),
		"storico_cittadinanza": join(certified, []Rule{ruleAIRE, ruleNotItalian, ruleNoCitizenship}),
		"esistenza_in_vita":    join(certified, []Rule{ruleAIRE}, removedOrDeceased),
		// The address printed is the household's: certa's own check.
		"residenza":         join(certifiedPartialOK, []Rule{ruleAIRE}, removedOrDeceased, []Rule{ruleNoHousehold}),
		"storico_residenza": join(certified, residenceHistories),
		// The address abroad printed is the household's: certa's own check.
		"residenza_aire": join(certified, []Rule{ruleNotAIRE}, removedOrDeceased, []Rule{ruleNoHousehold}),
		"stato_civile":   join(certified, []Rule{ruleAIRE}, removedOrDeceased, []Rule{ruleNoCivilStatus, ruleNoCivilStatusData}),
		"stato_famiglia": join(certifiedPartialOK, []Rule{ruleAIRE}, removedOrDeceased,
			[]Rule{ruleFamilyIncomplete, ruleNoFixedAbode, ruleCohabitation, ruleNoHousehold, ruleNoHead}),
		"stato_famiglia_stato_civile": join(certified, []Rule{ruleAIRE}, removedOrDeceased, familyChecks),
		"residenza_convivenza":        join(certifiedPartialOK, []Rule{ruleAIRE}, removedOrDeceased, []Rule{ruleNotCohabitation}),
		"stato_famiglia_aire": join(certified, []Rule{ruleNotAIRE}, removedOrDeceased,
			[]Rule{ruleFamilyNotAIRE, ruleNoHousehold, ruleKinshipRetired}),
		"stato_famiglia_parentela": join(certified, []Rule{ruleAIRE}, removedOrDeceased, familyChecks),
		"stato_libero":             join(certified, []Rule{ruleAIRE}, removedOrDeceased, []Rule{ruleNotFree}),
		"unione_civile": join(certified, removedOrDeceased,
			[]Rule{ruleNoCivilStatus, ruleNotUnited, ruleNoUnion, ruleNoPartner, ruleUnionInAIRE}),
		"contratto_convivenza": join(certified, removedOrDeceased,
			[]Rule{ruleNoContract, ruleContractEnded, ruleNoCohabitant, ruleContractInAIRE}),
		"storico_residenza_data": join(certified, residenceHistories),
	}
	typeCodes = map[string]int{
		"nascita": 1, "morte": 2, "matrimonio": 3, "cancellazione": 4, "cittadinanza": 5,
		"storico_cittadinanza": 6, "esistenza_in_vita": 7, "residenza": 8, "storico_residenza": 9,
		"residenza_aire": 10, "stato_civile": 11, "stato_famiglia": 12, "stato_famiglia_stato_civile": 13,
		"residenza_convivenza": 14, "stato_famiglia_aire": 15, "stato_famiglia_parentela": 16,
		"stato_libero": 17, "unione_civile": 18, "contratto_convivenza": 19, "storico_residenza_data": 20,
	}
)

// rulesBySlug indexes every rule; a slug names one rule, whatever the types.
var rulesBySlug = func() map[string]Rule {
	m := map[string]Rule{}
	for _, rs := range typeRules {
		for _, r := range rs {
			m[r.slug] = r
		}
	}
	// The refusals of contestuale certificates have pages too; they
	// judge the combination of types, not a subject.
	for _, c := range append([]combination{counterOnly}, combinations...) {
		m[c.slug] = Rule{slug: c.slug, title: c.title, detail: c.detail, refuses: func(registry.Subject) bool { return false }}
	}
	return m
}()

// RulesFor returns the issuance rules of the type with the given API name
// (e.g. "stato_famiglia"), in the order they are applied; nil for a name
// with no rules. It does not depend on the template catalogue.
func RulesFor(name string) []Rule { return slices.Clone(typeRules[name]) }

// RuleBySlug returns the rule with the given slug.
func RuleBySlug(slug string) (Rule, bool) {
	r, ok := rulesBySlug[slug]
	return r, ok
}

// AllRules returns every rule once, ordered by slug.
func AllRules() []Rule {
	out := make([]Rule, 0, len(rulesBySlug))
	for _, r := range rulesBySlug {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Rule) int { return cmp.Compare(a.slug, b.slug) })
	return out
}

// RuleTypes returns the API names of the types that apply the rule with
// the given slug, in ANPR code order.
func RuleTypes(slug string) []string {
	var out []string
	for name, rs := range typeRules {
		if slices.ContainsFunc(rs, func(r Rule) bool { return r.slug == slug }) {
			out = append(out, name)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return typeCodes[a] - typeCodes[b] })
	return out
}

// ruleTypeName resolves an API name or ANPR code ("8") to the API name.
func ruleTypeName(typ string) (string, bool) {
	if _, ok := typeRules[typ]; ok {
		return typ, true
	}
	if n, err := strconv.Atoi(typ); err == nil {
		for name, code := range typeCodes {
			if code == n && strconv.Itoa(n) == typ {
				return name, true
			}
		}
	}
	return "", false
}

// applyRules applies the rules of the type named name to s: the first that
// refuses is the error. A type without rules fails closed.
func applyRules(name string, s registry.Subject) error {
	rs, ok := typeRules[name]
	if !ok {
		return errs.Wrap(errs.Internal, "", fmt.Errorf("engine: no issuance rules for type %q", name))
	}
	for _, r := range rs {
		if r.refuses(s) {
			return r.err()
		}
	}
	return nil
}

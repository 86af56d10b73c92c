package engine

import (
	"certa.example/certa/internal/errs"
	"certa.example/certa/templates"
)

// MaxCombined is the most types one contestuale certificate joins: they
// must fit on one page with the holder's data.
const MaxCombined = 4

// combination is one of ANPR's refusals of a contestuale certificate.
type combination struct {
	slug, title, detail string
	refuses             func(has func(string) bool, n int) bool
}

var (
	residentTypes = []string{"residenza", "storico_residenza", "storico_residenza_data", "stato_famiglia",
		"stato_famiglia_stato_civile", "stato_famiglia_parentela", "residenza_convivenza"}
	aireTypes   = []string{"residenza_aire", "stato_famiglia_aire"}
	familyTypes = []string{"stato_famiglia", "stato_famiglia_stato_civile", "stato_famiglia_aire", "stato_famiglia_parentela"}
	aloneTypes  = []string{"morte", "cancellazione", "storico_cittadinanza", "storico_residenza", "storico_residenza_data"}
)

func anyOf(has func(string) bool, names []string) int {
	n := 0
	for _, name := range names {
		if has(name) {
			n++
		}
	}
	return n
}

// counterOnly refuses, on the API channel, the types ANPR issues only at
// the registry office's counter.
var counterOnly = combination{slug: "rilascio-solo-allo-sportello", title: "Issued at the counter only",
	detail: "questo certificato si rilascia solo allo sportello dell'ufficio anagrafe"}

// combinations are ANPR's rules for contestuale certificates, in order.
var combinations = []combination{
	{"contestuale-non-combinabile", "Certificate type cannot be combined",
		"i certificati storici, di morte e di cancellazione non si rilasciano in forma contestuale",
		func(has func(string) bool, n int) bool { return n > 1 && anyOf(has, aloneTypes) > 0 }},
	{"contestuale-aire-e-residenti", "AIRE and resident certificates combined",
		"i certificati AIRE non si combinano con quelli riservati ai residenti",
		func(has func(string) bool, _ int) bool {
			return anyOf(has, aireTypes) > 0 && anyOf(has, residentTypes) > 0
		}},
	{"contestuale-matrimonio-stato-libero", "Marriage combined with free status or civil union",
		"il certificato di matrimonio non si combina con quello di stato libero o di unione civile",
		func(has func(string) bool, _ int) bool {
			return has("matrimonio") && (has("stato_libero") || has("unione_civile"))
		}},
	{"contestuale-stati-di-famiglia", "Several household certificates combined",
		"le diverse forme del certificato di stato di famiglia non si combinano tra loro",
		func(has func(string) bool, _ int) bool { return anyOf(has, familyTypes) > 1 }},
}

// CheckCombination checks the types of a contestuale certificate: at
// least one, at most MaxCombined, none twice, and none of the pairs ANPR
// refuses. One type is always a valid combination.
func CheckCombination(types []*templates.Type) error {
	switch {
	case len(types) == 0:
		return errs.New(errs.InvalidRequest, "no certificate type requested")
	case len(types) > MaxCombined:
		return errs.New(errs.InvalidRequest, "a contestuale certificate joins at most 4 types")
	}
	seen := map[string]bool{}
	for _, t := range types {
		if seen[t.Name] {
			return errs.New(errs.InvalidRequest, "a certificate type is requested twice")
		}
		seen[t.Name] = true
	}
	has := func(name string) bool { return seen[name] }
	for _, c := range combinations {
		if c.refuses(has, len(types)) {
			return &errs.Error{Kind: errs.NotCertifiable, Public: c.detail, Rule: c.slug, Title: c.title}
		}
	}
	return nil
}

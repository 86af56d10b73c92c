package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"certa.example/certa/engine"
	"certa.example/certa/internal/codicefiscale"
	"certa.example/certa/internal/httpapi"
	"certa.example/certa/internal/registry"
)

// putPerson stores a one-person family in Lodi and returns its head,
// edited by edit.
func putPerson(t *testing.T, e *env, id, surname, name string, edit func(*registry.Person, *registry.Household)) registry.Person {
	t.Helper()
	birth := time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC)
	cf, err := codicefiscale.Compute(surname, name, registry.Female, birth, "E648")
	if err != nil {
		t.Fatal(err)
	}
	p := registry.Person{FiscalCode: cf.String(), Surname: surname, Name: name, Sex: registry.Female, BirthDate: birth,
		BirthPlace:   registry.Place{ComuneCode: "E648", Name: "LODI", Province: "LO"},
		Citizenships: []registry.Citizenship{{StateCode: registry.StateItaly, Name: "ITALIANA"}},
		CivilStatus:  registry.CivilSingle, Certifiability: registry.CertFull, HouseholdID: id, Kinship: registry.KinHead}
	h := registry.Household{ID: id, Kind: registry.KindFamily,
		Address: registry.Address{Toponym: "VIA", Street: "ROMA", Number: "1", PostalCode: "26900"}}
	edit(&p, &h)
	h.Members = []registry.Person{p}
	if err := e.emb.Store.PutHouseholds(context.Background(), []registry.Household{h}); err != nil {
		t.Fatal(err)
	}
	return p
}

// A certificate an issuance rule refuses is a 422 problem of the rule's
// own type, with its English title and the Italian reason, and the type's
// URI documents the rule.
func TestRuleRefusalProblem(t *testing.T) {
	e := newEnv(t, 1<<20)
	open := putPerson(t, e, "FRULE01", "ZANETTI", "CHIARA", func(p *registry.Person, _ *registry.Household) { p.OpenProcedure = true })
	abroad := putPerson(t, e, "FRULE02", "ZANOTTI", "MARTA", func(p *registry.Person, h *registry.Household) {
		p.AIRE = &registry.AIRE{Since: time.Date(2019, 9, 1, 0, 0, 0, 0, time.UTC)}
		h.AIRE = true
		h.Address = registry.Address{Street: "LEOPOLDSTRASSE", Number: "5", PostalCode: "80802",
			Locality: "MONACO DI BAVIERA", Country: "GERMANIA", StateCode: "Z112"}
	})
	plain := putPerson(t, e, "FRULE03", "ZANINI", "LUCIA", func(*registry.Person, *registry.Household) {})
	for _, tc := range []struct {
		name, typ, subject, slug string
	}{
		{"open procedure", "residenza", open.FiscalCode, "procedimento-aperto"},
		{"open procedure, by ANPR code", "17", open.FiscalCode, "procedimento-aperto"},
		{"AIRE asks for a resident's certificate", "stato_famiglia", abroad.FiscalCode, "iscritto-aire"},
		{"resident asks for an AIRE certificate", "residenza_aire", strings.ToLower(plain.FiscalCode), "non-iscritto-aire"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rule, ok := engine.RuleBySlug(tc.slug)
			if !ok {
				t.Fatalf("no rule %s", tc.slug)
			}
			before := auditCount(t, e)
			resp, body := e.issue(tc.typ, tc.subject, "application/json")
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("content type %q", ct)
			}
			var p httpapi.Problem
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatal(err)
			}
			want := httpapi.Problem{Type: httpapi.ProblemTypeBase + "not-certifiable/" + tc.slug, Title: rule.Title(),
				Status: http.StatusUnprocessableEntity, Detail: rule.Detail(), RequestID: resp.Header.Get("X-Request-Id")}
			if p != want || p.RequestID == "" {
				t.Fatalf("problem\n got %+v\nwant %+v", p, want)
			}
			if strings.Contains(string(body), tc.subject) || strings.Contains(string(body), strings.ToUpper(tc.subject)) {
				t.Fatal("the problem echoes the fiscal code")
			}
			if auditCount(t, e) != before {
				t.Fatal("a refusal left an audit event")
			}

			// The type URI documents the rule.
			resp, body = e.do("GET", p.Type, nil)
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
				t.Fatalf("GET %s: %d %s", p.Type, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			for _, s := range []string{p.Type, rule.Title(), rule.Detail(), engine.RuleTypes(tc.slug)[0]} {
				if !strings.Contains(string(body), s) {
					t.Errorf("GET %s lacks %q:\n%s", p.Type, s, body)
				}
			}
		})
	}
}

// Every rule's problem type answers; an unknown rule is a 404 problem, and
// the generic not-certifiable page is still served.
func TestRuleProblemPages(t *testing.T) {
	e := newEnv(t, 1<<20)
	for _, r := range engine.AllRules() {
		path := httpapi.ProblemTypeBase + "not-certifiable/" + r.Slug()
		resp, body := e.do("GET", path, nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), r.Detail()) {
			t.Errorf("GET %s: %d %s", path, resp.StatusCode, body)
		}
	}
	resp, body := e.do("GET", httpapi.ProblemTypeBase+"not-certifiable/no-such-rule", nil)
	checkProblem(t, resp, body, http.StatusNotFound, "not-found")
	resp, body = e.do("GET", httpapi.ProblemTypeBase+"not-certifiable", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Certificate cannot be issued") {
		t.Errorf("GET /problems/not-certifiable: %d %s", resp.StatusCode, body)
	}
}

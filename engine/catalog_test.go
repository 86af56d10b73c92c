package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"certa.example/certa/engine"
	"certa.example/certa/internal/bollo"
	"certa.example/certa/internal/codicefiscale"
	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/registry"
	"certa.example/certa/internal/testutil"
	"certa.example/certa/templates"
	"certa.example/certa/verify"
)

// TestIssueEveryType issues each type of the catalogue for the first
// person of the synthetic registry its rules accept, through the counter
// channel, and checks the document with certa's verifier and pdftotext.
func TestIssueEveryType(t *testing.T) {
	testutil.RequireTools(t, "pdftotext")
	f := newFixture(t, "http://127.0.0.1:8080")
	f.now = time.Now() // within the demo seal's validity
	ctx := context.Background()
	// The storetest fixtures add what the small synthetic registry may
	// lack: a convivenza, a cohabitation contract.
	if err := f.emb.Store.PutHouseholds(ctx, extraHouseholds(t)); err != nil {
		t.Fatal(err)
	}
	everyone, err := f.emb.Store.Residents(ctx, 10000)
	if err != nil {
		t.Fatal(err)
	}
	v := &verify.Verifier{Roots: f.emb.Roots, Ledger: f.emb.Store, SealTrust: f.emb.SealTrust(), Now: func() time.Time { return f.now }}
	for _, ty := range templates.Types() {
		t.Run(ty.Name, func(t *testing.T) {
			req := engine.Request{Type: ty.Name, Requester: "t", Channel: engine.ChannelCounter, Operator: "t", IDDocument: testIDDocument}
			if ty.NeedsDate {
				req.At = time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)
			}
			var iss engine.Issued
			for _, p := range everyone {
				sub, err := f.emb.Store.Subject(ctx, p.FiscalCode)
				if err != nil || engine.CheckRules(ty.Name, sub) != nil {
					continue
				}
				req.Subject = p.FiscalCode
				if iss, err = f.eng.Issue(ctx, req); err != nil {
					t.Fatalf("Issue for a subject the rules accept: %v", err)
				}
				break
			}
			if iss.Code == "" {
				t.Fatalf("no person of the synthetic registry qualifies for %s", ty.Name)
			}
			wantExpiry := iss.IssuedAt.AddDate(0, ty.ValidMonths, 0)
			if ty.ValidMonths == 0 {
				wantExpiry = iss.IssuedAt.AddDate(100, 0, 0)
			}
			if !iss.ExpiresAt.Equal(wantExpiry) {
				t.Errorf("expires %v, want %v", iss.ExpiresAt, wantExpiry)
			}
			rep, err := v.VerifyPDF(ctx, iss.PDF)
			if err != nil || rep.Verdict != verify.Valid {
				t.Fatalf("verify: %v %+v", err, rep)
			}
			path := testutil.WriteTemp(t, ty.Name+".pdf", iss.PDF)
			out, code := testutil.Output(t, "pdftotext", "-layout", path, "-")
			if code != 0 || !strings.Contains(out, ty.Title) {
				t.Errorf("pdftotext (exit %d) lacks the title %q", code, ty.Title)
			}
		})
	}
}

// TestCounterTypesRefusedOnline: the storico types, morte and
// cancellazione are issued only at the counter; the API refuses them.
func TestCounterTypesRefusedOnline(t *testing.T) {
	f := newFixture(t, "http://127.0.0.1:8080")
	for _, ty := range templates.Types() {
		if !ty.Counter {
			continue
		}
		_, err := f.eng.Issue(context.Background(), engine.Request{Type: ty.Name, Subject: f.people[0].FiscalCode, Requester: "t", Channel: engine.ChannelOnline, Citizen: f.people[0].FiscalCode})
		if errs.KindOf(err) != errs.NotCertifiable {
			t.Errorf("%s through the API: %v", ty.Name, err)
		}
	}
}

func TestDateOfStoricoAllaData(t *testing.T) {
	f := newFixture(t, "http://127.0.0.1:8080")
	cf := f.people[0].FiscalCode
	for _, tc := range []struct {
		name string
		typ  string
		at   time.Time
	}{
		{"missing", "storico_residenza_data", time.Time{}},
		{"future", "storico_residenza_data", f.now.AddDate(0, 0, 2)},
		{"too old", "storico_residenza_data", time.Date(1700, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"date on a type without one", "residenza", time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.eng.Issue(context.Background(), engine.Request{Type: tc.typ, Subject: cf, Requester: "t", Channel: engine.ChannelCounter, Operator: "t", IDDocument: testIDDocument, At: tc.at})
			if errs.KindOf(err) != errs.InvalidRequest {
				t.Errorf("got %v", err)
			}
		})
	}
}

func extraHouseholds(t *testing.T) []registry.Household {
	lodi := registry.Place{ComuneCode: "E648", Name: "LODI", Province: "LO"}
	addr := registry.Address{Toponym: "VIA", Street: "ROMA", Number: "1", PostalCode: "26900"}
	person := func(surname, name string, sex registry.Sex, kin int) registry.Person {
		birth := time.Date(1970, 3, 4, 0, 0, 0, 0, time.UTC)
		cf, err := codicefiscale.Compute(surname, name, sex, birth, "E648")
		if err != nil {
			t.Fatal(err)
		}
		return registry.Person{FiscalCode: cf.String(), Surname: surname, Name: name, Sex: sex, BirthDate: birth, BirthPlace: lodi,
			Citizenships: []registry.Citizenship{{StateCode: "100", Name: "ITALIANA"}}, CivilStatus: registry.CivilSingle,
			Kinship: kin, Certifiability: registry.CertFull, Residences: []registry.Residence{{From: birth, Address: addr}}}
	}
	a, b := person("ZETA", "PAOLO", registry.Male, registry.KinHead), person("ZETA", "ELENA", registry.Female, registry.KinCohabitant)
	a.Contracts = []registry.CohabitationContract{{PartnerFiscalCode: b.FiscalCode, PartnerName: "ZETA ELENA", Date: time.Date(2018, 4, 10, 0, 0, 0, 0, time.UTC), Registered: time.Date(2018, 5, 2, 0, 0, 0, 0, time.UTC)}}
	c, d := person("ZUCCA", "GIULIA", registry.Female, registry.CohabResponsible), person("ZUCCA", "ANNA", registry.Female, registry.CohabMember)
	return []registry.Household{
		{ID: "FX0001", Kind: registry.KindFamily, Address: addr, Members: []registry.Person{a, b}},
		{ID: "FX0002", Kind: registry.KindCohabitation, Address: addr, CohabitationName: "ISTITUTO SAN GIUSEPPE", CohabitationKind: 3, Members: []registry.Person{c, d}},
	}
}

// TestBolloAndUsePrinted: the stamp-duty line and the destination of use
// are printed in ANPR's wording.
func TestBolloAndUsePrinted(t *testing.T) {
	testutil.RequireTools(t, "pdftotext")
	f := newFixture(t, "http://127.0.0.1:8080")
	iss, err := f.eng.Issue(context.Background(), engine.Request{Type: "residenza", Subject: f.people[0].FiscalCode,
		Requester: "t", Channel: engine.ChannelOnline, Citizen: f.people[0].FiscalCode, Bollo: &bollo.Request{Exempt: &bollo.Exempt{Code: 3}}, Use: bollo.UseJudicial})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := testutil.Output(t, "pdftotext", testutil.WriteTemp(t, "c.pdf", iss.PDF), "-")
	text := strings.Join(strings.Fields(out), " ")
	for _, want := range []string{
		"AI SENSI DELL'ART. 40, D.P.R. 445/2000 IL PRESENTE CERTIFICATO E' RILASCIATO PER CAUSE GIUDIZIARIE.",
		"Esente dall'imposta di bollo ai sensi dell'art. 18 del D.P.R. 30 maggio 2002, n. 115",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the certificate lacks %q:\n%s", want, text)
		}
	}
}

// TestContestuale issues one document certifying residence, citizenship
// and civil status, and refuses a combination ANPR refuses.
func TestContestuale(t *testing.T) {
	testutil.RequireTools(t, "pdftotext")
	f := newFixture(t, "http://127.0.0.1:8080")
	ctx := context.Background()
	var iss engine.Issued
	for _, p := range f.people {
		sub, err := f.emb.Store.Subject(ctx, p.FiscalCode)
		if err != nil || engine.CheckRules("cittadinanza", sub) != nil || engine.CheckRules("stato_civile", sub) != nil {
			continue
		}
		iss, err = f.eng.Issue(ctx, engine.Request{Type: "residenza", Also: []string{"cittadinanza", "stato_civile"},
			Subject: p.FiscalCode, Requester: "t", Channel: engine.ChannelCounter, Operator: "t", IDDocument: testIDDocument})
		if err != nil {
			t.Fatal(err)
		}
		break
	}
	if iss.Type != "residenza+cittadinanza+stato_civile" {
		t.Fatalf("issued %q", iss.Type)
	}
	out, _ := testutil.Output(t, "pdftotext", testutil.WriteTemp(t, "c.pdf", iss.PDF), "-")
	text := strings.Join(strings.Fields(out), " ")
	for _, want := range []string{"CERTIFICATO CONTESTUALE", "DI RESIDENZA, DI CITTADINANZA E DI STATO CIVILE",
		"ed è residente in", "è di stato civile:", "Validità: sei mesi"} {
		if !strings.Contains(text, want) {
			t.Errorf("the contestuale certificate lacks %q:\n%s", want, text)
		}
	}
	if strings.Count(text, "codice fiscale") != 1 {
		t.Errorf("the holder is named more than once:\n%s", text)
	}
	_, err := f.eng.Issue(ctx, engine.Request{Type: "residenza", Also: []string{"residenza_aire"}, Subject: f.people[0].FiscalCode,
		Requester: "t", Channel: engine.ChannelCounter, Operator: "t", IDDocument: testIDDocument})
	if slug, _ := errs.RuleOf(err); slug != "contestuale-aire-e-residenti" {
		t.Errorf("AIRE with residenza: %v", err)
	}
}

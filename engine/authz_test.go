package engine_test

import (
	"context"
	"testing"
	"time"

	"certa.example/certa/engine"
	"certa.example/certa/internal/bollo"
	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/registry"
	"certa.example/certa/internal/setup"
)

// household finds, in the fixture's synthetic registry, an adult with
// another certifiable member of their household, a minor with another
// member, and a certifiable resident of another household.
func household(t *testing.T, f *fixture) (adult, member, minor, minorsMember, stranger string) {
	t.Helper()
	ctx := context.Background()
	all, err := setup.CertifiableResidents(ctx, f.emb.Store, 1000)
	if err != nil {
		t.Fatal(err)
	}
	certifiable := map[string]bool{}
	for _, p := range all {
		certifiable[p.FiscalCode] = true
	}
	of18 := func(p registry.Person) bool { return !f.now.Before(p.BirthDate.AddDate(18, 0, 0)) }
	for _, p := range all {
		s, err := f.emb.Store.Subject(ctx, p.FiscalCode)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range s.Household.Members {
			if m.FiscalCode == p.FiscalCode || !certifiable[m.FiscalCode] {
				continue
			}
			if adult == "" && of18(p) {
				adult, member = p.FiscalCode, m.FiscalCode
			}
			if minor == "" && !of18(p) {
				minor, minorsMember = p.FiscalCode, m.FiscalCode
			}
		}
	}
	for _, p := range all {
		s, _ := f.emb.Store.Subject(ctx, p.FiscalCode)
		a, _ := f.emb.Store.Subject(ctx, adult)
		if s.Person.HouseholdID != a.Person.HouseholdID {
			stranger = p.FiscalCode
			break
		}
	}
	if adult == "" || minor == "" || stranger == "" {
		t.Fatalf("synthetic registry lacks the cases: adult %q minor %q stranger %q", adult, minor, stranger)
	}
	return
}

// Who may ask for whom (docs/authorization.md), on a synthetic registry.
func TestChannelRules(t *testing.T) {
	f := newFixture(t, "http://127.0.0.1:8080")
	adult, member, minor, minorsMember, stranger := household(t, f)
	const unregistered = "RSSMRA80A01F205X"
	paid := &bollo.Request{Paid: &bollo.Paid{Marca: "01234567890123"}}
	online := func(citizen, subject string) engine.Request {
		return engine.Request{Type: "residenza", Subject: subject, Requester: "portal", Channel: engine.ChannelOnline, Citizen: citizen, Bollo: paid}
	}
	counter := func(subject string) engine.Request {
		return engine.Request{Type: "residenza", Subject: subject, Requester: "office", Channel: engine.ChannelCounter,
			Operator: "sportello-3", IDDocument: engine.IDDocument{Type: engine.IDPassaporto, Number: "ya 1234567"}}
	}
	withDoc := func(r engine.Request, d engine.IDDocument) engine.Request { r.IDDocument = d; return r }
	tests := []struct {
		name string
		req  engine.Request
		kind errs.Kind
		rule string
	}{
		{"online for oneself", online(adult, adult), 0, ""},
		{"online for a household member", online(adult, member), 0, ""},
		{"online, requester in lower case", online(lower(adult), member), 0, ""},
		{"online for another household", online(adult, stranger), errs.Forbidden, "not-own-household"},
		{"online, minor for oneself", online(minor, minor), 0, ""},
		{"online, minor for a household member", online(minor, minorsMember), errs.Forbidden, "minor-requester"},
		{"online, requester not in the registry, for someone", online(unregistered, adult), errs.Forbidden, "not-own-household"},
		{"online without requester", online("", adult), errs.InvalidRequest, ""},
		{"online with a malformed requester", online("NOT-A-CF", adult), errs.InvalidRequest, ""},
		{"online with an operator", func() engine.Request { r := online(adult, adult); r.Operator = "x"; return r }(), errs.InvalidRequest, ""},
		{"online without bollo", func() engine.Request { r := online(adult, adult); r.Bollo = nil; return r }(), errs.InvalidRequest, ""},
		{"counter for anyone", counter(stranger), 0, ""},
		{"counter without operator", func() engine.Request { r := counter(adult); r.Operator = " "; return r }(), errs.InvalidRequest, ""},
		{"counter without document", withDoc(counter(adult), engine.IDDocument{}), errs.InvalidRequest, ""},
		{"counter, unknown document type", withDoc(counter(adult), engine.IDDocument{Type: "tessera-palestra", Number: "12345"}), errs.InvalidRequest, ""},
		{"counter, malformed document number", withDoc(counter(adult), engine.IDDocument{Type: engine.IDPatente, Number: "U1/23"}), errs.InvalidRequest, ""},
		{"counter with a citizen", func() engine.Request { r := counter(adult); r.Citizen = adult; return r }(), errs.InvalidRequest, ""},
		{"no channel", engine.Request{Type: "residenza", Subject: adult, Requester: "x"}, errs.InvalidRequest, ""},
		{"unknown channel", engine.Request{Type: "residenza", Subject: adult, Requester: "x", Channel: "api"}, errs.InvalidRequest, ""},
		{"counter-only type online", func() engine.Request { r := online(adult, adult); r.Type = "morte"; return r }(), errs.NotCertifiable, "rilascio-solo-allo-sportello"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss, err := f.eng.Issue(context.Background(), tt.req)
			if tt.kind == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				rec, err := f.emb.Store.ByCode(context.Background(), iss.Code)
				if err != nil {
					t.Fatal(err)
				}
				if rec.Channel != tt.req.Channel || rec.Citizen != upper(tt.req.Citizen) || rec.Operator != tt.req.Operator ||
					rec.IDDocType != string(tt.req.IDDocument.Type) || (tt.req.Channel == engine.ChannelCounter && rec.IDDocNum != "YA1234567") {
					t.Errorf("ledger row %q %q %q %q %q", rec.Channel, rec.Citizen, rec.Operator, rec.IDDocType, rec.IDDocNum)
				}
				return
			}
			if errs.KindOf(err) != tt.kind {
				t.Fatalf("error %v, want kind %v", err, tt.kind)
			}
			if slug, _ := errs.RuleOf(err); slug != tt.rule {
				t.Errorf("rule %q, want %q", slug, tt.rule)
			}
		})
	}
	// A minor turns 18: then the household rule applies as to any adult.
	s, _ := f.emb.Store.Subject(context.Background(), minor)
	f.now = s.Person.BirthDate.AddDate(18, 0, 0).Add(time.Hour)
	if _, err := f.eng.Issue(context.Background(), online(minor, minorsMember)); err != nil {
		t.Errorf("on the 18th birthday: %v", err)
	}
}

func TestParseIDDocument(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want engine.IDDocument
		ok   bool
	}{
		{"cie:CA00000AA", engine.IDDocument{Type: engine.IDCartaIdentitaEl, Number: "CA00000AA"}, true},
		{"passaporto:ya 1234567", engine.IDDocument{Type: engine.IDPassaporto, Number: "YA1234567"}, true},
		{"patente:U1", engine.IDDocument{}, false},
		{"cie", engine.IDDocument{}, false},
		{"tessera:123456", engine.IDDocument{}, false},
		{"cie:CA0000-0AA", engine.IDDocument{}, false},
		{"cie:" + "A12345678901234567890", engine.IDDocument{}, false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := engine.ParseIDDocument(tc.in)
			if (err == nil) != tc.ok || got != tc.want {
				t.Errorf("got %+v, %v", got, err)
			}
		})
	}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

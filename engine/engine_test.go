package engine_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"certa.example/certa/engine"
	"certa.example/certa/internal/codicefiscale"
	"certa.example/certa/internal/comuni"
	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/ledger"
	"certa.example/certa/internal/registry"
	"certa.example/certa/internal/setup"
	"certa.example/certa/internal/testutil"
	"certa.example/certa/templates"
	"certa.example/certa/templates/i18n"
)

// testIDDocument is the identification document of counter requests in tests.
var testIDDocument = engine.IDDocument{Type: engine.IDCartaIdentitaEl, Number: "CA00000AA"}

type fixture struct {
	eng    *engine.Engine
	emb    *setup.Env
	people []registry.Person
	now    time.Time
}

func newFixture(t *testing.T, publicURL string) *fixture {
	t.Helper()
	ctx := context.Background()
	emb, err := setup.OpenEmbedded(ctx, t.TempDir(), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emb.Close() })
	f := &fixture{emb: emb, now: time.Date(2026, 3, 31, 9, 15, 30, 500, time.UTC)}
	f.eng, err = emb.Engine(publicURL, func() time.Time { return f.now })
	if err != nil {
		t.Fatal(err)
	}
	f.people, _ = setup.CertifiableResidents(ctx, emb.Store, 100)
	return f
}

func TestIssueUsesInjectedClockAndRecords(t *testing.T) {
	f := newFixture(t, "https://certificati.example.it/")
	ctx := context.Background()
	iss, err := f.eng.Issue(ctx, engine.Request{Type: "8", Subject: f.people[0].FiscalCode, Requester: "t", Channel: engine.ChannelCounter, Operator: "t", IDDocument: testIDDocument})
	if err != nil {
		t.Fatal(err)
	}
	if !iss.IssuedAt.Equal(f.now.Truncate(time.Second)) {
		t.Fatalf("issued at %v, clock %v", iss.IssuedAt, f.now)
	}
	// Six calendar months; 31 March + 6 months normalises to 1 October.
	if want := time.Date(2026, 10, 1, 9, 15, 30, 0, time.UTC); !iss.ExpiresAt.Equal(want) {
		t.Fatalf("expires %v, want %v", iss.ExpiresAt, want)
	}
	if iss.Type != "residenza" || iss.VerifyURL != "https://certificati.example.it/v/"+iss.Code {
		t.Fatalf("%+v", iss)
	}
	// The QR (and so the PDF) carries the upper-case alphanumeric form.
	if !bytes.Contains(iss.PDF, []byte("certa-code:"+iss.Code)) {
		t.Fatal("code marker missing")
	}
	st, err := f.eng.Lookup(ctx, strings.ToLower(iss.Code))
	if err != nil || st.Status != ledger.StatusValid || st.Record.SHA256 != iss.SHA256 {
		t.Fatalf("lookup: %+v %v", st, err)
	}
	f.now = iss.ExpiresAt
	if st, _ := f.eng.Lookup(ctx, iss.Code); st.Status != ledger.StatusExpired {
		t.Fatalf("at expiry: %s", st.Status)
	}
}

func TestIssueRejects(t *testing.T) {
	f := newFixture(t, "http://127.0.0.1:8080")
	ctx := context.Background()
	good := f.people[0].FiscalCode
	for _, tc := range []struct {
		name, typ, subject string
		kind               errs.Kind
	}{
		{"unknown type", "passaporto", good, errs.UnknownType},
		{"bad fiscal code", "residenza", "XXXXXXXXXXXXXXXX", errs.InvalidFiscalCode},
		{"absent subject", "residenza", "RSSMRA85T10A562S", errs.SubjectNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.eng.Issue(ctx, engine.Request{Type: tc.typ, Subject: tc.subject, Requester: "t", Channel: engine.ChannelCounter, Operator: "t", IDDocument: testIDDocument})
			if errs.KindOf(err) != tc.kind {
				t.Fatalf("got %v, want kind %v", err, tc.kind)
			}
		})
	}
	if n, _ := f.emb.Store.AuditVerify(ctx); n != 0 {
		t.Fatalf("%d audit events after refusals", n)
	}
}

func TestNewRejectsBadPublicURL(t *testing.T) {
	for _, u := range []string{"", "ftp://x", "/relative", "http://x/?q=1", "http://"} {
		if _, err := engine.New(engine.Config{PublicURL: u, Now: time.Now}, nil, nil, nil); err == nil {
			t.Errorf("public URL %q accepted", u)
		}
	}
}

// A name the document font cannot print exactly is refused, not misprinted.
func TestIssueRefusesUnprintableName(t *testing.T) {
	f := newFixture(t, "http://127.0.0.1:8080")
	ctx := context.Background()
	birth := time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC)
	cf, err := codicefiscale.Compute("DVORAK", "ŇUŇO", registry.Male, birth, "E648")
	if err != nil {
		t.Fatal(err)
	}
	p := registry.Person{FiscalCode: cf.String(), Surname: "DVOŘÁK", Name: "ŇUŇO", Sex: registry.Male, BirthDate: birth,
		BirthPlace: registry.Place{ComuneCode: "E648", Name: "LODI", Province: "LO"}, Citizenships: []registry.Citizenship{{StateCode: "257", Name: "CECA"}},
		Certifiability: registry.CertFull, CivilStatus: registry.CivilSingle, HouseholdID: "FTEST01", Kinship: registry.KinHead}
	h := registry.Household{ID: "FTEST01", Address: registry.Address{Toponym: "VIA", Street: "ROMA", Number: "1", PostalCode: "26900"}, Members: []registry.Person{p}}
	if err := f.emb.Store.PutHouseholds(ctx, []registry.Household{h}); err != nil {
		t.Fatal(err)
	}
	_, err = f.eng.Issue(ctx, engine.Request{Type: "residenza", Subject: p.FiscalCode, Requester: "t", Channel: engine.ChannelCounter, Operator: "t", IDDocument: testIDDocument})
	if errs.KindOf(err) != errs.NotCertifiable {
		t.Fatalf("got %v, want not-certifiable", err)
	}
}

// A comune of South Tyrol issues bilingual certificates: the title and the
// comune's name print in Italian and German.
func TestIssueBilingual(t *testing.T) {
	testutil.RequireTools(t, "pdftotext")
	f := newFixture(t, "http://127.0.0.1:8080")
	ctx := context.Background()
	bz := templates.Issuer{Comune: "BOLZANO", Code: "A952", Province: "BZ", Office: "Ufficio Anagrafe", Language: i18n.DE, ComuneAlt: "BOZEN"}
	if c, ok := comuni.Current("A952"); !ok || setup.IssuerOf(c) != bz {
		t.Fatalf("setup.IssuerOf(BOLZANO) = %+v, want %+v", setup.IssuerOf(c), bz)
	}
	f.emb.Issuer = bz
	eng, err := f.emb.Engine("http://127.0.0.1:8080", func() time.Time { return f.now })
	if err != nil {
		t.Fatal(err)
	}
	iss, err := eng.Issue(ctx, engine.Request{Type: "residenza", Subject: f.people[0].FiscalCode, Requester: "t", Channel: engine.ChannelCounter, Operator: "t", IDDocument: testIDDocument, Languages: "it-de"})
	if err != nil {
		t.Fatal(err)
	}
	path := testutil.WriteTemp(t, "doc.pdf", iss.PDF)
	out, code := testutil.Output(t, "pdftotext", "-enc", "UTF-8", path, "-")
	if code != 0 {
		t.Fatalf("pdftotext exit %d", code)
	}
	for _, want := range []string{"CERTIFICATO DI RESIDENZA", "ANSÄSSIGKEITSBESCHEINIGUNG", "COMUNE DI BOLZANO", "GEMEINDE BOZEN", "CERTIFICA / BESCHEINIGT"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	// The same comune still issues Italian certificates, and refuses a
	// language it does not have.
	for _, langs := range []string{"", "it", " IT "} {
		if _, err := eng.Issue(ctx, engine.Request{Type: "residenza", Subject: f.people[0].FiscalCode, Requester: "t", Channel: engine.ChannelCounter, Operator: "t", IDDocument: testIDDocument, Languages: langs}); err != nil {
			t.Errorf("languages %q: %v", langs, err)
		}
	}
	_, err = eng.Issue(ctx, engine.Request{Type: "residenza", Subject: f.people[0].FiscalCode, Requester: "t", Channel: engine.ChannelCounter, Operator: "t", IDDocument: testIDDocument, Languages: "it-fr"})
	if errs.KindOf(err) != errs.InvalidRequest || !strings.Contains(err.Error(), `"it-de"`) {
		t.Errorf("it-fr in Bolzano: %v", err)
	}
	// A contestuale certificate is Italian only: a clear refusal, not a
	// rendering failure.
	_, err = eng.Issue(ctx, engine.Request{Type: "residenza", Also: []string{"cittadinanza"}, Subject: f.people[0].FiscalCode,
		Requester: "t", Channel: engine.ChannelCounter, Operator: "t", IDDocument: testIDDocument, Languages: "it-de"})
	if errs.KindOf(err) != errs.InvalidRequest {
		t.Errorf("bilingual contestuale: %v", err)
	}
}

// Lodi, the demo comune, has Italian only: a bilingual request is refused
// before anything is read or recorded.
func TestIssueRefusesLanguage(t *testing.T) {
	f := newFixture(t, "http://127.0.0.1:8080")
	ctx := context.Background()
	for _, tc := range []struct{ langs, want string }{
		{"it-de", "has no second official language"},
		{"it-sl", "has no second official language"},
		{"de", "unsupported language"},
		{"en", "unsupported language"},
		{"it-de-fr", "unsupported language"},
	} {
		_, err := f.eng.Issue(ctx, engine.Request{Type: "residenza", Subject: f.people[0].FiscalCode, Requester: "t", Channel: engine.ChannelCounter, Operator: "t", IDDocument: testIDDocument, Languages: tc.langs})
		if errs.KindOf(err) != errs.InvalidRequest || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want invalid request %q", tc.langs, err, tc.want)
		}
	}
	if n, _ := f.emb.Store.AuditVerify(ctx); n != 0 {
		t.Fatalf("%d audit events after refusals", n)
	}
}

package engine_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"regexp"
	"strings"
	"testing"
	"time"

	"certa.example/certa/engine"
	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/ledger"
	"certa.example/certa/internal/seal"
	"certa.example/certa/templates"
)

var uriRE = regexp.MustCompile(`/URI \((HTTPS?://[^)]+)\)`)

// sealOf returns the code and seal payload of the QR link in pdf. The
// page appears twice, as rendered and as the signature's update rewrote it
// (with the signature field added): the link must be the same.
func sealOf(t *testing.T, pdf []byte) (string, string) {
	t.Helper()
	m := uriRE.FindAllSubmatch(pdf, -1)
	if len(m) != 2 || string(m[0][1]) != string(m[1][1]) {
		t.Fatalf("want the same link in the page and its signed update, found %d", len(m))
	}
	u := string(m[1][1])
	if !strings.HasPrefix(u, "HTTPS://CERTIFICATI.EXAMPLE.IT/V/") {
		t.Fatalf("QR URL %q: want the upper-case alphanumeric form", u)
	}
	code, payload, err := seal.ParseURL(u)
	if err != nil {
		t.Fatalf("ParseURL(%q): %v", u, err)
	}
	return code, payload
}

func TestIssuedSealAgreesWithLedger(t *testing.T) {
	f := newFixture(t, "https://certificati.example.it")
	f.now = time.Now().UTC() // inside the demo seal certificate's validity
	ctx := context.Background()
	per := f.people[0]
	iss, err := f.eng.Issue(ctx, engine.Request{Type: "residenza", Also: []string{"cittadinanza"}, Subject: per.FiscalCode, Requester: "t", Channel: engine.ChannelCounter, Operator: "t", IDDocument: testIDDocument})
	if err != nil {
		t.Fatal(err)
	}
	code, payload := sealOf(t, iss.PDF)
	if code != iss.Code {
		t.Fatalf("seal URL code %s, issued %s", code, iss.Code)
	}
	chk, err := f.eng.CheckSeal(ctx, code, payload)
	if err != nil {
		t.Fatal(err)
	}
	if !chk.Authentic || chk.Problem != "" || chk.Status.Status != ledger.StatusValid {
		t.Fatalf("check: %+v", chk)
	}
	c := chk.Claims
	if c.Type != "residenza+cittadinanza" || c.Holder != per.Surname+" "+per.Name || c.ComuneCode != "E648" || c.ComuneName != "LODI" {
		t.Fatalf("claims: %+v", c)
	}
	if y, m, d := per.BirthDate.Date(); c.BirthDate != time.Date(y, m, d, 0, 0, 0, 0, time.UTC) {
		t.Fatalf("birth date %v, registry %v", c.BirthDate, per.BirthDate)
	}
	if c.Facts[templates.FactAddress] == "" || c.Facts[templates.FactCitizenship] == "" {
		t.Fatalf("facts of a residenza+cittadinanza: %v", c.Facts)
	}
}

func TestCheckSealProblems(t *testing.T) {
	f := newFixture(t, "https://certificati.example.it")
	f.now = time.Now().UTC() // inside the demo seal certificate's validity
	ctx := context.Background()
	a, err := f.eng.Issue(ctx, engine.Request{Type: "residenza", Subject: f.people[0].FiscalCode, Requester: "t", Channel: engine.ChannelCounter, Operator: "t", IDDocument: testIDDocument})
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.eng.Issue(ctx, engine.Request{Type: "stato_civile", Subject: f.people[1].FiscalCode, Requester: "t", Channel: engine.ChannelCounter, Operator: "t", IDDocument: testIDDocument})
	if err != nil {
		t.Fatal(err)
	}
	codeA, payloadA := sealOf(t, a.PDF)
	_, payloadB := sealOf(t, b.PDF)

	// A seal signed by a key the installation does not trust.
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "forger"},
		NotBefore: f.now.AddDate(-1, 0, 0), NotAfter: f.now.AddDate(1, 0, 0)}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	forgerCert, _ := x509.ParseCertificate(der)
	forged, err := seal.Sign(seal.Claims{Version: seal.Version, Code: codeA, Type: "residenza", ComuneCode: "E648", ComuneName: "LODI",
		Issued: f.now, Expires: f.now.AddDate(0, 6, 0), Holder: "ROSSI MARIO", BirthDate: f.now.AddDate(-40, 0, 0)}, key, forgerCert)
	if err != nil {
		t.Fatal(err)
	}
	tampered := []byte(payloadA)
	tampered[len(tampered)/2] ^= 0x01 // stays in the base45 alphabet: digits and letters flip within it

	for _, tc := range []struct {
		name, code, payload string
		problem             string
		authentic           bool
		status              ledger.Status
	}{
		{"genuine", codeA, payloadA, "", true, ledger.StatusValid},
		{"another certificate's seal", codeA, payloadB, engine.SealMismatch, true, ledger.StatusValid},
		{"untrusted signer", codeA, forged, engine.SealUntrusted, false, ledger.StatusValid},
		{"tampered", codeA, string(tampered), "", false, ledger.StatusValid},
		{"garbage", codeA, "NOT A SEAL", engine.SealMalformed, false, ledger.StatusValid},
		{"unknown code", "AAAA-AAAA-AAAA-AAAA", payloadA, engine.SealMismatch, true, ledger.StatusUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			chk, err := f.eng.CheckSeal(ctx, tc.code, tc.payload)
			if err != nil {
				t.Fatal(err)
			}
			if tc.name == "tampered" {
				// A flipped character breaks the signature or the encoding.
				if chk.Authentic || (chk.Problem != engine.SealUntrusted && chk.Problem != engine.SealMalformed) {
					t.Fatalf("tampered seal: %+v", chk)
				}
				return
			}
			if chk.Problem != tc.problem || chk.Authentic != tc.authentic || chk.Status.Status != tc.status {
				t.Fatalf("got problem %q authentic %v status %s, want %q %v %s", chk.Problem, chk.Authentic, chk.Status.Status, tc.problem, tc.authentic, tc.status)
			}
		})
	}
}

func TestRevokeShowsInSealCheck(t *testing.T) {
	f := newFixture(t, "https://certificati.example.it")
	f.now = time.Now().UTC() // inside the demo seal certificate's validity
	ctx := context.Background()
	a, err := f.eng.Issue(ctx, engine.Request{Type: "residenza", Subject: f.people[0].FiscalCode, Requester: "t", Channel: engine.ChannelCounter, Operator: "t", IDDocument: testIDDocument})
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.eng.Issue(ctx, engine.Request{Type: "residenza", Subject: f.people[0].FiscalCode, Requester: "t", Channel: engine.ChannelCounter, Operator: "t", IDDocument: testIDDocument})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.eng.Revoke(ctx, "not a code", ledger.ReasonOther, "", "t"); errs.KindOf(err) != errs.NotFound {
		t.Fatalf("malformed code: %v", err)
	}
	if _, err := f.eng.Revoke(ctx, a.Code, ledger.ReasonReplaced, "nonsense", "t"); errs.KindOf(err) != errs.InvalidRequest {
		t.Fatalf("malformed replacement: %v", err)
	}
	rec, err := f.eng.Revoke(ctx, strings.ToLower(a.Code), ledger.ReasonReplaced, b.Code, "t")
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Revoked || rec.RevokedReason != ledger.ReasonReplaced || rec.ReplacedBy != b.Code {
		t.Fatalf("revoked record: %+v", rec)
	}
	code, payload := sealOf(t, a.PDF)
	chk, err := f.eng.CheckSeal(ctx, code, payload)
	if err != nil {
		t.Fatal(err)
	}
	// The seal stays authentic; the ledger says the certificate is revoked.
	if !chk.Authentic || chk.Problem != "" || chk.Status.Status != ledger.StatusRevoked {
		t.Fatalf("after revocation: %+v", chk)
	}
	if _, err := f.eng.Revoke(ctx, a.Code, ledger.ReasonOther, "", "t"); errs.KindOf(err) != errs.Conflict {
		t.Fatalf("second revocation: %v", err)
	}
	revs, err := f.eng.Revocations(ctx)
	if err != nil || len(revs) != 1 || revs[0].Code != a.Code || revs[0].Reason != ledger.ReasonReplaced {
		t.Fatalf("revocations: %+v %v", revs, err)
	}
}

func TestCheckSealExpiresAfterCaching(t *testing.T) {
	f := newFixture(t, "https://certificati.example.it")
	f.now = time.Now().UTC()
	ctx := context.Background()
	iss, err := f.eng.Issue(ctx, engine.Request{Type: "residenza", Subject: f.people[0].FiscalCode, Requester: "t", Channel: engine.ChannelCounter, Operator: "t", IDDocument: testIDDocument})
	if err != nil {
		t.Fatal(err)
	}
	code, payload := sealOf(t, iss.PDF)
	for _, tc := range []struct {
		at      time.Time
		expired bool
	}{
		{f.now, false},
		{iss.ExpiresAt.Add(-time.Hour), false}, // the last day is still valid
		{iss.ExpiresAt.AddDate(0, 0, 1), true},
	} {
		f.now = tc.at
		chk, err := f.eng.CheckSeal(ctx, code, payload)
		if err != nil || !chk.Authentic || chk.Expired != tc.expired {
			t.Fatalf("at %v: %+v %v", tc.at, chk, err)
		}
	}
}

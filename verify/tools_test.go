package verify

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"net/http"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"certa.example/certa/internal/pki"
	"certa.example/certa/internal/registry"
	"certa.example/certa/internal/testpki"
	"certa.example/certa/internal/testutil"
	"certa.example/certa/signer/pades"
	"certa.example/certa/templates"
)

// TestToolsPAdES renders a real certificate, seals it at B-T with a seal
// from the demo PKI and a test TSA, adds a DSS with the responder's CRL
// and OCSP response (B-LT), and checks that verify and poppler's pdfsig
// agree on the signature; then it appends a page after the DSS, which
// verify refuses while pdfsig only notes that the signature no longer
// covers the whole file.
func TestToolsPAdES(t *testing.T) {
	testutil.RequireTools(t, "pdfsig", "certutil")
	now := time.Now()
	ca, err := pki.NewCA(pkix.Name{CommonName: "certa TEST CA", Organization: []string{"certa TEST"}, Country: []string{"IT"}}, now)
	if err != nil {
		t.Fatal(err)
	}
	rv := testpki.NewRevocation(t, ca, nil)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	seal, err := pki.IssueSeal(ca, key.Public(), pki.SealSubject{
		CommonName: "Comune di Lodi - Ufficio Anagrafe", Organization: "Comune di Lodi", OrganizationIdentifier: "VATIT-01234567890",
	}, rv.URLs(), now)
	if err != nil {
		t.Fatal(err)
	}
	ts := testpki.NewTSA(t, nil)

	const code = "TEST-T001-S0PA-DES0"
	doc := renderCertificate(t, code, now)
	s, err := pades.NewSigner(pades.Options{
		Signer: key, Chain: []*x509.Certificate{seal, ca.Cert}, Timestamp: tsaFunc(t, ts),
		Name: "Comune di Lodi", Reason: "Certificato anagrafico",
	})
	if err != nil {
		t.Fatal(err)
	}
	bt := signPAdES(t, s, doc, now)
	crl, err := rv.Responder.CurrentCRL()
	if err != nil {
		t.Fatal(err)
	}
	lt := addDSS(t, bt, pades.Validation{
		Certs: []*x509.Certificate{seal, ca.Cert, ts.Cert, ts.RootCert},
		CRLs:  [][]byte{crl},
		OCSPs: [][]byte{ocspResponse(t, rv, seal, ca.Cert)},
	})

	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	v := &Verifier{Roots: roots, TSARoots: ts.Roots, Ledger: newFakeLedger(record(code, lt, now))}
	r, err := v.VerifyPDF(t.Context(), lt)
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != Valid || r.Level != LevelBLT {
		t.Fatalf("verify: %s %s, checks %+v", r.Verdict, r.Level, r.Checks)
	}
	if r.Signer == nil || r.Signer.CommonName != "Comune di Lodi - Ufficio Anagrafe" || r.Signer.TimestampAuthority != "certa TEST TSA" {
		t.Errorf("signer = %+v", r.Signer)
	}

	nss := testutil.NSSDB(t, testutil.WriteTemp(t, "root.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})))
	rep := testutil.Pdfsig(t, nss, testutil.WriteTemp(t, "b-lt.pdf", lt))
	t.Logf("pdfsig on B-LT:\n%s", rep.Raw)
	if !rep.Valid || !rep.Trusted || rep.WholeDocument {
		t.Errorf("pdfsig on B-LT: valid %v, trusted %v, whole document %v", rep.Valid, rep.Trusted, rep.WholeDocument)
	}

	// A page added after the DSS: the signed revision is intact, and
	// pdfsig still calls the signature valid, but the file now shows
	// more than was signed.
	tampered := rawUpdate(t, lt, []rawObj{{-1, "<< /Type /Page /Parent 1 0 R /MediaBox [0 0 595 842] >>"}}, nil, "")
	v.Ledger = newFakeLedger(record(code, tampered, now)) // even if the ledger held it
	r, err = v.VerifyPDF(t.Context(), tampered)
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := r.Check(CheckLaterUpdates); r.Verdict != Invalid || c.Status != Failed {
		t.Errorf("verify on a page added after B-LT: %s, checks %+v", r.Verdict, r.Checks)
	}
	rep = testutil.Pdfsig(t, nss, testutil.WriteTemp(t, "tampered.pdf", tampered))
	t.Logf("pdfsig after a page was added:\n%s", rep.Raw)
	if !rep.Valid || rep.WholeDocument {
		t.Errorf("pdfsig after a page was added: valid %v, whole document %v", rep.Valid, rep.WholeDocument)
	}
}

// renderCertificate renders a certificato di residenza with code.
func renderCertificate(t *testing.T, code string, issued time.Time) []byte {
	t.Helper()
	return renderCertificateQR(t, code, issued, "")
}

// renderCertificateQR renders a certificato di residenza with code, whose
// QR code (and its link) holds qrText, the verification URL when empty.
func renderCertificateQR(t *testing.T, code string, issued time.Time, qrText string) []byte {
	t.Helper()
	typ, ok := templates.LookupType("residenza")
	if !ok {
		t.Fatal("no residenza template")
	}
	rend, err := templates.New()
	if err != nil {
		t.Fatal(err)
	}
	h := registry.Household{
		ID:      "F000001",
		Address: registry.Address{Toponym: "VIA", Street: "GIUSEPPE GARIBALDI", Number: "12", PostalCode: "26900"},
		Members: []registry.Person{{
			FiscalCode: holderCF, Surname: "ROSSI", Name: "MARIO", Sex: registry.Male, BirthDate: time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC),
			BirthPlace:   registry.Place{ComuneCode: "E648", Name: "LODI", Province: "LO"},
			Citizenships: []registry.Citizenship{{StateCode: registry.StateItaly, Name: "ITALIANA"}},
			CivilStatus:  registry.CivilMarried, Kinship: registry.KinHead,
		}},
	}
	res, err := rend.Render(&templates.Document{
		Type: typ, Code: code, VerifyURL: "http://127.0.0.1:8080/v/" + code, QRText: qrText,
		IssuedAt: issued, ExpiresAt: issued.AddDate(0, 6, 0),
		Issuer:  templates.Issuer{Comune: "LODI", Province: "LO", Office: "Ufficio Anagrafe"},
		Subject: registry.Subject{Person: h.Members[0], Household: h}, Demo: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(res.PDF, []byte(markerPrefix+code)) {
		t.Fatal("the rendered certificate has no code marker")
	}
	return res.PDF
}

// ocspResponse asks rv about cert.
func ocspResponse(t *testing.T, rv *testpki.Revocation, cert, issuer *x509.Certificate) []byte {
	t.Helper()
	req, err := ocsp.CreateRequest(cert, issuer, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(rv.URL+pki.OCSPPath, "application/ocsp-request", bytes.NewReader(req))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	der, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("OCSP: %v %s", err, resp.Status)
	}
	if _, err := ocsp.ParseResponse(der, issuer); err != nil {
		t.Fatal(err)
	}
	return der
}

// TestRealCertificateSeal renders a real certificate whose QR code holds a
// seal URL, seals it with signer/pades, and verifies it: the seal link
// written by the templates (and their PDF/A finishing) is found in the
// signed revision and checked.
func TestRealCertificateSeal(t *testing.T) {
	f := newFixture(t)
	const code = "REA1-0000-0000-0QR5"
	url := sealURL(t, f.pki, sealClaims(code, f.now))
	doc := signPAdES(t, padesSigner(t, f.pki, nil), renderCertificateQR(t, code, f.now, url), f.now)
	if links := findSealLinks(doc); len(links) != 1 || links[0].code != code {
		t.Fatalf("seal links = %+v", links)
	}
	v := f.verifier()
	withRecords(f, v, record(code, doc, f.now))
	r, err := v.VerifyPDF(t.Context(), doc)
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != Valid || states(r.Checks) != withSeal() || r.Seal == nil || r.Seal.Code != code {
		t.Fatalf("%s %s; seal %+v; checks %+v", r.Verdict, states(r.Checks), r.Seal, r.Checks)
	}
	// Without the signature's revision, the same link is still found in
	// the unsigned file, which is then invalid.
	r, err = v.VerifyPDF(t.Context(), renderCertificateQR(t, code, f.now, url))
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != Invalid || states(r.Checks) != unsigned(ko(CheckSeal)) {
		t.Fatalf("unsigned: %s %s", r.Verdict, states(r.Checks))
	}
}

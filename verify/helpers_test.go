package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/sign"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/ledger"
	"certa.example/certa/internal/seal"
	"certa.example/certa/internal/testpki"
	"certa.example/certa/signer/pades"
	"certa.example/certa/signer/tsa"
)

// testPKI is a root CA and a seal certificate issued by it.
type testPKI struct {
	root    *x509.Certificate
	rootKey *ecdsa.PrivateKey
	leaf    *x509.Certificate
	leafKey crypto.Signer
	pool    *x509.CertPool // just the root
}

// newPKI makes an ECDSA P-256 root and a seal certificate (digital
// signature and non-repudiation, not a CA) valid around now. The seal's
// subject carries a codice fiscale in serialNumber, which reports must not
// show.
func newPKI(t testing.TB, org string) testPKI {
	t.Helper()
	rootKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: org + " Test Root CA", Organization: []string{org}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, rootKey.Public(), rootKey)
	if err != nil {
		t.Fatal(err)
	}
	root, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	p := testPKI{root: root, rootKey: rootKey, pool: x509.NewCertPool()}
	p.pool.AddCert(root)
	return p.withSeal(t, nil)
}

// withSeal returns p with a new P-256 seal certificate from the same root;
// tweak, when not nil, changes the seal's template.
func (p testPKI) withSeal(t testing.TB, tweak func(*x509.Certificate)) testPKI {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return p.withSealKey(t, key, tweak)
}

// withSealKey is withSeal with the seal's key given.
func (p testPKI) withSealKey(t testing.TB, key crypto.Signer, tweak func(*x509.Certificate)) testPKI {
	t.Helper()
	org := p.root.Subject.Organization[0]
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(0x5ea1),
		Subject:               pkix.Name{CommonName: "Sigillo " + org, Organization: []string{org}, SerialNumber: holderCF},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(1, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		BasicConstraintsValid: true,
	}
	if tweak != nil {
		tweak(tmpl)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.root, key.Public(), p.rootKey)
	if err != nil {
		t.Fatal(err)
	}
	p.leaf, err = x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	p.leafKey = key
	return p
}

// renderPDF makes a one-page PDF whose Info /Keywords are keywords.
func renderPDF(t testing.TB, keywords string) []byte {
	t.Helper()
	f := fpdf.New("P", "mm", "A4", "")
	f.SetKeywords(keywords, false)
	f.SetTitle("Certificato di residenza", false)
	f.AddPage()
	f.SetFont("Helvetica", "", 14)
	f.Cell(40, 10, "Certificato di residenza")
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// signPDF signs in with the seal of p, as an approval signature.
func signPDF(t testing.TB, p testPKI, in []byte) []byte {
	t.Helper()
	rdr, err := pdf.NewReader(bytes.NewReader(in), int64(len(in)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err = sign.Sign(bytes.NewReader(in), &out, rdr, int64(len(in)), sign.SignData{
		Signature: sign.SignDataSignature{
			CertType: sign.ApprovalSignature,
			Info: sign.SignDataSignatureInfo{
				Name:     "Comune di Prova",
				Location: "Prova",
				Reason:   "Certificato anagrafico",
				Date:     time.Now(),
			},
		},
		Signer:            p.leafKey,
		DigestAlgorithm:   crypto.SHA256,
		Certificate:       p.leaf,
		CertificateChains: [][]*x509.Certificate{{p.leaf, p.root}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// fakeLedger is the simplest ledger.Reader: two maps.
type fakeLedger struct {
	bySum   map[[32]byte]ledger.Record
	byCode  map[string]ledger.Record
	errSum  error // when set, BySHA256 fails with it
	errCode error // when set, ByCode fails with it
}

func newFakeLedger(recs ...ledger.Record) *fakeLedger {
	l := &fakeLedger{bySum: map[[32]byte]ledger.Record{}, byCode: map[string]ledger.Record{}}
	for _, r := range recs {
		l.bySum[r.SHA256] = r
		l.byCode[r.Code] = r
	}
	return l
}

func (l *fakeLedger) ByCode(_ context.Context, code string) (ledger.Record, error) {
	if l.errCode != nil {
		return ledger.Record{}, l.errCode
	}
	r, ok := l.byCode[code]
	if !ok {
		return ledger.Record{}, errs.New(errs.NotFound, "no such code")
	}
	return r, nil
}

func (l *fakeLedger) BySHA256(_ context.Context, sum [32]byte) (ledger.Record, error) {
	if l.errSum != nil {
		return ledger.Record{}, l.errSum
	}
	r, ok := l.bySum[sum]
	if !ok {
		return ledger.Record{}, errs.New(errs.NotFound, "no such file")
	}
	return r, nil
}

const (
	issuedCode  = "ABCD-EFGH-JKMN-PQRS"
	unknownCode = "ZZZZ-ZZZZ-ZZZZ-ZZZ0"
	holderCF    = "RSSMRA80A01H501U"
)

// fixture holds the documents the tests derive their cases from.
type fixture struct {
	pki   testPKI
	other testPKI // a CA the verifier does not trust

	now time.Time

	unsigned       []byte // no signature, no marker
	unsignedMarked []byte // no signature, marker of the issued code
	issued         []byte // signed and in the ledger
	issuedRec      ledger.Record
	resigned       []byte // same content signed again: not in the ledger
	unregistered   []byte // signed, marker of an unknown code
	noMarker       []byte // signed, no marker, not in the ledger
	untrusted      []byte // signed by other, in the ledger
	twice          []byte // issued signed again by the same seal, in the ledger
	caSigned       []byte // signed by a trusted CA certificate, in the ledger
	wrongUsage     []byte // seal without signing key usage, in the ledger
	rsaSigned      []byte // signed by an RSA-2048 seal, in the ledger

	// PAdES documents made by signer/pades, all in the ledger.
	tsa       *testpki.TSA
	rsaPKI    testPKI // an RSA-2048 seal from the trusted root
	padesBB   []byte  // ETSI.CAdES.detached, B-B
	padesBT   []byte  // B-T: with a signature timestamp
	padesBLT  []byte  // padesBT followed by one DSS update
	padesBLT2 []byte  // padesBLT followed by a second DSS update
	padesPSS  []byte  // B-B with RSASSA-PSS
	crl       []byte  // a CRL of the trusted root, for DSS updates

	// Documents with a QR seal link on their last page, signed B-B by
	// pki's seal and in the ledger.
	qr        testPKI // a separate P-256 QR seal certificate of the same comune
	sealed    []byte  // sealed with pki's own seal certificate
	sealedURL string  // its seal URL
	sealedQR  []byte  // sealed with qr's certificate
}

func record(code string, doc []byte, issued time.Time) ledger.Record {
	return ledger.Record{
		Code:      code,
		Type:      "residenza",
		Subject:   holderCF,
		Holder:    "Mario Rossi",
		Comune:    "Prova",
		IssuedAt:  issued,
		ExpiresAt: issued.AddDate(0, 6, 0),
		SHA256:    sha256.Sum256(doc),
		Requester: "test",
		Channel:   "api",
	}
}

// newFixture renders and signs the documents (a few milliseconds).
func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{
		pki:   newPKI(t, "Comune di Prova"),
		other: newPKI(t, "Comune Fasullo"),
		now:   time.Now(),
	}
	marked := renderPDF(t, markerPrefix+issuedCode)
	f.unsigned = renderPDF(t, "certificato")
	f.unsignedMarked = marked
	f.issued = signPDF(t, f.pki, marked)
	f.issuedRec = record(issuedCode, f.issued, f.now)
	f.resigned = signPDF(t, f.pki, marked)
	f.unregistered = signPDF(t, f.pki, renderPDF(t, markerPrefix+unknownCode))
	f.noMarker = signPDF(t, f.pki, f.unsigned)
	f.untrusted = signPDF(t, f.other, renderPDF(t, markerPrefix+"0000-1111-2222-3333"))
	f.twice = signPDF(t, f.pki, f.issued)
	f.caSigned = signPDF(t, f.pki.withSeal(t, func(c *x509.Certificate) {
		c.IsCA = true
		c.KeyUsage |= x509.KeyUsageCertSign
	}), renderPDF(t, "ca"))
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	f.rsaPKI = f.pki.withSealKey(t, rsaKey, nil)
	f.rsaSigned = signPDF(t, f.rsaPKI, renderPDF(t, "rsa"))
	f.wrongUsage = signPDF(t, f.pki.withSeal(t, func(c *x509.Certificate) {
		c.KeyUsage = x509.KeyUsageKeyEncipherment
	}), renderPDF(t, "usage"))

	f.tsa = testpki.NewTSA(t, nil)
	f.crl = newCRL(t, f.pki, f.now)
	f.padesBB = signPAdES(t, padesSigner(t, f.pki, nil), renderPDF(t, markerPrefix+padesCodes[0]), f.now)
	f.padesBT = signPAdES(t, padesSigner(t, f.pki, f.tsa), renderPDF(t, markerPrefix+padesCodes[1]), f.now)
	f.padesBLT = addDSS(t, f.padesBT, pades.Validation{
		Certs: []*x509.Certificate{f.pki.leaf, f.pki.root, f.tsa.Cert, f.tsa.RootCert},
		CRLs:  [][]byte{f.crl},
	})
	f.padesBLT2 = addDSS(t, f.padesBLT, pades.Validation{CRLs: [][]byte{newCRL(t, f.pki, f.now.Add(time.Minute))}})
	f.padesPSS = signPAdES(t, padesSigner(t, f.rsaPKI, nil, func(o *pades.Options) { o.RSAPSS = true }),
		renderPDF(t, markerPrefix+padesCodes[4]), f.now)

	f.qr = f.pki.withSeal(t, func(c *x509.Certificate) { c.Subject.CommonName = "Sigillo QR Comune di Prova" })
	f.sealedURL = sealURL(t, f.pki, sealClaims(sealedCodes[0], f.now))
	f.sealed = signPAdES(t, padesSigner(t, f.pki, nil), renderSealed(t, markerPrefix+sealedCodes[0], f.sealedURL), f.now)
	f.sealedQR = signPAdES(t, padesSigner(t, f.pki, nil),
		renderSealed(t, markerPrefix+sealedCodes[1], sealURL(t, f.qr, sealClaims(sealedCodes[1], f.now))), f.now)
	return f
}

// sealedCodes are the verification codes of the fixture's sealed
// documents.
var sealedCodes = []string{"QRSE-A100-0000-0001", "QRSE-A100-0000-0002"}

// sealBase is the public URL of the QR seals of the tests.
const sealBase = "HTTPS://CERTA.EXAMPLE"

// sealClaims are the claims of a residence certificate with code, issued
// on the day of issued and valid for six months.
func sealClaims(code string, issued time.Time) seal.Claims {
	return seal.Claims{
		Version: seal.Version, Code: code, Type: "residenza", ComuneCode: "H501", ComuneName: "PROVA",
		Issued: issued, Expires: issued.AddDate(0, 6, 0), Holder: "ROSSI MARIO",
		BirthDate: time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC),
		Facts:     map[string]string{"address": "VIA ROMA 1"},
	}
}

// sealURL signs c with p's seal, which must be ECDSA P-256, and returns
// its URL under sealBase.
func sealURL(t testing.TB, p testPKI, c seal.Claims) string {
	t.Helper()
	payload, err := seal.Sign(c, p.leafKey, p.leaf)
	if err != nil {
		t.Fatal(err)
	}
	return seal.URL(sealBase, c.Code, payload)
}

// renderSealed makes a two-page PDF whose Info /Keywords are keywords and
// whose last page has a Link annotation to each of urls, as certa draws
// its QR code.
func renderSealed(t testing.TB, keywords string, urls ...string) []byte {
	t.Helper()
	f := fpdf.New("P", "mm", "A4", "")
	f.SetKeywords(keywords, false)
	f.SetTitle("Certificato di residenza", false)
	f.SetFont("Helvetica", "", 14)
	f.AddPage()
	f.Cell(40, 10, "Certificato di residenza")
	f.LinkString(20, 40, 30, 10, "https://www.example.com/informativa")
	f.AddPage()
	f.Cell(40, 10, "Codice di verifica")
	for i, u := range urls {
		f.LinkString(20, 60+float64(i)*40, 35, 35, u)
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// sealTrust returns a SealTrust function that knows certs.
func sealTrust(certs ...*x509.Certificate) func([]byte) (*x509.Certificate, bool) {
	byKID := map[string]*x509.Certificate{}
	for _, c := range certs {
		byKID[string(seal.KID(c))] = c
	}
	return func(kid []byte) (*x509.Certificate, bool) {
		c, ok := byKID[string(kid)]
		return c, ok
	}
}

// padesCodes are the verification codes of the fixture's PAdES documents,
// in the order of the fixture's fields.
var padesCodes = []string{"PADE-S000-0000-00BB", "PADE-S000-0000-00BT", "PADE-S000-0000-0B1T", "PADE-S000-000B-1T02", "PADE-S000-0000-0PSS"}

// padesSigner returns a signer/pades signer with the seal of p; with a
// TSA, it makes B-T signatures with tokens from it. tweaks change the
// options.
func padesSigner(t testing.TB, p testPKI, ts *testpki.TSA, tweaks ...func(*pades.Options)) *pades.Signer {
	t.Helper()
	o := pades.Options{
		Signer: p.leafKey,
		Chain:  []*x509.Certificate{p.leaf, p.root},
		Name:   "Comune di Prova", Location: "Prova", Reason: "Certificato anagrafico",
	}
	if ts != nil {
		o.Timestamp = tsaFunc(t, ts)
		// The test TSA's tokens take about 1.2 KB; a small reserve keeps
		// the documents, and so the fuzzer's inputs, small.
		o.TimestampReserve = 1500
	}
	for _, tw := range tweaks {
		tw(&o)
	}
	s, err := pades.NewSigner(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// tsaFunc returns a pades timestamp function that asks ts for a token
// over the SHA-256 of the signature value.
func tsaFunc(t testing.TB, ts *testpki.TSA) func(context.Context, []byte) ([]byte, error) {
	t.Helper()
	c, err := tsa.New(ts.URL, tsa.Options{Roots: ts.Roots, Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return func(ctx context.Context, sig []byte) ([]byte, error) {
		d := sha256.Sum256(sig)
		return c.Timestamp(ctx, d[:])
	}
}

// signPAdES signs in with s, with /M at.
func signPAdES(t testing.TB, s *pades.Signer, in []byte, at time.Time) []byte {
	t.Helper()
	out, err := s.Sign(context.Background(), in, at)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// addDSS appends a DSS update with v to signed.
func addDSS(t testing.TB, signed []byte, v pades.Validation) []byte {
	t.Helper()
	out, err := pades.AddDSS(signed, v)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// newCRL makes an empty CRL of p's root, issued at.
func newCRL(t testing.TB, p testPKI, at time.Time) []byte {
	t.Helper()
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(at.Unix()), ThisUpdate: at, NextUpdate: at.Add(24 * time.Hour),
	}, p.root, p.rootKey)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// ledger returns a fresh ledger with the issued, untrusted and twice-signed
// documents.
func (f *fixture) ledger() *fakeLedger {
	return newFakeLedger(
		f.issuedRec,
		record("0000-1111-2222-3333", f.untrusted, f.now),
		record("4444-5555-6666-7777", f.twice, f.now),
		record("8888-9999-AAAA-BBBB", f.caSigned, f.now),
		record("CCCC-DDDD-EEEE-FFFF", f.wrongUsage, f.now),
		record("GGGG-HHHH-JJJJ-KKKK", f.rsaSigned, f.now),
		record(padesCodes[0], f.padesBB, f.now),
		record(padesCodes[1], f.padesBT, f.now),
		record(padesCodes[2], f.padesBLT, f.now),
		record(padesCodes[3], f.padesBLT2, f.now),
		record(padesCodes[4], f.padesPSS, f.now),
		record(sealedCodes[0], f.sealed, f.now),
		record(sealedCodes[1], f.sealedQR, f.now),
	)
}

func (f *fixture) verifier() *Verifier {
	return &Verifier{
		Roots: f.pki.pool, TSARoots: f.tsa.Roots, Ledger: f.ledger(), Now: func() time.Time { return f.now },
		SealTrust: sealTrust(f.pki.leaf, f.qr.leaf, f.other.leaf),
	}
}

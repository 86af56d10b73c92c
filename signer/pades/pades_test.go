package pades_test

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
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitorus/pkcs7"

	"certa.example/certa/signer/pades"
)

var signingTime = time.Date(2026, 11, 23, 10, 30, 0, 0, time.FixedZone("CET", 3600))

func TestNewSignerRejects(t *testing.T) {
	p := thePKI(t)
	ec := p.leaves["P-256"]
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ok := pades.Options{Signer: ec.key, Chain: p.chain("P-256")}
	for _, tc := range []struct {
		name string
		edit func(o *pades.Options)
		want string
	}{
		{"no signer", func(o *pades.Options) { o.Signer = nil }, "required"},
		{"no chain", func(o *pades.Options) { o.Chain = nil }, "required"},
		{"nil certificate", func(o *pades.Options) { o.Chain = []*x509.Certificate{ec.cert, nil} }, "nil"},
		{"wrong key", func(o *pades.Options) { o.Signer = other }, "does not match"},
		{"CA as signer", func(o *pades.Options) { o.Signer = p.rootKey; o.Chain = []*x509.Certificate{p.root} }, "CA certificate"},
		{"broken chain", func(o *pades.Options) { o.Chain = []*x509.Certificate{ec.cert, p.leaves["RSA-2048"].cert} }, "not issued"},
		{"SHA-1", func(o *pades.Options) { o.Hash = crypto.SHA1 }, "SHA-256"},
		{"PSS with ECDSA", func(o *pades.Options) { o.RSAPSS = true }, "RSAPSS"},
		{"RSA-1024", func(o *pades.Options) { o.Signer = weak; o.Chain = []*x509.Certificate{selfLeaf(t, weak)} }, "2048"},
		{"DocMDP 4", func(o *pades.Options) { o.DocMDP = 4 }, "DocMDP"},
		{"period in field name", func(o *pades.Options) { o.FieldName = "a.b" }, "period"},
		{"invalid UTF-8", func(o *pades.Options) { o.Reason = "\xff" }, "UTF-8"},
		{"negative timestamp reserve", func(o *pades.Options) { o.Timestamp = p.tsaFunc(new(atomic.Int32)); o.TimestampReserve = -1 }, "TimestampReserve"},
		{"huge timestamp reserve", func(o *pades.Options) { o.Timestamp = p.tsaFunc(new(atomic.Int32)); o.TimestampReserve = 1 << 30 }, "TimestampReserve"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := ok
			tc.edit(&o)
			_, err := pades.NewSigner(o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	if _, err := pades.NewSigner(ok); err != nil {
		t.Fatal(err)
	}
}

// selfLeaf is a self-signed non-CA certificate for key.
func selfLeaf(t testing.TB, key crypto.Signer) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(9), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c
}

// keyCases are the key and algorithm combinations signed in the tests.
var keyCases = []struct {
	key  string
	hash crypto.Hash
	pss  bool
}{
	{"P-256", crypto.SHA256, false},
	{"P-384", crypto.SHA384, false},
	{"RSA-2048", crypto.SHA256, false},
	{"RSA-3072", crypto.SHA512, false},
	{"RSA-2048", crypto.SHA256, true},
	{"RSA-3072", crypto.SHA384, true},
}

func caseName(key string, h crypto.Hash, pss bool) string {
	n := key + "/" + h.String()
	if pss {
		n += "/PSS"
	}
	return n
}

// TestSignCMS checks each key type's output without external tools: the
// update's layout, the byte range, and the CMS (decoded with
// encoding/asn1, verified with crypto/* and digitorus/pkcs7).
func TestSignCMS(t *testing.T) {
	p := thePKI(t)
	doc := makePDF(t, pdfOpts{})
	for _, kc := range keyCases {
		t.Run(caseName(kc.key, kc.hash, kc.pss), func(t *testing.T) {
			l := p.leaves[kc.key]
			cs := &countingSigner{Signer: l.key}
			s, err := pades.NewSigner(pades.Options{Signer: cs, Chain: p.chain(kc.key), Hash: kc.hash, RSAPSS: kc.pss, Name: "Comune di Forlì"})
			if err != nil {
				t.Fatal(err)
			}
			if s.Level() != pades.BB {
				t.Errorf("level %v", s.Level())
			}
			out, err := s.Sign(context.Background(), doc, signingTime)
			if err != nil {
				t.Fatal(err)
			}
			if n := cs.calls.Load(); n != 1 {
				t.Errorf("key used %d times", n)
			}
			checkSigned(t, doc, out, 1)
			sigs := signatures(t, out)
			verifyCMS(t, out, sigs[0], l.cert, kc.hash, kc.pss)
			// The placeholder is sized from the key: 16 bytes of slack,
			// plus what a short ECDSA signature leaves unused.
			if slack := s.ReservedBytes() - len(sigs[0].cms); slack < 16 || slack > 24 {
				t.Errorf("reserved %d bytes for a %d-byte CMS", s.ReservedBytes(), len(sigs[0].cms))
			}
		})
	}
}

// checkSigned checks the layout common to every signed output: the
// input is a prefix, there are want signatures, and the newest covers
// the whole file but its /Contents.
func checkSigned(t testing.TB, in, out []byte, want int) {
	t.Helper()
	if !bytes.HasPrefix(out, in) {
		t.Fatal("output does not start with the input")
	}
	if !bytes.HasSuffix(out, []byte("%%EOF\n")) {
		t.Fatal("output does not end with the EOF marker")
	}
	sigs := signatures(t, out)
	if len(sigs) != want {
		t.Fatalf("%d signatures, want %d", len(sigs), want)
	}
	br := sigs[len(sigs)-1].byteRange
	if br[0] != 0 || br[2]+br[3] != len(out) || br[1] <= len(in) {
		t.Fatalf("ByteRange %v does not cover the %d-byte file", br, len(out))
	}
	if strings.Contains(sigs[len(sigs)-1].dict, "/Contents <...>") == false {
		t.Fatalf("gap is not exactly the /Contents string: %s", sigs[len(sigs)-1].dict)
	}
}

// verifyCMS checks the CMS of sig in pdf against the PAdES B-B profile.
func verifyCMS(t testing.TB, pdf []byte, sig sigInfo, leaf *x509.Certificate, h crypto.Hash, pss bool) cmsParts {
	t.Helper()
	content := signedContent(pdf, sig)
	c := decodeCMS(t, sig.cms, h)
	sd := c.signedData
	if sd.Version != 1 || c.signer.Version != 1 {
		t.Errorf("versions %d/%d, want 1/1", sd.Version, c.signer.Version)
	}
	if len(sd.Encap.Bytes) != 11 { // eContentType only: detached
		t.Errorf("encapContentInfo is not detached id-data")
	}
	if len(sd.DigestAlgs) != 1 || len(sd.DigestAlgs[0].Parameters.FullBytes) != 0 {
		t.Errorf("digestAlgorithms %v: want one, without parameters", sd.DigestAlgs)
	}
	if _, ok := c.attr(oidSigningTime); ok {
		t.Error("signing-time attribute present; PAdES puts the time in /M")
	}
	if len(c.signedAttrs) != 3 {
		t.Errorf("%d signed attributes, want 3", len(c.signedAttrs))
	}
	if v, ok := c.attr(oidContentType); !ok || !bytes.Contains(v.FullBytes, []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01}) {
		t.Error("contentType is not id-data")
	}
	d := h.New()
	d.Write(content)
	digest := d.Sum(nil)
	v, ok := c.attr(oidMessageDigest)
	var md []byte
	if ok {
		_, _ = asn1.Unmarshal(v.Bytes, &md)
	}
	if !bytes.Equal(md, digest) {
		t.Error("messageDigest is not the hash of the byte ranges")
	}
	// signing-certificate-v2: SEQUENCE { SEQUENCE OF ESSCertIDv2 }, the
	// ESSCertIDv2 starting with certHash (SHA-256 is the DEFAULT hash).
	v, ok = c.attr(oidSigningCertV2)
	if !ok {
		t.Fatal("no signing-certificate-v2 attribute")
	}
	var scv2 struct {
		Certs []struct {
			CertHash     []byte
			IssuerSerial struct {
				Issuer []asn1.RawValue
				Serial *big.Int
			}
		}
	}
	if _, err := asn1.Unmarshal(v.Bytes, &scv2); err != nil || len(scv2.Certs) != 1 {
		t.Fatalf("signing-certificate-v2: %v", err)
	}
	want := sha256.Sum256(leaf.Raw)
	cid := scv2.Certs[0]
	if !bytes.Equal(cid.CertHash, want[:]) || cid.IssuerSerial.Serial.Cmp(leaf.SerialNumber) != 0 ||
		len(cid.IssuerSerial.Issuer) != 1 || cid.IssuerSerial.Issuer[0].Tag != 4 || !bytes.Equal(cid.IssuerSerial.Issuer[0].Bytes, leaf.RawIssuer) {
		t.Error("signing-certificate-v2 does not identify the signer certificate")
	}

	// The signature, with crypto/* directly.
	var err error
	switch pub := leaf.PublicKey.(type) {
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(pub, c.signedDigest, c.signer.Signature) {
			err = errors.New("ECDSA verification failed")
		}
	case *rsa.PublicKey:
		if pss {
			err = rsa.VerifyPSS(pub, h, c.signedDigest, c.signer.Signature, &rsa.PSSOptions{SaltLength: h.Size(), Hash: h})
			if !c.signer.SigAlg.Algorithm.Equal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}) {
				t.Errorf("PSS signature algorithm %v", c.signer.SigAlg.Algorithm)
			}
		} else {
			err = rsa.VerifyPKCS1v15(pub, h, c.signedDigest, c.signer.Signature)
		}
	}
	if err != nil {
		t.Fatal(err)
	}

	// And with digitorus/pkcs7, which re-encodes the attributes (so this
	// also checks they are DER). It does not know RSASSA-PSS.
	p7, err := pkcs7.Parse(sig.cms)
	if err != nil {
		t.Fatalf("pkcs7: %v", err)
	}
	if len(p7.Certificates) != 2 {
		t.Errorf("%d certificates in the CMS, want the chain of 2", len(p7.Certificates))
	}
	if !pss {
		p7.Content = content
		if err := p7.Verify(); err != nil {
			t.Fatalf("pkcs7 verify: %v", err)
		}
	}
	return c
}

// TestSignText checks the signature dictionary's text strings and date.
func TestSignText(t *testing.T) {
	p := thePKI(t)
	s, err := pades.NewSigner(pades.Options{
		Signer: p.leaves["P-256"].key, Chain: p.chain("P-256"),
		Name: "Comune di Forlì", Location: "Lodi", Reason: `Certificato (prova) \ x`, ContactInfo: "anagrafe@comune.forli.fc.it",
		FieldName: "Sigillo Forlì",
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Sign(context.Background(), makePDF(t, pdfOpts{}), signingTime)
	if err != nil {
		t.Fatal(err)
	}
	d := signatures(t, out)[0].dict
	for _, want := range []string{
		"/Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached",
		"/M (D:20261123103000+01'00')",
		"/Name <FEFF0043006F006D0075006E006500200064006900200046006F0072006C00EC>",
		"/Location (Lodi)",
		`/Reason (Certificato \(prova\) \\ x)`,
		"/ContactInfo (anagrafe@comune.forli.fc.it)",
	} {
		if !strings.Contains(d, want) {
			t.Errorf("signature dictionary lacks %s:\n%s", want, d)
		}
	}
	if strings.Contains(d, "/Reference") {
		t.Error("approval signature has a /Reference")
	}
	if !bytes.Contains(out, []byte("/T <FEFF0053006900670069006C006C006F00200046006F0072006C00EC>")) {
		t.Error("field name not UTF-16BE")
	}
}

// TestSignTwice signs a signed document again: the second update chains
// to the first and the form gets a second, uniquely named field.
func TestSignTwice(t *testing.T) {
	p := thePKI(t)
	doc := makePDF(t, pdfOpts{link: true})
	s1, _ := pades.NewSigner(pades.Options{Signer: p.leaves["P-256"].key, Chain: p.chain("P-256")})
	s2, _ := pades.NewSigner(pades.Options{Signer: p.leaves["RSA-2048"].key, Chain: p.chain("RSA-2048")})
	one, err := s1.Sign(context.Background(), doc, signingTime)
	if err != nil {
		t.Fatal(err)
	}
	two, err := s2.Sign(context.Background(), one, signingTime.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	checkSigned(t, one, two, 2)
	sigs := signatures(t, two)
	verifyCMS(t, two, sigs[0], p.leaves["P-256"].cert, crypto.SHA256, false)
	verifyCMS(t, two, sigs[1], p.leaves["RSA-2048"].cert, crypto.SHA256, false)
	if br := sigs[0].byteRange; br[2]+br[3] != len(one) {
		t.Errorf("first signature covers %d bytes, want %d", br[2]+br[3], len(one))
	}
	tail := string(two[len(one):])
	for _, want := range []string{"/T (Sigillo_2)", "/Prev " + startxref(t, one), "/Fields [ 9 0 R 12 0 R]", "/Size 14"} {
		if !strings.Contains(tail, want) {
			t.Errorf("second update lacks %q:\n%s", want, tail[strings.Index(tail, "endobj"):])
		}
	}
	// The permanent /ID is kept, the second element changes.
	id1, id2 := trailerID(t, one), trailerID(t, two)
	if id1[0] != id2[0] || id1[1] == id2[1] {
		t.Errorf("/ID %v then %v", id1, id2)
	}
}

func startxref(t testing.TB, pdf []byte) string {
	t.Helper()
	i := bytes.LastIndex(pdf, []byte("startxref"))
	return strings.Fields(string(pdf[i+len("startxref"):]))[0]
}

func trailerID(t testing.TB, pdf []byte) [2]string {
	t.Helper()
	i := bytes.LastIndex(pdf, []byte("/ID ["))
	end := i + bytes.IndexByte(pdf[i:], ']')
	f := strings.Fields(strings.NewReplacer("[", " ", "]", " ").Replace(string(pdf[i+4 : end])))
	if len(f) != 2 {
		t.Fatalf("bad /ID %q", f)
	}
	return [2]string{f[0], f[1]}
}

// TestSignStructures signs hand-written documents covering the shapes
// the writer must merge with: indirect /AcroForm, /Fields and /Annots,
// an existing field of the same name, a deeper page tree, comments and
// CRLF line ends.
func TestSignStructures(t *testing.T) {
	p := thePKI(t)
	s, _ := pades.NewSigner(pades.Options{Signer: p.leaves["P-256"].key, Chain: p.chain("P-256")})
	page := "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"
	for _, tc := range []struct {
		name  string
		objs  []string
		want  []string // substrings of the update
		avoid []string
	}{
		{"minimal", []string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page},
			[]string{"1 0 obj\n<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [ 5 0 R] /SigFlags 3>> >>", "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Annots [ 5 0 R] >>", "/P 3 0 R"}, nil},
		{"indirect AcroForm, Fields and Annots", []string{
			"<< /Type /Catalog /Pages 2 0 R /AcroForm 4 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
			"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Annots 6 0 R >>",
			"<< /Fields 5 0 R /DA (/Helv 0 Tf 0 g) /SigFlags 1 >>", "[7 0 R]", "[7 0 R]",
			"<< /FT /Tx /T (Sigillo) /Type /Annot /Subtype /Widget /Rect [0 0 10 10] /P 3 0 R >>"},
			[]string{"4 0 obj\n<< /DA (/Helv 0 Tf 0 g) /Fields 5 0 R /SigFlags 3>>", "5 0 obj\n[7 0 R 9 0 R]", "6 0 obj\n[7 0 R 9 0 R]", "/T (Sigillo_2)"},
			[]string{"1 0 obj", "3 0 obj"}},
		{"direct AcroForm with other keys", []string{
			"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [] /NeedAppearances false /SigFlags 0 >> /Lang (it-IT) >>",
			"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page},
			[]string{"/Lang (it-IT) /AcroForm << /NeedAppearances false /Fields [ 5 0 R] /SigFlags 3>>"}, []string{"/SigFlags 0"}},
		{"nested page tree, comments, null Annots", []string{
			"<< /Type /Catalog % the catalog\r\n /Pages 2 0 R >>", "<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
			"<< /Type /Page /Parent 4 0 R /Annots null /MediaBox [0 0 200 200] >>", "<< /Type /Pages /Parent 2 0 R /Kids [3 0 R] /Count 1 >>"},
			[]string{"3 0 obj\n<< /Type /Page /Parent 4 0 R /MediaBox [0 0 200 200] /Annots [ 6 0 R] >>", "/P 3 0 R"}, nil},
		{"escaped names", []string{"<< /Type /Cat#61log /Pages 2 0 R /Acro#46orm << /Fields [] >> >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page},
			[]string{"/Type /Cat#61log /Pages 2 0 R /AcroForm << /Fields [ 5 0 R] /SigFlags 3>>"}, []string{"#46"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := buildPDF(tc.objs, "")
			out, err := s.Sign(context.Background(), doc, signingTime)
			if err != nil {
				t.Fatal(err)
			}
			checkSigned(t, doc, out, 1)
			upd := string(out[len(doc):])
			for _, w := range tc.want {
				if !strings.Contains(upd, w) {
					t.Errorf("update lacks %q:\n%s", w, upd[strings.Index(upd, "endobj"):])
				}
			}
			for _, w := range tc.avoid {
				if strings.Contains(upd, w) {
					t.Errorf("update has %q:\n%s", w, upd[strings.Index(upd, "endobj"):])
				}
			}
			checkTools(t, out, nil)
		})
	}
}

// TestSignRejects feeds documents the writer must refuse, with a clear
// error and never a panic.
func TestSignRejects(t *testing.T) {
	p := thePKI(t)
	s, _ := pades.NewSigner(pades.Options{Signer: p.leaves["P-256"].key, Chain: p.chain("P-256")})
	cat := "<< /Type /Catalog /Pages 2 0 R >>"
	pages := "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
	page := "<< /Type /Page /Parent 2 0 R >>"
	good := buildPDF([]string{cat, pages, page}, "")
	xrefAt := bytes.Index(good, []byte("xref\n"))
	for _, tc := range []struct {
		name string
		pdf  []byte
		want string
	}{
		{"empty", nil, "not a PDF"},
		{"no EOF", good[:len(good)-7], "%%EOF"},
		{"no startxref", bytes.Replace(good, []byte("startxref"), []byte("startxrez"), 1), "startxref"},
		{"xref stream", []byte(fmt.Sprintf("%%PDF-1.5\n1 0 obj\n<< /Type /XRef >>\nstream\nendstream\nendobj\nstartxref\n9\n%%%%EOF\n")), "cross-reference streams"},
		{"encrypted", buildPDF([]string{cat, pages, page}, " /Encrypt 5 0 R"), "encrypted"},
		{"hybrid", buildPDF([]string{cat, pages, page}, " /XRefStm 5"), "hybrid"},
		{"Prev loop", buildPDF([]string{cat, pages, page}, fmt.Sprintf(" /Prev %d", xrefAt)), "loops"},
		{"Prev outside", buildPDF([]string{cat, pages, page}, " /Prev 999999"), "outside"},
		{"Size too small", bytes.Replace(good, []byte("/Size 4"), []byte("/Size 3"), 1), "exceed /Size"},
		{"no Root", bytes.Replace(good, []byte("/Root 1 0 R"), []byte("/Rooo 1 0 R"), 1), "/Root"},
		{"root not catalog", buildPDF([]string{pages, cat, page}, ""), "Catalog"},
		{"object is a stream", buildPDF([]string{"<< /Length 0 >>\nstream\n\nendstream", pages, page}, ""), "stream"},
		{"bad xref entry", bytes.Replace(good, []byte(" 00000 n\r\n"), []byte(" 00000 x\r\n"), 1), "xref"},
		{"wrong offset", bytes.Replace(good, []byte("1 0 obj"), []byte("7 0 obj"), 1), "not found"},
		{"no pages", buildPDF([]string{cat, "<< /Type /Pages /Kids [] /Count 0 >>"}, ""), "no pages"},
		{"page tree loop", buildPDF([]string{cat, "<< /Type /Pages /Kids [2 0 R] /Count 1 >>"}, ""), "too deep"},
		{"free object", buildPDF([]string{"<< /Type /Catalog /Pages 4 0 R >>", pages, page}, ""), "beyond /Size"},
		{"unterminated dictionary", buildPDF([]string{"<< /Type /Catalog /Pages 2 0 R", pages, page}, ""), "unexpected"},
		{"deep nesting", buildPDF([]string{"<< /Type /Catalog /Pages 2 0 R /X " + strings.Repeat("[", 100) + strings.Repeat("]", 100) + " >>", pages, page}, ""), "nested"},
		{"Annots not array", buildPDF([]string{cat, pages, "<< /Type /Page /Parent 2 0 R /Annots 5 >>"}, ""), "Annots"},
		{"certified P=1", buildPDF([]string{"<< /Type /Catalog /Pages 2 0 R /Perms << /DocMDP 4 0 R >> >>", pages, page,
			"<< /Type /Sig /Reference [<< /Type /SigRef /TransformMethod /DocMDP /TransformParams << /P 1 /V /1.2 >> >>] >>"}, ""), "P=1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := s.Sign(context.Background(), tc.pdf, signingTime)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v (output %d bytes), want an error containing %q", err, len(out), tc.want)
			}
		})
	}
	t.Run("cancelled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := s.Sign(ctx, good, signingTime); !errors.Is(err, context.Canceled) {
			t.Fatal(err)
		}
	})
	t.Run("zero time", func(t *testing.T) {
		if _, err := s.Sign(context.Background(), good, time.Time{}); err == nil {
			t.Fatal("zero time accepted")
		}
	})
}

// TestTimestampErrors checks that a failing or wrong TSA answer stops
// signing instead of producing a broken document.
func TestTimestampErrors(t *testing.T) {
	p := thePKI(t)
	doc := makePDF(t, pdfOpts{})
	good := p.tsaFunc(new(atomic.Int32))
	for _, tc := range []struct {
		name    string
		ts      func(context.Context, []byte) ([]byte, error)
		reserve int
		want    string
	}{
		{"TSA error", func(context.Context, []byte) ([]byte, error) { return nil, errors.New("tsa down") }, 0, "tsa down"},
		{"empty token", func(context.Context, []byte) ([]byte, error) { return nil, nil }, 0, "empty"},
		{"not a token", func(context.Context, []byte) ([]byte, error) { return []byte{0x30, 0x00}, nil }, 0, "TimeStampToken"},
		{"token over other data", func(ctx context.Context, sig []byte) ([]byte, error) { return good(ctx, []byte("other")) }, 0, "imprint"},
		{"token too large", good, 64, "raise TimestampReserve"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := pades.NewSigner(pades.Options{Signer: p.leaves["P-256"].key, Chain: p.chain("P-256"), Timestamp: tc.ts, TimestampReserve: tc.reserve})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Sign(context.Background(), doc, signingTime); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

// TestConcurrentSign shares one Signer between goroutines (run with -race).
func TestConcurrentSign(t *testing.T) {
	p := thePKI(t)
	s, _ := pades.NewSigner(pades.Options{Signer: p.leaves["P-256"].key, Chain: p.chain("P-256")})
	doc := makePDF(t, pdfOpts{link: true})
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func() {
			out, err := s.Sign(context.Background(), doc, signingTime)
			if err == nil && !bytes.HasPrefix(out, doc) {
				err = errors.New("output does not start with the input")
			}
			errs <- err
		}()
	}
	for i := 0; i < 8; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

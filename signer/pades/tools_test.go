package pades_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"certa.example/certa/internal/testutil"
	"certa.example/certa/signer/pades"
)

// checkTools runs qpdf --check on pdf, and pdftotext when want is not
// empty, and returns the file's path.
func checkTools(t *testing.T, pdf []byte, want []string) string {
	t.Helper()
	testutil.RequireTools(t, "qpdf", "pdftotext")
	path := testutil.WriteTemp(t, "signed.pdf", pdf)
	if out, code := testutil.Run(t, "qpdf", "--check", path); code != 0 {
		t.Fatalf("qpdf --check exit %d:\n%s", code, out)
	}
	if len(want) > 0 {
		text, code := testutil.Output(t, "pdftotext", path, "-")
		if code != 0 {
			t.Fatalf("pdftotext exit %d", code)
		}
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("pdftotext lost %q:\n%s", w, text)
			}
		}
	}
	return path
}

// pdfsigReport is pdfsig's verdict on each signature, in file order.
type pdfsigReport struct {
	raw  string
	sigs []sigVerdict
}

type sigVerdict struct {
	valid, trusted, total bool
	subFilter             string
	text                  string
}

func runPdfsig(t *testing.T, nss, path string) pdfsigReport {
	t.Helper()
	testutil.RequireTools(t, "pdfsig")
	out, _ := testutil.Run(t, "pdfsig", "-nssdir", nss, path)
	r := pdfsigReport{raw: out}
	parts := strings.Split(out, "Signature #")
	for _, s := range parts[1:] {
		v := sigVerdict{
			valid:   strings.Contains(s, "Signature Validation: Signature is Valid."),
			trusted: strings.Contains(s, "Certificate Validation: Certificate is Trusted."),
			total:   strings.Contains(s, "Total document signed"),
			text:    s,
		}
		if i := strings.Index(s, "Signature Type: "); i >= 0 {
			v.subFilter = strings.Fields(s[i+len("Signature Type: "):])[0]
		}
		r.sigs = append(r.sigs, v)
	}
	return r
}

// opensslCMSVerify verifies the CMS of sig over pdf with OpenSSL, which
// also checks the ESS signing-certificate-v2 attribute.
func opensslCMSVerify(t *testing.T, p *testPKI, pdf []byte, sig sigInfo) {
	t.Helper()
	testutil.RequireTools(t, "openssl")
	dir := t.TempDir()
	cms, data := filepath.Join(dir, "sig.der"), filepath.Join(dir, "data.bin")
	os.WriteFile(cms, sig.cms, 0o600)
	os.WriteFile(data, signedContent(pdf, sig), 0o600)
	out, code := testutil.Run(t, "openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", cms, "-content", data,
		"-CAfile", p.rootPEM, "-purpose", "any", "-out", os.DevNull)
	if code != 0 || !strings.Contains(out, "Verification successful") {
		t.Fatalf("openssl cms -verify exit %d:\n%s", code, out)
	}
}

// TestToolsBB signs with each key type and checks the result with
// pdfsig (NSS), OpenSSL, qpdf and pdftotext.
func TestToolsBB(t *testing.T) {
	p := thePKI(t)
	nss := testutil.NSSDB(t, p.rootPEM)
	doc := makePDF(t, pdfOpts{link: true})
	for _, kc := range keyCases {
		t.Run(caseName(kc.key, kc.hash, kc.pss), func(t *testing.T) {
			s, err := pades.NewSigner(pades.Options{Signer: p.leaves[kc.key].key, Chain: p.chain(kc.key), Hash: kc.hash, RSAPSS: kc.pss,
				Name: "Comune di Forlì", Location: "Forlì", Reason: "Certificato anagrafico (prova)"})
			if err != nil {
				t.Fatal(err)
			}
			out, err := s.Sign(context.Background(), doc, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			path := checkTools(t, out, []string{"certificato di prova"})
			opensslCMSVerify(t, p, out, signatures(t, out)[0])
			r := runPdfsig(t, nss, path)
			t.Logf("pdfsig:\n%s", r.raw)
			if len(r.sigs) != 1 || !r.sigs[0].valid || !r.sigs[0].trusted || !r.sigs[0].total || r.sigs[0].subFilter != "ETSI.CAdES.detached" {
				t.Fatalf("pdfsig:\n%s", r.raw)
			}
			// The link annotation survives next to the widget.
			objs, trailer := qpdfJSON(t, path)
			cat := deref(t, objs, trailer["/Root"])
			pages := deref(t, objs, cat["/Pages"])
			page := deref(t, objs, pages["/Kids"].([]any)[0])
			if annots := page["/Annots"].([]any); len(annots) != 2 {
				t.Errorf("page 1 /Annots = %v, want the link and the widget", annots)
			}
			if id, ok := trailer["/ID"].([]any); !ok || len(id) != 2 {
				t.Errorf("trailer /ID = %v", trailer["/ID"])
			}
			// An appended byte must show in pdfsig's verdict.
			tampered := testutil.WriteTemp(t, "tampered.pdf", append(bytes.Clone(out), "\n% tail\n"...))
			if r := runPdfsig(t, nss, tampered); len(r.sigs) != 1 || r.sigs[0].total {
				t.Fatalf("pdfsig after appending:\n%s", r.raw)
			}
		})
	}
}

// TestToolsTwoSignatures signs twice, with different keys.
func TestToolsTwoSignatures(t *testing.T) {
	p := thePKI(t)
	nss := testutil.NSSDB(t, p.rootPEM)
	doc := makePDF(t, pdfOpts{link: true, pages: 2})
	s1, _ := pades.NewSigner(pades.Options{Signer: p.leaves["P-256"].key, Chain: p.chain("P-256"), Name: "Ufficio anagrafe"})
	s2, _ := pades.NewSigner(pades.Options{Signer: p.leaves["RSA-3072"].key, Chain: p.chain("RSA-3072"), Name: "Sindaco", Hash: crypto.SHA384})
	one, err := s1.Sign(context.Background(), doc, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	two, err := s2.Sign(context.Background(), one, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	path := checkTools(t, two, []string{"pagina 1", "pagina 2"})
	r := runPdfsig(t, nss, path)
	t.Logf("pdfsig:\n%s", r.raw)
	if len(r.sigs) != 2 {
		t.Fatalf("pdfsig:\n%s", r.raw)
	}
	for i, v := range r.sigs {
		if !v.valid || !v.trusted {
			t.Errorf("signature %d: %s", i+1, v.text)
		}
	}
	if r.sigs[0].total || !r.sigs[1].total {
		t.Errorf("want only the second signature to cover the whole document:\n%s", r.raw)
	}
	objs, trailer := qpdfJSON(t, path)
	acro := deref(t, objs, deref(t, objs, trailer["/Root"])["/AcroForm"])
	if f := acro["/Fields"].([]any); len(f) != 2 {
		t.Errorf("/Fields = %v", f)
	}
}

// TestToolsAfterPdfsign adds a signature to a document that certa's
// current signer (github.com/digitorus/pdfsign) signed first.
func TestToolsAfterPdfsign(t *testing.T) {
	p := thePKI(t)
	nss := testutil.NSSDB(t, p.rootPEM)
	one, err := pdfsignSign(p.leaves["P-256"].key, p.chain("P-256"), makePDF(t, pdfOpts{link: true}), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s, _ := pades.NewSigner(pades.Options{Signer: p.leaves["RSA-2048"].key, Chain: p.chain("RSA-2048")})
	two, err := s.Sign(context.Background(), one, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	r := runPdfsig(t, nss, checkTools(t, two, []string{"certificato di prova"}))
	t.Logf("pdfsig:\n%s", r.raw)
	if len(r.sigs) != 2 || !r.sigs[0].valid || !r.sigs[1].valid || !r.sigs[1].trusted || !r.sigs[1].total ||
		r.sigs[0].subFilter != "adbe.pkcs7.detached" || r.sigs[1].subFilter != "ETSI.CAdES.detached" {
		t.Fatalf("pdfsig:\n%s", r.raw)
	}
}

// TestToolsBT makes a B-T signature with an RFC 3161 token from a test
// TSA and checks the token with OpenSSL.
func TestToolsBT(t *testing.T) {
	p := thePKI(t)
	nss := testutil.NSSDB(t, p.rootPEM)
	var calls atomic.Int32
	s, err := pades.NewSigner(pades.Options{Signer: p.leaves["P-256"].key, Chain: p.chain("P-256"), Timestamp: p.tsaFunc(&calls), Name: "Comune di Forlì"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Level() != pades.BT {
		t.Errorf("level %v", s.Level())
	}
	doc := makePDF(t, pdfOpts{})
	out, err := s.Sign(context.Background(), doc, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 1 {
		t.Errorf("TSA called %d times", calls.Load())
	}
	sig := signatures(t, out)[0]
	c := verifyCMS(t, out, sig, p.leaves["P-256"].cert, crypto.SHA256, false)
	if len(c.unsigned) != 1 || !c.unsigned[0].Type.Equal(oidTSToken) {
		t.Fatalf("unsigned attributes %v, want one signature-time-stamp-token", c.unsigned)
	}
	token := c.unsigned[0].Values.Bytes // the SET's only element
	path := checkTools(t, out, []string{"certificato di prova"})
	opensslCMSVerify(t, p, out, sig)

	testutil.RequireTools(t, "openssl")
	dir := t.TempDir()
	tokenPath := filepath.Join(dir, "token.der")
	os.WriteFile(tokenPath, token, 0o600)
	digest := sha256.Sum256(c.signer.Signature)
	o, code := testutil.Run(t, "openssl", "ts", "-verify", "-in", tokenPath, "-token_in", "-digest", hex.EncodeToString(digest[:]), "-CAfile", p.rootPEM)
	t.Logf("openssl ts -verify: %s", strings.TrimSpace(o))
	if code != 0 || !strings.Contains(o, "Verification: OK") {
		t.Fatalf("openssl ts -verify exit %d:\n%s", code, o)
	}
	r := runPdfsig(t, nss, path)
	t.Logf("pdfsig:\n%s", r.raw)
	if len(r.sigs) != 1 || !r.sigs[0].valid || !r.sigs[0].trusted || !r.sigs[0].total {
		t.Fatalf("pdfsig:\n%s", r.raw)
	}
}

// TestToolsBLT adds a DSS to a B-T signature, then extends it.
func TestToolsBLT(t *testing.T) {
	p := thePKI(t)
	nss := testutil.NSSDB(t, p.rootPEM)
	l := p.leaves["P-256"]
	s, _ := pades.NewSigner(pades.Options{Signer: l.key, Chain: p.chain("P-256"), Timestamp: p.tsaFunc(new(atomic.Int32))})
	signed, err := s.Sign(context.Background(), makePDF(t, pdfOpts{link: true}), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	crl, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: now, NextUpdate: now.Add(24 * time.Hour)}, p.root, p.rootKey)
	if err != nil {
		t.Fatal(err)
	}
	ocspResp, err := ocsp.CreateResponse(p.root, p.root, ocsp.Response{Status: ocsp.Good, SerialNumber: l.cert.SerialNumber, ThisUpdate: now, NextUpdate: now.Add(time.Hour)}, p.rootKey)
	if err != nil {
		t.Fatal(err)
	}
	v := pades.Validation{
		Certs: []*x509.Certificate{l.cert, p.root, p.tsa.cert, p.root}, // the duplicate is dropped
		CRLs:  [][]byte{crl, crl},
		OCSPs: [][]byte{ocspResp},
	}
	lt, err := pades.AddDSS(signed, v)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(lt, signed) {
		t.Fatal("AddDSS output does not start with its input")
	}
	path := checkTools(t, lt, []string{"certificato di prova"})
	r := runPdfsig(t, nss, path)
	t.Logf("pdfsig after AddDSS:\n%s", r.raw)
	if len(r.sigs) != 1 || !r.sigs[0].valid || !r.sigs[0].trusted || r.sigs[0].total {
		t.Fatalf("pdfsig:\n%s", r.raw)
	}

	sig := signatures(t, lt)[0]
	sum := sha1.Sum(sig.contents)
	vriKey := "/" + strings.ToUpper(hex.EncodeToString(sum[:]))
	checkDSS(t, path, vriKey, map[string][][]byte{
		"/Certs": {l.cert.Raw, p.root.Raw, p.tsa.cert.Raw}, "/CRLs": {crl}, "/OCSPs": {ocspResp},
	})

	// A second AddDSS extends the store.
	crl2, _ := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(2), ThisUpdate: now, NextUpdate: now.Add(48 * time.Hour)}, p.root, p.rootKey)
	lt2, err := pades.AddDSS(lt, pades.Validation{CRLs: [][]byte{crl2}})
	if err != nil {
		t.Fatal(err)
	}
	path2 := checkTools(t, lt2, nil)
	checkDSS(t, path2, vriKey, map[string][][]byte{
		"/Certs": {l.cert.Raw, p.root.Raw, p.tsa.cert.Raw}, "/CRLs": {crl, crl2}, "/OCSPs": {ocspResp},
	})
	if r := runPdfsig(t, nss, path2); len(r.sigs) != 1 || !r.sigs[0].valid {
		t.Fatalf("pdfsig after a second AddDSS:\n%s", r.raw)
	}
}

// checkDSS reads the DSS with qpdf and compares its streams with want.
func checkDSS(t *testing.T, path, vriKey string, want map[string][][]byte) {
	t.Helper()
	objs, trailer := qpdfJSON(t, path)
	cat := deref(t, objs, trailer["/Root"])
	dss := deref(t, objs, cat["/DSS"])
	for key, items := range want {
		arr, _ := dss[key].([]any)
		if len(arr) != len(items) {
			t.Fatalf("DSS %s has %d entries, want %d", key, len(arr), len(items))
		}
		for i, it := range arr {
			data, err := base64.StdEncoding.DecodeString(deref(t, objs, it)["data"].(string))
			if err != nil || !bytes.Equal(data, items[i]) {
				t.Errorf("DSS %s[%d] does not hold the expected DER", key, i)
			}
		}
	}
	vri := deref(t, objs, dss["/VRI"])
	if _, ok := vri[vriKey]; !ok {
		t.Errorf("DSS /VRI lacks %s: %v", vriKey, vri)
	}
}

// TestToolsDocMDP makes certification signatures and checks what may
// follow them.
func TestToolsDocMDP(t *testing.T) {
	p := thePKI(t)
	nss := testutil.NSSDB(t, p.rootPEM)
	doc := makePDF(t, pdfOpts{})
	approve, _ := pades.NewSigner(pades.Options{Signer: p.leaves["RSA-2048"].key, Chain: p.chain("RSA-2048")})
	for _, mdp := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("P=%d", mdp), func(t *testing.T) {
			s, err := pades.NewSigner(pades.Options{Signer: p.leaves["P-256"].key, Chain: p.chain("P-256"), DocMDP: mdp})
			if err != nil {
				t.Fatal(err)
			}
			out, err := s.Sign(context.Background(), doc, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if d := signatures(t, out)[0].dict; !strings.Contains(d, fmt.Sprintf("/Reference [<</Type /SigRef /TransformMethod /DocMDP /TransformParams <</Type /TransformParams /P %d /V /1.2>>>>]", mdp)) {
				t.Errorf("signature dictionary: %s", d)
			}
			path := checkTools(t, out, []string{"certificato di prova"})
			r := runPdfsig(t, nss, path)
			if mdp == 2 {
				t.Logf("pdfsig:\n%s", r.raw)
			}
			if len(r.sigs) != 1 || !r.sigs[0].valid || !r.sigs[0].trusted || !r.sigs[0].total {
				t.Fatalf("pdfsig:\n%s", r.raw)
			}
			objs, trailer := qpdfJSON(t, path)
			cat := deref(t, objs, trailer["/Root"])
			perms := deref(t, objs, cat["/Perms"])
			if sig := deref(t, objs, perms["/DocMDP"]); sig["/Type"] != "/Sig" {
				t.Errorf("/Perms /DocMDP does not point to the signature: %v", perms)
			}
			if _, err := s.Sign(context.Background(), out, time.Now()); err == nil {
				t.Error("second certification signature accepted")
			}
			two, err := approve.Sign(context.Background(), out, time.Now())
			if mdp == 1 {
				if err == nil || !strings.Contains(err.Error(), "P=1") {
					t.Fatalf("approval signature on a P=1 document: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			r = runPdfsig(t, nss, checkTools(t, two, nil))
			if len(r.sigs) != 2 || !r.sigs[0].valid || !r.sigs[1].valid || !r.sigs[1].total {
				t.Fatalf("pdfsig on certified then approved:\n%s", r.raw)
			}
		})
	}
}

// TestAddDSSRejects covers AddDSS's input checks.
func TestAddDSSRejects(t *testing.T) {
	p := thePKI(t)
	unsigned := makePDF(t, pdfOpts{})
	s, _ := pades.NewSigner(pades.Options{Signer: p.leaves["P-256"].key, Chain: p.chain("P-256")})
	signed, err := s.Sign(context.Background(), unsigned, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	certs := []*x509.Certificate{p.root}
	for _, tc := range []struct {
		name string
		pdf  []byte
		v    pades.Validation
		want string
	}{
		{"unsigned", unsigned, pades.Validation{Certs: certs}, "no signature"},
		{"nothing to add", signed, pades.Validation{}, "no validation data"},
		{"nil certificate", signed, pades.Validation{Certs: []*x509.Certificate{nil}}, "empty"},
		{"CRL not DER", signed, pades.Validation{CRLs: [][]byte{[]byte("crl")}}, "DER"},
		{"OCSP with trailing bytes", signed, pades.Validation{OCSPs: [][]byte{{0x30, 0x00, 0x00}}}, "DER"},
		{"not a PDF", []byte("hello"), pades.Validation{Certs: certs}, "not a PDF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := pades.AddDSS(tc.pdf, tc.v); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

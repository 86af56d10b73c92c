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
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"image"
	"image/png"
	"io"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"github.com/digitorus/timestamp"

	"certa.example/certa/internal/testutil"
)

// testPKI is a root CA with one leaf per key type and a TSA.
type testPKI struct {
	root    *x509.Certificate
	rootKey crypto.Signer
	rootPEM string // path of the root in PEM
	leaves  map[string]*leaf
	tsa     *leaf
	now     time.Time
}

type leaf struct {
	key  crypto.Signer
	cert *x509.Certificate
}

var (
	pkiOnce sync.Once
	pkiVal  *testPKI
	pkiErr  error
)

// thePKI makes the test PKI once per test binary: RSA-3072 key
// generation is slow. The root PEM path is written per test.
func thePKI(t testing.TB) *testPKI {
	t.Helper()
	pkiOnce.Do(func() { pkiVal, pkiErr = newPKI(time.Now(), "P-256", "P-384", "RSA-2048", "RSA-3072") })
	if pkiErr != nil {
		t.Fatal(pkiErr)
	}
	p := *pkiVal
	p.rootPEM = testutil.WriteTemp(t, "root.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.root.Raw}))
	return &p
}

// ecPKI is a test PKI with a P-256 leaf only, quick to make.
func ecPKI(t testing.TB) *testPKI {
	t.Helper()
	p, err := newPKI(time.Now(), "P-256")
	if err != nil {
		t.Fatal(err)
	}
	p.rootPEM = testutil.WriteTemp(t, "root.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.root.Raw}))
	return p
}

func newPKI(now time.Time, names ...string) (*testPKI, error) {
	p := &testPKI{leaves: map[string]*leaf{}, now: now}
	rootKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	nb := now.Add(-time.Hour).UTC()
	rt := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "certa TEST Root CA", Organization: []string{"certa TEST"}, Country: []string{"IT"}},
		NotBefore:             nb,
		NotAfter:              nb.AddDate(2, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, rt, rt, rootKey.Public(), rootKey)
	if err != nil {
		return nil, err
	}
	p.root, _ = x509.ParseCertificate(der)
	p.rootKey = rootKey
	mk := func(name string, serial int64, key crypto.Signer, tsa bool) (*leaf, error) {
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: "Comune di Forlì - TEST " + name, Organization: []string{"Comune di Forlì (TEST)"}, Country: []string{"IT"}},
			NotBefore:    nb,
			NotAfter:     nb.AddDate(1, 0, 0),
			// No EKU and no AIA/CRL pointers: NSS rejects a
			// document-signing-only EKU, and pdfsig would try to fetch
			// OCSP from an AIA URL.
			KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
			BasicConstraintsValid: true,
		}
		if tsa {
			tmpl.KeyUsage = x509.KeyUsageDigitalSignature
			// RFC 3161 2.3: exactly id-kp-timeStamping, critical.
			eku, _ := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
			tmpl.ExtraExtensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: eku}}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, p.root, key.Public(), rootKey)
		if err != nil {
			return nil, err
		}
		c, err := x509.ParseCertificate(der)
		return &leaf{key: key, cert: c}, err
	}
	keys := []struct {
		name string
		gen  func() (crypto.Signer, error)
	}{
		{"P-256", func() (crypto.Signer, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) }},
		{"P-384", func() (crypto.Signer, error) { return ecdsa.GenerateKey(elliptic.P384(), rand.Reader) }},
		{"RSA-2048", func() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, 2048) }},
		{"RSA-3072", func() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, 3072) }},
	}
	for i, k := range keys {
		if !slices.Contains(names, k.name) {
			continue
		}
		key, err := k.gen()
		if err != nil {
			return nil, err
		}
		if p.leaves[k.name], err = mk(k.name, int64(100+i), key, false); err != nil {
			return nil, err
		}
	}
	tsaKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	p.tsa, err = mk("TSA", 200, tsaKey, true)
	return p, err
}

func (p *testPKI) chain(name string) []*x509.Certificate {
	return []*x509.Certificate{p.leaves[name].cert, p.root}
}

// tsaFunc returns a Timestamp function that answers like a real TSA:
// an RFC 3161 token signed by the test TSA over SHA-256 of the signature.
func (p *testPKI) tsaFunc(calls *atomic.Int32) func(context.Context, []byte) ([]byte, error) {
	return func(_ context.Context, sig []byte) ([]byte, error) {
		calls.Add(1)
		h := sha256.Sum256(sig)
		ts := timestamp.Timestamp{
			HashAlgorithm:     crypto.SHA256,
			HashedMessage:     h[:],
			Time:              time.Now(),
			Policy:            asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1},
			AddTSACertificate: true,
		}
		resp, err := ts.CreateResponseWithOpts(p.tsa.cert, p.tsa.key, crypto.SHA256)
		if err != nil {
			return nil, err
		}
		parsed, err := timestamp.ParseResponse(resp)
		if err != nil {
			return nil, err
		}
		return parsed.RawToken, nil
	}
}

// countingSigner wraps a key, counts Sign calls and fails on nil opts,
// as crypto11's RSA keys do (they panic).
type countingSigner struct {
	crypto.Signer
	calls atomic.Int32
}

func (c *countingSigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	c.calls.Add(1)
	if opts == nil {
		return nil, fmt.Errorf("nil SignerOpts")
	}
	return c.Signer.Sign(r, digest, opts)
}

// pdfOpts describes a generated test document.
type pdfOpts struct {
	link  bool // a link annotation on page 1, so /Annots exists
	pages int
	image int // side in pixels of a noise image on page 1 (0: none)
	text  int // extra lines of text on page 1
}

// makePDF renders a document with fpdf, as certa does.
func makePDF(t testing.TB, o pdfOpts) []byte {
	t.Helper()
	p := fpdf.New("P", "mm", "A4", "")
	p.SetCompression(false)
	p.SetCreationDate(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	if o.pages == 0 {
		o.pages = 1
	}
	for i := 0; i < o.pages; i++ {
		p.AddPage()
		p.SetFont("Helvetica", "", 12)
		p.Cell(0, 10, fmt.Sprintf("certificato di prova, pagina %d", i+1))
		p.Ln(10)
		if i > 0 {
			continue
		}
		if o.link {
			p.LinkString(10, 30, 60, 10, "https://example.org/verifica")
		}
		for j := 0; j < o.text; j++ {
			p.Cell(0, 4, fmt.Sprintf("riga %04d: residenza e stato di famiglia, dati anagrafici di prova", j))
			p.Ln(0.5)
		}
		if o.image > 0 {
			img := image.NewRGBA(image.Rect(0, 0, o.image, o.image))
			var seed uint32 = 1
			for k := range img.Pix {
				seed = seed*1664525 + 1013904223
				img.Pix[k] = byte(seed >> 24)
			}
			for k := 3; k < len(img.Pix); k += 4 {
				img.Pix[k] = 0xff
			}
			var buf bytes.Buffer
			if err := png.Encode(&buf, img); err != nil {
				t.Fatal(err)
			}
			p.RegisterImageOptionsReader("noise", fpdf.ImageOptions{ImageType: "PNG"}, &buf)
			p.ImageOptions("noise", 150, 250, 30, 30, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
		}
	}
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// sigInfo is what a test reads back from one signature dictionary.
type sigInfo struct {
	byteRange [4]int
	contents  []byte // decoded /Contents, padding included
	cms       []byte // the DER ContentInfo, padding removed
	dict      string // the signature dictionary's text, /Contents elided
}

var byteRangeRE = regexp.MustCompile(`/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]`)

// signatures finds every signature dictionary in a signed file by its
// /ByteRange, independently of the package's parser.
func signatures(t testing.TB, pdf []byte) []sigInfo {
	t.Helper()
	var out []sigInfo
	for _, m := range byteRangeRE.FindAllSubmatchIndex(pdf, -1) {
		var s sigInfo
		for i := 0; i < 4; i++ {
			s.byteRange[i], _ = strconv.Atoi(string(pdf[m[2+2*i]:m[3+2*i]]))
		}
		a, b := s.byteRange[1], s.byteRange[2]
		if a >= b || b > len(pdf) || pdf[a] != '<' || pdf[b-1] != '>' {
			t.Fatalf("ByteRange %v does not delimit a hex string", s.byteRange)
		}
		c, err := hex.DecodeString(string(pdf[a+1 : b-1]))
		if err != nil {
			t.Fatal(err)
		}
		s.contents = c
		var raw asn1.RawValue
		rest, err := asn1.Unmarshal(c, &raw)
		if err != nil {
			t.Fatalf("CMS: %v", err)
		}
		s.cms = c[:len(c)-len(rest)]
		if bytes.Trim(rest, "\x00") != nil && len(bytes.Trim(rest, "\x00")) > 0 {
			t.Fatal("non-zero bytes after the CMS")
		}
		start := bytes.LastIndex(pdf[:a], []byte("<<"))
		end := bytes.Index(pdf[b:], []byte("endobj"))
		s.dict = string(pdf[start:a]) + "<...>" + string(pdf[b:b+end])
		out = append(out, s)
	}
	return out
}

// cmsParts is the CMS decoded with encoding/asn1, independently of the
// package's encoder.
type cmsParts struct {
	signedData   signedDataASN
	signer       signerInfoASN
	signedAttrs  []attributeASN
	unsigned     []attributeASN
	signedDigest []byte // hash of the signed attributes as a SET OF
}

type contentInfoASN struct {
	Type    asn1.ObjectIdentifier
	Content asn1.RawValue `asn1:"explicit,tag:0"`
}

type signedDataASN struct {
	Version     int
	DigestAlgs  []pkix.AlgorithmIdentifier `asn1:"set"`
	Encap       asn1.RawValue
	Certs       asn1.RawValue   `asn1:"optional,tag:0"`
	SignerInfos []signerInfoASN `asn1:"set"`
}

type signerInfoASN struct {
	Version     int
	SID         asn1.RawValue
	DigestAlg   pkix.AlgorithmIdentifier
	SignedAttrs asn1.RawValue `asn1:"optional,tag:0"`
	SigAlg      pkix.AlgorithmIdentifier
	Signature   []byte
	Unsigned    asn1.RawValue `asn1:"optional,tag:1"`
}

type attributeASN struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue
}

var (
	oidSigningTime   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningCertV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidTSToken       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
)

// decodeCMS decodes a DER ContentInfo/SignedData with one signer and
// checks the encoding rules PAdES relies on.
func decodeCMS(t testing.TB, der []byte, h crypto.Hash) cmsParts {
	t.Helper()
	var ci contentInfoASN
	if rest, err := asn1.Unmarshal(der, &ci); err != nil || len(rest) > 0 {
		t.Fatalf("ContentInfo: %v (%d trailing bytes)", err, len(rest))
	}
	var p cmsParts
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &p.signedData); err != nil {
		t.Fatalf("SignedData: %v", err)
	}
	if len(p.signedData.SignerInfos) != 1 {
		t.Fatalf("%d signers", len(p.signedData.SignerInfos))
	}
	p.signer = p.signedData.SignerInfos[0]
	set := append([]byte{}, p.signer.SignedAttrs.FullBytes...)
	set[0] = 0x31 // signed as a SET OF (RFC 5652, 5.4)
	if _, err := asn1.UnmarshalWithParams(set, &p.signedAttrs, "set"); err != nil {
		t.Fatalf("signed attributes: %v", err)
	}
	for i := 1; i < len(p.signedAttrs); i++ {
		a, _ := asn1.Marshal(p.signedAttrs[i-1])
		b, _ := asn1.Marshal(p.signedAttrs[i])
		if bytes.Compare(a, b) > 0 {
			t.Error("signed attributes are not in DER SET OF order")
		}
	}
	if len(p.signer.Unsigned.FullBytes) > 0 {
		u := append([]byte{}, p.signer.Unsigned.FullBytes...)
		u[0] = 0x31
		if _, err := asn1.UnmarshalWithParams(u, &p.unsigned, "set"); err != nil {
			t.Fatalf("unsigned attributes: %v", err)
		}
	}
	d := h.New()
	d.Write(set)
	p.signedDigest = d.Sum(nil)
	return p
}

func (p cmsParts) attr(oid asn1.ObjectIdentifier) (asn1.RawValue, bool) {
	for _, a := range p.signedAttrs {
		if a.Type.Equal(oid) {
			return a.Values, true
		}
	}
	return asn1.RawValue{}, false
}

// signedContent is the data a signature covers: the file minus the gap.
func signedContent(pdf []byte, s sigInfo) []byte {
	br := s.byteRange
	return append(append([]byte{}, pdf[br[0]:br[0]+br[1]]...), pdf[br[2]:br[2]+br[3]]...)
}

// qpdfJSON returns qpdf's JSON view of a file: objects by "N G R" and
// the trailer.
func qpdfJSON(t testing.TB, path string) (objs map[string]map[string]any, trailer map[string]any) {
	t.Helper()
	testutil.RequireTools(t, "qpdf")
	out, code := testutil.Output(t, "qpdf", "--json=2", "--json-key=qpdf", "--json-stream-data=inline", "--decode-level=none", path)
	if code != 0 {
		t.Fatalf("qpdf --json exit %d", code)
	}
	var doc struct {
		Qpdf []json.RawMessage `json:"qpdf"`
	}
	var all map[string]map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Qpdf) != 2 {
		t.Fatalf("qpdf JSON: %v", err)
	}
	if err := json.Unmarshal(doc.Qpdf[1], &all); err != nil {
		t.Fatalf("qpdf JSON objects: %v", err)
	}
	objs = map[string]map[string]any{}
	for k, v := range all {
		if k == "trailer" {
			trailer, _ = v["value"].(map[string]any)
			continue
		}
		objs[strings.TrimPrefix(k, "obj:")] = v
	}
	return objs, trailer
}

// deref follows a "N G R" string to the object's value (or stream).
func deref(t testing.TB, objs map[string]map[string]any, v any) map[string]any {
	t.Helper()
	if s, ok := v.(string); ok && strings.HasSuffix(s, " R") {
		o, ok := objs[s]
		if !ok {
			t.Fatalf("object %s missing", s)
		}
		if st, ok := o["stream"].(map[string]any); ok {
			return st
		}
		m, _ := o["value"].(map[string]any)
		return m
	}
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%v is not a dictionary", v)
	}
	return m
}

// buildPDF writes a classic-xref PDF whose objects are objs (object i+1
// is objs[i]) with /Root 1 0 R, computing every offset.
func buildPDF(objs []string, trailerExtra string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, trailerExtra, xref)
	return b.Bytes()
}

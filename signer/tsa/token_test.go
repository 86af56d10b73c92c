package tsa_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	_ "crypto/sha1" // crypto.SHA1 for the ESS v1 attribute
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"

	"certa.example/certa/internal/pki"
	"certa.example/certa/internal/testpki"
	"certa.example/certa/signer/tsa"
)

func pemCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// tokenFrom gets a token over sigValue from the test TSA s.
func tokenFrom(t testing.TB, s *testpki.TSA, now func() time.Time) []byte {
	t.Helper()
	c, err := tsa.New(s.URL, tsa.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	token, err := c.Timestamp(context.Background(), sum(crypto.SHA256, sigValue))
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// tsaCert issues a TSA certificate from ca with the given EKU extension
// (nil: none) and validity.
func tsaCert(t *testing.T, ca pki.CA, eku *pkix.Extension, from, to time.Time) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "hand-made TSA"},
		NotBefore:    from,
		NotAfter:     to,
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	if eku != nil {
		tmpl.ExtraExtensions = []pkix.Extension{*eku}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

func ekuExt(t *testing.T, critical bool, purposes ...asn1.ObjectIdentifier) *pkix.Extension {
	t.Helper()
	v, err := asn1.Marshal(purposes)
	if err != nil {
		t.Fatal(err)
	}
	return &pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: critical, Value: v}
}

// handMade returns a token over sigValue signed by cert at genTime.
func handMade(t *testing.T, cert *x509.Certificate, key crypto.Signer, genTime time.Time, withCert bool) []byte {
	t.Helper()
	ts := &timestamp.Timestamp{
		HashAlgorithm:     crypto.SHA256,
		HashedMessage:     sum(crypto.SHA256, sigValue),
		Time:              genTime.UTC(),
		Policy:            asn1.ObjectIdentifier{2, 999, 1},
		AddTSACertificate: withCert,
	}
	resp, err := ts.CreateResponseWithOpts(cert, key, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Status asn1.RawValue
		Token  asn1.RawValue
	}
	if _, err := asn1.Unmarshal(resp, &r); err != nil {
		t.Fatal(err)
	}
	return r.Token.FullBytes
}

func TestVerifyToken(t *testing.T) {
	now := clock()
	s := testpki.NewTSA(t, now)
	other := testpki.NewTSA(t, now)
	good := tokenFrom(t, s, now)

	ca, err := pki.NewCA(pkix.Name{CommonName: "hand-made CA"}, now())
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	stamping := asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
	signing := asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 4}
	from, to := now().Add(-time.Hour), now().Add(time.Hour)
	made := func(eku *pkix.Extension, from, to, genTime time.Time) []byte {
		cert, key := tsaCert(t, ca, eku, from, to)
		return handMade(t, cert, key, genTime, true)
	}

	for _, tc := range []struct {
		name   string
		token  []byte
		sig    []byte
		roots  *x509.CertPool
		want   error // nil: valid
		noInfo bool  // the error comes without Info
	}{
		{"valid", good, sigValue, s.Roots, nil, false},
		{"other signature value", good, []byte("another signature"), s.Roots, tsa.ErrImprintMismatch, false},
		{"untrusted TSA", good, sigValue, other.Roots, tsa.ErrUntrusted, false},
		{"hand-made valid", made(ekuExt(t, true, stamping), from, to, now()), sigValue, roots, nil, false},
		{"EKU not critical", made(ekuExt(t, false, stamping), from, to, now()), sigValue, roots, tsa.ErrUntrusted, false},
		{"EKU not only time stamping", made(ekuExt(t, true, stamping, signing), from, to, now()), sigValue, roots, tsa.ErrUntrusted, false},
		{"no EKU", made(nil, from, to, now()), sigValue, roots, tsa.ErrUntrusted, false},
		// genTime after the TSA certificate expired. The pkcs7 signing
		// time (system clock) must stay inside the validity, so the
		// genTime is moved instead.
		{"expired at genTime", made(ekuExt(t, true, stamping), from, to, now().Add(2*time.Hour)), sigValue, roots, tsa.ErrUntrusted, false},
		{"garbage", []byte("not a token"), sigValue, s.Roots, tsa.ErrInvalidToken, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info, err := tsa.VerifyToken(tc.token, tc.sig, tc.roots)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if (info.TSA == nil) != tc.noInfo {
				t.Fatalf("Info %+v with error %v", info, err)
			}
		})
	}
	if _, err := tsa.VerifyToken(good, sigValue, nil); err == nil {
		t.Fatal("nil roots accepted")
	}
}

func TestParseTokenRejects(t *testing.T) {
	now := clock()
	s := testpki.NewTSA(t, now)
	good := tokenFrom(t, s, now)
	if _, err := tsa.ParseToken(good); err != nil {
		t.Fatal(err)
	}
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)-5] ^= 0x40 // inside the signature value

	ca, err := pki.NewCA(pkix.Name{CommonName: "hand-made CA"}, now())
	if err != nil {
		t.Fatal(err)
	}
	cert, key := tsaCert(t, ca, nil, now().Add(-time.Hour), now().Add(time.Hour))
	impostor, _ := tsaCert(t, ca, nil, now().Add(-time.Hour), now().Add(time.Hour))
	p7, err := pkcs7.Parse(good)
	if err != nil {
		t.Fatal(err)
	}
	tstInfo := p7.Content
	// cms signs tstInfo with cert, with content type ct and an ESS
	// signing-certificate-v2 attribute naming named (nil: no attribute),
	// or the v1 attribute (SHA-1) if v1.
	cms := func(ct asn1.ObjectIdentifier, named *x509.Certificate, v1 bool) []byte {
		sd, err := pkcs7.NewSignedData(tstInfo)
		if err != nil {
			t.Fatal(err)
		}
		sd.SetContentType(ct)
		sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
		var cfg pkcs7.SignerInfoConfig
		if named != nil {
			type essCertID struct{ CertHash []byte }
			h, oid := crypto.SHA256, asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
			if v1 {
				h, oid = crypto.SHA1, asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}
			}
			v, err := asn1.Marshal(struct{ Certs []essCertID }{[]essCertID{{sum(h, named.Raw)}}})
			if err != nil {
				t.Fatal(err)
			}
			cfg.ExtraSignedAttributes = []pkcs7.Attribute{{Type: oid, Value: asn1.RawValue{FullBytes: v}}}
		}
		if err := sd.AddSigner(cert, key, cfg); err != nil {
			t.Fatal(err)
		}
		der, err := sd.Finish()
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	for _, v1 := range []bool{false, true} {
		if _, err := tsa.ParseToken(cms(tsa.OIDTSTInfo, cert, v1)); err != nil {
			t.Fatalf("the hand-built control token (ESS v1 %v): %v", v1, err)
		}
	}

	for _, tc := range []struct {
		name  string
		token []byte
	}{
		{"empty", nil},
		{"truncated", good[:len(good)/2]},
		{"trailing data", append(append([]byte(nil), good...), 0)},
		{"signature", flipped},
		{"no certificate", handMade(t, cert, key, now(), false)},
		{"ESS attribute names another certificate", cms(tsa.OIDTSTInfo, impostor, false)},
		{"ESS v1 attribute names another certificate", cms(tsa.OIDTSTInfo, impostor, true)},
		{"no ESS attribute", cms(tsa.OIDTSTInfo, nil, false)},
		{"content type", cms(pkcs7.OIDData, cert, false)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tsa.ParseToken(tc.token); !errors.Is(err, tsa.ErrInvalidToken) {
				t.Fatalf("error %v", err)
			}
		})
	}
}

// FuzzParseToken feeds ParseToken outside input: it must not panic, and
// what it accepts must hold a signer certificate and an imprint.
func FuzzParseToken(f *testing.F) {
	now := clock()
	good := tokenFrom(f, testpki.NewTSA(f, now), now)
	f.Add(good)
	f.Add(good[:len(good)-1])
	f.Add(good[:40])
	f.Add([]byte{})
	f.Add([]byte{0x30, 0x80, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := tsa.ParseToken(data)
		if err != nil {
			return
		}
		if info.TSA == nil || len(info.MessageImprint) == 0 || info.Serial == nil {
			t.Fatalf("accepted a token without signer, imprint or serial: %+v", info)
		}
	})
}

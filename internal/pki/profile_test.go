package pki_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"certa.example/certa/internal/pki"
	"certa.example/certa/internal/testutil"
)

var (
	testNow     = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	testSubject = pki.SealSubject{
		CommonName:             "Comune di Lodi - Ufficio Anagrafe",
		Organization:           "Comune di Lodi",
		OrganizationIdentifier: "VATIT-00000000000",
	}
	testURLs = pki.RevocationURLsAt("http://certa.example.it/pki/")
)

func newCA(t testing.TB, now time.Time) pki.CA {
	t.Helper()
	ca, err := pki.NewCA(pkix.Name{CommonName: "certa TEST Root CA", Organization: []string{"certa TEST"}, Country: []string{"IT"}}, now)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func pemOf(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

func extension(c *x509.Certificate, id asn1.ObjectIdentifier) (pkix.Extension, bool) {
	for _, e := range c.Extensions {
		if e.Id.Equal(id) {
			return e, true
		}
	}
	return pkix.Extension{}, false
}

var (
	oidKeyUsage         = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidExtKeyUsage      = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidCRLDP            = asn1.ObjectIdentifier{2, 5, 29, 31}
	oidAIA              = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 1}
	oidPolicies         = asn1.ObjectIdentifier{2, 5, 29, 32}
	oidSKI              = asn1.ObjectIdentifier{2, 5, 29, 14}
	oidAKI              = asn1.ObjectIdentifier{2, 5, 29, 35}
)

func TestCAProfile(t *testing.T) {
	ca := newCA(t, testNow)
	c := ca.Cert
	if !c.IsCA || !c.BasicConstraintsValid || c.MaxPathLen != 0 || !c.MaxPathLenZero {
		t.Fatalf("basic constraints: CA %v, path length %d", c.IsCA, c.MaxPathLen)
	}
	if c.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign {
		t.Fatalf("key usage %b", c.KeyUsage)
	}
	for _, id := range []asn1.ObjectIdentifier{oidKeyUsage, oidBasicConstraints} {
		if e, ok := extension(c, id); !ok || !e.Critical {
			t.Fatalf("extension %v missing or not critical", id)
		}
	}
	if len(c.SubjectKeyId) == 0 {
		t.Fatal("no subject key identifier")
	}
	if !c.NotBefore.Equal(testNow.Add(-time.Hour)) || c.NotAfter.Before(testNow.AddDate(9, 0, 0)) {
		t.Fatalf("validity %s to %s", c.NotBefore, c.NotAfter)
	}
}

func TestSealProfile(t *testing.T) {
	ca := newCA(t, testNow)
	key := newKey(t)
	c, err := pki.IssueSeal(ca, key.Public(), testSubject, testURLs, testNow)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("subject", func(t *testing.T) {
		var orgID string
		for _, a := range c.Subject.Names {
			if a.Type.Equal(pki.OIDOrganizationIdentifier) {
				orgID, _ = a.Value.(string)
			}
		}
		if orgID != "VATIT-00000000000" || c.Subject.CommonName != testSubject.CommonName ||
			!slices.Equal(c.Subject.Organization, []string{"Comune di Lodi"}) || !slices.Equal(c.Subject.Country, []string{"IT"}) {
			t.Fatalf("subject %v (organizationIdentifier %q)", c.Subject, orgID)
		}
	})
	t.Run("key usage", func(t *testing.T) {
		if c.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment {
			t.Fatalf("key usage %b", c.KeyUsage)
		}
		if e, ok := extension(c, oidKeyUsage); !ok || !e.Critical {
			t.Fatal("key usage missing or not critical")
		}
	})
	t.Run("no extended key usage", func(t *testing.T) {
		if _, ok := extension(c, oidExtKeyUsage); ok || len(c.ExtKeyUsage) > 0 {
			t.Fatal("the seal has an extended key usage")
		}
	})
	t.Run("not a CA", func(t *testing.T) {
		if c.IsCA {
			t.Fatal("the seal is a CA")
		}
	})
	t.Run("revocation URLs", func(t *testing.T) {
		if !slices.Equal(c.OCSPServer, []string{"http://certa.example.it/pki/ocsp"}) ||
			!slices.Equal(c.IssuingCertificateURL, []string{"http://certa.example.it/pki/ca.crt"}) ||
			!slices.Equal(c.CRLDistributionPoints, []string{"http://certa.example.it/pki/crl"}) {
			t.Fatalf("OCSP %v, CA issuers %v, CRL %v", c.OCSPServer, c.IssuingCertificateURL, c.CRLDistributionPoints)
		}
		for _, id := range []asn1.ObjectIdentifier{oidAIA, oidCRLDP} {
			if e, ok := extension(c, id); !ok || e.Critical {
				t.Fatalf("extension %v missing or critical", id)
			}
		}
	})
	t.Run("policies", func(t *testing.T) {
		e, ok := extension(c, oidPolicies)
		if !ok || e.Critical {
			t.Fatal("certificate policies missing or critical")
		}
		want, _ := x509.OIDFromInts([]uint64{0, 4, 0, 194112, 1, 1})
		if !slices.ContainsFunc(c.Policies, want.Equal) {
			t.Fatalf("policies %v lack QCP-l", c.Policies)
		}
	})
	t.Run("qcStatements", func(t *testing.T) {
		e, ok := extension(c, pki.OIDQCStatements)
		if !ok || e.Critical {
			t.Fatal("qcStatements missing or critical")
		}
		var stmts []struct {
			ID   asn1.ObjectIdentifier
			Info asn1.RawValue `asn1:"optional"`
		}
		if rest, err := asn1.Unmarshal(e.Value, &stmts); err != nil || len(rest) > 0 {
			t.Fatal(err)
		}
		if len(stmts) != 2 || !stmts[0].ID.Equal(pki.OIDQcCompliance) || !stmts[1].ID.Equal(pki.OIDQcType) {
			t.Fatalf("statements %v", stmts)
		}
		var types []asn1.ObjectIdentifier
		if _, err := asn1.Unmarshal(stmts[1].Info.FullBytes, &types); err != nil {
			t.Fatal(err)
		}
		if len(types) != 1 || !types[0].Equal(pki.OIDQcTypeESeal) {
			t.Fatalf("QcType %v", types)
		}
	})
	t.Run("key identifiers", func(t *testing.T) {
		if _, ok := extension(c, oidSKI); !ok || len(c.SubjectKeyId) != 20 {
			t.Fatal("no 160-bit subject key identifier")
		}
		if _, ok := extension(c, oidAKI); !ok || string(c.AuthorityKeyId) != string(ca.Cert.SubjectKeyId) {
			t.Fatal("authority key identifier differs from the CA's subject key identifier")
		}
	})
	t.Run("validity", func(t *testing.T) {
		if !c.NotBefore.Equal(testNow.Add(-time.Hour)) || !c.NotAfter.Equal(c.NotBefore.Add(3*365*24*time.Hour)) {
			t.Fatalf("validity %s to %s", c.NotBefore, c.NotAfter)
		}
		if c.SerialNumber.Sign() <= 0 || c.SerialNumber.BitLen() < 64 {
			t.Fatalf("serial %v", c.SerialNumber)
		}
	})
	t.Run("chain", func(t *testing.T) {
		roots := x509.NewCertPool()
		roots.AddCert(ca.Cert)
		if _, err := c.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: testNow, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestIssueSealAnyKey(t *testing.T) {
	ca := newCA(t, testNow)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edPub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		pub  crypto.PublicKey
	}{
		{"RSA-2048", rsaKey.Public()},
		{"ECDSA P-384", p384.Public()},
		{"Ed25519", edPub},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := pki.IssueSeal(ca, tc.pub, testSubject, pki.RevocationURLs{}, testNow)
			if err != nil {
				t.Fatal(err)
			}
			if !c.PublicKey.(interface{ Equal(crypto.PublicKey) bool }).Equal(tc.pub) {
				t.Fatal("certified another key")
			}
			spki, _ := x509.MarshalPKIXPublicKey(tc.pub)
			var info struct {
				Algorithm pkix.AlgorithmIdentifier
				Key       asn1.BitString
			}
			if _, err := asn1.Unmarshal(spki, &info); err != nil {
				t.Fatal(err)
			}
			if h := sha256.Sum256(info.Key.Bytes); string(c.SubjectKeyId) != string(h[:20]) {
				t.Fatal("subject key identifier is not RFC 7093 method 1")
			}
			if len(c.OCSPServer)+len(c.CRLDistributionPoints)+len(c.IssuingCertificateURL) != 0 {
				t.Fatal("URLs without being asked")
			}
		})
	}
}

func TestIssueSealRefuses(t *testing.T) {
	ca := newCA(t, testNow)
	key := newKey(t)
	leaf, err := pki.IssueSeal(ca, key.Public(), testSubject, pki.RevocationURLs{}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	with := func(f func(*pki.SealSubject)) pki.SealSubject {
		s := testSubject
		f(&s)
		return s
	}
	for _, tc := range []struct {
		name    string
		ca      pki.CA
		pub     crypto.PublicKey
		subject pki.SealSubject
		urls    pki.RevocationURLs
		now     time.Time
		want    string
	}{
		{"no common name", ca, key.Public(), with(func(s *pki.SealSubject) { s.CommonName = " " }), pki.RevocationURLs{}, testNow, "common name"},
		{"no organization", ca, key.Public(), with(func(s *pki.SealSubject) { s.Organization = "" }), pki.RevocationURLs{}, testNow, "organization name"},
		{"no organizationIdentifier", ca, key.Public(), with(func(s *pki.SealSubject) { s.OrganizationIdentifier = "" }), pki.RevocationURLs{}, testNow, "organizationIdentifier"},
		{"short VAT number", ca, key.Public(), with(func(s *pki.SealSubject) { s.OrganizationIdentifier = "VATIT-0123456789" }), pki.RevocationURLs{}, testNow, "11 digits"},
		{"bare VAT number", ca, key.Public(), with(func(s *pki.SealSubject) { s.OrganizationIdentifier = "01234567890" }), pki.RevocationURLs{}, testNow, "ETSI"},
		{"country", ca, key.Public(), with(func(s *pki.SealSubject) { s.Country = "Italy" }), pki.RevocationURLs{}, testNow, "ISO 3166"},
		{"https OCSP", ca, key.Public(), testSubject, pki.RevocationURLs{OCSP: "https://certa.example.it/ocsp"}, testNow, "http://"},
		{"relative CRL", ca, key.Public(), testSubject, pki.RevocationURLs{CRL: "/crl"}, testNow, "http://"},
		{"issuer not a CA", pki.CA{Cert: leaf, Key: key}, newKey(t).Public(), testSubject, pki.RevocationURLs{}, testNow, "not a CA"},
		{"CA key mismatch", pki.CA{Cert: ca.Cert, Key: key}, newKey(t).Public(), testSubject, pki.RevocationURLs{}, testNow, "does not match"},
		{"CA expired", ca, key.Public(), testSubject, pki.RevocationURLs{}, testNow.AddDate(11, 0, 0), "not valid"},
		{"CA not yet valid", ca, key.Public(), testSubject, pki.RevocationURLs{}, testNow.AddDate(-1, 0, 0), "not valid"},
		{"no key", ca, nil, testSubject, pki.RevocationURLs{}, testNow, "unsupported public key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pki.IssueSeal(tc.ca, tc.pub, tc.subject, tc.urls, tc.now)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestSealValidityStopsAtTheCA(t *testing.T) {
	ca := newCA(t, testNow)
	late := ca.Cert.NotAfter.Add(-24 * time.Hour)
	c, err := pki.IssueSeal(ca, newKey(t).Public(), testSubject, pki.RevocationURLs{}, late)
	if err != nil {
		t.Fatal(err)
	}
	if !c.NotAfter.Equal(ca.Cert.NotAfter) {
		t.Fatalf("seal expires %s, CA %s", c.NotAfter, ca.Cert.NotAfter)
	}
}

func TestSealCSR(t *testing.T) {
	key := newKey(t)
	der, err := pki.SealCSR(key, testSubject)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		t.Fatal(err)
	}
	if err := csr.CheckSignature(); err != nil {
		t.Fatal(err)
	}
	var orgID any
	for _, a := range csr.Subject.Names {
		if a.Type.Equal(pki.OIDOrganizationIdentifier) {
			orgID = a.Value
		}
	}
	if orgID != "VATIT-00000000000" || csr.Subject.CommonName != testSubject.CommonName || !slices.Equal(csr.Subject.Country, []string{"IT"}) {
		t.Fatalf("subject %v", csr.Subject)
	}
	if _, err := pki.SealCSR(key, pki.SealSubject{CommonName: "x"}); err == nil {
		t.Fatal("incomplete subject accepted")
	}
	if _, err := pki.SealCSR(nil, testSubject); err == nil {
		t.Fatal("nil key accepted")
	}

	t.Run("openssl", func(t *testing.T) {
		testutil.RequireTools(t, "openssl")
		path := testutil.WriteTemp(t, "seal.csr", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
		// OpenSSL 3.0 exits 0 even when the self-signature is bad: read
		// its words.
		out, _ := testutil.Run(t, "openssl", "req", "-in", path, "-noout", "-text", "-verify")
		if !strings.Contains(out, "verify OK") || strings.Contains(out, "verify failure") {
			t.Fatalf("openssl req -verify:\n%s", out)
		}
		if !strings.Contains(out, "organizationIdentifier = VATIT-00000000000") {
			t.Fatalf("openssl does not show the organizationIdentifier:\n%s", out)
		}
		// Control: a request with a broken signature must not say OK.
		bad := append([]byte(nil), der...)
		bad[len(bad)-3] ^= 0x10
		badPath := testutil.WriteTemp(t, "bad.csr", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: bad}))
		if out, _ := testutil.Run(t, "openssl", "req", "-in", badPath, "-noout", "-verify"); strings.Contains(out, "verify OK") {
			t.Fatalf("openssl says a broken request verifies:\n%s", out)
		}
	})
}

// TestToolsAcceptSeal checks the seal profile with OpenSSL and with NSS,
// which poppler's pdfsig uses: NSS must accept the seal for the
// email-signer usage and, as controls, refuse it with a document-signing
// extended key usage unless emailProtection is there too.
func TestToolsAcceptSeal(t *testing.T) {
	now := time.Now()
	ca := newCA(t, now)
	seal, err := pki.IssueSeal(ca, newKey(t).Public(), testSubject, testURLs, now)
	if err != nil {
		t.Fatal(err)
	}
	rootPath := testutil.WriteTemp(t, "root.pem", pemOf(ca.Cert))
	sealPath := testutil.WriteTemp(t, "seal.pem", pemOf(seal))

	t.Run("openssl", func(t *testing.T) {
		testutil.RequireTools(t, "openssl")
		out, code := testutil.Run(t, "openssl", "verify", "-CAfile", rootPath, "-purpose", "smimesign", sealPath)
		if code != 0 || !strings.Contains(out, ": OK") {
			t.Fatalf("openssl verify:\n%s", out)
		}
		out, _ = testutil.Run(t, "openssl", "x509", "-in", sealPath, "-noout", "-text")
		for _, want := range []string{"Digital Signature, Non Repudiation", "OCSP - URI:http://certa.example.it/pki/ocsp",
			"CA Issuers - URI:http://certa.example.it/pki/ca.crt", "URI:http://certa.example.it/pki/crl",
			"Policy: 0.4.0.194112.1.1", "organizationIdentifier = VATIT-00000000000"} {
			if !strings.Contains(out, want) {
				t.Fatalf("openssl x509 -text lacks %q:\n%s", want, out)
			}
		}
	})
	t.Run("nss", func(t *testing.T) {
		db := testutil.NSSDB(t, rootPath)
		if out, code := testutil.Run(t, "certutil", "-A", "-d", db, "-n", "seal", "-t", ",,", "-i", sealPath); code != 0 {
			t.Fatalf("certutil -A: %s", out)
		}
		if out, code := testutil.Run(t, "certutil", "-V", "-d", db, "-n", "seal", "-u", "S"); code != 0 || !strings.Contains(out, "certificate is valid") {
			t.Fatalf("NSS refuses the seal as an email signer (%d):\n%s", code, out)
		}

		// Controls: the same profile with an extended key usage.
		for i, tc := range []struct {
			name  string
			ekus  []asn1.ObjectIdentifier
			valid bool
		}{
			{"id-kp-documentSigning (RFC 9336)", []asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 36}}, false},
			{"Microsoft document signing", []asn1.ObjectIdentifier{{1, 3, 6, 1, 4, 1, 311, 10, 3, 12}}, false},
			{"Adobe authentic documents", []asn1.ObjectIdentifier{{1, 2, 840, 113583, 1, 1, 5}}, false},
			{"document signing and emailProtection", []asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 36}, {1, 3, 6, 1, 5, 5, 7, 3, 4}}, true},
		} {
			tmpl := *seal
			tmpl.SerialNumber = big.NewInt(int64(i + 2))
			tmpl.UnknownExtKeyUsage = tc.ekus
			der, err := x509.CreateCertificate(rand.Reader, &tmpl, ca.Cert, seal.PublicKey, ca.Key)
			if err != nil {
				t.Fatal(err)
			}
			nick := fmt.Sprintf("eku%d", i)
			path := testutil.WriteTemp(t, nick+".pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
			if out, code := testutil.Run(t, "certutil", "-A", "-d", db, "-n", nick, "-t", ",,", "-i", path); code != 0 {
				t.Fatalf("certutil -A: %s", out)
			}
			out, code := testutil.Run(t, "certutil", "-V", "-d", db, "-n", nick, "-u", "S")
			if valid := code == 0 && strings.Contains(out, "certificate is valid"); valid != tc.valid {
				t.Fatalf("%s: NSS says %q, want valid %v", tc.name, strings.TrimSpace(out), tc.valid)
			}
		}
	})
}

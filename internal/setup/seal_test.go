package setup

import (
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"certa.example/certa/engine"
	"certa.example/certa/internal/config"
	"certa.example/certa/internal/pki"
	"certa.example/certa/internal/testpki"
	"certa.example/certa/internal/testutil"
	"certa.example/certa/signer"
	"certa.example/certa/signer/pkcs11"
	"certa.example/certa/verify"
)

// testIDDocument is the identification document of counter requests in tests.
var testIDDocument = engine.IDDocument{Type: engine.IDCartaIdentitaEl, Number: "CA00000AA"}

func writePEM(t *testing.T, name string, certs ...*x509.Certificate) string {
	t.Helper()
	var b []byte
	for _, c := range certs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// demoChainFor issues a demo e-seal chain for pub.
func demoChainFor(t *testing.T, pub crypto.PublicKey) (chain string, ca pki.CA) {
	t.Helper()
	ca, err := pki.NewCA(pkix.Name{CommonName: "certa test CA", Country: []string{"IT"}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := pki.IssueSeal(ca, pub, pki.SealSubject{CommonName: "Comune di Lodi - Ufficio Anagrafe",
		Organization: "Comune di Lodi", OrganizationIdentifier: pki.DemoOrganizationIdentifier, Country: "IT"},
		pki.RevocationURLs{}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return writePEM(t, "chain.pem", leaf, ca.Cert), ca
}

func TestOpenRefusesInconsistentSealConfig(t *testing.T) {
	demo, err := pki.EnsureDemo(t.TempDir(), "Comune di Lodi", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	tsaRoots := demo.RootPath // any PEM certificate will do for these checks
	for _, tc := range []struct {
		name string
		seal config.Seal
		want string
	}{
		{"chain without key", config.Seal{Chain: demo.ChainPath}, "--seal-chain needs --seal-key"},
		{"key without chain", config.Seal{Key: demo.KeyPath}, "--seal-key needs --seal-chain"},
		{"TSA without roots", config.Seal{TSAURL: "http://127.0.0.1:1/tsa"}, "--tsa-url needs --tsa-roots"},
		{"TSA roots without TSA", config.Seal{TSARoots: tsaRoots}, "--tsa-roots needs --tsa-url"},
		{"B-T without TSA", config.Seal{Level: "B-T"}, "timestamp authority"},
		{"B-LT without TSA", config.Seal{Level: "B-LT"}, "timestamp authority"},
		{"unknown level", config.Seal{Level: "B-LTA"}, "want B-B, B-T or B-LT"},
		{"bad PKCS#11 URI", config.Seal{Key: "pkcs11:token=x;pin-value=1234?module-path=/x.so", Chain: demo.ChainPath}, "pin-source"},
		{"key of another chain", config.Seal{Key: demo.KeyPath, Chain: func() string {
			c, _ := demoChainFor(t, mustKey(t).Public())
			return c
		}()}, "does not match the seal certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env, err := Open(context.Background(), Options{DataDir: filepath.Join(t.TempDir(), "d"), Seal: tc.seal, Now: time.Now})
			if err == nil {
				env.Close()
				t.Fatalf("opened with %+v", tc.seal)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "1234") {
				t.Fatalf("error %q shows a PIN", err)
			}
		})
	}
}

func mustKey(t *testing.T) crypto.Signer {
	demo, err := pki.EnsureDemo(t.TempDir(), "Comune di Lodi", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s, err := signer.LoadFileSeal(demo.KeyPath, demo.ChainPath)
	if err != nil {
		t.Fatal(err)
	}
	return s.Key
}

// TestOpenPKCS11Seal issues and verifies a certificate sealed by a key in
// SoftHSM, timestamped by a test TSA (B-T).
func TestOpenPKCS11Seal(t *testing.T) {
	module, token, pinFile := testutil.SoftHSM(t)
	uri := "pkcs11:token=" + token + ";object=seal?module-path=" + module + "&pin-source=file:" + pinFile
	u, err := pkcs11.ParseURI(uri)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := pkcs11.Generate(u, testutil.SoftHSMPIN, "P-256")
	if err != nil {
		t.Fatal(err)
	}
	chain, ca := demoChainFor(t, pub)
	ts := testpki.NewTSA(t, nil)
	ctx := context.Background()
	env, err := Open(ctx, Options{DataDir: filepath.Join(t.TempDir(), "d"), Now: time.Now, Seal: config.Seal{
		Key: uri, Chain: chain, TSAURL: ts.URL, TSARoots: writePEM(t, "tsa.pem", ts.RootCert)}})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	if env.DemoSeal || env.SignOptions.Level != signer.LevelBT {
		t.Fatalf("demo %v, level %v", env.DemoSeal, env.SignOptions.Level)
	}
	if err := env.Ready(ctx); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	eng, err := env.Engine("http://127.0.0.1:8080", time.Now)
	if err != nil {
		t.Fatal(err)
	}
	people, err := CertifiableResidents(ctx, env.Store, 1)
	if err != nil || len(people) == 0 {
		t.Fatal("no certifiable resident", err)
	}
	iss, err := eng.Issue(ctx, engine.Request{Type: "residenza", Subject: people[0].FiscalCode, Requester: "test", Channel: engine.ChannelCounter, Operator: "t", IDDocument: testIDDocument})
	if err != nil {
		t.Fatal(err)
	}
	if ts.Issued() != 1 {
		t.Errorf("%d timestamps for one document", ts.Issued())
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	rep, err := (&verify.Verifier{Roots: roots, TSARoots: env.TSARoots, Ledger: env.Store, SealTrust: env.SealTrust(), Now: time.Now}).VerifyPDF(ctx, iss.PDF)
	if err != nil || rep.Verdict != verify.Valid {
		t.Fatalf("verify: %v %+v", err, rep)
	}
}

// TestDemoCABeside: the embedded demo PKI's CA is found (serve answers
// OCSP for it), a seal whose chain has no CA key beside it has none.
func TestDemoCABeside(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "d")
	env, err := Open(ctx, Options{DataDir: dir, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	if env.DemoCA == nil || !env.DemoCA.Cert.Equal(env.Seal.Chain[1]) {
		t.Errorf("embedded demo: DemoCA %v", env.DemoCA)
	}
	env.Close()
	// The same key and chain, configured from elsewhere: no CA key beside.
	chain := writePEM(t, "chain.pem", env.Seal.Chain...)
	env, err = Open(ctx, Options{DataDir: dir, Now: time.Now, Seal: config.Seal{Key: filepath.Join(dir, "pki", pki.KeyFile), Chain: chain}})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	if env.DemoCA != nil || env.DemoSeal {
		t.Errorf("configured seal: DemoCA %v, DemoSeal %v", env.DemoCA, env.DemoSeal)
	}
}

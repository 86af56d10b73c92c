package main

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"certa.example/certa/internal/pki"
	"certa.example/certa/internal/testutil"
	"certa.example/certa/signer"
	"certa.example/certa/signer/pkcs11"
)

// keysHSM is a SoftHSM token for one test. SoftHSM's module is process
// state: every key a test opens is closed before the test ends, so that
// the next test's token (another SOFTHSM2_CONF) is seen.
type keysHSM struct {
	module, label, pinFile string
}

func newKeysHSM(t *testing.T) keysHSM {
	t.Helper()
	module, label, pinFile := testutil.SoftHSM(t)
	return keysHSM{module, label, pinFile}
}

// uri names the key labelled object, reading the PIN from pinSource
// (the token's PIN file when "").
func (h keysHSM) uri(object, pinSource string) string {
	if pinSource == "" {
		pinSource = "file:" + h.pinFile
	}
	return fmt.Sprintf("pkcs11:token=%s;object=%s?module-path=%s&pin-source=%s", h.label, object, h.module, pinSource)
}

// publicKey opens the key with pkcs11 directly, independently of the
// command, and returns its public key.
func (h keysHSM) publicKey(t *testing.T, object string) crypto.PublicKey {
	t.Helper()
	u, err := pkcs11.ParseURI(h.uri(object, ""))
	if err != nil {
		t.Fatal(err)
	}
	k, err := pkcs11.Open(u, testutil.SoftHSMPIN, pkcs11.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	return k.Public()
}

// keysRun runs "certa keys args..." and checks that nothing it printed or
// returned shows the PIN.
func keysRun(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	err = keysCommand(args, &out, &errb)
	stdout, stderr = out.String(), errb.String()
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	for _, s := range []string{stdout, stderr, msg} {
		keysNoSecret(t, s, testutil.SoftHSMPIN)
	}
	return stdout, stderr, err
}

// longRuns are runs of hex, base64 and path characters: fingerprints,
// serial numbers, PEM bodies and temporary paths, in which a short PIN
// such as "1234" can occur by chance. A leaked PIN would stand apart
// ("PIN 1234", "pin=1234").
var longRuns = regexp.MustCompile(`[0-9A-Za-z+/=_.-]{16,}`)

func keysNoSecret(t *testing.T, s, secret string) {
	t.Helper()
	if len(secret) < 16 {
		s = longRuns.ReplaceAllString(s, "")
	}
	if strings.Contains(s, secret) {
		t.Errorf("output shows the PIN:\n%s", s)
	}
}

func keysFingerprint(t *testing.T, pub crypto.PublicKey) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

func keysGen(t *testing.T, h keysHSM, object, alg string) crypto.PublicKey {
	t.Helper()
	out, _, err := keysRun(t, "generate", "--uri", h.uri(object, ""), "--alg", alg)
	if err != nil {
		t.Fatalf("keys generate %s: %v", alg, err)
	}
	block, _ := pem.Decode([]byte(out))
	if block == nil || block.Type != "PUBLIC KEY" {
		t.Fatalf("no PUBLIC KEY block in:\n%s", out)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatalf("printed public key: %v", err)
	}
	return pub
}

func TestKeysUsageErrors(t *testing.T) {
	// None of these reach an HSM: the module path does not exist.
	uri := "pkcs11:token=Comune;object=seal?module-path=/nonexistent/libsofthsm2.so&pin-source=env:CERTA_KEYS_TEST_NO_SUCH_PIN"
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"no subcommand", nil, []string{"generate, csr, demo-ca or show"}},
		{"unknown subcommand", []string{"rotate"}, []string{`"rotate"`, "generate, csr, demo-ca or show"}},
		{"generate without uri", []string{"generate", "--alg", "P-256"}, []string{"needs --uri", "pkcs11:token="}},
		{"generate without alg", []string{"generate", "--uri", uri}, []string{"--alg", "P-256, P-384, RSA-2048, RSA-3072, RSA-4096"}},
		{"generate unknown alg", []string{"generate", "--uri", uri, "--alg", "ed25519"}, []string{`"ed25519"`, "P-256, P-384, RSA-2048, RSA-3072, RSA-4096"}},
		{"generate positional", []string{"generate", "seal", "--uri", uri}, []string{"takes no arguments"}},
		{"pin-value refused", []string{"show", "--uri", "pkcs11:token=C;object=s?module-path=/m.so&pin-value=4321"}, []string{"pin-value is not accepted"}},
		{"no pin-source", []string{"show", "--uri", "pkcs11:token=C;object=s?module-path=/m.so"}, []string{"no pin-source"}},
		{"pin variable unset", []string{"show", "--uri", uri}, []string{"CERTA_KEYS_TEST_NO_SUCH_PIN is not set"}},
		{"csr missing flags", []string{"csr", "--uri", uri, "--org", "Comune di Lodi"}, []string{"--subject-cn, --org-id, --out"}},
		{"csr bad org-id", []string{"csr", "--uri", uri, "--subject-cn", "Comune di Lodi", "--org", "Comune di Lodi", "--org-id", "VATIT-123", "--out", "x.csr"}, []string{"11 digits"}},
		{"demo-ca without dir", []string{"demo-ca", "--uri", uri}, []string{"needs --dir"}},
		{"demo-ca https base", []string{"demo-ca", "--uri", uri, "--dir", "d", "--base-url", "https://certa.example.it"}, []string{"http://"}},
		{"show without uri", []string{"show"}, []string{"needs --uri"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := keysRun(t, tc.args...)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "4321") {
				t.Errorf("error shows the pin-value: %v", err)
			}
		})
	}

	t.Run("help", func(t *testing.T) {
		out, _, err := keysRun(t, "help")
		if err != nil || !strings.Contains(out, "usage: certa keys") || !strings.Contains(out, "RSA-4096") {
			t.Fatalf("%v\n%s", err, out)
		}
	})
}

func TestKeysGenerate(t *testing.T) {
	h := newKeysHSM(t)
	for _, tc := range []struct {
		alg   string
		check func(crypto.PublicKey) bool
	}{
		{"P-256", func(p crypto.PublicKey) bool { k, ok := p.(*ecdsa.PublicKey); return ok && k.Curve == elliptic.P256() }},
		{"RSA-3072", func(p crypto.PublicKey) bool { k, ok := p.(*rsa.PublicKey); return ok && k.N.BitLen() == 3072 }},
	} {
		t.Run(tc.alg, func(t *testing.T) {
			object := "seal-" + tc.alg
			out, _, err := keysRun(t, "generate", "--uri", h.uri(object, ""), "--alg", tc.alg)
			if err != nil {
				t.Fatal(err)
			}
			block, _ := pem.Decode([]byte(out))
			if block == nil || block.Type != "PUBLIC KEY" {
				t.Fatalf("no PUBLIC KEY block in:\n%s", out)
			}
			pub, err := x509.ParsePKIXPublicKey(block.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(pub) {
				t.Fatalf("printed a %T of the wrong kind or size", pub)
			}
			if !keysSameKey(pub, h.publicKey(t, object)) {
				t.Fatal("the printed public key is not the token's")
			}
			if fp := keysFingerprint(t, pub); !strings.Contains(out, "public key SHA-256: "+fp) {
				t.Fatalf("fingerprint %s not printed:\n%s", fp, out)
			}
		})
	}

	t.Run("same object twice", func(t *testing.T) {
		keysGen(t, h, "seal-twice", "P-256")
		out, _, err := keysRun(t, "generate", "--uri", h.uri("seal-twice", ""), "--alg", "P-384")
		if err == nil || !strings.Contains(err.Error(), "already holds an object") || !strings.Contains(err.Error(), "seal-twice") {
			t.Fatalf("second generate: %v\n%s", err, out)
		}
		if _, ok := h.publicKey(t, "seal-twice").(*ecdsa.PublicKey); !ok {
			t.Fatal("the first key was replaced")
		}
	})
}

func TestKeysCSR(t *testing.T) {
	h := newKeysHSM(t)
	for _, alg := range []string{"P-256", "RSA-2048"} {
		t.Run(alg, func(t *testing.T) {
			object := "seal-" + alg
			pub := keysGen(t, h, object, alg)
			out := filepath.Join(t.TempDir(), "seal.csr")
			args := []string{"csr", "--uri", h.uri(object, ""), "--subject-cn", "Comune di Lodi - Ufficio Anagrafe",
				"--org", "Comune di Lodi", "--org-id", "VATIT-12345678901", "--out", out}
			stdout, _, err := keysRun(t, args...)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(stdout, "wrote certificate request to "+out) || !strings.Contains(stdout, "qualified") ||
				!strings.Contains(stdout, "organizationIdentifier=VATIT-12345678901") {
				t.Fatalf("output:\n%s", stdout)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			block, _ := pem.Decode(data)
			if block == nil || block.Type != "CERTIFICATE REQUEST" {
				t.Fatalf("no CERTIFICATE REQUEST block in %s", out)
			}
			csr, err := x509.ParseCertificateRequest(block.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			if err := csr.CheckSignature(); err != nil {
				t.Fatalf("CheckSignature: %v", err)
			}
			if !keysSameKey(pub, csr.PublicKey) {
				t.Fatal("the request is not for the token's key")
			}
			var orgID any
			for _, a := range csr.Subject.Names {
				if a.Type.Equal(pki.OIDOrganizationIdentifier) {
					orgID = a.Value
				}
			}
			s := csr.Subject
			if orgID != "VATIT-12345678901" || s.CommonName != "Comune di Lodi - Ufficio Anagrafe" ||
				len(s.Organization) != 1 || s.Organization[0] != "Comune di Lodi" || len(s.Country) != 1 || s.Country[0] != "IT" {
				t.Fatalf("subject %v (organizationIdentifier %v)", s, orgID)
			}

			t.Run("openssl", func(t *testing.T) {
				testutil.RequireTools(t, "openssl")
				// OpenSSL 3.0 exits 0 even when the signature is bad: read the text.
				text, _ := testutil.Run(t, "openssl", "req", "-in", out, "-noout", "-verify")
				if !strings.Contains(text, "verify OK") || strings.Contains(strings.ToLower(text), "fail") {
					t.Fatalf("openssl req -verify:\n%s", text)
				}
			})

			t.Run("no overwrite", func(t *testing.T) {
				_, _, err := keysRun(t, args...)
				if err == nil || !strings.Contains(err.Error(), "refusing to overwrite") {
					t.Fatalf("second csr: %v", err)
				}
				if again, _ := os.ReadFile(out); !bytes.Equal(again, data) {
					t.Fatal("the request file changed")
				}
			})
		})
	}
}

func TestKeysDemoCA(t *testing.T) {
	h := newKeysHSM(t)
	pub := keysGen(t, h, "seal", "P-256")
	dir := filepath.Join(t.TempDir(), "pki")
	args := []string{"demo-ca", "--uri", h.uri("seal", ""), "--dir", dir, "--comune", "Comune di Lodi", "--base-url", "http://certa.example.it/"}
	out, _, err := keysRun(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "DEMO") || !strings.Contains(out, "NOT FOR PRODUCTION") {
		t.Fatalf("output does not say DEMO:\n%s", out)
	}
	chainPath, rootPath := filepath.Join(dir, pki.ChainFile), filepath.Join(dir, pki.RootFile)
	chainPEM, err := os.ReadFile(chainPath)
	if err != nil {
		t.Fatal(err)
	}
	rootPEM, err := os.ReadFile(rootPath)
	if err != nil {
		t.Fatal(err)
	}
	chain, err := signer.ParseCertificatesPEM(chainPEM)
	if err != nil || len(chain) != 2 {
		t.Fatalf("chain: %d certificates, %v", len(chain), err)
	}
	leaf := chain[0]
	if !keysSameKey(pub, leaf.PublicKey) {
		t.Fatal("the seal certificate is not for the token's key")
	}
	if len(leaf.ExtKeyUsage) != 0 || len(leaf.UnknownExtKeyUsage) != 0 {
		t.Fatalf("seal has EKU %v %v", leaf.ExtKeyUsage, leaf.UnknownExtKeyUsage)
	}
	if leaf.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment {
		t.Fatalf("key usage %b", leaf.KeyUsage)
	}
	if leaf.IsCA || !strings.Contains(leaf.Subject.CommonName, "DEMO") {
		t.Fatalf("seal subject %v, CA %v", leaf.Subject, leaf.IsCA)
	}
	if got := strings.Join(leaf.OCSPServer, " ") + " " + strings.Join(leaf.CRLDistributionPoints, " ") + " " + strings.Join(leaf.IssuingCertificateURL, " "); got != "http://certa.example.it/pki/ocsp http://certa.example.it/pki/crl http://certa.example.it/pki/ca.crt" {
		t.Fatalf("revocation URLs %q", got)
	}
	roots, rootCerts, err := pki.LoadRoots(rootPath)
	if err != nil || len(rootCerts) != 1 || !rootCerts[0].Equal(chain[1]) {
		t.Fatalf("root-cert.pem is not the chain's CA: %v", err)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Fatalf("chain does not verify to the root: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(dir, pki.CAKeyFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("CA key: %v %v", fi, err)
	}
	if _, err := pki.LoadCA(dir); err != nil {
		t.Fatalf("LoadCA: %v", err)
	}

	unchanged := func(t *testing.T) {
		t.Helper()
		for path, want := range map[string][]byte{chainPath: chainPEM, rootPath: rootPEM} {
			if got, _ := os.ReadFile(path); !bytes.Equal(got, want) {
				t.Fatalf("%s changed", path)
			}
		}
	}

	t.Run("again reuses", func(t *testing.T) {
		out, _, err := keysRun(t, args...)
		if err != nil || !strings.Contains(out, "already certifies") || !strings.Contains(out, "DEMO") {
			t.Fatalf("%v\n%s", err, out)
		}
		unchanged(t)
	})

	t.Run("another key refused", func(t *testing.T) {
		keysGen(t, h, "other", "P-256")
		_, _, err := keysRun(t, "demo-ca", "--uri", h.uri("other", ""), "--dir", dir)
		if err == nil || !strings.Contains(err.Error(), "another key") || !strings.Contains(err.Error(), fmt.Sprintf("%X", leaf.SerialNumber)) {
			t.Fatalf("demo-ca for another key: %v", err)
		}
		unchanged(t)
	})

	t.Run("reissue with the same CA", func(t *testing.T) {
		if err := os.Remove(chainPath); err != nil {
			t.Fatal(err)
		}
		out, _, err := keysRun(t, "demo-ca", "--uri", h.uri("seal", ""), "--dir", dir)
		if err != nil || !strings.Contains(out, "reused") {
			t.Fatalf("%v\n%s", err, out)
		}
		chain2, err := keysReadChain(chainPath)
		if err != nil || len(chain2) != 2 {
			t.Fatal(err)
		}
		if !chain2[1].Equal(chain[1]) || chain2[0].CheckSignatureFrom(chain[1]) != nil || chain2[0].SerialNumber.Cmp(leaf.SerialNumber) == 0 {
			t.Fatal("the new seal certificate is not a new one from the same CA")
		}
		if len(chain2[0].OCSPServer) != 0 {
			t.Fatalf("no --base-url, yet OCSP %v", chain2[0].OCSPServer)
		}
		if got, _ := os.ReadFile(rootPath); !bytes.Equal(got, rootPEM) {
			t.Fatal("root-cert.pem changed")
		}
	})

	t.Run("root without its key", func(t *testing.T) {
		d := t.TempDir()
		if err := os.WriteFile(filepath.Join(d, pki.RootFile), rootPEM, 0o644); err != nil {
			t.Fatal(err)
		}
		_, _, err := keysRun(t, "demo-ca", "--uri", h.uri("seal", ""), "--dir", d)
		if err == nil || !strings.Contains(err.Error(), pki.CAKeyFile) {
			t.Fatalf("%v", err)
		}
		if _, err := os.Stat(filepath.Join(d, pki.ChainFile)); !os.IsNotExist(err) {
			t.Fatalf("a chain was written: %v", err)
		}
	})
}

func TestKeysShow(t *testing.T) {
	h := newKeysHSM(t)
	pub := keysGen(t, h, "seal", "P-384")
	keysGen(t, h, "other", "P-256")
	dir := t.TempDir()
	if _, _, err := keysRun(t, "demo-ca", "--uri", h.uri("seal", ""), "--dir", dir); err != nil {
		t.Fatal(err)
	}
	chainPath := filepath.Join(dir, pki.ChainFile)
	leaf, err := keysReadChain(chainPath)
	if err != nil {
		t.Fatal(err)
	}
	fp := keysFingerprint(t, pub)
	serial := fmt.Sprintf("%X", leaf[0].SerialNumber)

	t.Run("key only", func(t *testing.T) {
		out, _, err := keysRun(t, "show", "--uri", h.uri("seal", ""))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []string{"ECDSA P-384", fp, "signing:    OK"} {
			if !strings.Contains(out, w) {
				t.Errorf("output lacks %q:\n%s", w, out)
			}
		}
	})

	t.Run("matching chain", func(t *testing.T) {
		out, _, err := keysRun(t, "show", "--uri", h.uri("seal", ""), "--chain", chainPath)
		if err != nil || !strings.Contains(out, "match:      OK") || !strings.Contains(out, serial) {
			t.Fatalf("%v\n%s", err, out)
		}
	})

	t.Run("chain of another key", func(t *testing.T) {
		out, _, err := keysRun(t, "show", "--uri", h.uri("other", ""), "--chain", chainPath)
		if err == nil {
			t.Fatalf("no error for a chain of another key:\n%s", out)
		}
		for _, w := range []string{"MISMATCH", leaf[0].Subject.CommonName, serial, fp} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error lacks %q: %v", w, err)
			}
		}
		if strings.Contains(out, "match:      OK") {
			t.Fatalf("said OK:\n%s", out)
		}
	})

	t.Run("PIN from the environment", func(t *testing.T) {
		t.Setenv("KEYS_TEST_PIN", testutil.SoftHSMPIN)
		if _, _, err := keysRun(t, "show", "--uri", h.uri("seal", "env:KEYS_TEST_PIN"), "--chain", chainPath); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("wrong PIN", func(t *testing.T) {
		// No other context is logged in (every key above was closed), so
		// the token checks this PIN.
		const wrong = "wrong-pin-7f3a9c2e51"
		pinFile := filepath.Join(t.TempDir(), "pin")
		if err := os.WriteFile(pinFile, []byte(wrong+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		out, errOut, err := keysRun(t, "show", "--uri", h.uri("seal", "file:"+pinFile))
		if err == nil || !strings.Contains(err.Error(), "wrong PIN") {
			t.Fatalf("wrong PIN: %v", err)
		}
		for _, s := range []string{out, errOut, err.Error()} {
			keysNoSecret(t, s, wrong)
		}
	})

	t.Run("missing key", func(t *testing.T) {
		_, _, err := keysRun(t, "show", "--uri", h.uri("nosuchkey", ""))
		if err == nil || !strings.Contains(err.Error(), "nosuchkey") {
			t.Fatalf("%v", err)
		}
	})
}

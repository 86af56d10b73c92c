package pki_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"certa.example/certa/internal/pki"
	"certa.example/certa/signer"
)

func readAll(t *testing.T, d pki.Demo) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, p := range []string{d.KeyPath, d.ChainPath, d.RootPath, filepath.Join(d.Dir, pki.CAKeyFile)} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[p] = b
	}
	return out
}

func TestEnsureDemo(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   pki.DemoOptions
		orgID  string
		ocsp   string
		crl    string
		issuer string
	}{
		{"without URLs", pki.DemoOptions{Comune: "Comune di Lodi"}, pki.DemoOrganizationIdentifier, "", "", ""},
		{"with URLs", pki.DemoOptions{Comune: "Comune di Lodi", OrganizationIdentifier: "VATIT-12345678901", BaseURL: "http://certa.example.it/pki"},
			"VATIT-12345678901", "http://certa.example.it/pki/ocsp", "http://certa.example.it/pki/crl", "http://certa.example.it/pki/ca.crt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "pki")
			d, err := pki.EnsureDemoWith(dir, tc.opts, testNow)
			if err != nil || !d.Created || d.CAKeyPath != filepath.Join(dir, pki.CAKeyFile) {
				t.Fatalf("%+v, %v", d, err)
			}
			for _, p := range []string{d.KeyPath, d.CAKeyPath} {
				if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
					t.Fatalf("%s: %v %v", p, fi.Mode(), err)
				}
			}
			seal, err := signer.LoadFileSeal(d.KeyPath, d.ChainPath)
			if err != nil {
				t.Fatal(err)
			}
			c := seal.Certificate()
			var orgID any
			for _, a := range c.Subject.Names {
				if a.Type.Equal(pki.OIDOrganizationIdentifier) {
					orgID = a.Value
				}
			}
			if orgID != tc.orgID || c.Subject.CommonName != "Comune di Lodi - DEMO seal" || c.Subject.Organization[0] != "Comune di Lodi (DEMO)" {
				t.Fatalf("subject %v", c.Subject)
			}
			if strings.Join(c.OCSPServer, "") != tc.ocsp || strings.Join(c.CRLDistributionPoints, "") != tc.crl || strings.Join(c.IssuingCertificateURL, "") != tc.issuer {
				t.Fatalf("URLs %v %v %v", c.OCSPServer, c.CRLDistributionPoints, c.IssuingCertificateURL)
			}
			ca, err := pki.LoadCA(dir)
			if err != nil {
				t.Fatal(err)
			}
			if !ca.Cert.Equal(seal.Chain[1]) || c.CheckSignatureFrom(ca.Cert) != nil {
				t.Fatal("the chain's root is not the CA LoadCA returns")
			}
			_, roots, err := pki.LoadRoots(d.RootPath)
			if err != nil || len(roots) != 1 || !roots[0].Equal(ca.Cert) {
				t.Fatalf("roots %v, %v", roots, err)
			}

			before := readAll(t, d)
			again, err := pki.EnsureDemoWith(dir, pki.DemoOptions{Comune: "Comune di Crema", BaseURL: "http://elsewhere.example"}, testNow)
			if err != nil || again.Created {
				t.Fatalf("reuse: %+v, %v", again, err)
			}
			for p, b := range readAll(t, again) {
				if !bytes.Equal(before[p], b) {
					t.Fatalf("%s rewritten", p)
				}
			}
		})
	}
}

func TestEnsureDemoKeepsOldDirectories(t *testing.T) {
	dir := t.TempDir()
	d, err := pki.EnsureDemo(dir, "Comune di Lodi", testNow)
	if err != nil {
		t.Fatal(err)
	}
	// A directory from before ca-key.pem was kept.
	if err := os.Remove(d.CAKeyPath); err != nil {
		t.Fatal(err)
	}
	old, err := pki.EnsureDemo(dir, "Comune di Lodi", testNow)
	if err != nil || old.Created || old.CAKeyPath != "" {
		t.Fatalf("%+v, %v", old, err)
	}
	if _, err := pki.LoadCA(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("LoadCA without the key: %v", err)
	}
}

func TestEnsureDemoRefuses(t *testing.T) {
	partial := func(keep ...string) func(t *testing.T) string {
		return func(t *testing.T) string {
			dir := t.TempDir()
			if _, err := pki.EnsureDemo(dir, "Comune di Lodi", testNow); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{pki.RootFile, pki.ChainFile, pki.KeyFile, pki.CAKeyFile} {
				if !strings.Contains(strings.Join(keep, " "), f) {
					os.Remove(filepath.Join(dir, f))
				}
			}
			return dir
		}
	}
	empty := func(t *testing.T) string { return filepath.Join(t.TempDir(), "pki") }
	for _, tc := range []struct {
		name string
		dir  func(t *testing.T) string
		opts pki.DemoOptions
		want string
	}{
		{"only the CA key", partial(pki.CAKeyFile), pki.DemoOptions{Comune: "Comune di Lodi"}, "only part"},
		{"no root", partial(pki.ChainFile, pki.KeyFile, pki.CAKeyFile), pki.DemoOptions{Comune: "Comune di Lodi"}, "only part"},
		{"no comune", empty, pki.DemoOptions{}, "comune"},
		{"https base URL", empty, pki.DemoOptions{Comune: "Comune di Lodi", BaseURL: "https://certa.example.it"}, "http://"},
		{"bad organizationIdentifier", empty, pki.DemoOptions{Comune: "Comune di Lodi", OrganizationIdentifier: "12345678901"}, "ETSI"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := tc.dir(t)
			_, err := pki.EnsureDemoWith(dir, tc.opts, testNow)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if strings.HasSuffix(dir, "pki") {
				if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
					t.Fatal("refused options left a directory behind")
				}
			}
		})
	}
}

func TestLoadCARefusesReadableKey(t *testing.T) {
	dir := t.TempDir()
	d, err := pki.EnsureDemo(dir, "Comune di Lodi", testNow)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(d.CAKeyPath, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := pki.LoadCA(dir); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("group-readable CA key accepted: %v", err)
	}
}

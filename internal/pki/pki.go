// Package pki makes the demo PKI of the embedded default and the pieces a
// real deployment shares with it: a profile for qualified-style e-seal
// certificates (IssueSeal, SealCSR) and an OCSP/CRL responder (Responder).
//
// The demo PKI is a root CA and a seal certificate for the demo comune,
// both saying DEMO in their subject. It is for development and evaluation
// only; production seals come from a qualified CA (see
// docs/architecture.md), whose certificate request SealCSR writes.
//
// Files written into the directory: root-cert.pem (the trust anchor to give
// verifiers), seal-chain.pem (seal certificate then root), seal-key.pem
// (PKCS#8, mode 0600) and ca-key.pem (the root's key, PKCS#8, mode 0600,
// which Responder needs to sign OCSP responses and CRLs). Existing files
// are reused, never overwritten; a directory made before ca-key.pem
// existed is still reused, but has no responder (LoadCA reports
// fs.ErrNotExist).
//
// Caveats: the demo root signs the seal directly (no intermediate), and
// the revocation URLs are fixed when the files are made, so changing the
// public URL later needs a new demo directory.
package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"certa.example/certa/signer"
)

// File names inside the PKI directory.
const (
	RootFile  = "root-cert.pem"
	ChainFile = "seal-chain.pem"
	KeyFile   = "seal-key.pem"
	CAKeyFile = "ca-key.pem"
)

// DemoOrganizationIdentifier is the placeholder organizationIdentifier of
// demo seals: a well-formed Italian VAT number that belongs to nobody.
const DemoOrganizationIdentifier = "VATIT-00000000000"

// Demo describes the demo PKI files.
type Demo struct {
	Dir       string
	KeyPath   string
	ChainPath string
	RootPath  string
	// CAKeyPath is the root's key, or "" in a directory made before the
	// key was kept (such a demo PKI has no OCSP/CRL responder).
	CAKeyPath string
	Created   bool // false when existing files were reused
}

// DemoOptions configures EnsureDemoWith.
type DemoOptions struct {
	// Comune names the seal's organisation, e.g. "Comune di Lodi".
	Comune string
	// OrganizationIdentifier of the seal; "" means
	// DemoOrganizationIdentifier.
	OrganizationIdentifier string
	// BaseURL, when set, is where a Responder's Handler is served (see
	// RevocationURLsAt); the seal then carries its OCSP, CRL and CA
	// issuers URLs. It must be plain http. Only used when the files are
	// made.
	//
	// A seal with an OCSP URL must have its responder up whenever a
	// document is checked: poppler's pdfsig (22.12) asks it and, when it
	// cannot be reached, reports "Unknown issue with Certificate" rather
	// than trusting the seal. Leave BaseURL empty for offline demos.
	BaseURL string
}

// EnsureDemo creates the demo PKI in dir unless it is there already.
// comune names the seal's organisation, e.g. "Comune di Lodi". The seal
// carries no revocation URLs; see EnsureDemoWith.
func EnsureDemo(dir, comune string, now time.Time) (Demo, error) {
	return EnsureDemoWith(dir, DemoOptions{Comune: comune}, now)
}

// EnsureDemoWith creates the demo PKI in dir unless it is there already,
// in which case the files are reused as they are, whatever opts says.
func EnsureDemoWith(dir string, opts DemoOptions, now time.Time) (Demo, error) {
	d := Demo{
		Dir:       dir,
		KeyPath:   filepath.Join(dir, KeyFile),
		ChainPath: filepath.Join(dir, ChainFile),
		RootPath:  filepath.Join(dir, RootFile),
		CAKeyPath: filepath.Join(dir, CAKeyFile),
	}
	have := 0
	for _, p := range []string{d.KeyPath, d.ChainPath, d.RootPath} {
		ok, err := exists(p)
		if err != nil {
			return d, err
		}
		if ok {
			have++
		}
	}
	haveCAKey, err := exists(d.CAKeyPath)
	if err != nil {
		return d, err
	}
	switch {
	case have == 3 && haveCAKey:
		return d, nil
	case have == 3:
		d.CAKeyPath = "" // made by an earlier version: still usable
		return d, nil
	case have == 0 && !haveCAKey:
	default:
		return d, fmt.Errorf("pki: %s holds only part of the demo PKI; remove it or restore the missing files", dir)
	}
	if strings.TrimSpace(opts.Comune) == "" {
		return d, errors.New("pki: the demo seal needs the comune's name")
	}
	var urls RevocationURLs
	if opts.BaseURL != "" {
		urls = RevocationURLsAt(opts.BaseURL)
	}
	orgID := opts.OrganizationIdentifier
	if orgID == "" {
		orgID = DemoOrganizationIdentifier
	}
	subject := SealSubject{
		CommonName:             opts.Comune + " - DEMO seal",
		Organization:           opts.Comune + " (DEMO)",
		OrganizationIdentifier: orgID,
	}
	// Check the inputs before any key is made or file written.
	if _, err := subject.name(); err != nil {
		return d, err
	}
	if err := urls.check(); err != nil {
		return d, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return d, err
	}
	ca, err := NewCA(pkix.Name{
		CommonName:   "certa DEMO Root CA",
		Organization: []string{"certa DEMO - not for production"},
		Country:      []string{"IT"},
	}, now)
	if err != nil {
		return d, err
	}
	sealKey, err := newKey()
	if err != nil {
		return d, err
	}
	seal, err := IssueSeal(ca, sealKey.Public(), subject, urls, now)
	if err != nil {
		return d, err
	}
	caKeyPEM, err := keyPEM(ca.Key)
	if err != nil {
		return d, err
	}
	sealKeyPEM, err := keyPEM(sealKey)
	if err != nil {
		return d, err
	}
	// Keys first: a crash leaves an incomplete set, which EnsureDemo refuses.
	if err := writeAtomic(d.CAKeyPath, caKeyPEM, 0o600); err != nil {
		return d, err
	}
	if err := writeAtomic(d.KeyPath, sealKeyPEM, 0o600); err != nil {
		return d, err
	}
	chain := append(certPEM(seal), certPEM(ca.Cert)...)
	if err := writeAtomic(d.ChainPath, chain, 0o644); err != nil {
		return d, err
	}
	if err := writeAtomic(d.RootPath, certPEM(ca.Cert), 0o644); err != nil {
		return d, err
	}
	d.Created = true
	return d, nil
}

// LoadCA reads the demo root and its key from a directory EnsureDemo made.
// The error wraps fs.ErrNotExist when the key is missing, as in a
// directory made before the key was kept.
func LoadCA(dir string) (CA, error) {
	certs, err := os.ReadFile(filepath.Join(dir, RootFile))
	if err != nil {
		return CA{}, fmt.Errorf("pki: %w", err)
	}
	chain, err := signer.ParseCertificatesPEM(certs)
	if err != nil {
		return CA{}, fmt.Errorf("pki: %s: %w", RootFile, err)
	}
	keyPath := filepath.Join(dir, CAKeyFile)
	if err := checkPrivate(keyPath); err != nil {
		return CA{}, err
	}
	data, err := os.ReadFile(keyPath)
	if err != nil {
		return CA{}, fmt.Errorf("pki: %w", err)
	}
	key, err := signer.ParsePrivateKeyPEM(data)
	if err != nil {
		return CA{}, fmt.Errorf("pki: %s: %w", keyPath, err)
	}
	ca := CA{Cert: chain[0], Key: key}
	if err := ca.check(); err != nil {
		return CA{}, err
	}
	return ca, nil
}

// LoadRoots reads a PEM file of trust anchors.
func LoadRoots(path string) (*x509.CertPool, []*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	certs, err := signer.ParseCertificatesPEM(data)
	if err != nil {
		return nil, nil, fmt.Errorf("pki: %s: %w", path, err)
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, certs, nil
}

func exists(path string) (bool, error) {
	_, err := os.Stat(path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	default:
		return false, err
	}
}

func checkPrivate(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("pki: key file %s is accessible by group or others (mode %v); chmod 600 it", path, fi.Mode().Perm())
	}
	return nil
}

func newKey() (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

func keyPEM(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

func certPEM(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

func writeAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

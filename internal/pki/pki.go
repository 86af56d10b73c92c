// Package pki makes the demo PKI of the embedded default: a demo root CA and
// a seal certificate for the demo comune, both saying DEMO in their subject.
// It is for development and evaluation only; production seals come from a
// qualified CA (see docs/architecture.md).
//
// Files written into the directory: root-cert.pem (the trust anchor to give
// verifiers), seal-chain.pem (seal certificate then root) and seal-key.pem
// (PKCS#8, mode 0600). Existing files are reused, never overwritten.
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
	"math/big"
	"os"
	"path/filepath"
	"time"

	"certa.example/certa/signer"
)

// File names inside the PKI directory.
const (
	RootFile  = "root-cert.pem"
	ChainFile = "seal-chain.pem"
	KeyFile   = "seal-key.pem"
)

// Demo describes the demo PKI files.
type Demo struct {
	Dir       string
	KeyPath   string
	ChainPath string
	RootPath  string
	Created   bool // false when existing files were reused
}

// EnsureDemo creates the demo PKI in dir unless it is there already.
// comune names the seal's organisation, e.g. "Comune di Lodi".
func EnsureDemo(dir, comune string, now time.Time) (Demo, error) {
	d := Demo{
		Dir:       dir,
		KeyPath:   filepath.Join(dir, KeyFile),
		ChainPath: filepath.Join(dir, ChainFile),
		RootPath:  filepath.Join(dir, RootFile),
	}
	have := 0
	for _, p := range []string{d.KeyPath, d.ChainPath, d.RootPath} {
		if _, err := os.Stat(p); err == nil {
			have++
		} else if !errors.Is(err, fs.ErrNotExist) {
			return d, err
		}
	}
	switch have {
	case 3:
		return d, nil
	case 0:
	default:
		return d, fmt.Errorf("pki: %s holds only part of the demo PKI; remove it or restore the missing files", dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return d, err
	}
	rootKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return d, err
	}
	notBefore := now.Add(-time.Hour).UTC()
	rootTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "certa DEMO Root CA", Organization: []string{"certa DEMO - not for production"}, Country: []string{"IT"}},
		NotBefore:             notBefore,
		NotAfter:              notBefore.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	rootDER, err := x509.CreateCertificate(rand.Reader, rootTmpl, rootTmpl, rootKey.Public(), rootKey)
	if err != nil {
		return d, err
	}
	root, _ := x509.ParseCertificate(rootDER)

	sealKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return d, err
	}
	sealTmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject: pkix.Name{
			CommonName:   comune + " - DEMO seal",
			Organization: []string{comune + " (DEMO)"},
			Country:      []string{"IT"},
		},
		NotBefore: notBefore,
		NotAfter:  notBefore.AddDate(3, 0, 0),
		// No extended key usage: NSS (behind poppler's pdfsig) rejects a
		// signer whose only EKU is document signing.
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		BasicConstraintsValid: true,
	}
	sealDER, err := x509.CreateCertificate(rand.Reader, sealTmpl, root, sealKey.Public(), rootKey)
	if err != nil {
		return d, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(sealKey)
	if err != nil {
		return d, err
	}
	// Key first: a crash leaves an incomplete set, which EnsureDemo refuses.
	if err := writeAtomic(d.KeyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return d, err
	}
	chain := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: sealDER}), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: rootDER})...)
	if err := writeAtomic(d.ChainPath, chain, 0o644); err != nil {
		return d, err
	}
	if err := writeAtomic(d.RootPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: root.Raw}), 0o644); err != nil {
		return d, err
	}
	d.Created = true
	return d, nil
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

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return n.Add(n, big.NewInt(1))
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

var _ crypto.Signer = (*ecdsa.PrivateKey)(nil)

// Package signer seals certificate PDFs with the municipality's key.
//
// A Seal pairs a crypto.Signer (a key file today, a PKCS#11 token later)
// with its certificate chain; NewSeal refuses a key that does not match the
// certificate, so a misconfigured deployment fails at start-up rather than
// issuing documents nobody can verify.
//
// PDFSigner wraps github.com/digitorus/pdfsign behind certa's own API so the
// PAdES writer can be replaced (see docs/architecture.md). Caveats of the
// pinned pdfsign version that this package works around: the signature
// dictionary must stay ASCII (Name, Location and Reason are checked), the
// certification type must be set explicitly (approval), and the signature
// placeholder is reserved generously so its "retry" path, which corrupts
// the output, is never taken. The result is checked before it is returned.
package signer

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/sign"
	"golang.org/x/text/unicode/norm"

	"certa.example/certa/internal/errs"
)

// Seal is a signing key with its certificate chain (leaf first).
type Seal struct {
	Key   crypto.Signer
	Chain []*x509.Certificate
}

// Certificate returns the seal's own certificate.
func (s *Seal) Certificate() *x509.Certificate { return s.Chain[0] }

// NewSeal checks that key belongs to chain[0] and that chain[0] may sign
// documents, and returns the seal.
func NewSeal(key crypto.Signer, chain []*x509.Certificate) (*Seal, error) {
	if key == nil || len(chain) == 0 || chain[0] == nil {
		return nil, errors.New("signer: a key and at least one certificate are required")
	}
	leaf := chain[0]
	if !publicKeysEqual(key.Public(), leaf.PublicKey) {
		return nil, fmt.Errorf("signer: the key does not match the seal certificate %q (serial %s)", leaf.Subject.CommonName, leaf.SerialNumber)
	}
	if leaf.IsCA {
		return nil, fmt.Errorf("signer: seal certificate %q is a CA certificate; verifiers reject it", leaf.Subject.CommonName)
	}
	if leaf.KeyUsage != 0 && leaf.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return nil, fmt.Errorf("signer: seal certificate %q does not allow digital signatures", leaf.Subject.CommonName)
	}
	for i := 0; i+1 < len(chain); i++ {
		if err := chain[i].CheckSignatureFrom(chain[i+1]); err != nil {
			return nil, fmt.Errorf("signer: chain certificate %d is not signed by certificate %d: %w", i, i+1, err)
		}
	}
	return &Seal{Key: key, Chain: chain}, nil
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	switch k := a.(type) {
	case *ecdsa.PublicKey, *rsa.PublicKey, ed25519.PublicKey:
		return k.(equaler).Equal(b)
	}
	return false
}

// Info is what the signature dictionary says about the signer. ASCII only.
type Info struct {
	Name     string // e.g. "Comune di Lodi - Ufficio Anagrafe"
	Location string // e.g. "Lodi"
	Reason   string // e.g. "Certificato anagrafico"
}

// ASCII transliterates s for the signature dictionary: letters lose their
// diacritics ("Forlì" becomes "Forli"); anything else outside printable
// ASCII, and parentheses and backslashes, are dropped.
func ASCII(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if r >= 0x20 && r < 0x7f && r != '(' && r != ')' && r != '\\' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// PDFSigner applies a PAdES-style detached signature to a PDF.
type PDFSigner struct {
	seal *Seal
	info Info
	// reserve is the hex length reserved for the CMS signature.
	reserve uint32
}

// NewPDFSigner returns a signer for seal. Info must be printable ASCII:
// the pinned pdfsign corrupts the signature dictionary otherwise.
func NewPDFSigner(seal *Seal, info Info) (*PDFSigner, error) {
	for _, s := range []string{info.Name, info.Location, info.Reason} {
		for i := 0; i < len(s); i++ {
			if s[i] < 0x20 || s[i] > 0x7e || s[i] == '(' || s[i] == ')' || s[i] == '\\' {
				return nil, fmt.Errorf("signer: signature info %q must be printable ASCII without parentheses or backslashes", s)
			}
		}
	}
	// pdfsign adds the certificates' sizes to this base; the base must hold
	// the signed attributes and the signature value itself.
	reserve := 1024 + maxSignatureLen(seal.Key.Public())
	return &PDFSigner{seal: seal, info: info, reserve: uint32(hex.EncodedLen(reserve))}, nil
}

func maxSignatureLen(pub crypto.PublicKey) int {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return k.Size()
	case *ecdsa.PublicKey:
		return 2*((k.Curve.Params().BitSize+7)/8) + 16
	}
	return 512
}

// Seal returns the signer's seal.
func (s *PDFSigner) Seal() *Seal { return s.seal }

// Sign returns doc with an approval signature over the whole file, dated at.
func (s *PDFSigner) Sign(doc []byte, at time.Time) ([]byte, error) {
	rdr, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		return nil, errs.Wrap(errs.SigningFailed, "the document could not be prepared for signing", err)
	}
	var out bytes.Buffer
	out.Grow(len(doc) + int(s.reserve) + 2048)
	ctx := sign.SignContext{
		InputFile:  bytes.NewReader(doc),
		OutputFile: &out,
		PDFReader:  rdr,
		SignData: sign.SignData{
			Signature: sign.SignDataSignature{
				CertType: sign.ApprovalSignature,
				Info: sign.SignDataSignatureInfo{
					Name: s.info.Name, Location: s.info.Location, Reason: s.info.Reason, Date: at,
				},
			},
			Signer:            s.seal.Key,
			DigestAlgorithm:   crypto.SHA256,
			Certificate:       s.seal.Certificate(),
			CertificateChains: [][]*x509.Certificate{s.seal.Chain},
		},
		SignatureMaxLengthBase: s.reserve,
	}
	if err := signPDF(&ctx); err != nil {
		return nil, errs.Wrap(errs.SigningFailed, "the document could not be signed", err)
	}
	signed := out.Bytes()
	if err := checkSigned(doc, signed); err != nil {
		return nil, errs.Wrap(errs.SigningFailed, "the signed document failed its self-check", err)
	}
	return signed, nil
}

// signPDF runs pdfsign, turning a panic in it into an error.
func signPDF(ctx *sign.SignContext) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("pdfsign panicked: %v", r)
		}
	}()
	return ctx.SignPDF()
}

// checkSigned makes sure the output is the input plus one incremental
// update whose signature covers the whole file, and that pdfsign did not
// take its retry path (which appends a second, broken update).
func checkSigned(orig, signed []byte) error {
	if !bytes.HasPrefix(signed, orig) {
		return errors.New("signed output does not start with the original document")
	}
	tail := signed[len(orig):]
	if n := bytes.Count(tail, []byte("/ByteRange")); n != 1 {
		return fmt.Errorf("expected one signature in the update, found %d", n)
	}
	if !bytes.HasSuffix(bytes.TrimRight(signed, "\r\n"), []byte("%%EOF")) {
		return errors.New("signed output does not end with %%EOF")
	}
	return nil
}

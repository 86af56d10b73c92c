// Package signer seals certificate PDFs with the municipality's key.
//
// A Seal pairs a crypto.Signer (a key file, or a PKCS#11 token through
// signer/pkcs11) with its certificate chain; NewSeal refuses a key that
// does not match the certificate, so a misconfigured deployment fails at
// start-up rather than issuing documents nobody can verify.
//
// PDFSigner applies a PAdES baseline signature (ETSI EN 319 142-1) with
// certa's own writer, signer/pades (docs/signing.md says why not
// pdfsign): B-B; B-T, with an RFC 3161 timestamp from a TSA (signer/tsa);
// or B-LT, which then appends the validation data (the chain, the
// timestamp authority's certificates, OCSP responses or CRLs) in a
// Document Security Store. Validation data come from a ValidationSource,
// normally a RevocationFetcher that asks the URLs in the certificates and
// caches the answers until their next update.
package signer

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/text/unicode/norm"

	"certa.example/certa/internal/errs"
	"certa.example/certa/signer/pades"
	"certa.example/certa/signer/tsa"
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

// Probe signs a fixed digest with the seal's key and checks the signature
// with the certificate's public key: the key is reachable and still the
// one the certificate names. It backs /readyz.
func (s *Seal) Probe(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return errs.Wrap(errs.Unavailable, "the seal is unavailable", err)
	}
	digest := sha256.Sum256([]byte("certa readiness probe"))
	var opts crypto.SignerOpts = crypto.SHA256
	if _, ok := s.Key.Public().(*rsa.PublicKey); ok {
		opts = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}
	}
	if _, ok := s.Key.Public().(ed25519.PublicKey); ok {
		return nil // signs messages, not digests: nothing cheap to probe
	}
	sig, err := s.Key.Sign(rand.Reader, digest[:], opts)
	if err != nil {
		return keyErr(err)
	}
	ok := false
	switch pub := s.Certificate().PublicKey.(type) {
	case *ecdsa.PublicKey:
		ok = ecdsa.VerifyASN1(pub, digest[:], sig)
	case *rsa.PublicKey:
		ok = rsa.VerifyPSS(pub, crypto.SHA256, digest[:], sig, opts.(*rsa.PSSOptions)) == nil
	}
	if !ok {
		return errs.New(errs.SigningFailed, "the seal key no longer matches its certificate")
	}
	return nil
}

// keyErr keeps an outage an outage: a key error of kind Unavailable (an
// HSM down, its session pool exhausted) stays Unavailable, anything else is
// SigningFailed.
func keyErr(err error) error {
	if errs.KindOf(err) == errs.Unavailable {
		return errs.Wrap(errs.Unavailable, "the seal is unavailable", err)
	}
	return errs.Wrap(errs.SigningFailed, "the document could not be signed", err)
}

// Info is what the signature dictionary says about the signer.
type Info struct {
	Name     string // e.g. "Comune di Forlì - Ufficio Anagrafe"
	Location string // e.g. "Forlì"
	Reason   string // e.g. "Certificato anagrafico"
}

// ASCII transliterates s: letters lose their diacritics ("Forlì" becomes
// "Forli"); anything else outside printable ASCII, and parentheses and
// backslashes, are dropped. For logs and file names; the signature
// dictionary takes any text.
func ASCII(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if r >= 0x20 && r < 0x7f && r != '(' && r != ')' && r != '\\' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Level is a PAdES baseline level.
type Level = pades.Level

// The levels PDFSigner makes.
const (
	LevelBB  = pades.BB
	LevelBT  = pades.BT
	LevelBLT = pades.BLT
)

// ParseLevel reads "B-B", "B-T" or "B-LT".
func ParseLevel(s string) (Level, error) {
	for _, l := range []Level{LevelBB, LevelBT, LevelBLT} {
		if strings.EqualFold(s, l.String()) {
			return l, nil
		}
	}
	return 0, fmt.Errorf("signature level %q: want B-B, B-T or B-LT", s)
}

// ValidationSource supplies what a verifier needs to check chain later
// without going online: the certificates, and OCSP responses or CRLs.
type ValidationSource interface {
	Validation(ctx context.Context, chain []*x509.Certificate) (pades.Validation, error)
}

// Options chooses the signature level and what it needs.
type Options struct {
	// Level defaults to B-T when TSA is set, else B-B.
	Level Level
	// TSA timestamps the signatures of B-T and B-LT.
	TSA *tsa.Client
	// Validation supplies the validation data of B-LT.
	Validation ValidationSource
	// RSAPSS makes RSA seals sign with PSS instead of PKCS#1 v1.5.
	RSAPSS bool
}

// PDFSigner applies a PAdES baseline signature to the PDFs certa renders.
// It is safe for concurrent use.
type PDFSigner struct {
	seal  *Seal
	level Level
	opts  Options
	pades *pades.Signer
	// tsaChain is the TSA's certificate chain, as the last token carried
	// it, for B-LT.
	tsaChain atomic.Pointer[[]*x509.Certificate]
}

// NewPDFSigner returns a signer for seal at the level opts asks for.
func NewPDFSigner(seal *Seal, info Info, opts Options) (*PDFSigner, error) {
	if opts.Level == 0 {
		opts.Level = LevelBB
		if opts.TSA != nil {
			opts.Level = LevelBT
		}
	}
	if opts.Level >= LevelBT && opts.TSA == nil {
		return nil, fmt.Errorf("signer: level %s needs a timestamp authority (TSA URL)", opts.Level)
	}
	if opts.Level == LevelBLT && opts.Validation == nil {
		return nil, errors.New("signer: level B-LT needs a source of validation data")
	}
	s := &PDFSigner{seal: seal, level: opts.Level, opts: opts}
	po := pades.Options{
		Signer:   seal.Key,
		Chain:    seal.Chain,
		RSAPSS:   opts.RSAPSS,
		Name:     info.Name,
		Location: info.Location,
		Reason:   info.Reason,
	}
	if opts.Level >= LevelBT {
		po.Timestamp = s.timestamp
		po.TimestampReserve = opts.TSA.MaxTokenLen()
	}
	var err error
	if s.pades, err = pades.NewSigner(po); err != nil {
		return nil, fmt.Errorf("signer: %w", err)
	}
	return s, nil
}

// Seal returns the signer's seal.
func (s *PDFSigner) Seal() *Seal { return s.seal }

// Level returns the level of the signatures s makes.
func (s *PDFSigner) Level() Level { return s.level }

func (s *PDFSigner) timestamp(ctx context.Context, sig []byte) ([]byte, error) {
	h := sha256.Sum256(sig)
	tok, err := s.opts.TSA.Timestamp(ctx, h[:])
	if err != nil {
		return nil, &tsaError{err}
	}
	if s.level == LevelBLT {
		if info, err := tsa.ParseToken(tok); err == nil {
			chain := info.Certificates
			s.tsaChain.Store(&chain)
		}
	}
	return tok, nil
}

// Sign returns doc with a signature over the whole file, dated at.
func (s *PDFSigner) Sign(ctx context.Context, doc []byte, at time.Time) ([]byte, error) {
	signed, err := s.pades.Sign(ctx, doc, at)
	if err != nil {
		var te *tsaError
		if errors.As(err, &te) {
			return nil, errs.Wrap(errs.Unavailable, "the timestamp authority is unavailable", err)
		}
		return nil, keyErr(err)
	}
	if s.level == LevelBLT {
		v, err := s.validation(ctx)
		if errors.Is(err, ErrRevoked) {
			return nil, errs.Wrap(errs.SigningFailed, "the seal certificate is revoked", err)
		}
		if err != nil {
			return nil, errs.Wrap(errs.Unavailable, "the validation data of the seal are unavailable", err)
		}
		if signed, err = pades.AddDSS(signed, v); err != nil {
			return nil, errs.Wrap(errs.SigningFailed, "the validation data could not be added", err)
		}
	}
	if !bytes.HasPrefix(signed, doc) {
		return nil, errs.New(errs.SigningFailed, "the signed document failed its self-check")
	}
	return signed, nil
}

// validation gathers the seal's and the TSA's validation data.
func (s *PDFSigner) validation(ctx context.Context) (pades.Validation, error) {
	v, err := s.opts.Validation.Validation(ctx, s.seal.Chain)
	if err != nil {
		return v, err
	}
	if p := s.tsaChain.Load(); p != nil && len(*p) > 0 {
		t, err := s.opts.Validation.Validation(ctx, *p)
		if err != nil {
			return v, err
		}
		v.Certs = append(v.Certs, t.Certs...)
		v.CRLs = append(v.CRLs, t.CRLs...)
		v.OCSPs = append(v.OCSPs, t.OCSPs...)
	}
	return v, nil
}

// tsaError marks a failure of the timestamp authority.
type tsaError struct{ err error }

func (e *tsaError) Error() string { return "timestamp: " + e.err.Error() }
func (e *tsaError) Unwrap() error { return e.err }

package seal

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/fxamacker/cbor/v2"

	"certa.example/certa/internal/errs"
)

// This file holds what the trust list and the revocation list share: the
// signed envelope, a tagged COSE_Sign1 whose protected header is exactly
//
//	{1: alg, 3: content type, 4: kid, 33: x5chain}
//
// (alg ES256 or ES384, kid = KID(x5chain[0]), x5chain the DER chain of the
// list signer, leaf first: a bstr for one certificate, an array of bstr for
// more, RFC 9360), and the strict CBOR codec of the payloads.

// Content types (protected header label 3) of the lists.
const (
	contentTypeTrustList      = "application/certa-trust-list+cbor"
	contentTypeRevocationList = "application/certa-revocation-list+cbor"
)

// MaxChain is the longest x5chain a list may carry.
const MaxChain = 8

var (
	// ErrListKeyType is returned (kind errs.Internal) by SignTrustList and
	// SignRevocationList for a key that is not ECDSA P-256 or P-384, or
	// that does not belong to chain[0], or for a missing chain.
	ErrListKeyType = errors.New("seal: list signing key must be ECDSA P-256 or P-384 and match chain[0]")
	// ErrTrustListExpired marks an authentic trust list past its Expires.
	ErrTrustListExpired = errors.New("seal: trust list expired")
	// ErrRevocationListExpired marks an authentic revocation list past its
	// Expires.
	ErrRevocationListExpired = errors.New("seal: revocation list expired")
)

// listKind tells the two lists apart in the shared code.
type listKind struct {
	contentType string
	name        string // public texts: "malformed <name>", ...
	maxSize     int
	expired     error
}

func (k listKind) malformed(cause error) error {
	return errs.Wrap(errs.InvalidRequest, "malformed "+k.name, cause)
}

func (k listKind) untrusted(why string) error {
	return errs.Wrap(errs.InvalidRequest, k.name+" not authentic", fmt.Errorf("%w: %s", ErrUntrusted, why))
}

func (k listKind) invalid(cause error) error {
	return errs.Wrap(errs.InvalidRequest, "invalid "+k.name, cause)
}

func (k listKind) expiredErr() error {
	return errs.Wrap(errs.InvalidRequest, k.name+" expired", k.expired)
}

var (
	listEncMode cbor.EncMode
	listDecMode cbor.DecMode
)

func init() {
	opts := cbor.CoreDetEncOptions()
	opts.NilContainers = cbor.NilContainerAsEmpty
	var err error
	if listEncMode, err = opts.EncMode(); err != nil {
		panic(err)
	}
	listDecMode, err = cbor.DecOptions{
		DupMapKey:         cbor.DupMapKeyEnforcedAPF,
		IndefLength:       cbor.IndefLengthForbidden,
		TagsMd:            cbor.TagsForbidden,
		MaxNestedLevels:   6,
		MaxArrayElements:  MaxTrustEntries,
		MaxMapPairs:       256,
		ExtraReturnErrors: cbor.ExtraDecErrorUnknownField,
		UTF8:              cbor.UTF8RejectInvalid,
	}.DecMode()
	if err != nil {
		panic(err)
	}
}

// decodeCanonical decodes b into v strictly and then requires b to be the
// deterministic encoding of v: shortest heads, sorted keys, every field
// present, no null for an empty array or map.
func decodeCanonical(b []byte, v any) error {
	if err := listDecMode.Unmarshal(b, v); err != nil {
		return err
	}
	again, err := listEncMode.Marshal(v)
	if err != nil {
		return err
	}
	if !bytes.Equal(again, b) {
		return errors.New("not deterministic CBOR or missing field")
	}
	return nil
}

// listProtected is the protected header of a list.
type listProtected struct {
	Alg         int64           `cbor:"1,keyasint"`
	ContentType string          `cbor:"3,keyasint"`
	KID         []byte          `cbor:"4,keyasint"`
	X5Chain     cbor.RawMessage `cbor:"33,keyasint"`
}

func encodeX5Chain(ders [][]byte) ([]byte, error) {
	if len(ders) == 1 {
		return listEncMode.Marshal(ders[0])
	}
	return listEncMode.Marshal(ders)
}

func decodeX5Chain(raw []byte) ([][]byte, error) {
	var ders [][]byte
	if len(raw) > 0 && raw[0]>>5 == 2 {
		var der []byte
		if err := listDecMode.Unmarshal(raw, &der); err != nil {
			return nil, err
		}
		ders = [][]byte{der}
	} else if err := listDecMode.Unmarshal(raw, &ders); err != nil {
		return nil, err
	}
	if len(ders) == 0 || len(ders) > MaxChain {
		return nil, errors.New("x5chain empty or too long")
	}
	again, err := encodeX5Chain(ders)
	if err != nil || !bytes.Equal(again, raw) {
		return nil, errors.New("x5chain not canonical")
	}
	return ders, nil
}

// signList wraps payload in the list envelope signed by key, whose
// certificate is chain[0].
func signList(k listKind, payload []byte, key crypto.Signer, chain []*x509.Certificate) ([]byte, error) {
	if key == nil || len(chain) == 0 || len(chain) > MaxChain {
		return nil, errs.Wrap(errs.Internal, "", ErrListKeyType)
	}
	for _, c := range chain {
		if c == nil {
			return nil, errs.Wrap(errs.Internal, "", ErrListKeyType)
		}
	}
	alg, pub, ok := ecAlgFor(key.Public())
	if !ok || !pub.Equal(chain[0].PublicKey) {
		return nil, errs.Wrap(errs.Internal, "", ErrListKeyType)
	}
	return signListAs(k, alg, payload, key, chain)
}

// signListAs is signList without the key checks (tests use it to forge).
func signListAs(k listKind, alg ecAlg, payload []byte, key crypto.Signer, chain []*x509.Certificate) ([]byte, error) {
	ders := make([][]byte, len(chain))
	for i, c := range chain {
		ders[i] = c.Raw
	}
	x5, err := encodeX5Chain(ders)
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "", err)
	}
	prot, err := listEncMode.Marshal(listProtected{Alg: alg.id, ContentType: k.contentType, KID: KID(chain[0]), X5Chain: x5})
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "", err)
	}
	sig, err := alg.sign(key, toBeSigned(prot, payload))
	if err != nil {
		return nil, errs.Wrap(errs.SigningFailed, "", err)
	}
	out := appendSign1(make([]byte, 0, len(prot)+len(payload)+len(sig)+16), prot, payload, sig)
	if len(out) > k.maxSize {
		return nil, k.invalid(errors.New("signed list too large"))
	}
	return out, nil
}

// parseList checks the envelope of a list of kind k and returns its
// payload: size, canonical COSE_Sign1, protected header, signature by
// x5chain[0], and the chain up to roots at now.
func parseList(k listKind, data []byte, roots *x509.CertPool, now time.Time) ([]byte, error) {
	if len(data) > k.maxSize {
		return nil, k.malformed(errors.New("too large"))
	}
	prot, payload, sig, err := parseSign1(data)
	if err != nil {
		return nil, k.malformed(err)
	}
	var h listProtected
	if err := decodeCanonical(prot, &h); err != nil {
		return nil, k.malformed(err)
	}
	if h.ContentType != k.contentType {
		return nil, k.malformed(errors.New("wrong content type"))
	}
	var alg ecAlg
	switch h.Alg {
	case algES256:
		alg = es256
	case algES384:
		alg = es384
	default:
		return nil, k.malformed(errors.New("algorithm not ES256 or ES384"))
	}
	if len(sig) != 2*alg.size {
		return nil, k.malformed(errors.New("wrong signature length"))
	}
	ders, err := decodeX5Chain(h.X5Chain)
	if err != nil {
		return nil, k.malformed(err)
	}
	chain := make([]*x509.Certificate, len(ders))
	for i, der := range ders {
		if chain[i], err = x509.ParseCertificate(der); err != nil {
			return nil, k.malformed(errors.New("x5chain certificate"))
		}
	}
	leaf := chain[0]
	if !bytes.Equal(h.KID, KID(leaf)) {
		return nil, k.malformed(errors.New("kid is not KID(x5chain[0])"))
	}
	if roots == nil {
		return nil, k.untrusted("no roots")
	}
	keyAlg, pub, ok := ecAlgFor(leaf.PublicKey)
	if !ok || keyAlg.id != alg.id {
		return nil, k.untrusted("signer key does not match alg")
	}
	if !alg.verify(pub, toBeSigned(prot, payload), sig) {
		return nil, k.untrusted("bad signature")
	}
	if leaf.KeyUsage != 0 && leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return nil, k.untrusted("signer certificate without digitalSignature")
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: inter,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}); err != nil {
		return nil, k.untrusted("signer certificate not trusted")
	}
	return payload, nil
}

// List dates are Unix seconds, limited to years 1970-9999 so that they
// print as RFC 3339.
const maxListTime = 253402300799 // 9999-12-31T23:59:59Z

func checkListDates(version, issued, expires int64) error {
	switch {
	case version < 1:
		return errors.New("version < 1")
	case issued < 0 || expires > maxListTime:
		return errors.New("date out of range")
	case expires < issued:
		return errors.New("expires before issued")
	}
	return nil
}

func listTime(n int64) time.Time { return time.Unix(n, 0).UTC() }

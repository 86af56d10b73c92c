// Package seal makes and checks the compact signed payload ("seal") carried
// by the QR code of a certificate, in the manner of the EU Digital COVID
// Certificate (DCC):
//
//	claims --CBOR--> COSE_Sign1 (ES256, kid) --zlib if shorter--> base45
//
// The format is described in docs/seal.md. In short:
//
//   - The claims are a CBOR map with small integer keys (see Claims).
//   - They are the payload of a tagged COSE_Sign1 (CBOR tag 18) signed with
//     ES256 (ECDSA P-256 with SHA-256). The protected header holds exactly
//     alg (1) = -7 and kid (4) = KID(cert), the first 8 bytes of the SHA-256
//     of the signing certificate's DER. The unprotected header is empty.
//   - The COSE bytes are zlib-compressed only when that makes them shorter.
//     No marker character is added: as in the DCC, the first byte tells the
//     two apart. A tagged COSE_Sign1 starts with 0xD2, a zlib stream with
//     0x78; anything else is rejected.
//   - The bytes are written in base45 (RFC 9285), the QR alphanumeric set.
//   - In a URL (see URL) the seal is the last path segment, with '%', ' ' and
//     '/' percent-escaped as %25, %20 and %2F, so that the URL stays in the
//     QR alphanumeric set, net/http accepts it and ServeMux does not clean it.
//
// Errors. Every error that Verify and ParseURL return is an *errs.Error of
// kind errs.InvalidRequest with a fixed public text that never echoes the
// input. Beyond that, errors.Is tells three cases apart:
//
//   - ErrUntrusted: the seal is well formed but not authentic (kid unknown,
//     signature wrong, certificate unusable or not valid on the issue date).
//   - ErrExpired: the seal is authentic but its Expires date has passed;
//     Verify then also returns the claims and the certificate.
//   - otherwise the input is malformed (public text "malformed seal").
//
// Offline verifiers get the trusted certificates from a signed TrustList
// (ParseTrustList; pass its Lookup to Verify) and revoked codes from a
// signed RevocationList (ParseRevocationList, Contains).
//
// Sign returns ErrKeyType (wrapped, kind errs.Internal) for a key that is
// not ECDSA P-256 or does not match the certificate, errs.InvalidRequest
// for claims it cannot encode, and errs.SigningFailed when the signer fails.
package seal

import (
	"bytes"
	"compress/zlib"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/fxamacker/cbor/v2"
	kzlib "github.com/klauspost/compress/zlib"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/vcode"
)

// Version is the claims version Sign writes and Verify accepts.
const Version = 1

const (
	// MaxPayload is the longest base45 text Verify accepts.
	MaxPayload = 4096
	// MaxDecompressed caps the size of a decompressed seal (zip bombs).
	MaxDecompressed = 4096
	// MaxFacts caps the number of facts; each key and value is at most
	// MaxFactLen bytes.
	MaxFacts   = 16
	MaxFactLen = 256
)

var (
	// ErrUntrusted marks a well-formed seal that is not authentic.
	ErrUntrusted = errors.New("seal: untrusted")
	// ErrExpired marks an authentic seal past its Expires date.
	ErrExpired = errors.New("seal: expired")
	// ErrKeyType is returned by Sign for a key that is not ECDSA P-256 or
	// does not belong to the certificate.
	ErrKeyType = errors.New("seal: signing key must be ECDSA P-256 matching the certificate")
)

// Claims is what a seal asserts. Dates have day precision: only their
// year, month and day (in their own location) are kept, and Verify returns
// them as midnight UTC.
type Claims struct {
	Version    int               // CBOR key 1
	Code       string            // 2: verification code, canonical, e.g. "ABCD-EFGH-JKMN-PQRS"
	Type       string            // 3: certificate type API name, "a+b" for a contestuale
	ComuneCode string            // 4: cadastral code, e.g. "H501"
	ComuneName string            // 5: e.g. "ROMA"
	Issued     time.Time         // 6: days since 1970-01-01
	Expires    time.Time         // 7: days since 1970-01-01
	Holder     string            // 8: holder's name
	BirthDate  time.Time         // 9: days since 1970-01-01 (negative before)
	Facts      map[string]string // 10: short facts per type, omitted when empty
}

// wire is the CBOR form of Claims.
type wire struct {
	Version    int               `cbor:"1,keyasint"`
	Code       string            `cbor:"2,keyasint"`
	Type       string            `cbor:"3,keyasint"`
	ComuneCode string            `cbor:"4,keyasint"`
	ComuneName string            `cbor:"5,keyasint"`
	Issued     int64             `cbor:"6,keyasint"`
	Expires    int64             `cbor:"7,keyasint"`
	Holder     string            `cbor:"8,keyasint"`
	BirthDate  int64             `cbor:"9,keyasint"`
	Facts      map[string]string `cbor:"10,keyasint,omitempty"`
}

var (
	encMode cbor.EncMode
	decMode cbor.DecMode
)

func init() {
	var err error
	encMode, err = cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		panic(err)
	}
	decMode, err = cbor.DecOptions{
		DupMapKey:         cbor.DupMapKeyEnforcedAPF,
		IndefLength:       cbor.IndefLengthForbidden,
		TagsMd:            cbor.TagsForbidden,
		MaxNestedLevels:   4,
		MaxArrayElements:  16,
		MaxMapPairs:       32,
		ExtraReturnErrors: cbor.ExtraDecErrorUnknownField,
		UTF8:              cbor.UTF8RejectInvalid,
	}.DecMode()
	if err != nil {
		panic(err)
	}
}

const day = 24 * time.Hour

func toDays(t time.Time) int64 {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

func fromDays(n int64) time.Time { return time.Unix(n*86400, 0).UTC() }

// minDays and maxDays bound the dates Verify accepts (years 1800-9999).
var (
	minDays = toDays(time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC))
	maxDays = toDays(time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC))
)

// check validates claims in wire form; it is used both ways.
func (w *wire) check() error {
	switch {
	case w.Version != Version:
		return errors.New("version")
	case w.Type == "" || w.ComuneCode == "" || w.Holder == "":
		return errors.New("missing field")
	case len(w.Facts) > MaxFacts:
		return errors.New("too many facts")
	}
	if c, err := vcode.Parse(w.Code); err != nil || c != w.Code {
		return errors.New("code")
	}
	for _, n := range []int64{w.Issued, w.Expires, w.BirthDate} {
		if n < minDays || n > maxDays {
			return errors.New("date out of range")
		}
	}
	if w.Expires < w.Issued {
		return errors.New("expires before issued")
	}
	for k, v := range w.Facts {
		if k == "" || len(k) > MaxFactLen || len(v) > MaxFactLen {
			return errors.New("fact")
		}
	}
	return nil
}

// KID returns the key identifier of cert: the first 8 bytes of the SHA-256
// of its DER encoding.
func KID(cert *x509.Certificate) []byte {
	h := sha256.Sum256(cert.Raw)
	return h[:8]
}

// sealProtPrefix is the protected header of a seal up to the kid: the
// canonical CBOR of {1: -7, 4: h'<8 bytes>'} without the 8 kid bytes.
var sealProtPrefix = []byte{0xA2, 0x01, 0x26, 0x04, 0x48}

func sealProtected(kid []byte) []byte { return append(bytes.Clone(sealProtPrefix), kid...) }

func p256Key(pub crypto.PublicKey) (*ecdsa.PublicKey, bool) {
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok || k.Curve != elliptic.P256() {
		return nil, false
	}
	return k, true
}

// Sign returns the base45 seal of c, signed by key on behalf of cert.
// key must be an ECDSA P-256 key whose public half is cert's.
func Sign(c Claims, key crypto.Signer, cert *x509.Certificate) (string, error) {
	if key == nil || cert == nil {
		return "", errs.Wrap(errs.Internal, "", ErrKeyType)
	}
	pub, ok := p256Key(key.Public())
	if !ok {
		return "", errs.Wrap(errs.Internal, "", ErrKeyType)
	}
	if cpub, ok := p256Key(cert.PublicKey); !ok || !pub.Equal(cpub) {
		return "", errs.Wrap(errs.Internal, "", ErrKeyType)
	}
	w := wire{
		Version: c.Version, Code: c.Code, Type: c.Type,
		ComuneCode: c.ComuneCode, ComuneName: c.ComuneName,
		Issued: toDays(c.Issued), Expires: toDays(c.Expires),
		Holder: c.Holder, BirthDate: toDays(c.BirthDate), Facts: c.Facts,
	}
	if err := w.check(); err != nil {
		return "", errs.Wrap(errs.InvalidRequest, "invalid seal claims", err)
	}
	body, err := encMode.Marshal(w)
	if err != nil {
		return "", errs.Wrap(errs.Internal, "", err)
	}
	prot := sealProtected(KID(cert))
	sig, err := es256.sign(key, toBeSigned(prot, body))
	if err != nil {
		return "", errs.Wrap(errs.SigningFailed, "", err)
	}
	raw := appendSign1(make([]byte, 0, len(body)+len(prot)+80), prot, body, sig)
	var z bytes.Buffer
	zw := zlibPool.Get().(*kzlib.Writer)
	zw.Reset(&z)
	_, _ = zw.Write(raw)
	if err := zw.Close(); err == nil && z.Len() < len(raw) {
		raw = z.Bytes()
	}
	zlibPool.Put(zw)
	return Base45Encode(raw), nil
}

// zlibPool keeps compressors: a new one allocates hundreds of KB. The
// payload is a few hundred bytes of CBOR and a signature, which zlib
// shortens by a few bytes at most, at any level: klauspost/compress's
// default level does that in 4 us, compress/zlib's best in 15 us.
var zlibPool = sync.Pool{New: func() any {
	zw, _ := kzlib.NewWriterLevel(io.Discard, kzlib.DefaultCompression)
	return zw
}}

func malformed(cause error) error { return errs.Wrap(errs.InvalidRequest, "malformed seal", cause) }

func untrusted(why string) error {
	return errs.Wrap(errs.InvalidRequest, "seal not authentic", fmt.Errorf("%w: %s", ErrUntrusted, why))
}

const (
	firstCOSE = 0xD2 // CBOR tag 18, COSE_Sign1_Tagged
	firstZlib = 0x78 // zlib CMF: deflate, 32 KiB window
)

// inflate decompresses a zlib stream of at most MaxDecompressed bytes,
// rejecting trailing garbage.
func inflate(b []byte) ([]byte, error) {
	br := bytes.NewReader(b)
	zr, err := zlib.NewReader(br)
	if err != nil {
		return nil, err
	}
	out, err := io.ReadAll(io.LimitReader(zr, MaxDecompressed+1))
	if err != nil {
		return nil, err
	}
	if len(out) > MaxDecompressed {
		return nil, errors.New("decompressed seal too large")
	}
	if br.Len() != 0 {
		return nil, errors.New("data after zlib stream")
	}
	return out, nil
}

// Verify checks a base45 seal and returns its claims and the certificate
// that signed it. lookup maps a kid to a trusted certificate. now is the
// time of verification; its location decides which day "today" is.
//
// Checks, in order: size (MaxPayload), base45, the compression marker and
// bounded decompression, the COSE_Sign1 structure in its canonical
// encoding only (shortest lengths; protected header exactly the 13 bytes of
// {1: -7, 4: kid} with an 8-byte kid, so no crit or other parameters; empty
// unprotected header; 64-byte signature; nothing after it), kid known to
// lookup, certificate key ECDSA P-256, signature (checked on the
// Sig_structure built from the received bytes, without re-encoding),
// claims (strict CBOR, known keys only, required fields), certificate
// valid on the issue day, issue day not after today, and finally expiry.
// When only the last check fails, Verify returns the claims, the
// certificate and an error wrapping ErrExpired.
func Verify(payload string, lookup func(kid []byte) (*x509.Certificate, bool), now time.Time) (Claims, *x509.Certificate, error) {
	if len(payload) > MaxPayload {
		return Claims{}, nil, malformed(errors.New("seal too long"))
	}
	raw, err := Base45Decode(payload)
	if err != nil {
		return Claims{}, nil, malformed(err)
	}
	if len(raw) == 0 {
		return Claims{}, nil, malformed(errors.New("empty seal"))
	}
	switch raw[0] {
	case firstCOSE:
	case firstZlib:
		if raw, err = inflate(raw); err != nil {
			return Claims{}, nil, malformed(err)
		}
		if len(raw) == 0 || raw[0] != firstCOSE {
			return Claims{}, nil, malformed(errors.New("not COSE_Sign1 inside zlib"))
		}
	default:
		return Claims{}, nil, malformed(errors.New("unknown seal marker"))
	}
	prot, body, sig, err := parseSign1(raw)
	if err != nil {
		return Claims{}, nil, malformed(err)
	}
	if len(prot) != len(sealProtPrefix)+8 || !bytes.HasPrefix(prot, sealProtPrefix) {
		// Any other alg, a kid that is not 8 bytes, crit or any other
		// parameter, or a non-canonical encoding.
		return Claims{}, nil, malformed(errors.New("protected header not {1: -7, 4: kid}"))
	}
	if len(sig) != 2*es256.size {
		return Claims{}, nil, malformed(errors.New("signature not 64 bytes"))
	}
	if lookup == nil {
		return Claims{}, nil, untrusted("no trust list")
	}
	cert, ok := lookup(bytes.Clone(prot[len(sealProtPrefix):]))
	if !ok || cert == nil {
		return Claims{}, nil, untrusted("unknown kid")
	}
	pub, ok := p256Key(cert.PublicKey)
	if !ok {
		return Claims{}, nil, untrusted("certificate key not ECDSA P-256")
	}
	if !es256.verify(pub, toBeSigned(prot, body), sig) {
		return Claims{}, nil, untrusted("bad signature")
	}
	var w wire
	if err := decMode.Unmarshal(body, &w); err != nil {
		return Claims{}, nil, malformed(err)
	}
	if err := w.check(); err != nil {
		return Claims{}, nil, malformed(err)
	}
	c := Claims{
		Version: w.Version, Code: w.Code, Type: w.Type,
		ComuneCode: w.ComuneCode, ComuneName: w.ComuneName,
		Issued: fromDays(w.Issued), Expires: fromDays(w.Expires),
		Holder: w.Holder, BirthDate: fromDays(w.BirthDate), Facts: w.Facts,
	}
	// The certificate must be valid at some instant of the issue day.
	if cert.NotBefore.After(c.Issued.Add(day)) || cert.NotAfter.Before(c.Issued) {
		return Claims{}, nil, untrusted("certificate not valid on issue date")
	}
	today := toDays(now)
	if w.Issued > today+1 {
		return Claims{}, nil, untrusted("issued in the future")
	}
	if today > w.Expires {
		return c, cert, errs.Wrap(errs.InvalidRequest, "seal expired", ErrExpired)
	}
	return c, cert, nil
}

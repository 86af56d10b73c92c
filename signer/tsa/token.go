package tsa

import (
	"bytes"
	"crypto"
	"crypto/sha1"
	_ "crypto/sha256" // crypto.SHA256.New
	_ "crypto/sha512" // crypto.SHA384.New, crypto.SHA512.New
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
)

// Object identifiers.
var (
	// OIDSignatureTimeStampToken is the CMS unsigned attribute
	// id-aa-signatureTimeStampToken (RFC 3161 appendix A) that carries a
	// token over a SignerInfo's signature value.
	OIDSignatureTimeStampToken = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	// OIDTSTInfo is id-ct-TSTInfo, the content type of a token.
	OIDTSTInfo = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}

	oidSigningCertificate   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}
	oidSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidExtKeyUsage          = asn1.ObjectIdentifier{2, 5, 29, 37}
)

// Errors, to be matched with errors.Is.
var (
	// ErrInvalidToken: the token is malformed, its CMS signature does not
	// verify, or it does not identify the certificate that signed it.
	ErrInvalidToken = errors.New("tsa: invalid time-stamp token")
	// ErrImprintMismatch: the token is over other data.
	ErrImprintMismatch = errors.New("tsa: time-stamp token is over other data")
	// ErrUntrusted: the TSA certificate does not chain to the trusted
	// roots at genTime, or is not a time-stamping certificate.
	ErrUntrusted = errors.New("tsa: time-stamping authority not trusted")
)

// Info is what a token says.
type Info struct {
	GenTime        time.Time // when the TSA saw the imprint (whole seconds or better)
	Accuracy       time.Duration
	Serial         *big.Int
	Policy         asn1.ObjectIdentifier
	Nonce          *big.Int          // nil if the request had none
	HashAlg        crypto.Hash       // of MessageImprint
	MessageImprint []byte            // the hash the TSA stamped
	TSA            *x509.Certificate // the certificate that signed the token
	// Certificates are all the certificates in the token, the TSA's
	// included; chains are built from them.
	Certificates []*x509.Certificate
}

// ParseToken parses a DER TimeStampToken (a CMS ContentInfo holding
// SignedData over a TSTInfo; the outer element must have a definite
// length and nothing may follow it) and checks that it is internally
// consistent: one signer, whose certificate is in the token and verifies the CMS
// signature; content type id-ct-TSTInfo; and an ESS signing-certificate
// attribute (v1 or v2, required by RFC 3161 §2.4.2 and RFC 5816) naming
// that certificate. It does not say whether the TSA is trusted or what
// was stamped: use VerifyToken for that. ParseToken does not read the
// clock. Input may come from anyone; it never panics.
func ParseToken(token []byte) (Info, error) {
	if len(token) == 0 {
		return Info{}, fmt.Errorf("%w: empty", ErrInvalidToken)
	}
	// pkcs7.Parse converts BER to DER and ignores what follows the first
	// element; a token must be exactly one definite-length element.
	var outer asn1.RawValue
	if rest, err := asn1.Unmarshal(token, &outer); err != nil {
		return Info{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	} else if len(rest) > 0 {
		return Info{}, fmt.Errorf("%w: %d bytes of trailing data", ErrInvalidToken, len(rest))
	}
	p7, err := pkcs7.Parse(token)
	if err != nil {
		return Info{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	if len(p7.Signers) != 1 {
		return Info{}, fmt.Errorf("%w: %d signers, want 1", ErrInvalidToken, len(p7.Signers))
	}
	signer := p7.GetOnlySigner()
	if signer == nil {
		return Info{}, fmt.Errorf("%w: the TSA certificate is not in the token", ErrInvalidToken)
	}
	var ct asn1.ObjectIdentifier
	if err := p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeContentType, &ct); err != nil {
		return Info{}, fmt.Errorf("%w: content type attribute: %v", ErrInvalidToken, err)
	}
	if !ct.Equal(OIDTSTInfo) {
		return Info{}, fmt.Errorf("%w: content type %v, want id-ct-TSTInfo", ErrInvalidToken, ct)
	}
	if err := checkSigningCertificate(p7, signer); err != nil {
		return Info{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	// timestamp.Parse parses the TSTInfo and, since the token holds
	// certificates, verifies the CMS signature (without building a
	// chain: that is VerifyToken's job).
	ts, err := timestamp.Parse(token)
	if err != nil {
		return Info{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	if ts.SerialNumber == nil || ts.Time.IsZero() {
		return Info{}, fmt.Errorf("%w: no serial number or genTime", ErrInvalidToken)
	}
	return Info{
		GenTime:        ts.Time,
		Accuracy:       ts.Accuracy,
		Serial:         ts.SerialNumber,
		Policy:         ts.Policy,
		Nonce:          ts.Nonce,
		HashAlg:        ts.HashAlgorithm,
		MessageImprint: ts.HashedMessage,
		TSA:            signer,
		Certificates:   p7.Certificates,
	}, nil
}

// VerifyToken checks that token is a valid time-stamp over signatureValue
// (the imprint is the hash of signatureValue, as for the
// signature-time-stamp attribute of CAdES/PAdES B-T) by a TSA trusted
// through roots, and returns what it says.
//
// The TSA certificate must chain to roots (with intermediates from the
// token) at genTime, carry a critical extended key usage extension whose
// only purpose is id-kp-timeStamping (RFC 3161 §2.3), and the chain must
// allow time stamping. SHA-1 imprints are refused. Revocation of the TSA
// certificate is not checked.
//
// When the token is well formed but fails a later check (ErrImprintMismatch,
// ErrUntrusted), the returned Info still describes it, for reports.
func VerifyToken(token, signatureValue []byte, roots *x509.CertPool) (Info, error) {
	if roots == nil {
		return Info{}, errors.New("tsa: VerifyToken needs trust anchors")
	}
	info, err := ParseToken(token)
	if err != nil {
		return Info{}, err
	}
	switch info.HashAlg {
	case crypto.SHA256, crypto.SHA384, crypto.SHA512:
	default:
		return info, fmt.Errorf("%w: imprint hash %v is not accepted", ErrImprintMismatch, info.HashAlg)
	}
	h := info.HashAlg.New()
	h.Write(signatureValue)
	if !bytes.Equal(h.Sum(nil), info.MessageImprint) {
		return info, ErrImprintMismatch
	}
	if err := verifyTSA(info, roots); err != nil {
		return info, err
	}
	return info, nil
}

// verifyTSA checks info.TSA's extended key usage and its chain to roots at
// genTime.
func verifyTSA(info Info, roots *x509.CertPool) error {
	var critical bool
	for _, e := range info.TSA.Extensions {
		if e.Id.Equal(oidExtKeyUsage) {
			critical = e.Critical
		}
	}
	eku := info.TSA.ExtKeyUsage
	if !critical || len(eku) != 1 || eku[0] != x509.ExtKeyUsageTimeStamping || len(info.TSA.UnknownExtKeyUsage) != 0 {
		return fmt.Errorf("%w: %q is not a time-stamping certificate (RFC 3161 wants a critical extended key usage of timeStamping only)",
			ErrUntrusted, info.TSA.Subject.CommonName)
	}
	inter := x509.NewCertPool()
	for _, c := range info.Certificates {
		inter.AddCert(c)
	}
	_, err := info.TSA.Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: inter,
		CurrentTime:   info.GenTime,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
	})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUntrusted, err)
	}
	return nil
}

// ESS signing-certificate attributes (RFC 2634 §5.4, RFC 5035 §3).
type essCertID struct {
	CertHash     []byte
	IssuerSerial issuerSerial `asn1:"optional"`
}

type essCertIDv2 struct {
	HashAlgorithm pkix.AlgorithmIdentifier `asn1:"optional"` // default SHA-256
	CertHash      []byte
	IssuerSerial  issuerSerial `asn1:"optional"`
}

type issuerSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type signingCertificate struct {
	Certs    []essCertID
	Policies asn1.RawValue `asn1:"optional"`
}

type signingCertificateV2 struct {
	Certs    []essCertIDv2
	Policies asn1.RawValue `asn1:"optional"`
}

var hashByOID = []struct {
	oid asn1.ObjectIdentifier
	h   crypto.Hash
}{
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}, crypto.SHA256},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}, crypto.SHA384},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}, crypto.SHA512},
}

// checkSigningCertificate checks that the first certificate named by the
// ESS signing-certificate attribute is cert. The v2 attribute is
// preferred; the v1 one (SHA-1) is accepted as older TSAs send only it.
func checkSigningCertificate(p7 *pkcs7.PKCS7, cert *x509.Certificate) error {
	var v2 signingCertificateV2
	if err := p7.UnmarshalSignedAttribute(oidSigningCertificateV2, &v2); err == nil {
		if len(v2.Certs) == 0 {
			return errors.New("empty signing-certificate-v2 attribute")
		}
		id := v2.Certs[0]
		h := crypto.SHA256
		if len(id.HashAlgorithm.Algorithm) > 0 {
			h = 0
			for _, e := range hashByOID {
				if e.oid.Equal(id.HashAlgorithm.Algorithm) {
					h = e.h
				}
			}
			if h == 0 {
				return fmt.Errorf("signing-certificate-v2 hash %v not supported", id.HashAlgorithm.Algorithm)
			}
		}
		d := h.New()
		d.Write(cert.Raw)
		if !bytes.Equal(d.Sum(nil), id.CertHash) {
			return errors.New("the signing-certificate-v2 attribute names another certificate")
		}
		return checkIssuerSerial(id.IssuerSerial, cert)
	}
	var v1 signingCertificate
	if err := p7.UnmarshalSignedAttribute(oidSigningCertificate, &v1); err != nil {
		return errors.New("no ESS signing-certificate attribute")
	}
	if len(v1.Certs) == 0 {
		return errors.New("empty signing-certificate attribute")
	}
	sum := sha1.Sum(cert.Raw)
	if !bytes.Equal(sum[:], v1.Certs[0].CertHash) {
		return errors.New("the signing-certificate attribute names another certificate")
	}
	return checkIssuerSerial(v1.Certs[0].IssuerSerial, cert)
}

func checkIssuerSerial(is issuerSerial, cert *x509.Certificate) error {
	if is.Serial != nil && is.Serial.Cmp(cert.SerialNumber) != 0 {
		return errors.New("the signing-certificate attribute names another serial number")
	}
	return nil
}

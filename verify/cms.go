package verify

import (
	"bytes"
	"crypto"
	"crypto/x509"
	encasn1 "encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	// The hashes a signer may name.
	_ "crypto/sha256"
	_ "crypto/sha512"

	"github.com/digitorus/pkcs7"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// maxDERDepth bounds the nesting of the CMS structure. Real signatures
// nest less than 20 deep; pkcs7's BER transcoder takes time proportional to
// size times depth, so a deeply nested value would cost minutes.
const maxDERDepth = 40

// maxCerts bounds the certificates a signature may carry, and so the work
// of chain building.
const maxCerts = 16

// Public details of signature-integrity failures.
const (
	msgUndecodable = "The signature value could not be decoded."
	msgNoSigner    = "The signer's certificate is not included in the signature."
)

// signedMessage is the part of a CMS SignedData that the checks need.
type signedMessage struct {
	signer *x509.Certificate   // nil when not identified
	certs  []*x509.Certificate // all certificates in the CMS
	hash   crypto.Hash         // digest of the signed bytes
	sigAlg x509.SignatureAlgorithm
	// signedAttrs is the DER SET OF signed attributes exactly as signed.
	signedAttrs []byte
	digest      []byte    // the messageDigest attribute
	signingTime time.Time // zero when absent
	signature   []byte
}

// checkIntegrity checks that the signature matches the signed bytes of
// data. It returns the parsed message, whose signer is set whenever it
// could be identified, even if the check fails.
func checkIntegrity(data []byte, sig sigDict) (m signedMessage, c Check) {
	defer func() {
		if recover() != nil {
			m, c = signedMessage{}, fail(CheckIntegrity, msgUndecodable)
		}
	}()
	m, problem := parseSignedMessage(sig.der)
	if problem != "" {
		return m, fail(CheckIntegrity, problem)
	}
	if !sig.inBounds(len(data)) {
		return m, fail(CheckIntegrity, "The signed part of the file is incomplete, so it cannot be checked.")
	}
	h := m.hash.New()
	for _, p := range sig.signedParts(data) {
		h.Write(p)
	}
	if !bytes.Equal(h.Sum(nil), m.digest) {
		return m, fail(CheckIntegrity, "The signed content was modified after signing.")
	}
	if err := m.signer.CheckSignature(m.sigAlg, m.signedAttrs, m.signature); err != nil {
		return m, fail(CheckIntegrity, "The signature value does not match the signer's certificate.")
	}
	return m, pass(CheckIntegrity, "The signed content is intact.")
}

// parseSignedMessage decodes a DER CMS SignedData with exactly one signer.
// On failure it returns a public detail, and the message as far as it was
// decoded. It recovers from panics in the third-party parser.
func parseSignedMessage(der []byte) (m signedMessage, problem string) {
	defer func() {
		if recover() != nil {
			m, problem = signedMessage{}, msgUndecodable
		}
	}()
	if !shallowDER(der, maxDERDepth) {
		return m, msgUndecodable
	}
	p7, err := pkcs7.Parse(der)
	if err != nil {
		return m, msgUndecodable
	}
	if len(p7.Signers) != 1 {
		return m, "The signature must have exactly one signer."
	}
	if len(p7.Certificates) > maxCerts {
		return m, "The signature carries too many certificates."
	}
	si := p7.Signers[0]
	m.certs = p7.Certificates
	m.signature = si.EncryptedDigest
	m.signer = findSigner(p7.Certificates, si.IssuerAndSerialNumber.IssuerName.FullBytes,
		si.IssuerAndSerialNumber.SerialNumber)
	if m.signer == nil {
		return m, msgNoSigner
	}

	raw, ok := rawSignedAttrs(der)
	if !ok {
		return m, "The signature has no signed attributes, or they are malformed."
	}
	m.signedAttrs = raw
	m.digest, m.signingTime, ok = parseSignedAttrs(raw)
	if !ok {
		return m, "The signature's signed attributes are malformed."
	}

	m.hash, ok = digestHash(si.DigestAlgorithm.Algorithm)
	if !ok {
		return m, "The signature uses a digest algorithm that is not accepted."
	}
	m.sigAlg, ok = signatureAlgorithm(si.DigestEncryptionAlgorithm.Algorithm, m.hash)
	if !ok {
		return m, "The signature uses a signature algorithm that is not accepted."
	}
	return m, ""
}

// shallowDER reports whether b is a sequence of DER elements (definite
// lengths, low tag numbers) nested at most depth levels deep.
func shallowDER(b []byte, depth int) bool {
	s := cryptobyte.String(b)
	for !s.Empty() {
		var content cryptobyte.String
		var tag asn1.Tag
		if !s.ReadAnyASN1(&content, &tag) {
			return false
		}
		if tag&0x20 != 0 { // constructed
			if depth == 0 || !shallowDER(content, depth-1) {
				return false
			}
		}
	}
	return true
}

// findSigner returns the certificate with the given issuer and serial.
func findSigner(certs []*x509.Certificate, issuer []byte, serial *big.Int) *x509.Certificate {
	if serial == nil {
		return nil
	}
	for _, c := range certs {
		if c.SerialNumber != nil && c.SerialNumber.Cmp(serial) == 0 && bytes.Equal(c.RawIssuer, issuer) {
			return c
		}
	}
	return nil
}

// rawSignedAttrs returns the signed attributes of the only SignerInfo in
// der, re-tagged as the SET OF that the signer signed (RFC 5652, 5.4).
func rawSignedAttrs(der []byte) ([]byte, bool) {
	var (
		s                        = cryptobyte.String(der)
		ci, content, sd, sis, si cryptobyte.String
		attrs                    cryptobyte.String
		ctx0                     = asn1.Tag(0).Constructed().ContextSpecific()
		ctx1                     = asn1.Tag(1).Constructed().ContextSpecific()
		discardTag               asn1.Tag
		discard                  cryptobyte.String
	)
	if !s.ReadASN1(&ci, asn1.SEQUENCE) ||
		!ci.SkipASN1(asn1.OBJECT_IDENTIFIER) ||
		!ci.ReadASN1(&content, ctx0) ||
		!content.ReadASN1(&sd, asn1.SEQUENCE) ||
		!sd.SkipASN1(asn1.INTEGER) ||
		!sd.SkipASN1(asn1.SET) ||
		!sd.SkipASN1(asn1.SEQUENCE) ||
		!sd.SkipOptionalASN1(ctx0) ||
		!sd.SkipOptionalASN1(ctx1) ||
		!sd.ReadASN1(&sis, asn1.SET) ||
		!sis.ReadASN1(&si, asn1.SEQUENCE) || !sis.Empty() ||
		!si.SkipASN1(asn1.INTEGER) ||
		!si.ReadAnyASN1(&discard, &discardTag) || // sid
		!si.SkipASN1(asn1.SEQUENCE) || // digestAlgorithm
		!si.PeekASN1Tag(ctx0) ||
		!si.ReadASN1Element(&attrs, ctx0) {
		return nil, false
	}
	out := bytes.Clone(attrs)
	out[0] = byte(asn1.SET) | 0x20 // constructed SET
	return out, true
}

// parseSignedAttrs reads the messageDigest (required, once, one value) and
// signingTime (optional, once, one value) attributes.
func parseSignedAttrs(set []byte) (digest []byte, signingTime time.Time, ok bool) {
	s := cryptobyte.String(set)
	var attrs cryptobyte.String
	if !s.ReadASN1(&attrs, asn1.SET) || !s.Empty() {
		return nil, time.Time{}, false
	}
	var seenDigest, seenTime bool
	for !attrs.Empty() {
		var attr, values cryptobyte.String
		var oid encasn1.ObjectIdentifier
		if !attrs.ReadASN1(&attr, asn1.SEQUENCE) ||
			!attr.ReadASN1ObjectIdentifier(&oid) ||
			!attr.ReadASN1(&values, asn1.SET) || !attr.Empty() {
			return nil, time.Time{}, false
		}
		switch {
		case oid.Equal(pkcs7.OIDAttributeMessageDigest):
			if seenDigest || !values.ReadASN1Bytes(&digest, asn1.OCTET_STRING) || !values.Empty() {
				return nil, time.Time{}, false
			}
			seenDigest = true
		case oid.Equal(pkcs7.OIDAttributeSigningTime):
			if seenTime || !readTime(&values, &signingTime) || !values.Empty() {
				return nil, time.Time{}, false
			}
			seenTime = true
		}
	}
	return digest, signingTime, seenDigest
}

func readTime(s *cryptobyte.String, t *time.Time) bool {
	switch {
	case s.PeekASN1Tag(asn1.UTCTime):
		return s.ReadASN1UTCTime(t)
	case s.PeekASN1Tag(asn1.GeneralizedTime):
		return s.ReadASN1GeneralizedTime(t)
	}
	return false
}

// digestHash maps a digest algorithm identifier to an accepted hash.
// SHA-1 and MD5 are not accepted.
func digestHash(oid encasn1.ObjectIdentifier) (crypto.Hash, bool) {
	switch {
	case oid.Equal(pkcs7.OIDDigestAlgorithmSHA256):
		return crypto.SHA256, true
	case oid.Equal(pkcs7.OIDDigestAlgorithmSHA384):
		return crypto.SHA384, true
	case oid.Equal(pkcs7.OIDDigestAlgorithmSHA512):
		return crypto.SHA512, true
	}
	return 0, false
}

// signatureAlgorithm maps a SignerInfo signatureAlgorithm to the x509
// algorithm that verifies it; a bare key algorithm (rsaEncryption,
// id-ecPublicKey) takes the hash of the digest algorithm.
func signatureAlgorithm(oid encasn1.ObjectIdentifier, h crypto.Hash) (x509.SignatureAlgorithm, bool) {
	byHash := func(sha256, sha384, sha512 x509.SignatureAlgorithm) (x509.SignatureAlgorithm, bool) {
		switch h {
		case crypto.SHA256:
			return sha256, true
		case crypto.SHA384:
			return sha384, true
		case crypto.SHA512:
			return sha512, true
		}
		return x509.UnknownSignatureAlgorithm, false
	}
	switch {
	case oid.Equal(pkcs7.OIDDigestAlgorithmECDSASHA256):
		return x509.ECDSAWithSHA256, true
	case oid.Equal(pkcs7.OIDDigestAlgorithmECDSASHA384):
		return x509.ECDSAWithSHA384, true
	case oid.Equal(pkcs7.OIDDigestAlgorithmECDSASHA512):
		return x509.ECDSAWithSHA512, true
	case oid.Equal(encasn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}), // id-ecPublicKey
		oid.Equal(pkcs7.OIDEncryptionAlgorithmECDSAP256),
		oid.Equal(pkcs7.OIDEncryptionAlgorithmECDSAP384),
		oid.Equal(pkcs7.OIDEncryptionAlgorithmECDSAP521):
		return byHash(x509.ECDSAWithSHA256, x509.ECDSAWithSHA384, x509.ECDSAWithSHA512)
	case oid.Equal(pkcs7.OIDEncryptionAlgorithmRSASHA256):
		return x509.SHA256WithRSA, true
	case oid.Equal(pkcs7.OIDEncryptionAlgorithmRSASHA384):
		return x509.SHA384WithRSA, true
	case oid.Equal(pkcs7.OIDEncryptionAlgorithmRSASHA512):
		return x509.SHA512WithRSA, true
	case oid.Equal(pkcs7.OIDEncryptionAlgorithmRSA):
		return byHash(x509.SHA256WithRSA, x509.SHA384WithRSA, x509.SHA512WithRSA)
	case oid.Equal(pkcs7.OIDEncryptionAlgorithmEDDSA25519):
		return x509.PureEd25519, true
	}
	return x509.UnknownSignatureAlgorithm, false
}

// checkTrust builds a chain from the signer to v.Roots.
func (v *Verifier) checkTrust(m signedMessage) Check {
	name := signerName(m.signer)
	if v.Roots == nil {
		return fail(CheckTrust, fmt.Sprintf("No trust anchors are configured, so the signer %s cannot be trusted.", name))
	}
	if m.signer.IsCA {
		return fail(CheckTrust, fmt.Sprintf("The signer %s is a certification authority, not a seal.", name))
	}
	const signingUsages = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
	if ku := m.signer.KeyUsage; ku != 0 && ku&signingUsages == 0 {
		return fail(CheckTrust, fmt.Sprintf("The certificate of the signer %s is not meant for signatures.", name))
	}
	at := m.signingTime
	if at.IsZero() {
		at = v.now()
	}
	inter := x509.NewCertPool()
	for _, c := range m.certs {
		if c != m.signer {
			inter.AddCert(c)
		}
	}
	_, err := m.signer.Verify(x509.VerifyOptions{
		Roots:         v.Roots,
		Intermediates: inter,
		CurrentTime:   at,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	var invalid x509.CertificateInvalidError
	var unknown x509.UnknownAuthorityError
	switch {
	case err == nil:
		return pass(CheckTrust, fmt.Sprintf("Signed by %s, whose certificate comes from a trusted authority.", name))
	case errors.As(err, &unknown):
		return fail(CheckTrust, fmt.Sprintf("The signer %s is not certified by a trusted authority.", name))
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return fail(CheckTrust, fmt.Sprintf("The certificate of the signer %s was not valid at the signing time.", name))
	}
	return fail(CheckTrust, fmt.Sprintf("The certificate chain of the signer %s is not valid.", name))
}

// signerName is the signer's common name and organization, made safe to
// show. Other subject attributes (such as a serialNumber carrying a
// codice fiscale) are left out on purpose.
func signerName(c *x509.Certificate) string {
	cn := printable(c.Subject.CommonName)
	if cn == "" {
		cn = "(unnamed)"
	}
	if o := printable(strings.Join(c.Subject.Organization, ", ")); o != "" && o != cn {
		return `"` + cn + `" (` + o + ")"
	}
	return `"` + cn + `"`
}

func signerInfo(m signedMessage) *SignerInfo {
	c := m.signer
	serial := ""
	if c.SerialNumber != nil {
		serial = c.SerialNumber.Text(16)
	}
	return &SignerInfo{
		CommonName:   printable(c.Subject.CommonName),
		Organization: printable(strings.Join(c.Subject.Organization, ", ")),
		SerialNumber: serial,
		NotBefore:    c.NotBefore,
		NotAfter:     c.NotAfter,
		SigningTime:  m.signingTime,
	}
}

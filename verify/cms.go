package verify

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	encasn1 "encoding/asn1"
	"errors"
	"math/big"
	"strings"
	"time"

	// The hashes a signer may name.
	_ "crypto/sha1" // signing-certificate (v1) attributes only
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

// signedMessage is the part of a CMS SignedData that the checks need.
type signedMessage struct {
	signer *x509.Certificate   // nil when not identified
	certs  []*x509.Certificate // all certificates in the CMS
	hash   crypto.Hash         // digest of the signed bytes
	sigAlg x509.SignatureAlgorithm
	pss    *rsa.PSSOptions // set for RSASSA-PSS, instead of sigAlg
	// signedAttrs is the DER SET OF signed attributes exactly as signed.
	signedAttrs []byte
	attrs       signedAttrs
	signature   []byte
	// tokens are the signature timestamp tokens (unsigned attribute
	// id-aa-signatureTimeStampToken), DER.
	tokens [][]byte
	// badTokens is set when that attribute is malformed.
	badTokens bool
	// decoded is set when the signer info was decoded, so that tokens
	// and badTokens are known.
	decoded bool
}

// signedAttrs are the signed attributes the checks read.
type signedAttrs struct {
	digest         []byte    // messageDigest
	signingTime    time.Time // zero when absent
	hasSigningTime bool
	hasContentType bool
	// essV2 and essV1 are the values of the signing-certificate-v2 and
	// signing-certificate attributes; nil when absent.
	essV2, essV1 []byte
}

// Object identifiers the checks need beyond those pkcs7 names.
var (
	oidSigningCertV2   = encasn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidSigningCertV1   = encasn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}
	oidTimeStampToken  = encasn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	oidRSASSAPSS       = encasn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidMGF1            = encasn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	tagIssuerDirectory = asn1.Tag(4).Constructed().ContextSpecific()
)

// checkIntegrity checks that the signature matches the signed bytes of
// data and that it is a signature of a kind that is accepted. It returns
// the parsed message, whose signer is set whenever it could be
// identified, even if the check fails.
func checkIntegrity(data []byte, sig sigDict) (m signedMessage, c Check) {
	defer func() {
		if recover() != nil {
			m, c = signedMessage{}, fail(CheckIntegrity, msgUndecodable)
		}
	}()
	m, problem := parseSignedMessage(sig.der)
	if problem != (text{}) {
		return m, fail(CheckIntegrity, problem)
	}
	if !sig.inBounds(len(data)) {
		return m, fail(CheckIntegrity, msgSignedIncomplete)
	}
	h := m.hash.New()
	for _, p := range sig.signedParts(data) {
		h.Write(p)
	}
	if !bytes.Equal(h.Sum(nil), m.attrs.digest) {
		return m, fail(CheckIntegrity, msgModified)
	}
	if !m.verifySignature() {
		return m, fail(CheckIntegrity, msgSignatureMismatch)
	}
	switch {
	case !sig.dictFound:
		return m, fail(CheckIntegrity, msgNoDict)
	case sig.subFilter != subFilterPKCS7 && sig.subFilter != subFilterCAdES:
		return m, fail(CheckIntegrity, msgUnsupported)
	}
	if problem := checkSigningCert(m.attrs, m.signer); problem != (text{}) {
		return m, fail(CheckIntegrity, problem)
	}
	if sig.subFilter == subFilterCAdES {
		switch {
		case m.attrs.essV2 == nil && m.attrs.essV1 == nil:
			return m, fail(CheckIntegrity, msgNoESS)
		case m.attrs.hasSigningTime:
			return m, fail(CheckIntegrity, msgSigningTimeAttr)
		case !m.attrs.hasContentType:
			return m, fail(CheckIntegrity, msgNoContentType)
		}
		return m, pass(CheckIntegrity, msgIntactPAdES)
	}
	return m, pass(CheckIntegrity, msgIntact)
}

// verifySignature checks the signature over the signed attributes with
// the signer's key.
func (m signedMessage) verifySignature() bool {
	if m.pss == nil {
		return m.signer.CheckSignature(m.sigAlg, m.signedAttrs, m.signature) == nil
	}
	pub, ok := m.signer.PublicKey.(*rsa.PublicKey)
	if !ok {
		return false
	}
	h := m.pss.Hash.New()
	h.Write(m.signedAttrs)
	return rsa.VerifyPSS(pub, m.pss.Hash, h.Sum(nil), m.signature, m.pss) == nil
}

// parseSignedMessage decodes a DER CMS SignedData with exactly one signer.
// On failure it returns a public message, and the signed message as far
// as it was decoded. It recovers from panics in the third-party parser.
func parseSignedMessage(der []byte) (m signedMessage, problem text) {
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
		return m, msgOneSigner
	}
	if len(p7.Certificates) > maxCerts {
		return m, msgTooManyCerts
	}
	si := p7.Signers[0]
	m.certs = p7.Certificates
	m.signer = findSigner(p7.Certificates, si.IssuerAndSerialNumber.IssuerName.FullBytes,
		si.IssuerAndSerialNumber.SerialNumber)
	if m.signer == nil {
		return m, msgNoSigner
	}

	raw, ok := parseSignerInfo(der)
	if !ok {
		return m, msgNoSignedAttrs
	}
	m.signedAttrs = raw.signedAttrs
	m.signature = raw.signature
	m.tokens, m.badTokens = timestampTokens(raw.unsigned)
	m.decoded = true
	m.attrs, ok = parseSignedAttrs(raw.signedAttrs)
	if !ok {
		return m, msgBadSignedAttrs
	}

	m.hash, ok = digestHash(si.DigestAlgorithm.Algorithm)
	if !ok {
		return m, msgBadDigestAlg
	}
	if raw.sigAlg.Equal(oidRSASSAPSS) {
		m.pss, ok = pssOptions(raw.sigParams, m.hash)
	} else {
		m.sigAlg, ok = signatureAlgorithm(raw.sigAlg, m.hash)
	}
	if !ok {
		return m, msgBadSigAlg
	}
	return m, text{}
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

// rawSignerInfo holds the parts of a SignerInfo that pkcs7 does not give
// as they were signed.
type rawSignerInfo struct {
	// signedAttrs are re-tagged as the SET OF that the signer signed
	// (RFC 5652, 5.4).
	signedAttrs []byte
	sigAlg      encasn1.ObjectIdentifier
	sigParams   []byte // DER parameters of the signature algorithm, nil if absent
	signature   []byte
	unsigned    []byte // content of the unsigned attributes, nil if absent
}

// parseSignerInfo reads the only SignerInfo in der.
func parseSignerInfo(der []byte) (rawSignerInfo, bool) {
	var (
		out                      rawSignerInfo
		s                        = cryptobyte.String(der)
		ci, content, sd, sis, si cryptobyte.String
		attrs, alg, unsigned     cryptobyte.String
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
		!si.ReadASN1Element(&attrs, ctx0) ||
		!si.ReadASN1(&alg, asn1.SEQUENCE) ||
		!alg.ReadASN1ObjectIdentifier(&out.sigAlg) ||
		!si.ReadASN1Bytes(&out.signature, asn1.OCTET_STRING) {
		return out, false
	}
	if !alg.Empty() {
		var params cryptobyte.String
		var tag asn1.Tag
		if !alg.ReadAnyASN1Element(&params, &tag) || !alg.Empty() {
			return out, false
		}
		out.sigParams = params
	}
	if si.PeekASN1Tag(ctx1) {
		if !si.ReadASN1(&unsigned, ctx1) {
			return out, false
		}
		out.unsigned = unsigned
	}
	if !si.Empty() {
		return out, false
	}
	out.signedAttrs = bytes.Clone(attrs)
	out.signedAttrs[0] = byte(asn1.SET) | 0x20 // constructed SET
	return out, true
}

// timestampTokens returns the values of the signature timestamp
// attributes among the unsigned attributes, and whether they are
// malformed.
func timestampTokens(unsigned []byte) (tokens [][]byte, bad bool) {
	attrs := cryptobyte.String(unsigned)
	for !attrs.Empty() {
		var attr, values cryptobyte.String
		var oid encasn1.ObjectIdentifier
		if !attrs.ReadASN1(&attr, asn1.SEQUENCE) ||
			!attr.ReadASN1ObjectIdentifier(&oid) ||
			!attr.ReadASN1(&values, asn1.SET) || !attr.Empty() {
			return tokens, true
		}
		if !oid.Equal(oidTimeStampToken) {
			continue
		}
		if values.Empty() {
			return tokens, true
		}
		for !values.Empty() {
			var tok cryptobyte.String
			if !values.ReadASN1Element(&tok, asn1.SEQUENCE) {
				return tokens, true
			}
			tokens = append(tokens, tok)
		}
	}
	return tokens, false
}

// parseSignedAttrs reads messageDigest (required), contentType (which
// must be id-data), signingTime, signing-certificate-v2 and
// signing-certificate. Each may appear once, with one value.
func parseSignedAttrs(set []byte) (out signedAttrs, ok bool) {
	s := cryptobyte.String(set)
	var attrs cryptobyte.String
	if !s.ReadASN1(&attrs, asn1.SET) || !s.Empty() {
		return out, false
	}
	var seenDigest bool
	for !attrs.Empty() {
		var attr, values cryptobyte.String
		var oid encasn1.ObjectIdentifier
		if !attrs.ReadASN1(&attr, asn1.SEQUENCE) ||
			!attr.ReadASN1ObjectIdentifier(&oid) ||
			!attr.ReadASN1(&values, asn1.SET) || !attr.Empty() {
			return out, false
		}
		switch {
		case oid.Equal(pkcs7.OIDAttributeMessageDigest):
			if seenDigest || !values.ReadASN1Bytes(&out.digest, asn1.OCTET_STRING) || !values.Empty() {
				return out, false
			}
			seenDigest = true
		case oid.Equal(pkcs7.OIDAttributeSigningTime):
			if out.hasSigningTime || !readTime(&values, &out.signingTime) || !values.Empty() {
				return out, false
			}
			out.hasSigningTime = true
		case oid.Equal(pkcs7.OIDAttributeContentType):
			var ct encasn1.ObjectIdentifier
			if out.hasContentType || !values.ReadASN1ObjectIdentifier(&ct) || !values.Empty() || !ct.Equal(pkcs7.OIDData) {
				return out, false
			}
			out.hasContentType = true
		case oid.Equal(oidSigningCertV2), oid.Equal(oidSigningCertV1):
			dst := &out.essV2
			if oid.Equal(oidSigningCertV1) {
				dst = &out.essV1
			}
			var v cryptobyte.String
			if *dst != nil || !values.ReadASN1Element(&v, asn1.SEQUENCE) || !values.Empty() {
				return out, false
			}
			*dst = v
		}
	}
	return out, seenDigest
}

// checkSigningCert checks the signing-certificate-v2 and
// signing-certificate attributes, when present, against the signer's
// certificate: the first ESSCertID must hold the certificate's hash and,
// if it has an issuerSerial, the certificate's issuer and serial number.
// It returns a public problem, or the zero text.
func checkSigningCert(a signedAttrs, cert *x509.Certificate) text {
	for _, v := range []struct {
		val []byte
		v2  bool
	}{{a.essV2, true}, {a.essV1, false}} {
		if v.val == nil {
			continue
		}
		switch essMatches(v.val, v.v2, cert) {
		case essMalformed:
			return msgESSMalformed
		case essBadHash:
			return msgESSHash
		case essMismatch:
			return msgESSMismatch
		}
	}
	return text{}
}

type essResult int

const (
	essMatch essResult = iota
	essMismatch
	essMalformed
	essBadHash
)

// essMatches compares the first ESSCertID(v2) of a SigningCertificate(V2)
// value with cert (RFC 2634 5.4, RFC 5035 3).
func essMatches(val []byte, v2 bool, cert *x509.Certificate) essResult {
	s := cryptobyte.String(val)
	var sc, ids, id cryptobyte.String
	if !s.ReadASN1(&sc, asn1.SEQUENCE) || !s.Empty() ||
		!sc.ReadASN1(&ids, asn1.SEQUENCE) ||
		!ids.ReadASN1(&id, asn1.SEQUENCE) {
		return essMalformed
	}
	h := crypto.SHA1
	if v2 {
		h = crypto.SHA256
		if id.PeekASN1Tag(asn1.SEQUENCE) {
			var alg cryptobyte.String
			var oid encasn1.ObjectIdentifier
			if !id.ReadASN1(&alg, asn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&oid) ||
				!alg.SkipOptionalASN1(asn1.NULL) || !alg.Empty() {
				return essMalformed
			}
			var ok bool
			if h, ok = digestHash(oid); !ok {
				return essBadHash
			}
		}
	}
	var certHash []byte
	if !id.ReadASN1Bytes(&certHash, asn1.OCTET_STRING) {
		return essMalformed
	}
	d := h.New()
	d.Write(cert.Raw)
	if !bytes.Equal(d.Sum(nil), certHash) {
		return essMismatch
	}
	if id.Empty() {
		return essMatch
	}
	// IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber }
	var is, names, name cryptobyte.String
	serial := new(big.Int)
	if !id.ReadASN1(&is, asn1.SEQUENCE) || !id.Empty() ||
		!is.ReadASN1(&names, asn1.SEQUENCE) ||
		!is.ReadASN1Integer(serial) || !is.Empty() {
		return essMalformed
	}
	// The issuer is exactly one directoryName (RFC 5035 3).
	if !names.ReadASN1(&name, tagIssuerDirectory) || !names.Empty() {
		return essMismatch
	}
	if !bytes.Equal(name, cert.RawIssuer) || serial.Cmp(cert.SerialNumber) != 0 {
		return essMismatch
	}
	return essMatch
}

// pssOptions reads RSASSA-PSS parameters (RFC 4055): the hash and the
// MGF1 hash must be h, which must be SHA-256 or stronger; the salt length
// must be positive; the trailer field, if present, 1.
func pssOptions(params []byte, h crypto.Hash) (*rsa.PSSOptions, bool) {
	var (
		s                 = cryptobyte.String(params)
		seq, hashAlg, mgf cryptobyte.String
		ctx               = func(n int) asn1.Tag { return asn1.Tag(n).Constructed().ContextSpecific() }
	)
	if !s.ReadASN1(&seq, asn1.SEQUENCE) || !s.Empty() ||
		!seq.ReadASN1(&hashAlg, ctx(0)) || !seq.ReadASN1(&mgf, ctx(1)) {
		return nil, false
	}
	hashIs := func(alg *cryptobyte.String) bool {
		var a cryptobyte.String
		var oid encasn1.ObjectIdentifier
		if !alg.ReadASN1(&a, asn1.SEQUENCE) || !a.ReadASN1ObjectIdentifier(&oid) ||
			!a.SkipOptionalASN1(asn1.NULL) || !a.Empty() {
			return false
		}
		got, ok := digestHash(oid)
		return ok && got == h
	}
	var mgfSeq cryptobyte.String
	var mgfOID encasn1.ObjectIdentifier
	if !hashIs(&hashAlg) || !hashAlg.Empty() ||
		!mgf.ReadASN1(&mgfSeq, asn1.SEQUENCE) || !mgf.Empty() ||
		!mgfSeq.ReadASN1ObjectIdentifier(&mgfOID) || !mgfOID.Equal(oidMGF1) ||
		!hashIs(&mgfSeq) || !mgfSeq.Empty() {
		return nil, false
	}
	salt := int64(20)
	if seq.PeekASN1Tag(ctx(2)) {
		var v cryptobyte.String
		if !seq.ReadASN1(&v, ctx(2)) || !v.ReadASN1Int64WithTag(&salt, asn1.INTEGER) || !v.Empty() {
			return nil, false
		}
	}
	if seq.PeekASN1Tag(ctx(3)) {
		var v cryptobyte.String
		var trailer int64
		if !seq.ReadASN1(&v, ctx(3)) || !v.ReadASN1Int64WithTag(&trailer, asn1.INTEGER) || !v.Empty() || trailer != 1 {
			return nil, false
		}
	}
	// Salt length 0 would mean "any" to crypto/rsa.
	if !seq.Empty() || salt < 1 || salt > 1<<16 {
		return nil, false
	}
	return &rsa.PSSOptions{SaltLength: int(salt), Hash: h}, true
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

// timeKind says where the time of the chain check comes from.
type timeKind int

const (
	timeStamped timeKind = iota // a signature timestamp that verified
	timeClaimed                 // the signer's own signingTime or /M
	timeNow                     // no time at all: Verifier.Now
)

// signingTime is the time at which the signer's chain must be valid.
type signingTime struct {
	t    time.Time
	kind timeKind
}

// trustResult is the outcome of the signer-trusted and
// signer-valid-at-signing-time checks.
type trustResult struct {
	trust, validity Check
	// chained is set when the signer chains to Verifier.Roots at some
	// time, whatever the other conditions.
	chained bool
}

// checkTrust builds a chain from the signer to v.Roots, valid at the
// signing time. When that fails only because a certificate was not valid
// then, it builds the chain again within the signer's validity, to tell
// an untrusted signer from a trusted one that signed outside its
// certificate's validity.
func (v *Verifier) checkTrust(m signedMessage, at signingTime) trustResult {
	name := signerName(m.signer)
	if v.Roots == nil {
		return trustResult{
			trust:    unavailable(CheckTrust, msgNoRoots.f(name)),
			validity: notApplicable(CheckValidity, msgValidityNotChecked),
		}
	}
	inter := x509.NewCertPool()
	for _, c := range m.certs {
		if c != m.signer {
			inter.AddCert(c)
		}
	}
	chain := func(t time.Time) error {
		_, err := m.signer.Verify(x509.VerifyOptions{
			Roots:         v.Roots,
			Intermediates: inter,
			CurrentTime:   t,
			KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
		})
		return err
	}
	err := chain(at.t)
	validAt := err == nil
	for _, t := range []time.Time{m.signer.NotBefore, m.signer.NotAfter} {
		if !notValidThen(err) {
			break
		}
		err = chain(t)
	}

	res := trustResult{chained: err == nil}
	when := at.t.UTC().Format(timeLayout)
	switch {
	case err != nil:
		res.validity = notApplicable(CheckValidity, msgValidityNotChecked)
	case !validAt:
		res.validity = fail(CheckValidity, msgNotValidAt.f(when))
	case at.kind == timeStamped:
		res.validity = pass(CheckValidity, msgValidAtTimestamp.f(when))
	case at.kind == timeClaimed:
		res.validity = pass(CheckValidity, msgValidAtClaimed.f(when))
	default:
		res.validity = pass(CheckValidity, msgValidNow)
	}

	const signingUsages = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
	var unknown x509.UnknownAuthorityError
	switch {
	case m.signer.IsCA:
		res.trust = fail(CheckTrust, msgSignerIsCA.f(name))
	case m.signer.KeyUsage != 0 && m.signer.KeyUsage&signingUsages == 0:
		res.trust = fail(CheckTrust, msgSignerUsage.f(name))
	case err == nil:
		res.trust = pass(CheckTrust, msgTrusted.f(name))
	case errors.As(err, &unknown):
		res.trust = fail(CheckTrust, msgUntrusted.f(name))
	default:
		res.trust = fail(CheckTrust, msgBadChain.f(name))
	}
	return res
}

// notValidThen reports whether err says that a certificate of the chain
// was expired or not yet valid.
func notValidThen(err error) bool {
	var invalid x509.CertificateInvalidError
	return errors.As(err, &invalid) && invalid.Reason == x509.Expired
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

// signerInfo describes the signer for the report. claimed is the signing
// time the signer asserts: the signing-time attribute, else /M.
func signerInfo(m signedMessage, claimed time.Time, ts timestampResult) *SignerInfo {
	c := m.signer
	serial := ""
	if c.SerialNumber != nil {
		serial = c.SerialNumber.Text(16)
	}
	si := &SignerInfo{
		CommonName:   printable(c.Subject.CommonName),
		Organization: printable(strings.Join(c.Subject.Organization, ", ")),
		SerialNumber: serial,
		NotBefore:    c.NotBefore,
		NotAfter:     c.NotAfter,
		SigningTime:  claimed,
	}
	if ts.verified {
		si.Timestamp = ts.genTime
		si.TimestampAuthority = ts.authority
	}
	return si
}

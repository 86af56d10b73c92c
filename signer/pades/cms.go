package pades

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"slices"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

var (
	oidData             = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidContentType      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningCertV2    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidTimeStampToken   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	oidTSTInfo          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	oidSHA256           = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384           = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512           = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidECDSAWithSHA256  = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA384  = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSAWithSHA512  = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	oidSHA256WithRSA    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384WithRSA    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	oidRSASSAPSS        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidMGF1             = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	tagContext0         = cbasn1.Tag(0).Constructed().ContextSpecific()
	tagContext1         = cbasn1.Tag(1).Constructed().ContextSpecific()
	tagContext2         = cbasn1.Tag(2).Constructed().ContextSpecific()
	tagContext4         = cbasn1.Tag(4).Constructed().ContextSpecific()
	errUnsupportedHash  = errors.New("hash must be SHA-256, SHA-384 or SHA-512")
	errUnsupportedKey   = errors.New("key must be RSA or ECDSA")
	errTimestampMissing = errors.New("timestamp token is empty")
)

// hashOID returns the digest algorithm identifier of h.
func hashOID(h crypto.Hash) (asn1.ObjectIdentifier, error) {
	switch h {
	case crypto.SHA256:
		return oidSHA256, nil
	case crypto.SHA384:
		return oidSHA384, nil
	case crypto.SHA512:
		return oidSHA512, nil
	}
	return nil, errUnsupportedHash
}

// hashForOID is the inverse of hashOID.
func hashForOID(oid asn1.ObjectIdentifier) (crypto.Hash, bool) {
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		if o, _ := hashOID(h); o.Equal(oid) {
			return h, true
		}
	}
	return 0, false
}

// der runs f on a fresh builder and returns its bytes.
func der(f cryptobyte.BuilderContinuation) ([]byte, error) {
	var b cryptobyte.Builder
	f(&b)
	return b.Bytes()
}

// algID appends an AlgorithmIdentifier; null adds NULL parameters.
func algID(b *cryptobyte.Builder, oid asn1.ObjectIdentifier, null bool) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		if null {
			b.AddASN1NULL()
		}
	})
}

// cmsTemplate is everything in the CMS that does not change per document.
type cmsTemplate struct {
	hash      crypto.Hash
	digestAlg []byte // AlgorithmIdentifier, parameters absent (RFC 5754)
	sigAlg    []byte // signatureAlgorithm
	sid       []byte // IssuerAndSerialNumber
	certs     []byte // concatenated certificates, in DER SET OF order
	attrs     []byte // signed attributes (SET content) with a zero digest
	digestAt  int    // offset of the message digest in attrs
	maxSig    int    // longest signature value the key can produce
}

// newCMSTemplate precomputes the per-key parts of the SignedData.
func newCMSTemplate(pub crypto.PublicKey, chain []*x509.Certificate, h crypto.Hash, pss bool) (*cmsTemplate, error) {
	t := &cmsTemplate{hash: h}
	hoid, err := hashOID(h)
	if err != nil {
		return nil, err
	}
	if t.digestAlg, err = der(func(b *cryptobyte.Builder) { algID(b, hoid, false) }); err != nil {
		return nil, err
	}
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if pss {
			return nil, errors.New("RSAPSS set for an ECDSA key")
		}
		oid := map[crypto.Hash]asn1.ObjectIdentifier{crypto.SHA256: oidECDSAWithSHA256, crypto.SHA384: oidECDSAWithSHA384, crypto.SHA512: oidECDSAWithSHA512}[h]
		t.sigAlg, err = der(func(b *cryptobyte.Builder) { algID(b, oid, false) })
		// SEQUENCE { INTEGER r, INTEGER s }, each at most one byte longer
		// than the curve's coordinates.
		n := (k.Curve.Params().BitSize+7)/8 + 1
		n = 1 + lenLen(n) + n
		t.maxSig = 1 + lenLen(2*n) + 2*n
	case *rsa.PublicKey:
		t.maxSig = k.Size()
		if pss {
			t.sigAlg, err = der(func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(oidRSASSAPSS)
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						// Hash identifiers with NULL parameters, as crypto/x509 writes them.
						b.AddASN1(tagContext0, func(b *cryptobyte.Builder) { algID(b, hoid, true) })
						b.AddASN1(tagContext1, func(b *cryptobyte.Builder) {
							b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
								b.AddASN1ObjectIdentifier(oidMGF1)
								algID(b, hoid, true)
							})
						})
						b.AddASN1(tagContext2, func(b *cryptobyte.Builder) { b.AddASN1Int64(int64(h.Size())) })
					})
				})
			})
		} else {
			oid := map[crypto.Hash]asn1.ObjectIdentifier{crypto.SHA256: oidSHA256WithRSA, crypto.SHA384: oidSHA384WithRSA, crypto.SHA512: oidSHA512WithRSA}[h]
			t.sigAlg, err = der(func(b *cryptobyte.Builder) { algID(b, oid, true) })
		}
	default:
		return nil, errUnsupportedKey
	}
	if err != nil {
		return nil, err
	}
	leaf := chain[0]
	if t.sid, err = der(func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddBytes(leaf.RawIssuer)
			b.AddASN1BigInt(leaf.SerialNumber)
		})
	}); err != nil {
		return nil, err
	}
	raws := make([][]byte, len(chain))
	for i, c := range chain {
		raws[i] = c.Raw
	}
	slices.SortFunc(raws, bytes.Compare) // DER orders SET OF by encoding
	t.certs = bytes.Join(raws, nil)

	// Signed attributes: contentType, messageDigest, signing-certificate-v2.
	certHash := sha256.Sum256(leaf.Raw)
	attr := func(oid asn1.ObjectIdentifier, v cryptobyte.BuilderContinuation) ([]byte, error) {
		return der(func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oid)
				b.AddASN1(cbasn1.SET, v)
			})
		})
	}
	ct, err := attr(oidContentType, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidData) })
	if err != nil {
		return nil, err
	}
	md, err := attr(oidMessageDigest, func(b *cryptobyte.Builder) { b.AddASN1OctetString(make([]byte, h.Size())) })
	if err != nil {
		return nil, err
	}
	// SigningCertificateV2 { certs { ESSCertIDv2 { certHash, issuerSerial } } };
	// hashAlgorithm is omitted: SHA-256 is its DEFAULT.
	scv2, err := attr(oidSigningCertV2, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1OctetString(certHash[:])
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1(tagContext4, func(b *cryptobyte.Builder) { b.AddBytes(leaf.RawIssuer) })
						})
						b.AddASN1BigInt(leaf.SerialNumber)
					})
				})
			})
		})
	})
	if err != nil {
		return nil, err
	}
	// The order depends on the encodings' lengths and OIDs only, never on
	// the digest, which comes last in its attribute.
	attrs := [][]byte{ct, md, scv2}
	slices.SortFunc(attrs, bytes.Compare)
	for _, a := range attrs {
		if bytes.Equal(a, md) {
			t.digestAt = len(t.attrs) + len(a) - h.Size()
		}
		t.attrs = append(t.attrs, a...)
	}
	return t, nil
}

// lenLen is the size of a DER length field for n content bytes.
func lenLen(n int) int {
	switch {
	case n < 0x80:
		return 1
	case n <= 0xff:
		return 2
	case n <= 0xffff:
		return 3
	case n <= 0xffffff:
		return 4
	}
	return 5
}

// appendTL appends a DER tag and length.
func appendTL(dst []byte, tag byte, n int) []byte {
	dst = append(dst, tag)
	switch l := lenLen(n); l {
	case 1:
		return append(dst, byte(n))
	default:
		dst = append(dst, 0x80|byte(l-1))
		for i := l - 2; i >= 0; i-- {
			dst = append(dst, byte(n>>(8*i)))
		}
		return dst
	}
}

// DER encodings of the OIDs appendCMS writes (checked in tests).
var (
	encData           = []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01}
	encSignedData     = []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02}
	encTimeStampToken = []byte{0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x02, 0x0e}
)

// tsOIDLen is the encoded size of id-aa-signatureTimeStampToken.
const tsOIDLen = 13

// tlv is the size of a DER element with n content bytes.
func tlv(n int) int { return 1 + lenLen(n) + n }

// signedAttrs returns the signed attributes with digest filled in.
func (t *cmsTemplate) signedAttrs(digest []byte) []byte {
	a := bytes.Clone(t.attrs)
	copy(a[t.digestAt:], digest)
	return a
}

// attrsDigest hashes the signed attributes as a DER SET OF, which is
// what the signature covers (RFC 5652, 5.4).
func (t *cmsTemplate) attrsDigest(attrs []byte) []byte {
	var hdr [6]byte
	h := t.hash.New()
	h.Write(appendTL(hdr[:0], 0x31, len(attrs)))
	h.Write(attrs)
	return h.Sum(nil)
}

// unsignedLen is the size of the [1] unsigned attributes holding token.
func unsignedLen(token []byte) int {
	if token == nil {
		return 0
	}
	return tlv(tlv(tsOIDLen + tlv(len(token))))
}

// appendCMS appends the DER ContentInfo for one signature.
func (t *cmsTemplate) appendCMS(dst, attrs, sig, token []byte) []byte {
	const int1 = 3     // INTEGER 1
	const dataOID = 11 // id-data and id-signedData, tag and length included
	unsigned := unsignedLen(token)
	si := int1 + len(t.sid) + len(t.digestAlg) + tlv(len(attrs)) + len(t.sigAlg) + tlv(len(sig)) + unsigned
	sd := int1 + tlv(len(t.digestAlg)) + tlv(dataOID) + tlv(len(t.certs)) + tlv(tlv(si))
	ci := dataOID + tlv(tlv(sd))

	dst = appendTL(dst, 0x30, ci)
	dst = append(dst, encSignedData...)
	dst = appendTL(dst, 0xa0, tlv(sd))
	dst = appendTL(dst, 0x30, sd)
	dst = append(dst, 0x02, 0x01, 0x01) // version 1
	dst = appendTL(dst, 0x31, len(t.digestAlg))
	dst = append(dst, t.digestAlg...)
	dst = appendTL(dst, 0x30, dataOID) // encapContentInfo, detached
	dst = append(dst, encData...)
	dst = appendTL(dst, 0xa0, len(t.certs))
	dst = append(dst, t.certs...)
	dst = appendTL(dst, 0x31, tlv(si))
	dst = appendTL(dst, 0x30, si)
	dst = append(dst, 0x02, 0x01, 0x01) // version 1: sid is issuerAndSerialNumber
	dst = append(dst, t.sid...)
	dst = append(dst, t.digestAlg...)
	dst = appendTL(dst, 0xa0, len(attrs))
	dst = append(dst, attrs...)
	dst = append(dst, t.sigAlg...)
	dst = appendTL(dst, 0x04, len(sig))
	dst = append(dst, sig...)
	if token != nil {
		dst = appendTL(dst, 0xa1, tlv(tsOIDLen+tlv(len(token))))
		dst = appendTL(dst, 0x30, tsOIDLen+tlv(len(token)))
		dst = append(dst, encTimeStampToken...)
		dst = appendTL(dst, 0x31, len(token))
		dst = append(dst, token...)
	}
	return dst
}

// maxCMS is the largest ContentInfo this template can produce, with a
// timestamp token of up to tokenReserve bytes (0: none).
func (t *cmsTemplate) maxCMS(tokenReserve int) int {
	var token []byte
	if tokenReserve > 0 {
		token = make([]byte, tokenReserve)
	}
	return len(t.appendCMS(nil, t.attrs, make([]byte, t.maxSig), token))
}

// checkToken makes sure token is one DER TimeStampToken whose message
// imprint is the hash of sig, so a TSA client bug cannot produce a
// document whose timestamp covers something else.
func checkToken(token, sig []byte) error {
	if len(token) == 0 {
		return errTimestampMissing
	}
	in := cryptobyte.String(token)
	var ci, sdw, sd, encap, octw, oct, tst, imprint, alg cryptobyte.String
	var oid, ctype, hoid asn1.ObjectIdentifier
	var version int64
	var hashed []byte
	if !in.ReadASN1(&ci, cbasn1.SEQUENCE) || !in.Empty() ||
		!ci.ReadASN1ObjectIdentifier(&oid) || !oid.Equal(oidSignedData) ||
		!ci.ReadASN1(&sdw, tagContext0) || !sdw.ReadASN1(&sd, cbasn1.SEQUENCE) ||
		!sd.ReadASN1Integer(&version) || !sd.SkipASN1(cbasn1.SET) ||
		!sd.ReadASN1(&encap, cbasn1.SEQUENCE) ||
		!encap.ReadASN1ObjectIdentifier(&ctype) || !ctype.Equal(oidTSTInfo) ||
		!encap.ReadASN1(&octw, tagContext0) || !octw.ReadASN1(&oct, cbasn1.OCTET_STRING) ||
		!oct.ReadASN1(&tst, cbasn1.SEQUENCE) ||
		!tst.SkipASN1(cbasn1.INTEGER) || !tst.SkipASN1(cbasn1.OBJECT_IDENTIFIER) ||
		!tst.ReadASN1(&imprint, cbasn1.SEQUENCE) ||
		!imprint.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&hoid) ||
		!imprint.ReadASN1Bytes(&hashed, cbasn1.OCTET_STRING) {
		return errors.New("timestamp token is not a DER RFC 3161 TimeStampToken")
	}
	h, ok := hashForOID(hoid)
	if !ok {
		return fmt.Errorf("timestamp token uses unsupported message imprint hash %v", hoid)
	}
	d := h.New()
	d.Write(sig)
	if !bytes.Equal(d.Sum(nil), hashed) {
		return errors.New("timestamp token's message imprint is not the hash of the signature value")
	}
	return nil
}

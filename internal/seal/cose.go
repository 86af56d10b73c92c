package seal

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"errors"
	"math/big"

	"certa.example/certa/internal/p256verify"
)

// This file holds the COSE_Sign1 (RFC 9052) envelope shared by seals and
// lists. It reads and writes only the canonical form:
//
//	d2 84 bstr(protected) a0 bstr(payload) bstr(signature)
//
// that is tag 18, a definite array of 4, every length in its shortest
// form, an empty unprotected map and nothing after the signature. Because
// the heads are canonical, ToBeSigned is built from the received protected
// and payload bytes without any generic re-encoding.

// COSE algorithm identifiers (IANA COSE Algorithms registry).
const (
	algES256 = -7
	algES384 = -35
)

var (
	errCBORHead  = errors.New("cbor: invalid or non-canonical head")
	errNotSign1  = errors.New("not a canonical tagged COSE_Sign1")
	sign1Prefix  = []byte{0xD2, 0x84} // tag 18, array(4)
	sigStructHdr = []byte{0x84, 0x6A, 'S', 'i', 'g', 'n', 'a', 't', 'u', 'r', 'e', '1'}
)

// readHead reads one CBOR head (major type and argument) in its shortest
// form. Indefinite lengths and reserved values are errors.
func readHead(b []byte) (major byte, arg uint64, n int, err error) {
	if len(b) == 0 {
		return 0, 0, 0, errCBORHead
	}
	major, info := b[0]>>5, b[0]&31
	switch {
	case info < 24:
		return major, uint64(info), 1, nil
	case info == 24 && len(b) >= 2:
		arg, n = uint64(b[1]), 2
		if arg < 24 {
			return 0, 0, 0, errCBORHead
		}
	case info == 25 && len(b) >= 3:
		arg, n = uint64(b[1])<<8|uint64(b[2]), 3
		if arg <= 0xFF {
			return 0, 0, 0, errCBORHead
		}
	case info == 26 && len(b) >= 5:
		arg, n = uint64(b[1])<<24|uint64(b[2])<<16|uint64(b[3])<<8|uint64(b[4]), 5
		if arg <= 0xFFFF {
			return 0, 0, 0, errCBORHead
		}
	case info == 27 && len(b) >= 9:
		for _, c := range b[1:9] {
			arg = arg<<8 | uint64(c)
		}
		n = 9
		if arg <= 0xFFFFFFFF {
			return 0, 0, 0, errCBORHead
		}
	default:
		return 0, 0, 0, errCBORHead
	}
	return major, arg, n, nil
}

// readBstr reads a definite byte string with a canonical head and returns
// its content and the bytes after it.
func readBstr(b []byte) (content, rest []byte, err error) {
	major, arg, n, err := readHead(b)
	if err != nil {
		return nil, nil, err
	}
	if major != 2 || arg > uint64(len(b)-n) {
		return nil, nil, errNotSign1
	}
	end := n + int(arg)
	return b[n:end:end], b[end:], nil
}

// appendHead appends the shortest CBOR head for major type major and
// argument n.
func appendHead(b []byte, major byte, n uint64) []byte {
	m := major << 5
	switch {
	case n < 24:
		return append(b, m|byte(n))
	case n <= 0xFF:
		return append(b, m|24, byte(n))
	case n <= 0xFFFF:
		return append(b, m|25, byte(n>>8), byte(n))
	case n <= 0xFFFFFFFF:
		return append(b, m|26, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(b, m|27, byte(n>>56), byte(n>>48), byte(n>>40), byte(n>>32), byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

func appendBstr(b, s []byte) []byte { return append(appendHead(b, 2, uint64(len(s))), s...) }

// parseSign1 splits a canonical tagged COSE_Sign1 into the protected header
// bytes (the content of its bstr), the payload and the signature. It
// rejects anything else: other tags or array lengths, non-canonical or
// indefinite lengths, a nil (detached) payload, a non-empty unprotected
// header and trailing bytes.
func parseSign1(raw []byte) (prot, payload, sig []byte, err error) {
	if !bytes.HasPrefix(raw, sign1Prefix) {
		return nil, nil, nil, errNotSign1
	}
	rest := raw[len(sign1Prefix):]
	if prot, rest, err = readBstr(rest); err != nil {
		return nil, nil, nil, err
	}
	if len(rest) == 0 || rest[0] != 0xA0 {
		return nil, nil, nil, errors.New("unprotected header not empty")
	}
	if payload, rest, err = readBstr(rest[1:]); err != nil {
		return nil, nil, nil, err
	}
	if sig, rest, err = readBstr(rest); err != nil {
		return nil, nil, nil, err
	}
	if len(rest) != 0 {
		return nil, nil, nil, errors.New("data after COSE_Sign1")
	}
	return prot, payload, sig, nil
}

// appendSign1 appends the canonical tagged COSE_Sign1 of its parts.
func appendSign1(b, prot, payload, sig []byte) []byte {
	b = append(b, sign1Prefix...)
	b = appendBstr(b, prot)
	b = append(b, 0xA0)
	b = appendBstr(b, payload)
	return appendBstr(b, sig)
}

// toBeSigned returns the encoded COSE Sig_structure
// ["Signature1", protected, empty bstr (no external AAD), payload].
func toBeSigned(prot, payload []byte) []byte {
	b := make([]byte, 0, len(sigStructHdr)+len(prot)+len(payload)+20)
	b = append(b, sigStructHdr...)
	b = appendBstr(b, prot)
	b = append(b, 0x40)
	return appendBstr(b, payload)
}

// ecAlg describes an ECDSA COSE algorithm.
type ecAlg struct {
	id    int64
	curve elliptic.Curve
	hash  crypto.Hash
	size  int // bytes of r and of s
}

var (
	es256 = ecAlg{algES256, elliptic.P256(), crypto.SHA256, 32}
	es384 = ecAlg{algES384, elliptic.P384(), crypto.SHA384, 48}
)

// ecAlgFor returns the algorithm for an ECDSA key on P-256 or P-384.
func ecAlgFor(pub crypto.PublicKey) (ecAlg, *ecdsa.PublicKey, bool) {
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return ecAlg{}, nil, false
	}
	switch k.Curve {
	case elliptic.P256():
		return es256, k, true
	case elliptic.P384():
		return es384, k, true
	}
	return ecAlg{}, nil, false
}

func (a ecAlg) digest(msg []byte) []byte {
	if a.hash == crypto.SHA384 {
		h := sha512.Sum384(msg)
		return h[:]
	}
	h := sha256.Sum256(msg)
	return h[:]
}

// verify checks the COSE signature sig (r‖s, 2·size bytes) over tbs.
func (a ecAlg) verify(pub *ecdsa.PublicKey, tbs, sig []byte) bool {
	if len(sig) != 2*a.size || pub.Curve != a.curve {
		return false
	}
	if a.curve == elliptic.P256() {
		if k := p256Keys.Key(pub); k != nil {
			return k.Verify(a.digest(tbs), sig)
		}
	}
	return ecdsa.VerifyASN1(pub, a.digest(tbs), rawToDER(sig))
}

// p256Keys holds precomputed tables for the few P-256 keys that verify
// seals and lists (current and retired seal keys, list signers), which makes
// each verification about 2.5 times faster than crypto/ecdsa
// (internal/p256verify). Keys beyond the limit (1.2 MiB each) use
// crypto/ecdsa.
var p256Keys = p256verify.NewCache(8)

// sign signs tbs with key and returns the COSE signature r‖s.
func (a ecAlg) sign(key crypto.Signer, tbs []byte) ([]byte, error) {
	der, err := key.Sign(rand.Reader, a.digest(tbs), a.hash)
	if err != nil {
		return nil, err
	}
	var rs struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(der, &rs)
	if err != nil || len(rest) != 0 {
		return nil, errors.New("signer returned a malformed ECDSA signature")
	}
	if rs.R.Sign() <= 0 || rs.S.Sign() <= 0 || rs.R.BitLen() > 8*a.size || rs.S.BitLen() > 8*a.size {
		return nil, errors.New("signer returned an out-of-range ECDSA signature")
	}
	sig := make([]byte, 2*a.size)
	rs.R.FillBytes(sig[:a.size])
	rs.S.FillBytes(sig[a.size:])
	return sig, nil
}

// rawToDER converts a COSE ECDSA signature r‖s (each at most 48 bytes) to
// the ASN.1 DER SEQUENCE { INTEGER r, INTEGER s } that crypto/ecdsa reads.
// A zero r or s becomes INTEGER 0, which verification then rejects.
func rawToDER(sig []byte) []byte {
	half := len(sig) / 2
	var buf [2 + 2*(2+1+48)]byte
	b := append(buf[:0], 0x30, 0)
	b = appendDERInt(b, sig[:half])
	b = appendDERInt(b, sig[half:])
	b[1] = byte(len(b) - 2) // < 128 for half <= 48
	return b
}

func appendDERInt(b, n []byte) []byte {
	for len(n) > 1 && n[0] == 0 {
		n = n[1:]
	}
	if len(n) == 0 {
		n = []byte{0}
	}
	if n[0]&0x80 != 0 {
		b = append(b, 0x02, byte(len(n)+1), 0)
	} else {
		b = append(b, 0x02, byte(len(n)))
	}
	return append(b, n...)
}

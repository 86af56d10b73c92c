package verify

import (
	"bytes"
	"encoding/hex"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// sigStatus says what findSignature found.
type sigStatus int

const (
	sigNone      sigStatus = iota // no /ByteRange in the file
	sigMalformed                  // a /ByteRange, but not a usable signature
	sigFound
)

// sigDict is the byte-level view of the last signature dictionary.
type sigDict struct {
	status sigStatus
	// problem is the public detail when status is sigMalformed.
	problem string
	// count is the number of /ByteRange entries in the file.
	count int
	// a, b, c, d are the /ByteRange values. findSignature guarantees
	// 0 <= a, a+b+2 <= c <= len(data) and each value below 1e10, so sums
	// cannot overflow; c+d may exceed len(data).
	a, b, c, d int64
	// der is the CMS SignedData with the padding removed.
	der []byte
}

const (
	byteRangeKey = "/ByteRange"
	contentsKey  = "/Contents"
	// maxDigits bounds a /ByteRange integer: ten digits are enough for
	// any file we accept and keep every sum far from overflow.
	maxDigits = 10
)

// findSignature locates the last /ByteRange in data and the signature
// value in the gap it leaves.
func findSignature(data []byte) sigDict {
	pos, count := lastByteRange(data)
	if count == 0 {
		return sigDict{status: sigNone}
	}
	s := sigDict{status: sigMalformed, count: count}

	br, ok := parseByteRange(data[pos+len(byteRangeKey):])
	if !ok {
		s.problem = "The signature's byte range is malformed."
		return s
	}
	s.a, s.b, s.c, s.d = br[0], br[1], br[2], br[3]

	size := int64(len(data))
	start := s.a + s.b // offset of '<'
	if start+2 > s.c || s.c > size {
		s.problem = "The signature's byte range does not point at a signature value."
		return s
	}
	if data[start] != '<' || data[s.c-1] != '>' ||
		!bytes.HasSuffix(bytes.TrimRight(data[:start], pdfSpace), []byte(contentsKey)) {
		s.problem = "The signature's byte range does not point at a signature value."
		return s
	}

	der, ok := decodeContents(data[start+1 : s.c-1])
	if !ok {
		s.problem = "The signature value is malformed."
		return s
	}
	s.der = der
	s.status = sigFound
	return s
}

// lastByteRange returns the offset of the last /ByteRange key in data and
// how many there are. A longer name such as /ByteRanges is not counted.
func lastByteRange(data []byte) (pos, count int) {
	key := []byte(byteRangeKey)
	pos = -1
	for off := 0; off < len(data); {
		i := bytes.Index(data[off:], key)
		if i < 0 {
			break
		}
		i += off
		end := i + len(key)
		if end == len(data) || isDelimiter(data[end]) || isSpace(data[end]) {
			pos = i
			count++
		}
		off = end
	}
	return pos, count
}

// parseByteRange parses "[a b c d]" (after optional white space) strictly:
// exactly four unsigned decimal integers of at most maxDigits digits.
func parseByteRange(p []byte) ([4]int64, bool) {
	var out [4]int64
	i := skipSpace(p, 0)
	if i == len(p) || p[i] != '[' {
		return out, false
	}
	i++
	for k := range out {
		// Digits are read greedily, so a number always ends at a
		// non-digit: no separate check for white space between numbers.
		i = skipSpace(p, i)
		var n int64
		digits := 0
		for i < len(p) && p[i] >= '0' && p[i] <= '9' {
			if digits == maxDigits {
				return out, false
			}
			n = n*10 + int64(p[i]-'0')
			digits++
			i++
		}
		if digits == 0 {
			return out, false
		}
		out[k] = n
	}
	i = skipSpace(p, i)
	if i == len(p) || p[i] != ']' {
		return out, false
	}
	return out, true
}

// decodeContents decodes the hex digits of /Contents into one DER element;
// what follows the element must be zero padding.
func decodeContents(h []byte) ([]byte, bool) {
	if len(h) == 0 || len(h)%2 != 0 {
		return nil, false
	}
	raw := make([]byte, len(h)/2)
	if _, err := hex.Decode(raw, h); err != nil {
		return nil, false
	}
	s := cryptobyte.String(raw)
	var elem cryptobyte.String
	if !s.ReadASN1Element(&elem, asn1.SEQUENCE) {
		return nil, false
	}
	for _, x := range s {
		if x != 0 {
			return nil, false
		}
	}
	return elem, true
}

func (s sigDict) check() Check {
	switch s.status {
	case sigNone:
		return fail(CheckSignaturePresent, "The file has no digital signature.")
	case sigMalformed:
		return fail(CheckSignaturePresent, s.problem)
	}
	if s.count == 1 {
		return pass(CheckSignaturePresent, "The file has one digital signature.")
	}
	return pass(CheckSignaturePresent,
		fmt.Sprintf("The file has %d digital signatures; the last one was verified.", s.count))
}

// checkByteRange checks that the signature covers the whole file of the
// given size, except its own value.
func (s sigDict) checkByteRange(size int) Check {
	end := s.c + s.d
	switch {
	case s.a != 0:
		return fail(CheckByteRange, "The signature does not cover the start of the file.")
	case end < int64(size):
		return fail(CheckByteRange, fmt.Sprintf(
			"The file was changed after signing: %d bytes follow the signed part.", int64(size)-end))
	case end > int64(size):
		return fail(CheckByteRange, "The signed part extends beyond the end of the file: the file is incomplete.")
	}
	return pass(CheckByteRange, "The signature covers the whole file.")
}

// inBounds reports whether both signed ranges lie inside a file of size.
func (s sigDict) inBounds(size int) bool {
	return s.c+s.d <= int64(size)
}

// signedParts returns the signed ranges, cut to the end of data.
func (s sigDict) signedParts(data []byte) [][]byte {
	size := int64(len(data))
	return [][]byte{
		data[s.a : s.a+s.b],
		data[s.c:min(s.c+s.d, size)],
	}
}

// pdfSpace holds the PDF white-space characters.
const pdfSpace = "\x00\t\n\f\r "

func isSpace(c byte) bool {
	switch c {
	case 0, '\t', '\n', '\f', '\r', ' ':
		return true
	}
	return false
}

func isDelimiter(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func skipSpace(p []byte, i int) int {
	for i < len(p) && isSpace(p[i]) {
		i++
	}
	return i
}

package verify

import (
	"bytes"
	"encoding/hex"
	"strings"
	"time"

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
	// problem is the public message when status is sigMalformed.
	problem text
	// count is the number of /ByteRange entries in the file.
	count int
	// a, b, c, d are the /ByteRange values. findSignature guarantees
	// 0 <= a, a+b+2 <= c <= len(data) and each value below 1e10, so sums
	// cannot overflow; c+d may exceed len(data).
	a, b, c, d int64
	// der is the CMS SignedData with the padding removed.
	der []byte
	// dictFound is set when the dictionary holding the signature was
	// read: it has this /ByteRange and this /Contents.
	dictFound bool
	// subFilter is the dictionary's /SubFilter, "" when absent.
	subFilter string
	// claimed is the dictionary's /M, the signing time the signer
	// claims; zero when absent or unreadable.
	claimed time.Time
	// stray is, when status is sigMalformed, the CMS in the /Contents of
	// the dictionary holding the /ByteRange, if it could be read. It
	// tells who signed, not that the signature is good.
	stray []byte
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
	malformed := func(problem text) sigDict {
		s.problem = problem
		s.readStray(data, pos)
		return s
	}

	br, ok := parseByteRange(data[pos+len(byteRangeKey):])
	if !ok {
		return malformed(msgBadByteRange)
	}
	s.a, s.b, s.c, s.d = br[0], br[1], br[2], br[3]

	size := int64(len(data))
	start := s.a + s.b // offset of '<'
	if start+2 > s.c || s.c > size {
		return malformed(msgNoSignatureValue)
	}
	if data[start] != '<' || data[s.c-1] != '>' ||
		!bytes.HasSuffix(bytes.TrimRight(data[:start], pdfSpace), []byte(contentsKey)) {
		return malformed(msgNoSignatureValue)
	}

	der, ok := decodeContents(data[start+1 : s.c-1])
	if !ok {
		return malformed(msgBadSignatureValue)
	}
	s.der = der
	s.status = sigFound
	if d, ok := sigDictAt(data, pos, s.matches); ok {
		s.dictFound = true
		if v, ok := d.get("SubFilter"); ok && v.kind == pdfName {
			s.subFilter = v.str
		}
		if v, ok := d.get("M"); ok && v.kind == pdfString {
			s.claimed, _ = parsePDFDate(v.str)
		}
	}
	return s
}

// SubFilter values of the signatures that are verified.
const (
	subFilterPKCS7 = "adbe.pkcs7.detached"
	subFilterCAdES = "ETSI.CAdES.detached"
)

// maxDictCandidates bounds the "obj" keywords tried, going back from the
// /ByteRange, as the start of the signature dictionary's object.
const maxDictCandidates = 8

// sigDictAt finds the indirect object whose dictionary holds the
// /ByteRange at pos and satisfies match. It looks back from pos for "num
// gen obj" headers, trying the nearest few.
func sigDictAt(data []byte, pos int, match func(pdfValue) bool) (pdfValue, bool) {
	r := &pdfReader{b: data, comments: true, budget: newBudget(data)}
	limit := pos
	for range maxDictCandidates {
		k := bytes.LastIndex(data[:limit], []byte("obj"))
		if k < 0 {
			return pdfValue{}, false
		}
		limit = k
		if !objHeaderBefore(data, k) || !r.keyword(k, "obj") {
			continue
		}
		d, _, err := r.value(k+len("obj"), 0)
		if err == errBudget {
			return pdfValue{}, false
		}
		if err != nil || d.kind != pdfDict || d.start > pos || d.end <= pos || !match(d) {
			continue
		}
		return d, true
	}
	return pdfValue{}, false
}

// readStray reads, for a malformed signature, the signature value of the
// dictionary that holds the /ByteRange at pos: a hexadecimal /Contents
// holding a DER element and zero padding. A file that was rewritten after
// signing (object streams, new offsets) keeps it, and with it who signed.
func (s *sigDict) readStray(data []byte, pos int) {
	d, ok := sigDictAt(data, pos, func(d pdfValue) bool {
		c, ok := d.get("Contents")
		return ok && c.kind == pdfString && c.hex
	})
	if !ok {
		return
	}
	c, _ := d.get("Contents")
	if der, ok := paddedDER([]byte(c.str)); ok {
		s.stray = der
	}
}

// objHeaderBefore reports whether the "obj" at k follows "num gen ".
func objHeaderBefore(data []byte, k int) bool {
	i := k
	for step := 0; step < 2; step++ {
		j := i
		for j > 0 && isSpace(data[j-1]) {
			j--
		}
		if j == i {
			return false
		}
		i = j
		for j > 0 && data[j-1] >= '0' && data[j-1] <= '9' && i-j < maxDigits {
			j--
		}
		if j == i {
			return false
		}
		i = j
	}
	return i == 0 || isSpace(data[i-1]) || isDelimiter(data[i-1])
}

// matches reports whether dictionary d has the byte range and the
// signature value of s.
func (s *sigDict) matches(d pdfValue) bool {
	br, ok1 := d.get("ByteRange")
	c, ok2 := d.get("Contents")
	if !ok1 || !ok2 || br.kind != pdfArray || len(br.items) != 4 || c.kind != pdfString || !c.hex ||
		int64(c.start) != s.a+s.b || int64(c.end) != s.c {
		return false
	}
	for i, want := range [4]int64{s.a, s.b, s.c, s.d} {
		n, ok := br.items[i].uint()
		if !ok || int64(n) != want {
			return false
		}
	}
	return true
}

// parsePDFDate parses a PDF date, "D:YYYYMMDDHHmmSSOHH'mm'", where all
// but the year may be left out (ISO 32000-1, 7.9.4).
func parsePDFDate(s string) (time.Time, bool) {
	s = strings.TrimPrefix(s, "D:")
	num := func(n, lo, hi int) (int, bool) {
		if len(s) < n {
			return 0, false
		}
		v, ok := parseDecimal(s[:n])
		if !ok || v < lo || v > hi {
			return 0, false
		}
		s = s[n:]
		return v, true
	}
	year, ok := num(4, 0, 9999)
	if !ok {
		return time.Time{}, false
	}
	f := [5]int{1, 1, 0, 0, 0} // month, day, hour, minute, second
	limits := [5][2]int{{1, 12}, {1, 31}, {0, 23}, {0, 59}, {0, 59}}
	for k := range f {
		if len(s) == 0 || s[0] < '0' || s[0] > '9' {
			break
		}
		if f[k], ok = num(2, limits[k][0], limits[k][1]); !ok {
			return time.Time{}, false
		}
	}
	offset := 0
	if len(s) > 0 {
		sign := 1
		switch s[0] {
		case 'Z':
		case '+':
		case '-':
			sign = -1
		default:
			return time.Time{}, false
		}
		s = s[1:]
		var h, m int
		if len(s) > 0 {
			if h, ok = num(2, 0, 23); !ok {
				return time.Time{}, false
			}
			s = strings.TrimPrefix(s, "'")
			if len(s) > 0 {
				if m, ok = num(2, 0, 59); !ok {
					return time.Time{}, false
				}
				s = strings.TrimPrefix(s, "'")
			}
		}
		if len(s) > 0 {
			return time.Time{}, false
		}
		offset = sign * (h*3600 + m*60)
	}
	t := time.Date(year, time.Month(f[0]), f[1], f[2], f[3], f[4], 0, time.FixedZone("", offset))
	if t.Day() != f[1] { // 31 April and the like
		return time.Time{}, false
	}
	return t.UTC(), true
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
	return paddedDER(raw)
}

// paddedDER returns the DER element at the start of raw, which must be
// followed by zero padding only.
func paddedDER(raw []byte) ([]byte, bool) {
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
		return fail(CheckSignaturePresent, msgNoSignature)
	case sigMalformed:
		return fail(CheckSignaturePresent, s.problem)
	}
	if s.count == 1 {
		return pass(CheckSignaturePresent, msgOneSignature)
	}
	return pass(CheckSignaturePresent, msgSignatures.f(s.count))
}

// checkByteRange checks that the signature covers data from its first
// byte to the end of the signed revision, except its own value.
func (s sigDict) checkByteRange(data []byte) Check {
	end := s.c + s.d
	switch {
	case s.a != 0:
		return fail(CheckByteRange, msgNotFromStart)
	case end > int64(len(data)):
		return fail(CheckByteRange, msgBeyondEnd)
	case end == int64(len(data)):
		return pass(CheckByteRange, msgCoversFile)
	}
	return pass(CheckByteRange, msgCoversRevision)
}

// checkLaterUpdates checks that nothing follows the signed revision, or
// only DSS updates.
func (s sigDict) checkLaterUpdates(data []byte) (Check, appendedResult) {
	size := int64(len(data))
	end := s.c + s.d
	switch {
	case end > size:
		return notApplicable(CheckLaterUpdates, msgIncomplete), appendedResult{}
	case end == size:
		return pass(CheckLaterUpdates, msgNothingAdded), appendedResult{}
	}
	res := checkAppended(data, int(end))
	if !res.ok {
		return fail(CheckLaterUpdates, msgChanged.f(size-end)), res
	}
	return pass(CheckLaterUpdates, msgOnlyDSS), res
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

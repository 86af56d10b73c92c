package verify

import (
	"bytes"
	"errors"
	"slices"
	"strconv"
	"strings"
)

// A small reader of PDF objects, enough to read the signature dictionary,
// the signed revision's cross-reference table, trailer and catalog, and
// the incremental updates that follow a signed revision. It is not a
// general PDF parser: no object streams, no cross-reference streams, no
// filters. All its work is charged to a budget proportional to the input,
// so that no input makes it run longer than linear time, and nesting is
// bounded, so that it never overflows the stack.

// pdfKind is the type of a PDF value.
type pdfKind uint8

const (
	pdfNull pdfKind = iota
	pdfBool
	pdfNumber // integer or real; str holds the text
	pdfName   // str holds the decoded name, without the slash
	pdfString // literal or hexadecimal; str holds the decoded bytes
	pdfArray
	pdfDict
	pdfRef
)

// pdfValue is a parsed PDF value.
type pdfValue struct {
	kind       pdfKind
	start, end int    // offsets of the value in the parsed bytes
	hex        bool   // a hexadecimal string
	str        string // see pdfKind
	num, gen   int    // a reference
	items      []pdfValue
	entries    []pdfEntry // dictionary entries, in file order, keys unique
}

type pdfEntry struct {
	key string // decoded, without the slash
	val pdfValue
}

// get returns the value of key in a dictionary.
func (v pdfValue) get(key string) (pdfValue, bool) {
	for _, e := range v.entries {
		if e.key == key {
			return e.val, true
		}
	}
	return pdfValue{}, false
}

// isName reports whether v is the name n.
func (v pdfValue) isName(n string) bool { return v.kind == pdfName && v.str == n }

// uint returns the value of a non-negative integer of at most ten digits.
func (v pdfValue) uint() (int, bool) {
	if v.kind != pdfNumber {
		return 0, false
	}
	return parseDecimal(v.str)
}

// parseDecimal parses one to ten decimal digits.
func parseDecimal(s string) (int, bool) {
	if len(s) == 0 || len(s) > maxDigits {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// Limits of the object reader.
const (
	maxPDFDepth = 32      // nesting of arrays and dictionaries
	maxObjNum   = 8388607 // PDF's implementation limit on object numbers
	maxGen      = 65535
)

var (
	errSyntax = errors.New("pdf: syntax error")
	errBudget = errors.New("pdf: work budget exhausted")
)

// pdfReader reads PDF syntax from b.
type pdfReader struct {
	b []byte
	// comments allows comments where white space may be; when false a
	// '%' is a syntax error.
	comments bool
	// budget is the work left, in bytes looked at; it is shared by
	// readers that work on the same input.
	budget *int
}

// newBudget returns a budget for reading data: a few passes over it.
func newBudget(data []byte) *int {
	n := 4*len(data) + 1<<16
	return &n
}

// spend charges n units and reports whether the budget allows it.
func (r *pdfReader) spend(n int) bool {
	*r.budget -= n
	return *r.budget >= 0
}

// ws skips white space (and comments, if allowed) from i.
func (r *pdfReader) ws(i int) int {
	start := i
	for i < len(r.b) {
		c := r.b[i]
		switch {
		case isSpace(c):
			i++
		case c == '%' && r.comments:
			for i < len(r.b) && r.b[i] != '\n' && r.b[i] != '\r' {
				i++
			}
		default:
			r.spend(i - start)
			return i
		}
	}
	r.spend(i - start)
	return i
}

// regular returns the end of the run of regular characters at i.
func (r *pdfReader) regular(i int) int {
	start := i
	for i < len(r.b) && !isSpace(r.b[i]) && !isDelimiter(r.b[i]) {
		i++
	}
	r.spend(i - start)
	return i
}

// keyword reports whether the keyword kw is at i, followed by white
// space, a delimiter or the end of the data.
func (r *pdfReader) keyword(i int, kw string) bool {
	if i < 0 || i > len(r.b) || !bytes.HasPrefix(r.b[i:], []byte(kw)) {
		return false
	}
	j := i + len(kw)
	return j == len(r.b) || isSpace(r.b[j]) || isDelimiter(r.b[j])
}

// uintAt reads an unsigned integer of one to ten digits at i.
func (r *pdfReader) uintAt(i int) (n, end int, ok bool) {
	if i < 0 || i >= len(r.b) {
		return 0, i, false
	}
	end = i
	for end < len(r.b) && end-i <= maxDigits && r.b[end] >= '0' && r.b[end] <= '9' {
		end++
	}
	n, ok = parseDecimal(string(r.b[i:end]))
	return n, end, ok
}

// value reads the value at i, after optional white space, and returns it
// and the offset after it.
func (r *pdfReader) value(i, depth int) (pdfValue, int, error) {
	if depth > maxPDFDepth {
		return pdfValue{}, i, errSyntax
	}
	i = r.ws(i)
	if i >= len(r.b) {
		return pdfValue{}, i, errSyntax
	}
	if !r.spend(1) {
		return pdfValue{}, i, errBudget
	}
	start := i
	switch c := r.b[i]; {
	case c == '<' && i+1 < len(r.b) && r.b[i+1] == '<':
		return r.dict(i, depth)
	case c == '<':
		return r.hexString(i)
	case c == '(':
		return r.literalString(i)
	case c == '[':
		v := pdfValue{kind: pdfArray, start: start}
		i++
		for {
			i = r.ws(i)
			if i >= len(r.b) {
				return pdfValue{}, i, errSyntax
			}
			if r.b[i] == ']' {
				v.end = i + 1
				return v, v.end, nil
			}
			item, end, err := r.value(i, depth+1)
			if err != nil {
				return pdfValue{}, end, err
			}
			v.items = append(v.items, item)
			i = end
		}
	case c == '/':
		name, end, ok := r.name(i)
		if !ok {
			return pdfValue{}, end, errSyntax
		}
		return pdfValue{kind: pdfName, start: start, end: end, str: name}, end, nil
	case c >= '0' && c <= '9':
		if v, end, ok := r.ref(i); ok {
			return v, end, nil
		}
		return r.number(i)
	case c == '+' || c == '-' || c == '.':
		return r.number(i)
	}
	end := r.regular(i)
	switch string(r.b[i:end]) {
	case "true", "false":
		return pdfValue{kind: pdfBool, start: start, end: end, str: string(r.b[i:end])}, end, nil
	case "null":
		return pdfValue{kind: pdfNull, start: start, end: end}, end, nil
	}
	return pdfValue{}, end, errSyntax
}

// ref reads "num gen R" at i.
func (r *pdfReader) ref(i int) (pdfValue, int, bool) {
	num, end, ok := r.uintAt(i)
	if !ok || end == len(r.b) || !isSpace(r.b[end]) {
		return pdfValue{}, i, false
	}
	j := r.ws(end)
	gen, gEnd, ok := r.uintAt(j)
	if !ok || j == end || gEnd == len(r.b) || !isSpace(r.b[gEnd]) {
		return pdfValue{}, i, false
	}
	k := r.ws(gEnd)
	if k >= len(r.b) || r.b[k] != 'R' || !r.keyword(k, "R") {
		return pdfValue{}, i, false
	}
	if num > maxObjNum || gen > maxGen {
		return pdfValue{}, i, false
	}
	return pdfValue{kind: pdfRef, start: i, end: k + 1, num: num, gen: gen}, k + 1, true
}

// number reads an integer or a real: a sign, digits and at most one
// period, with at least one digit.
func (r *pdfReader) number(i int) (pdfValue, int, error) {
	end := r.regular(i)
	s := r.b[i:end]
	digits, dots := 0, 0
	for k, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			dots++
		case (c == '+' || c == '-') && k == 0:
		default:
			return pdfValue{}, end, errSyntax
		}
	}
	if digits == 0 || dots > 1 {
		return pdfValue{}, end, errSyntax
	}
	return pdfValue{kind: pdfNumber, start: i, end: end, str: string(s)}, end, nil
}

// name reads a name at i ('/' then regular characters, #xx escapes).
func (r *pdfReader) name(i int) (string, int, bool) {
	end := r.regular(i + 1)
	raw := r.b[i+1 : end]
	if bytes.IndexByte(raw, '#') < 0 {
		return string(raw), end, true
	}
	out := make([]byte, 0, len(raw))
	for k := 0; k < len(raw); k++ {
		if raw[k] != '#' {
			out = append(out, raw[k])
			continue
		}
		if k+2 >= len(raw) {
			return "", end, false
		}
		hi, ok1 := unhex(raw[k+1])
		lo, ok2 := unhex(raw[k+2])
		if !ok1 || !ok2 || hi<<4|lo == 0 {
			return "", end, false
		}
		out = append(out, hi<<4|lo)
		k += 2
	}
	return string(out), end, true
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// hexString reads <hex digits and white space>.
func (r *pdfReader) hexString(i int) (pdfValue, int, error) {
	start := i
	var out []byte
	var hi byte
	half := false
	for i++; i < len(r.b); i++ {
		c := r.b[i]
		if c == '>' {
			if half {
				out = append(out, hi<<4)
			}
			r.spend(i - start)
			return pdfValue{kind: pdfString, hex: true, start: start, end: i + 1, str: string(out)}, i + 1, nil
		}
		if isSpace(c) {
			continue
		}
		d, ok := unhex(c)
		if !ok {
			break
		}
		if half {
			out = append(out, hi<<4|d)
		} else {
			hi = d
		}
		half = !half
	}
	r.spend(i - start)
	return pdfValue{}, i, errSyntax
}

// literalString reads a (string) with its escapes and balanced
// parentheses; end-of-line markers become '\n'.
func (r *pdfReader) literalString(i int) (pdfValue, int, error) {
	start := i
	var out []byte
	nest := 0
	for ; i < len(r.b); i++ {
		c := r.b[i]
		switch c {
		case '(':
			nest++
			if nest == 1 {
				continue
			}
		case ')':
			nest--
			if nest == 0 {
				r.spend(i - start)
				return pdfValue{kind: pdfString, start: start, end: i + 1, str: string(out)}, i + 1, nil
			}
		case '\r':
			if i+1 < len(r.b) && r.b[i+1] == '\n' {
				i++
			}
			c = '\n'
		case '\\':
			i++
			if i == len(r.b) {
				break
			}
			switch e := r.b[i]; e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if i+1 < len(r.b) && r.b[i+1] == '\n' {
					i++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for k := 0; k < 2 && i+1 < len(r.b) && r.b[i+1] >= '0' && r.b[i+1] <= '7'; k++ {
						i++
						v = v*8 + int(r.b[i]-'0')
					}
					c = byte(v)
				} else {
					c = e
				}
			}
		}
		out = append(out, c)
	}
	r.spend(i - start)
	return pdfValue{}, i, errSyntax
}

// dict reads << /key value ... >>. A key may appear once.
func (r *pdfReader) dict(i, depth int) (pdfValue, int, error) {
	v := pdfValue{kind: pdfDict, start: i}
	seen := map[string]bool{}
	i += 2
	for {
		i = r.ws(i)
		if i >= len(r.b) {
			return pdfValue{}, i, errSyntax
		}
		if r.b[i] == '>' {
			if i+1 < len(r.b) && r.b[i+1] == '>' {
				v.end = i + 2
				return v, v.end, nil
			}
			return pdfValue{}, i, errSyntax
		}
		if r.b[i] != '/' {
			return pdfValue{}, i, errSyntax
		}
		key, end, ok := r.name(i)
		if !ok || seen[key] {
			return pdfValue{}, end, errSyntax
		}
		seen[key] = true
		val, end, err := r.value(end, depth+1)
		if err != nil {
			return pdfValue{}, end, err
		}
		v.entries = append(v.entries, pdfEntry{key: key, val: val})
		i = end
	}
}

// pdfObject is an indirect object.
type pdfObject struct {
	num, gen int
	off      int // offset of "num gen obj"
	val      pdfValue
	stream   []byte // the stream data, when isStream
	isStream bool
	end      int // offset after "endobj"
}

// object reads "num gen obj value [stream] endobj" starting exactly at i.
func (r *pdfReader) object(i int) (pdfObject, error) {
	o := pdfObject{off: i}
	var ok bool
	var end int
	if o.num, end, ok = r.uintAt(i); !ok || end == len(r.b) || !isSpace(r.b[end]) {
		return o, errSyntax
	}
	j := r.ws(end)
	if o.gen, end, ok = r.uintAt(j); !ok || j == end || o.num > maxObjNum || o.gen > maxGen {
		return o, errSyntax
	}
	j = r.ws(end)
	if !r.keyword(j, "obj") {
		return o, errSyntax
	}
	val, end, err := r.value(j+len("obj"), 0)
	if err != nil {
		return o, err
	}
	o.val = val
	j = r.ws(end)
	if val.kind == pdfDict && r.keyword(j, "stream") {
		if o.stream, j, err = r.streamData(val, j+len("stream")); err != nil {
			return o, err
		}
		o.isStream = true
		j = r.ws(j)
	}
	if !r.keyword(j, "endobj") {
		return o, errSyntax
	}
	o.end = j + len("endobj")
	return o, nil
}

// streamData reads the data of a stream whose dictionary is d, from just
// after the "stream" keyword to just after "endstream". /Length must be a
// direct integer.
func (r *pdfReader) streamData(d pdfValue, i int) ([]byte, int, error) {
	switch {
	case bytes.HasPrefix(r.b[i:], []byte("\r\n")):
		i += 2
	case i < len(r.b) && r.b[i] == '\n':
		i++
	default:
		return nil, i, errSyntax
	}
	lv, ok := d.get("Length")
	if !ok {
		return nil, i, errSyntax
	}
	n, ok := lv.uint()
	if !ok || n > len(r.b)-i {
		return nil, i, errSyntax
	}
	if !r.spend(n) {
		return nil, i, errBudget
	}
	data := r.b[i : i+n]
	i += n
	switch {
	case bytes.HasPrefix(r.b[i:], []byte("\r\n")):
		i += 2
	case i < len(r.b) && (r.b[i] == '\n' || r.b[i] == '\r'):
		i++
	}
	if !r.keyword(i, "endstream") {
		return nil, i, errSyntax
	}
	return data, i + len("endstream"), nil
}

// xrefEntry is one entry of a classic cross-reference table.
type xrefEntry struct {
	num, gen, off int
	free          bool
}

// xrefSection is a classic cross-reference section and its trailer.
type xrefSection struct {
	entries []xrefEntry
	trailer pdfValue
	end     int // offset after the trailer dictionary
}

// xrefEntrySize is the size of a cross-reference entry, end of line
// included.
const xrefEntrySize = 20

// xref reads "xref" subsections "trailer" dict, starting exactly at i.
// Cross-reference streams are not supported.
func (r *pdfReader) xref(i int) (xrefSection, error) {
	var s xrefSection
	if !r.keyword(i, "xref") {
		return s, errSyntax
	}
	i = r.ws(i + len("xref"))
	for !r.keyword(i, "trailer") {
		first, end, ok := r.uintAt(i)
		if !ok || end == len(r.b) || !isSpace(r.b[end]) {
			return s, errSyntax
		}
		j := r.ws(end)
		count, end, ok := r.uintAt(j)
		if !ok || j == end || first+count > maxObjNum+1 {
			return s, errSyntax
		}
		i = r.ws(end)
		if count > (len(r.b)-i)/xrefEntrySize {
			return s, errSyntax
		}
		if !r.spend(count * xrefEntrySize) {
			return s, errBudget
		}
		for k := 0; k < count; k++ {
			e, ok := parseXrefEntry(r.b[i : i+xrefEntrySize])
			if !ok {
				return s, errSyntax
			}
			e.num = first + k
			s.entries = append(s.entries, e)
			i += xrefEntrySize
		}
		i = r.ws(i)
		if i >= len(r.b) {
			return s, errSyntax
		}
	}
	t, end, err := r.value(i+len("trailer"), 0)
	if err != nil {
		return s, err
	}
	if t.kind != pdfDict {
		return s, errSyntax
	}
	s.trailer, s.end = t, end
	return s, nil
}

// parseXrefEntry parses "oooooooooo ggggg n" and a two-byte end of line.
func parseXrefEntry(e []byte) (xrefEntry, bool) {
	var x xrefEntry
	off, ok1 := parseDecimal(string(e[0:10]))
	gen, ok2 := parseDecimal(string(e[11:16]))
	if !ok1 || !ok2 || e[10] != ' ' || e[16] != ' ' || gen > maxGen {
		return x, false
	}
	switch e[17] {
	case 'n':
	case 'f':
		x.free = true
	default:
		return x, false
	}
	switch string(e[18:20]) {
	case " \n", " \r", "\r\n":
	default:
		return x, false
	}
	x.off, x.gen = off, gen
	return x, true
}

// canonical appends a serialisation of v that is the same for values
// that mean the same thing however they are written: white space,
// comments, escapes in names and strings, literal or hexadecimal strings
// and the order of dictionary keys do not matter. Numbers are compared as
// written.
func canonical(dst []byte, v pdfValue) []byte {
	switch v.kind {
	case pdfNull:
		return append(dst, 'z')
	case pdfBool, pdfNumber:
		dst = append(dst, 'b')
		return appendLenString(dst, v.str)
	case pdfName:
		dst = append(dst, '/')
		return appendLenString(dst, v.str)
	case pdfString:
		dst = append(dst, 's')
		return appendLenString(dst, v.str)
	case pdfRef:
		dst = append(dst, 'r')
		dst = appendLenString(dst, strconv.Itoa(v.num))
		return appendLenString(dst, strconv.Itoa(v.gen))
	case pdfArray:
		dst = append(dst, '[')
		for _, it := range v.items {
			dst = canonical(dst, it)
		}
		return append(dst, ']')
	case pdfDict:
		entries := slices.Clone(v.entries)
		slices.SortFunc(entries, func(a, b pdfEntry) int { return strings.Compare(a.key, b.key) })
		dst = append(dst, '<')
		for _, e := range entries {
			dst = appendLenString(dst, e.key)
			dst = canonical(dst, e.val)
		}
		return append(dst, '>')
	}
	return dst
}

// appendLenString appends s prefixed by its length, so that no two
// sequences of strings serialise alike.
func appendLenString(dst []byte, s string) []byte {
	dst = append(dst, strconv.Itoa(len(s))...)
	dst = append(dst, ':')
	return append(dst, s...)
}

// without returns dictionary d without the entry key.
func without(d pdfValue, key string) pdfValue {
	out := d
	out.entries = nil
	for _, e := range d.entries {
		if e.key != key {
			out.entries = append(out.entries, e)
		}
	}
	return out
}

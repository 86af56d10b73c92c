package pades

import (
	"bytes"
	"errors"
	"fmt"
)

// Limits that bound the reader on any input.
const (
	maxDepth      = 32      // nesting of arrays and dictionaries
	maxSections   = 512     // xref sections followed through /Prev
	maxObjectNum  = 8388607 // PDF's implementation limit on object numbers
	maxPageDepth  = 32      // levels of the page tree walked to page 1
	maxFields     = 10000   // top-level form fields read for name clashes
	xrefEntrySize = 20      // a classic xref entry, end of line included
	tailWindow    = 1024    // where startxref and %%EOF are looked for
)

// A span is a half-open byte range [s, e) of the document.
type span struct{ s, e int }

// kind classifies a parsed value.
type kind uint8

const (
	kNone kind = iota
	kDict
	kArray
	kName
	kString // literal (...)
	kHex    // hex <...>
	kNumber
	kRef
	kBool
	kNull
)

// entry is one top-level key/value pair of a dictionary; key includes the
// leading slash.
type entry struct {
	key, val span
	k        kind
}

// ref is an indirect reference.
type ref struct{ num, gen int }

// subsection is one run of a classic xref table: entries for objects
// first..first+count-1, the first of them at byte off.
type subsection struct{ first, count, off int }

// doc is what the writer knows about a PDF: its bytes, its xref
// subsections (newest section first) and the fields of its newest trailer.
// Nothing else is parsed.
type doc struct {
	b         []byte
	subs      []subsection
	startxref int    // offset of the newest xref section
	size      int    // /Size of the newest trailer
	root      ref    // /Root
	info      span   // raw /Info value; empty if none
	id        []span // raw /ID elements, 0 or 2
}

func isWS(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// skipWS skips white space and comments.
func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch c := b[i]; {
		case isWS(c):
			i++
		case c == '%':
			for i < len(b) && b[i] != '\n' && b[i] != '\r' {
				i++
			}
		default:
			return i
		}
	}
	return i
}

// parseUint reads a non-negative decimal integer at i; it fails on an
// empty or oversized number.
func parseUint(b []byte, i int) (n, end int, err error) {
	start := i
	for i < len(b) && isDigit(b[i]) {
		if i-start >= 12 {
			return 0, i, errors.New("number too large")
		}
		n = n*10 + int(b[i]-'0')
		i++
	}
	if i == start {
		return 0, i, errors.New("number expected")
	}
	return n, i, nil
}

// hasKeyword reports whether b[i:] starts with keyword kw followed by a
// delimiter, white space or the end of the data.
func hasKeyword(b []byte, i int, kw string) bool {
	if !bytes.HasPrefix(b[i:], []byte(kw)) {
		return false
	}
	j := i + len(kw)
	return j == len(b) || isWS(b[j]) || isDelim(b[j])
}

// parseValue parses the value starting at or after i (white space and
// comments are skipped) and returns its span and kind.
func parseValue(b []byte, i, depth int) (span, kind, error) {
	if depth > maxDepth {
		return span{}, kNone, errors.New("objects nested too deeply")
	}
	i = skipWS(b, i)
	if i >= len(b) {
		return span{}, kNone, errors.New("unexpected end of data")
	}
	s := i
	switch c := b[i]; {
	case c == '<' && i+1 < len(b) && b[i+1] == '<':
		end, err := scanDict(b, i, depth, nil)
		return span{s, end}, kDict, err
	case c == '<':
		for i++; i < len(b); i++ {
			switch c := b[i]; {
			case c == '>':
				return span{s, i + 1}, kHex, nil
			case isWS(c) || isHex(c):
			default:
				return span{}, kNone, errors.New("bad hex string")
			}
		}
		return span{}, kNone, errors.New("unterminated hex string")
	case c == '(':
		nest := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '\\':
				i++
			case '(':
				nest++
			case ')':
				nest--
				if nest == 0 {
					return span{s, i + 1}, kString, nil
				}
			}
		}
		return span{}, kNone, errors.New("unterminated string")
	case c == '[':
		for i++; ; {
			i = skipWS(b, i)
			if i >= len(b) {
				return span{}, kNone, errors.New("unterminated array")
			}
			if b[i] == ']' {
				return span{s, i + 1}, kArray, nil
			}
			v, _, err := parseValue(b, i, depth+1)
			if err != nil {
				return span{}, kNone, err
			}
			i = v.e
		}
	case c == '/':
		for i++; i < len(b) && !isWS(b[i]) && !isDelim(b[i]); i++ {
		}
		return span{s, i}, kName, nil
	case isDigit(c):
		// An unsigned integer may start a reference "num gen R".
		_, end, err := parseUint(b, i)
		if err == nil && (end == len(b) || b[end] != '.') {
			j := skipWS(b, end)
			if _, gEnd, err := parseUint(b, j); err == nil && j > end {
				k := skipWS(b, gEnd)
				if k > gEnd && k < len(b) && b[k] == 'R' && hasKeyword(b, k, "R") {
					return span{s, k + 1}, kRef, nil
				}
			}
		}
		fallthrough
	case c == '+' || c == '-' || c == '.':
		i++
		for i < len(b) && (isDigit(b[i]) || b[i] == '.') {
			i++
		}
		if i < len(b) && !isWS(b[i]) && !isDelim(b[i]) {
			return span{}, kNone, errors.New("bad number")
		}
		return span{s, i}, kNumber, nil
	case hasKeyword(b, i, "true"):
		return span{s, i + 4}, kBool, nil
	case hasKeyword(b, i, "false"):
		return span{s, i + 5}, kBool, nil
	case hasKeyword(b, i, "null"):
		return span{s, i + 4}, kNull, nil
	}
	return span{}, kNone, fmt.Errorf("unexpected %q at offset %d", b[i], i)
}

func isHex(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// scanDict parses the dictionary at i ("<<"), appending its top-level
// entries to *out when out is not nil, and returns the offset after ">>".
func scanDict(b []byte, i, depth int, out *[]entry) (int, error) {
	for i += 2; ; {
		i = skipWS(b, i)
		if i+1 < len(b) && b[i] == '>' && b[i+1] == '>' {
			return i + 2, nil
		}
		if i >= len(b) {
			return 0, errors.New("unterminated dictionary")
		}
		key, k, err := parseValue(b, i, depth+1)
		if err != nil {
			return 0, err
		}
		if k != kName {
			return 0, fmt.Errorf("dictionary key expected at offset %d", key.s)
		}
		val, vk, err := parseValue(b, key.e, depth+1)
		if err != nil {
			return 0, err
		}
		if out != nil {
			*out = append(*out, entry{key: key, val: val, k: vk})
		}
		i = val.e
	}
}

// dict is a parsed dictionary: its span and top-level entries.
type dict struct {
	b       []byte
	sp      span
	entries []entry
}

// parseDict parses the dictionary at sp.
func parseDict(b []byte, sp span) (dict, error) {
	d := dict{b: b, sp: sp, entries: make([]entry, 0, 12)}
	_, err := scanDict(b, sp.s, 0, &d.entries)
	return d, err
}

// nameIs reports whether the raw name (with its slash) is /want, decoding
// #xx escapes.
func nameIs(raw []byte, want string) bool {
	if len(raw) == 0 || raw[0] != '/' {
		return false
	}
	raw = raw[1:]
	j := 0
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '#' && i+2 < len(raw) && isHex(raw[i+1]) && isHex(raw[i+2]) {
			c = unhex(raw[i+1])<<4 | unhex(raw[i+2])
			i += 2
		}
		if j >= len(want) || want[j] != c {
			return false
		}
		j++
	}
	return j == len(want)
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// get returns the entry for key (without slash).
func (d dict) get(key string) (entry, bool) {
	for _, e := range d.entries {
		if nameIs(d.b[e.key.s:e.key.e], key) {
			return e, true
		}
	}
	return entry{}, false
}

// raw returns the bytes of sp.
func (d dict) raw(sp span) []byte { return d.b[sp.s:sp.e] }

// nameValue reports whether key holds the name /want.
func (d dict) nameValue(key, want string) bool {
	e, ok := d.get(key)
	return ok && e.k == kName && nameIs(d.raw(e.val), want)
}

// parseRef decodes "num gen R".
func parseRef(b []byte) (ref, error) {
	num, i, err := parseUint(b, 0)
	if err != nil {
		return ref{}, err
	}
	gen, _, err := parseUint(b, skipWS(b, i))
	if err != nil {
		return ref{}, err
	}
	if num == 0 || num > maxObjectNum || gen > 65535 {
		return ref{}, fmt.Errorf("bad object reference %q", b)
	}
	return ref{num, gen}, nil
}

// getRef returns the indirect reference stored under key.
func (d dict) getRef(key string) (ref, bool, error) {
	e, ok := d.get(key)
	if !ok {
		return ref{}, false, nil
	}
	if e.k != kRef {
		return ref{}, true, fmt.Errorf("/%s is not an indirect reference", key)
	}
	r, err := parseRef(d.raw(e.val))
	return r, true, err
}

// getInt returns the non-negative integer stored under key.
func (d dict) getInt(key string) (int, bool, error) {
	e, ok := d.get(key)
	if !ok {
		return 0, false, nil
	}
	n, end, err := parseUint(d.b, e.val.s)
	if err != nil || e.k != kNumber || end != e.val.e {
		return 0, true, fmt.Errorf("/%s is not a non-negative integer", key)
	}
	return n, true, nil
}

// arrayItems calls f for each element of the array at sp, in order.
func arrayItems(b []byte, sp span, f func(v span, k kind) error) error {
	if sp.e-sp.s < 2 || b[sp.s] != '[' || b[sp.e-1] != ']' {
		return errors.New("array expected")
	}
	for i := sp.s + 1; ; {
		i = skipWS(b, i)
		if i >= sp.e-1 {
			return nil
		}
		v, k, err := parseValue(b, i, 1)
		if err != nil {
			return err
		}
		if err := f(v, k); err != nil {
			return err
		}
		i = v.e
	}
}

// openDoc reads the trailer and xref sections of a classic-xref PDF.
func openDoc(b []byte) (*doc, error) {
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		return nil, errors.New("not a PDF: no %PDF- header at offset 0")
	}
	tail := b[max(0, len(b)-tailWindow):]
	eof := bytes.LastIndex(tail, []byte("%%EOF"))
	if eof < 0 {
		return nil, errors.New("no %%EOF marker at the end")
	}
	sx := bytes.LastIndex(tail[:eof], []byte("startxref"))
	if sx < 0 {
		return nil, errors.New("no startxref before the final %%EOF")
	}
	off, _, err := parseUint(tail, skipWS(tail, sx+len("startxref")))
	if err != nil {
		return nil, fmt.Errorf("startxref: %w", err)
	}
	d := &doc{b: b, startxref: off, subs: make([]subsection, 0, 8)}
	var seen [maxSections]int
	for n := 0; ; n++ {
		if n >= maxSections {
			return nil, errors.New("too many xref sections")
		}
		for _, o := range seen[:n] {
			if o == off {
				return nil, errors.New("xref /Prev chain loops")
			}
		}
		seen[n] = off
		trailer, err := d.readSection(off)
		if err != nil {
			return nil, fmt.Errorf("xref section at offset %d: %w", off, err)
		}
		if _, ok := trailer.get("Encrypt"); ok {
			return nil, errors.New("encrypted PDFs are not supported")
		}
		if _, ok := trailer.get("XRefStm"); ok {
			return nil, errors.New("hybrid files with cross-reference streams are not supported")
		}
		if n == 0 {
			if err := d.readTrailer(trailer); err != nil {
				return nil, err
			}
		}
		prev, ok, err := trailer.getInt("Prev")
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		off = prev
	}
	for _, s := range d.subs {
		if s.first+s.count > d.size {
			return nil, fmt.Errorf("xref entries up to object %d exceed /Size %d", s.first+s.count-1, d.size)
		}
	}
	return d, nil
}

// readSection parses the classic xref section at off, appends its
// subsections to d.subs and returns its trailer dictionary.
func (d *doc) readSection(off int) (dict, error) {
	b := d.b
	if off <= 0 || off >= len(b) {
		return dict{}, errors.New("offset outside the file")
	}
	if !hasKeyword(b, off, "xref") {
		if isDigit(b[off]) {
			return dict{}, errors.New("cross-reference streams are not supported (only classic xref tables)")
		}
		return dict{}, errors.New("no xref keyword")
	}
	i := off + len("xref")
	for {
		i = skipWS(b, i)
		if hasKeyword(b, i, "trailer") {
			break
		}
		first, end, err := parseUint(b, i)
		if err != nil {
			return dict{}, fmt.Errorf("subsection header: %w", err)
		}
		j := end
		for j < len(b) && b[j] == ' ' {
			j++
		}
		count, end, err := parseUint(b, j)
		if err != nil || j == end {
			return dict{}, errors.New("bad subsection header")
		}
		if first+count > maxObjectNum+1 || count > (len(b)-end)/xrefEntrySize {
			return dict{}, errors.New("subsection out of range")
		}
		// The header line ends with one end-of-line marker.
		for end < len(b) && b[end] == ' ' {
			end++
		}
		switch {
		case end+1 < len(b) && b[end] == '\r' && b[end+1] == '\n':
			end += 2
		case end < len(b) && (b[end] == '\n' || b[end] == '\r'):
			end++
		default:
			return dict{}, errors.New("bad subsection header line")
		}
		for k := 0; k < count; k++ {
			if _, _, _, err := parseEntry(b[end+k*xrefEntrySize:]); err != nil {
				return dict{}, fmt.Errorf("entry for object %d: %w", first+k, err)
			}
		}
		if count > 0 {
			d.subs = append(d.subs, subsection{first, count, end})
		}
		i = end + count*xrefEntrySize
	}
	sp, k, err := parseValue(b, i+len("trailer"), 0)
	if err != nil {
		return dict{}, fmt.Errorf("trailer: %w", err)
	}
	if k != kDict {
		return dict{}, errors.New("trailer is not a dictionary")
	}
	return parseDict(b, sp)
}

// parseEntry decodes a 20-byte xref entry "oooooooooo ggggg n\r\n".
func parseEntry(e []byte) (off, gen int, inUse bool, err error) {
	if len(e) < xrefEntrySize {
		return 0, 0, false, errors.New("truncated")
	}
	for i, c := range e[:18] {
		switch {
		case i == 10 || i == 16:
			if c != ' ' {
				return 0, 0, false, errors.New("malformed")
			}
		case i == 17:
			if c != 'n' && c != 'f' {
				return 0, 0, false, errors.New("malformed type")
			}
		case !isDigit(c):
			return 0, 0, false, errors.New("malformed")
		}
	}
	switch string(e[18:20]) {
	case " \r", " \n", "\r\n":
	default:
		return 0, 0, false, errors.New("malformed end of line")
	}
	for _, c := range e[:10] {
		off = off*10 + int(c-'0')
	}
	for _, c := range e[11:16] {
		gen = gen*10 + int(c-'0')
	}
	return off, gen, e[17] == 'n', nil
}

// readTrailer keeps what the writer copies from the newest trailer.
func (d *doc) readTrailer(t dict) error {
	size, ok, err := t.getInt("Size")
	if err != nil || !ok || size < 1 || size > maxObjectNum {
		return errors.New("trailer /Size missing or out of range")
	}
	d.size = size
	root, ok, err := t.getRef("Root")
	if err != nil || !ok {
		return errors.New("trailer /Root missing or not a reference")
	}
	d.root = root
	if e, ok := t.get("Info"); ok {
		if e.k != kRef {
			return errors.New("trailer /Info is not a reference")
		}
		d.info = e.val
	}
	if e, ok := t.get("ID"); ok {
		if e.k != kArray {
			return errors.New("trailer /ID is not an array")
		}
		err := arrayItems(d.b, e.val, func(v span, k kind) error {
			if k != kHex && k != kString {
				return errors.New("trailer /ID holds a non-string")
			}
			d.id = append(d.id, v)
			return nil
		})
		if err != nil || len(d.id) != 2 {
			return errors.New("trailer /ID is not an array of two strings")
		}
	}
	return nil
}

// lookup finds the newest xref entry for num.
func (d *doc) lookup(num int) (off, gen int, err error) {
	for _, s := range d.subs {
		if num < s.first || num >= s.first+s.count {
			continue
		}
		off, gen, inUse, err := parseEntry(d.b[s.off+(num-s.first)*xrefEntrySize:])
		if err != nil {
			return 0, 0, err
		}
		if !inUse {
			return 0, 0, fmt.Errorf("object %d is free", num)
		}
		return off, gen, nil
	}
	return 0, 0, fmt.Errorf("object %d is not in the xref table", num)
}

// object returns the span and kind of the value of indirect object r.
// Streams are refused: the writer only rewrites dictionaries and arrays.
func (d *doc) object(r ref) (span, kind, error) {
	if r.num >= d.size {
		return span{}, kNone, fmt.Errorf("object %d is beyond /Size", r.num)
	}
	off, gen, err := d.lookup(r.num)
	if err != nil {
		return span{}, kNone, err
	}
	if gen != r.gen {
		return span{}, kNone, fmt.Errorf("object %d: generation %d referenced, %d in xref", r.num, r.gen, gen)
	}
	b := d.b
	if off <= 0 || off >= len(b) {
		return span{}, kNone, fmt.Errorf("object %d: offset %d outside the file", r.num, off)
	}
	num, i, err := parseUint(b, off)
	if err != nil || num != r.num {
		return span{}, kNone, fmt.Errorf("object %d not found at offset %d", r.num, off)
	}
	g, i, err := parseUint(b, skipWS(b, i))
	if err != nil || g != gen {
		return span{}, kNone, fmt.Errorf("object %d: bad header at offset %d", r.num, off)
	}
	i = skipWS(b, i)
	if !hasKeyword(b, i, "obj") {
		return span{}, kNone, fmt.Errorf("object %d: no obj keyword at offset %d", r.num, off)
	}
	sp, k, err := parseValue(b, i+3, 0)
	if err != nil {
		return span{}, kNone, fmt.Errorf("object %d: %w", r.num, err)
	}
	i = skipWS(b, sp.e)
	switch {
	case hasKeyword(b, i, "endobj"):
		return sp, k, nil
	case hasKeyword(b, i, "stream"):
		return span{}, kNone, fmt.Errorf("object %d is a stream", r.num)
	}
	return span{}, kNone, fmt.Errorf("object %d: no endobj", r.num)
}

// dictObject reads indirect object r, which must be a dictionary.
func (d *doc) dictObject(r ref) (dict, error) {
	sp, k, err := d.object(r)
	if err != nil {
		return dict{}, err
	}
	if k != kDict {
		return dict{}, fmt.Errorf("object %d is not a dictionary", r.num)
	}
	return parseDict(d.b, sp)
}

// firstPage walks the page tree from the catalog's /Pages to page 1.
func (d *doc) firstPage(cat dict) (ref, dict, error) {
	r, ok, err := cat.getRef("Pages")
	if err != nil || !ok {
		return ref{}, dict{}, errors.New("catalog /Pages missing or not a reference")
	}
	for depth := 0; depth < maxPageDepth; depth++ {
		node, err := d.dictObject(r)
		if err != nil {
			return ref{}, dict{}, fmt.Errorf("page tree: %w", err)
		}
		if node.nameValue("Type", "Page") {
			return r, node, nil
		}
		if !node.nameValue("Type", "Pages") {
			return ref{}, dict{}, fmt.Errorf("page tree: object %d is neither /Page nor /Pages", r.num)
		}
		kids, ok := node.get("Kids")
		if !ok || kids.k != kArray {
			return ref{}, dict{}, fmt.Errorf("page tree: object %d has no /Kids array", r.num)
		}
		found := false
		err = arrayItems(d.b, kids.val, func(v span, k kind) error {
			if found {
				return nil
			}
			if k != kRef {
				return errors.New("page tree: /Kids holds a non-reference")
			}
			found = true
			r, err = parseRef(d.b[v.s:v.e])
			return err
		})
		if err != nil {
			return ref{}, dict{}, err
		}
		if !found {
			return ref{}, dict{}, errors.New("the document has no pages")
		}
	}
	return ref{}, dict{}, errors.New("page tree too deep")
}

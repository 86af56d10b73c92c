package templates

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"certa.example/certa/templates/i18n"
	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// The documents use a single-byte encoding: Windows-1252 (WinAnsiEncoding)
// with a /Differences array that puts 38 Central and Eastern European
// letters into slots that certificates never need. That keeps each font a
// simple TrueType font whose definition and subset program are built once
// per process, so a document costs no font parsing at all.
//
// extraSlots, extraRunes and extraNames pair up one to one.
//
// PDF/A-2 (ISO 19005-2, 6.2.11.6) lets a non-symbolic TrueType font carry
// a /Differences array only if every glyph name in it is listed in the
// Adobe Glyph List (glyphlist.txt; "uniXXXX" names are not listed) and the
// font has a (3,1) cmap. extraNames are those AGL names. The AGL has no
// name for Ț and ț (U+021A, U+021B): they take Tcommaaccent and
// tcommaaccent, which the AGL maps to U+0162 and U+0163, so the subset's
// cmap also maps U+0162 and U+0163 to the comma-below glyphs (see
// cmapAliases), and a /ToUnicode CMap gives text extraction the real code
// points.
var (
	extraSlots = []byte{
		0x7F, 0x81, 0x8D, 0x8F, 0x90, 0x9D, 0x83, 0x86, 0x87, 0x88,
		0x89, 0x8B, 0x98, 0x99, 0x9B, 0xA1, 0xA2, 0xA4, 0xA5, 0xA6,
		0xA8, 0xAA, 0xAC, 0xAD, 0xAF, 0xB1, 0xB2, 0xB3, 0xB4, 0xB5,
		0xB6, 0xB8, 0xB9, 0xBC, 0xBD, 0xBE, 0xBF, 0xF7,
	}
	extraRunes = []rune("ČčĆćŁłŃńŐőŰűȘșȚțŞşĞğİıŘřĚěĘęĄąŚśŹźŻżĐđ")
	extraNames = strings.Fields(`Ccaron ccaron Cacute cacute Lslash lslash
		Nacute nacute Ohungarumlaut ohungarumlaut Uhungarumlaut uhungarumlaut
		Scommaaccent scommaaccent Tcommaaccent tcommaaccent Scedilla scedilla
		Gbreve gbreve Idotaccent dotlessi Rcaron rcaron Ecaron ecaron
		Eogonek eogonek Aogonek aogonek Sacute sacute Zacute zacute
		Zdotaccent zdotaccent Dcroat dcroat`)
	// cmapAliases maps the AGL code point of an extraNames entry to the
	// letter it stands for, where the two differ.
	cmapAliases = map[rune]rune{0x0162: 'Ț', 0x0163: 'ț'}
)

// encoding maps a code point to its byte in the document encoding.
type encoding struct {
	toByte map[rune]byte
	toRune [256]rune
	diff   string // the /Differences array's contents (finish's /Encoding)
	cutset string // every rune the font must hold
	// base marks the bytes of the base runes (baseCutset): printable
	// ASCII, the Italian accented letters and every letter of the
	// Italian message catalogue. A document whose page contents use no
	// other byte embeds the smaller base font programs (pdfa.go).
	base       [256]bool
	baseCutset string
}

func newEncoding() *encoding {
	e := &encoding{toByte: make(map[rune]byte, 256)}
	for c := 32; c < 256; c++ {
		r := charmap.Windows1252.DecodeByte(byte(c))
		if r == unicode.ReplacementChar || (c >= 0x80 && c < 0xA0 && r == rune(c)) || c == 0x7F {
			continue
		}
		e.toRune[c] = r
	}
	var diff strings.Builder
	for i, slot := range extraSlots {
		e.toRune[slot] = extraRunes[i]
		fmt.Fprintf(&diff, "%d /%s ", slot, extraNames[i])
	}
	e.diff = strings.TrimSpace(diff.String())
	var cut strings.Builder
	for c := 32; c < 256; c++ {
		if r := e.toRune[c]; r != 0 {
			e.toByte[r] = byte(c)
			cut.WriteRune(r)
		}
	}
	e.cutset = cut.String()
	base := map[rune]bool{}
	for r := rune(0x20); r < 0x7F; r++ {
		base[r] = true
	}
	texts := []string{"àèéìòùÀÈÉÌÒÙ"}
	for _, key := range i18n.Keys() {
		if raw, ok := i18n.Raw(i18n.IT, key); ok {
			texts = append(texts, raw, strings.ToUpper(raw), strings.ToLower(raw))
		}
	}
	for _, t := range texts {
		for _, r := range t {
			if _, ok := e.toByte[r]; ok {
				base[r] = true
			}
		}
	}
	var baseCut strings.Builder
	for c := 32; c < 256; c++ {
		if r := e.toRune[c]; r != 0 && base[r] {
			e.base[c] = true
			baseCut.WriteRune(r)
		}
	}
	e.base['\n'], e.base['\r'] = true, true
	e.baseCutset = baseCut.String()
	return e
}

// encode converts UTF-8 text to the document encoding. Letters outside it
// lose their diacritics (NFD, marks dropped); anything else becomes '?'.
// ok reports whether the conversion was exact.
func (e *encoding) encode(s string) (out string, ok bool) {
	ok = true
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if c, found := e.toByte[r]; found {
			b = append(b, c)
			continue
		}
		ok = false
		fallback := byte('?')
		for _, d := range norm.NFD.String(string(r)) {
			if c, found := e.toByte[d]; found && d < 0x80 {
				fallback = c
				break
			}
		}
		b = append(b, fallback)
	}
	return string(b), ok
}

// fontDef is one font: what fpdf needs to lay text out with it, and the
// PDF objects that finish (pdfa.go) writes for it.
type fontDef struct {
	// register is the definition fpdf.AddFontFromBytes takes: a core font
	// named fpdfName with the widths. fpdf then writes a four-line font
	// dictionary and no widths, descriptor or program; finish replaces the
	// dictionary with the TrueType one and adds the objects built here
	// once per process.
	register []byte
	fpdfName string
	baseFont string // the subset's /BaseFont, "CERTAA+GoRegular"
	desc     fontDesc
	// z is the zlib-compressed font program, size its length (/Length1).
	z    []byte
	size int
	// zBase and sizeBase are the program reduced to the base glyphs
	// (encoding.base), for the documents that print no other letter.
	zBase    []byte
	sizeBase int
	// widths in 1/1000 em per byte code.
	widths [256]int
}

type fontDesc struct {
	Ascent, Descent, CapHeight, Flags int
	FontBBox                          struct{ Xmin, Ymin, Xmax, Ymax int }
	ItalicAngle, StemV, MissingWidth  int
}

// fpdfCoreFont is the JSON form of fpdf's font definition, with the fields
// a core font needs.
type fpdfCoreFont struct {
	Tp     string
	Name   string
	Up, Ut int
	Cw     []int
}

func buildFont(name string, ttf []byte, enc *encoding, bold bool) (*fontDef, error) {
	cut := fpdf.UTF8CutFont(ttf, enc.cutset)
	cf, err := sfnt.Parse(cut)
	if err != nil {
		return nil, fmt.Errorf("subset font %s: %w", name, err)
	}
	var buf sfnt.Buffer
	glyphs := make(map[rune]uint16, len(enc.toByte)+len(cmapAliases))
	for r := range enc.toByte {
		gi, err := cf.GlyphIndex(&buf, r)
		if err != nil || gi == 0 {
			return nil, fmt.Errorf("font %s lacks %U", name, r)
		}
		glyphs[r] = uint16(gi)
	}
	for alias, r := range cmapAliases {
		glyphs[alias] = glyphs[r]
	}
	sub, err := slimFont(cut, glyphs)
	if err != nil {
		return nil, fmt.Errorf("subset font %s: %w", name, err)
	}
	f, err := sfnt.Parse(sub)
	if err != nil {
		return nil, fmt.Errorf("subset font %s: %w", name, err)
	}
	upem := float64(f.UnitsPerEm())
	ppem := fixed.Int26_6(f.UnitsPerEm()) << 6
	scale := func(v fixed.Int26_6) int { return int(float64(v)/64*1000/upem + 0.5*sign(v)) }
	m, err := f.Metrics(&buf, ppem, 0)
	if err != nil {
		return nil, err
	}
	bounds, err := f.Bounds(&buf, ppem, 0)
	if err != nil {
		return nil, err
	}
	def := &fontDef{}
	cw := make([]int, 256)
	notdefAdv, _ := f.GlyphAdvance(&buf, 0, ppem, 0)
	missing := scale(notdefAdv)
	for c := 0; c < 256; c++ {
		cw[c] = missing
		r := enc.toRune[c]
		if r == 0 {
			continue
		}
		gi, err := f.GlyphIndex(&buf, r)
		if err != nil || gi == 0 {
			return nil, fmt.Errorf("font %s lacks %U", name, r)
		}
		adv, err := f.GlyphAdvance(&buf, gi, ppem, 0)
		if err != nil {
			return nil, err
		}
		cw[c] = scale(adv)
	}
	copy(def.widths[:], cw)
	stemV := 70
	if bold {
		stemV = 120
	}
	capHeight := scale(m.CapHeight)
	if capHeight == 0 {
		capHeight = scale(m.Ascent)
	}
	post, _ := f.Name(&buf, sfnt.NameIDPostScript)
	if post == "" {
		post = name
	}
	def.fpdfName = "certa-" + strings.ToLower(strings.TrimPrefix(name, "Go"))
	def.baseFont = "CERTAA+" + strings.ReplaceAll(post, " ", "")
	def.desc = fontDesc{
		Ascent:       scale(m.Ascent),
		Descent:      -scale(m.Descent),
		CapHeight:    capHeight,
		Flags:        1 << 5, // nonsymbolic
		FontBBox:     struct{ Xmin, Ymin, Xmax, Ymax int }{scale(bounds.Min.X), -scale(bounds.Max.Y), scale(bounds.Max.X), -scale(bounds.Min.Y)},
		StemV:        stemV,
		MissingWidth: missing,
	}
	js, err := json.Marshal(fpdfCoreFont{Tp: "Core", Name: def.fpdfName, Up: -100, Ut: 50, Cw: cw})
	if err != nil {
		return nil, err
	}
	z, err := compressFont(sub)
	if err != nil {
		return nil, err
	}
	def.register, def.z, def.size = js, z, len(sub)

	// The base program: the same glyphs for the base runes only.
	baseCut := fpdf.UTF8CutFont(ttf, enc.baseCutset)
	bf, err := sfnt.Parse(baseCut)
	if err != nil {
		return nil, fmt.Errorf("base subset of font %s: %w", name, err)
	}
	baseGlyphs := make(map[rune]uint16)
	for _, r := range enc.baseCutset {
		gi, err := bf.GlyphIndex(&buf, r)
		if err != nil || gi == 0 {
			return nil, fmt.Errorf("base subset of font %s lacks %U", name, r)
		}
		baseGlyphs[r] = uint16(gi)
	}
	baseSub, err := slimFont(baseCut, baseGlyphs)
	if err != nil {
		return nil, fmt.Errorf("base subset of font %s: %w", name, err)
	}
	if def.zBase, err = compressFont(baseSub); err != nil {
		return nil, err
	}
	def.sizeBase = len(baseSub)
	return def, nil
}

func compressFont(program []byte) ([]byte, error) {
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zw.Write(program)
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return z.Bytes(), nil
}

func sign(v fixed.Int26_6) float64 {
	if v < 0 {
		return -1
	}
	return 1
}

// fontSet is the process-wide, immutable font data shared by all documents.
type fontSet struct {
	enc     *encoding
	regular *fontDef
	bold    *fontDef
}

func newFontSet() (*fontSet, error) {
	enc := newEncoding()
	reg, err := buildFont("GoRegular", goregular.TTF, enc, false)
	if err != nil {
		return nil, err
	}
	bold, err := buildFont("GoBold", gobold.TTF, enc, true)
	if err != nil {
		return nil, err
	}
	return &fontSet{enc: enc, regular: reg, bold: bold}, nil
}

// register adds the fonts to one document: fpdf decodes two small JSON
// definitions; no font is parsed and no program copied.
func (fs *fontSet) register(pdf *fpdf.Fpdf) {
	pdf.AddFontFromBytes(fontFamily, "", fs.regular.register, nil)
	pdf.AddFontFromBytes(fontFamily, "B", fs.bold.register, nil)
}

const fontFamily = "certa"

// slimFont rewrites a TrueType subset for embedding: it drops the hinting
// (the glyph instructions and the fpgm, prep, cvt and gasp tables that
// serve them, and the hdmx, LTSH and VDMX tables computed from them), keeps
// only the Windows Unicode records of the name table that identify the font
// and carry its copyright and licence, and replaces the cmap with a single
// (3,1) format 4 subtable built from glyphs. Outlines, metrics and glyph
// order are untouched. The ttfautohint instructions are half of the Go
// fonts' glyph data; PDF viewers either ignore them or hint by themselves.
// It runs once per process.
func slimFont(font []byte, glyphs map[rune]uint16) ([]byte, error) {
	tables, err := sfntTables(font)
	if err != nil {
		return nil, err
	}
	head, maxp := tables["head"], tables["maxp"]
	loca, glyf := tables["loca"], tables["glyf"]
	if len(head) < 54 || len(maxp) < 6 || loca == nil || glyf == nil {
		return nil, errors.New("font lacks head, maxp, loca or glyf")
	}
	head = bytes.Clone(head)
	maxp = bytes.Clone(maxp)
	numGlyphs := int(be16(maxp[4:]))
	long := be16(head[50:]) != 0
	offs := make([]int, numGlyphs+1)
	for i := range offs {
		switch {
		case long && len(loca) >= 4*(i+1):
			offs[i] = int(be32(loca[4*i:]))
		case !long && len(loca) >= 2*(i+1):
			offs[i] = 2 * int(be16(loca[2*i:]))
		default:
			return nil, errors.New("loca table too short")
		}
		if offs[i] > len(glyf) || (i > 0 && offs[i] < offs[i-1]) {
			return nil, errors.New("loca offsets out of order")
		}
	}
	newGlyf := make([]byte, 0, len(glyf))
	newOffs := make([]int, numGlyphs+1)
	for i := 0; i < numGlyphs; i++ {
		newOffs[i] = len(newGlyf)
		newGlyf, err = appendUnhinted(newGlyf, glyf[offs[i]:offs[i+1]])
		if err != nil {
			return nil, fmt.Errorf("glyph %d: %w", i, err)
		}
		for len(newGlyf)%4 != 0 {
			newGlyf = append(newGlyf, 0)
		}
	}
	newOffs[numGlyphs] = len(newGlyf)
	if !long && newOffs[numGlyphs] > 2*0xFFFF {
		long = true
		head[50], head[51] = 0, 1
	}
	var newLoca []byte
	for _, o := range newOffs {
		if long {
			newLoca = binary.BigEndian.AppendUint32(newLoca, uint32(o))
		} else {
			newLoca = binary.BigEndian.AppendUint16(newLoca, uint16(o/2))
		}
	}
	if be32(maxp) == 0x00010000 && len(maxp) >= 32 {
		// No twilight zone, storage, functions or instructions any more.
		binary.BigEndian.PutUint16(maxp[14:], 1)
		clear(maxp[16:28])
	}
	cmap, err := cmapTable(glyphs)
	if err != nil {
		return nil, err
	}
	name, err := slimNameTable(tables["name"])
	if err != nil {
		return nil, err
	}
	for _, tag := range []string{"fpgm", "prep", "cvt ", "gasp", "hdmx", "LTSH", "VDMX"} {
		delete(tables, tag)
	}
	tables["head"], tables["maxp"], tables["loca"], tables["glyf"] = head, maxp, newLoca, newGlyf
	tables["cmap"], tables["name"] = cmap, name
	return assembleSfnt(tables), nil
}

func be16(b []byte) uint16 { return binary.BigEndian.Uint16(b) }
func be32(b []byte) uint32 { return binary.BigEndian.Uint32(b) }

// sfntTables reads the table directory of a TrueType font.
func sfntTables(font []byte) (map[string][]byte, error) {
	if len(font) < 12 || be32(font) != 0x00010000 {
		return nil, errors.New("not a TrueType font")
	}
	n := int(be16(font[4:]))
	if len(font) < 12+16*n {
		return nil, errors.New("truncated table directory")
	}
	tables := make(map[string][]byte, n)
	for i := 0; i < n; i++ {
		rec := font[12+16*i:]
		off, l := int(be32(rec[8:])), int(be32(rec[12:]))
		if off < 0 || l < 0 || off > len(font) || l > len(font)-off {
			return nil, fmt.Errorf("table %q outside the font", rec[:4])
		}
		tables[string(rec[:4])] = font[off : off+l]
	}
	return tables, nil
}

// Composite glyph flags (TrueType 'glyf').
const (
	argsAreWords   = 0x0001
	haveScale      = 0x0008
	moreComponents = 0x0020
	haveXYScale    = 0x0040
	haveTwoByTwo   = 0x0080
	haveInstrs     = 0x0100
)

// appendUnhinted appends glyph description g without its instructions.
func appendUnhinted(dst, g []byte) ([]byte, error) {
	if len(g) == 0 {
		return dst, nil // an empty glyph, such as the space
	}
	if len(g) < 10 {
		return nil, errors.New("truncated glyph header")
	}
	if contours := int16(be16(g)); contours >= 0 {
		p := 10 + 2*int(contours)
		if len(g) < p+2 {
			return nil, errors.New("truncated simple glyph")
		}
		q := p + 2 + int(be16(g[p:]))
		if len(g) < q {
			return nil, errors.New("truncated glyph instructions")
		}
		end, err := simpleGlyphEnd(g, p, q)
		if err != nil {
			return nil, err
		}
		dst = append(dst, g[:p]...)
		dst = append(dst, 0, 0) // instructionLength
		return append(dst, g[q:end]...), nil
	}
	dst = append(dst, g[:10]...)
	p := 10
	for {
		if len(g) < p+4 {
			return nil, errors.New("truncated composite glyph")
		}
		flags := be16(g[p:])
		n := 4
		if flags&argsAreWords != 0 {
			n += 4
		} else {
			n += 2
		}
		switch {
		case flags&haveScale != 0:
			n += 2
		case flags&haveXYScale != 0:
			n += 4
		case flags&haveTwoByTwo != 0:
			n += 8
		}
		if len(g) < p+n {
			return nil, errors.New("truncated composite glyph")
		}
		dst = append(dst, g[p:p+n]...)
		binary.BigEndian.PutUint16(dst[len(dst)-n:], flags&^haveInstrs)
		p += n
		if flags&moreComponents == 0 {
			return dst, nil // the instructions that may follow are dropped
		}
	}
}

// simpleGlyphEnd returns where the flags and coordinates of the simple
// glyph g end: g[p-2:p] is the last end point index and q is where its
// flags start. What follows is padding.
func simpleGlyphEnd(g []byte, p, q int) (int, error) {
	points := 0
	if p > 10 {
		points = int(be16(g[p-2:])) + 1
	}
	xLen, yLen := 0, 0
	for i := 0; i < points; {
		if q >= len(g) {
			return 0, errors.New("truncated glyph flags")
		}
		flag := g[q]
		q++
		repeat := 1
		if flag&0x08 != 0 { // REPEAT_FLAG
			if q >= len(g) {
				return 0, errors.New("truncated glyph flags")
			}
			repeat += int(g[q])
			q++
		}
		switch {
		case flag&0x02 != 0: // X_SHORT_VECTOR
			xLen += repeat
		case flag&0x10 == 0: // not X_IS_SAME
			xLen += 2 * repeat
		}
		switch {
		case flag&0x04 != 0: // Y_SHORT_VECTOR
			yLen += repeat
		case flag&0x20 == 0: // not Y_IS_SAME
			yLen += 2 * repeat
		}
		i += repeat
	}
	if end := q + xLen + yLen; end <= len(g) {
		return end, nil
	}
	return 0, errors.New("truncated glyph coordinates")
}

// cmapTable builds a cmap table with one (3,1) format 4 subtable.
func cmapTable(glyphs map[rune]uint16) ([]byte, error) {
	codes := make([]rune, 0, len(glyphs))
	for r := range glyphs {
		if r < 0 || r >= 0xFFFF {
			return nil, fmt.Errorf("%U is outside the BMP", r)
		}
		codes = append(codes, r)
	}
	slices.Sort(codes)
	// Runs of consecutive code points; a run whose glyphs are consecutive
	// too uses idDelta, the others index glyphIdArray.
	type segment struct {
		start, end rune
		gids       []uint16 // nil when idDelta maps the run
	}
	var segs []segment
	for i := 0; i < len(codes); {
		j := i + 1
		for j < len(codes) && codes[j] == codes[j-1]+1 {
			j++
		}
		s := segment{start: codes[i], end: codes[j-1]}
		for k := i + 1; k < j; k++ {
			if int(glyphs[codes[k]])-int(codes[k]) != int(glyphs[codes[i]])-int(codes[i]) {
				s.gids = make([]uint16, 0, j-i)
				for _, c := range codes[i:j] {
					s.gids = append(s.gids, glyphs[c])
				}
				break
			}
		}
		segs = append(segs, s)
		i = j
	}
	segs = append(segs, segment{start: 0xFFFF, end: 0xFFFF})
	n := len(segs)
	searchRange, entrySelector := 2, 0
	for searchRange*2 <= 2*n {
		searchRange *= 2
		entrySelector++
	}
	var glyphIDs []uint16
	var end, start, delta, rangeOff []uint16
	for i, s := range segs {
		end = append(end, uint16(s.end))
		start = append(start, uint16(s.start))
		switch {
		case s.gids != nil:
			delta = append(delta, 0)
			rangeOff = append(rangeOff, uint16(2*(n-i)+2*len(glyphIDs)))
			glyphIDs = append(glyphIDs, s.gids...)
		case s.start == 0xFFFF:
			delta = append(delta, 1)
			rangeOff = append(rangeOff, 0)
		default:
			delta = append(delta, uint16(int(glyphs[s.start])-int(s.start)))
			rangeOff = append(rangeOff, 0)
		}
	}
	length := 16 + 8*n + 2*len(glyphIDs)
	if length > 0xFFFF {
		return nil, errors.New("cmap subtable too large")
	}
	b := make([]byte, 0, 12+length)
	for _, v := range []uint16{0, 1, 3, 1} { // version, numTables, platform, encoding
		b = binary.BigEndian.AppendUint16(b, v)
	}
	b = binary.BigEndian.AppendUint32(b, 12)
	for _, v := range []uint16{4, uint16(length), 0, uint16(2 * n), uint16(searchRange), uint16(entrySelector), uint16(2*n - searchRange)} {
		b = binary.BigEndian.AppendUint16(b, v)
	}
	for _, arr := range [][]uint16{end, {0}, start, delta, rangeOff, glyphIDs} {
		for _, v := range arr {
			b = binary.BigEndian.AppendUint16(b, v)
		}
	}
	return b, nil
}

// slimNameTable keeps the Windows Unicode (3,1) records that name the font
// (IDs 1-6) and carry its copyright and licence (0, 13, 14): the Go fonts'
// licence asks that binary redistributions reproduce them.
func slimNameTable(t []byte) ([]byte, error) {
	if len(t) < 6 {
		return nil, errors.New("name table missing or truncated")
	}
	count, storage := int(be16(t[2:])), int(be16(t[4:]))
	if len(t) < 6+12*count || storage > len(t) {
		return nil, errors.New("name table truncated")
	}
	var recs, strs []byte
	kept := 0
	for i := 0; i < count; i++ {
		r := t[6+12*i:]
		platform, enc, id := be16(r), be16(r[2:]), be16(r[6:])
		if platform != 3 || enc != 1 || (id > 6 && id != 13 && id != 14) {
			continue
		}
		l, off := int(be16(r[8:])), storage+int(be16(r[10:]))
		if off+l > len(t) {
			return nil, errors.New("name record outside the table")
		}
		recs = append(recs, r[:8]...)
		recs = binary.BigEndian.AppendUint16(recs, uint16(l))
		recs = binary.BigEndian.AppendUint16(recs, uint16(len(strs)))
		strs = append(strs, t[off:off+l]...)
		kept++
	}
	if kept == 0 {
		return nil, errors.New("name table has no Windows Unicode records")
	}
	b := binary.BigEndian.AppendUint16(nil, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(kept))
	b = binary.BigEndian.AppendUint16(b, uint16(6+len(recs)))
	return append(append(b, recs...), strs...), nil
}

// assembleSfnt writes a TrueType font from its tables, with the table
// directory sorted by tag, each table 4-byte aligned and checksummed, and
// head's checkSumAdjustment set.
func assembleSfnt(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	size := 12 + 16*len(tables)
	for tag, t := range tables {
		tags = append(tags, tag)
		size += (len(t) + 3) &^ 3
	}
	slices.Sort(tags)
	n := len(tags)
	searchRange, entrySelector := 1, 0
	for searchRange*2 <= n {
		searchRange *= 2
		entrySelector++
	}
	out := make([]byte, 12+16*n, size)
	binary.BigEndian.PutUint32(out, 0x00010000)
	binary.BigEndian.PutUint16(out[4:], uint16(n))
	binary.BigEndian.PutUint16(out[6:], uint16(16*searchRange))
	binary.BigEndian.PutUint16(out[8:], uint16(entrySelector))
	binary.BigEndian.PutUint16(out[10:], uint16(16*(n-searchRange)))
	headOff := -1
	for i, tag := range tags {
		t := tables[tag]
		off := len(out)
		out = append(out, t...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
		if tag == "head" {
			headOff = off
			clear(out[off+8 : off+12]) // checkSumAdjustment
		}
		rec := out[12+16*i:]
		copy(rec, tag)
		binary.BigEndian.PutUint32(rec[4:], sfntChecksum(out[off:]))
		binary.BigEndian.PutUint32(rec[8:], uint32(off))
		binary.BigEndian.PutUint32(rec[12:], uint32(len(t)))
	}
	if headOff >= 0 {
		binary.BigEndian.PutUint32(out[headOff+8:], 0xB1B0AFBA-sfntChecksum(out))
	}
	return out
}

// sfntChecksum sums b as big-endian uint32s, zero-padded.
func sfntChecksum(b []byte) uint32 {
	var sum uint32
	for len(b) >= 4 {
		sum += be32(b)
		b = b[4:]
	}
	var last [4]byte
	copy(last[:], b)
	return sum + be32(last[:])
}

// toUnicodeCMap returns a ToUnicode CMap for the document encoding, shared
// by both fonts. Text extraction needs it for Ț and ț, whose glyph names
// say U+0162 and U+0163 (see extraNames); it maps every code, so no reader
// has to fall back on glyph names.
func (e *encoding) toUnicodeCMap() []byte {
	var ranges, chars []string
	for c := 0; c < 256; {
		r := e.toRune[c]
		if r == 0 {
			c++
			continue
		}
		j := c + 1
		for j < 256 && e.toRune[j] == r+rune(j-c) && (r+rune(j-c))&0xFF != 0 {
			j++
		}
		if j-c > 1 {
			ranges = append(ranges, fmt.Sprintf("<%02X> <%02X> <%04X>", c, j-1, r))
		} else {
			chars = append(chars, fmt.Sprintf("<%02X> <%04X>", c, r))
		}
		c = j
	}
	var b strings.Builder
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<00> <FF>\nendcodespacerange\n")
	for _, blk := range []struct {
		op    string
		lines []string
	}{{"bfrange", ranges}, {"bfchar", chars}} {
		for len(blk.lines) > 0 {
			n := min(len(blk.lines), 100) // at most 100 entries per block
			fmt.Fprintf(&b, "%d begin%s\n%s\nend%s\n", n, blk.op, strings.Join(blk.lines[:n], "\n"), blk.op)
			blk.lines = blk.lines[n:]
		}
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	return []byte(b.String())
}

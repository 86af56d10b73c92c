package templates

import (
	"bytes"
	"compress/zlib"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

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
// extraSlots and extraRunes pair up one to one.
var (
	extraSlots = []byte{
		0x7F, 0x81, 0x8D, 0x8F, 0x90, 0x9D, 0x83, 0x86, 0x87, 0x88,
		0x89, 0x8B, 0x98, 0x99, 0x9B, 0xA1, 0xA2, 0xA4, 0xA5, 0xA6,
		0xA8, 0xAA, 0xAC, 0xAD, 0xAF, 0xB1, 0xB2, 0xB3, 0xB4, 0xB5,
		0xB6, 0xB8, 0xB9, 0xBC, 0xBD, 0xBE, 0xBF, 0xF7,
	}
	extraRunes = []rune("ČčĆćŁłŃńŐőŰűȘșȚțŞşĞğİıŘřĚěĘęĄąŚśŹźŻżĐđ")
)

// encoding maps a code point to its byte in the document encoding.
type encoding struct {
	toByte map[rune]byte
	toRune [256]rune
	diff   string // fpdf Differences string
	cutset string // every rune the font must hold
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
		fmt.Fprintf(&diff, "%d /uni%04X ", slot, extraRunes[i])
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

// fontDef is what fpdf.AddFontFromBytes takes: a JSON definition and the
// zlib-compressed font program.
type fontDef struct {
	json []byte
	z    []byte
	// widths in 1/1000 em per byte code, for layout without fpdf.
	widths [256]int
}

type fontDescJSON struct {
	Ascent, Descent, CapHeight, Flags int
	FontBBox                          struct{ Xmin, Ymin, Xmax, Ymax int }
	ItalicAngle, StemV, MissingWidth  int
}

// fontDefJSON mirrors fpdf's fontDefType JSON form.
type fontDefJSON struct {
	Tp           string
	Name         string
	Desc         fontDescJSON
	Up           int
	Ut           int
	Cw           []int
	Enc          string
	Diff         string
	File         string
	OriginalSize int
}

func buildFont(name string, ttf []byte, enc *encoding, bold bool) (*fontDef, error) {
	sub := fpdf.UTF8CutFont(ttf, enc.cutset)
	f, err := sfnt.Parse(sub)
	if err != nil {
		return nil, fmt.Errorf("subset font %s: %w", name, err)
	}
	var buf sfnt.Buffer
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
	js, err := json.Marshal(fontDefJSON{
		Tp:   "TrueType",
		Name: "CERTAA+" + strings.ReplaceAll(post, " ", ""),
		Desc: fontDescJSON{
			Ascent:       scale(m.Ascent),
			Descent:      -scale(m.Descent),
			CapHeight:    capHeight,
			Flags:        1 << 5, // nonsymbolic
			FontBBox:     struct{ Xmin, Ymin, Xmax, Ymax int }{scale(bounds.Min.X), -scale(bounds.Max.Y), scale(bounds.Max.X), -scale(bounds.Min.Y)},
			StemV:        stemV,
			MissingWidth: missing,
		},
		Up:           -100,
		Ut:           50,
		Cw:           cw,
		Enc:          "cp1252",
		Diff:         enc.diff,
		File:         name + ".z",
		OriginalSize: len(sub),
	})
	if err != nil {
		return nil, err
	}
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zw.Write(sub)
	if err := zw.Close(); err != nil {
		return nil, err
	}
	def.json, def.z = js, z.Bytes()
	return def, nil
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

// register adds the fonts to one document: a JSON decode, no font parsing.
func (fs *fontSet) register(pdf *fpdf.Fpdf) {
	pdf.AddFontFromBytes(fontFamily, "", fs.regular.json, fs.regular.z)
	pdf.AddFontFromBytes(fontFamily, "B", fs.bold.json, fs.bold.z)
}

const fontFamily = "certa"

package templates

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	kzlib "github.com/klauspost/compress/zlib"

	"certa.example/certa/templates/i18n"
)

// PDF/A-2b.
//
// Every document is PDF/A-2b (ISO 19005-2, level B: reliable visual
// appearance). Part 2 rather than part 3: the only difference is that
// PDF/A-3 may embed arbitrary files, which certificates never carry, and
// PDF/A-2 is the part that archives and validators accept most widely.
//
// fpdf writes the pages and resources; finish then rewrites its
// output without parsing the objects: it reads fpdf's own xref table (one
// line per object), checks each object's header, and copies the objects
// in file order into the final buffer, with these changes:
//
//   - the header says %PDF-1.7 (PDF/A-2 is based on ISO 32000-1); fpdf's
//     binary comment line stays;
//   - page content streams, which fpdf leaves uncompressed (its own
//     compression allocates a new zlib writer per page, doubling the
//     render time), are compressed with a pooled writer at BestSpeed:
//     about 10 KB become 3 KB; DefaultCompression saves 300 more bytes
//     for a quarter more render time;
//   - fpdf knows the fonts as core fonts with certa's widths (see
//     fontSet.register), so it writes only a four-line dictionary for
//     each; finish replaces it with the simple TrueType font dictionary
//     and adds the widths, descriptor, program, encoding (WinAnsi with
//     /Differences, see font.go) and /ToUnicode objects, all built once
//     per process: fpdf would print 2 x 224 widths with Sprintf and copy
//     each program four times per document;
//   - fpdf's Info dictionary and catalog are replaced: the Info dictionary
//     carries the same title, author, keywords, producer, creator and dates
//     as the XMP packet, with explicit time zones; the catalog has /Lang,
//     /Metadata (the XMP packet, uncompressed as PDF/A requires) and an
//     sRGB /OutputIntents entry (S /GTS_PDFA1, an ICC profile with /N 3)
//     for the DeviceRGB and DeviceGray colours fpdf uses;
//   - a new xref table, and a trailer with /ID: twice the first 16 bytes of
//     the SHA-256 of the page contents and the Info dictionary, which holds
//     the verification code, so the same Document gives the same bytes.
//
//   - the QR code's link annotation gets /F 4 (printable), as PDF/A-2
//     requires of every annotation.
//
// fpdf's AddOutputIntent is not used: in v0.12.0 it makes the trailer's
// /Info point at the ICC stream, compresses the profile for every document
// and, as it raises the version to 1.4, adds a transparency group to every
// page. fpdf writes no JavaScript, encryption, transparency or annotations
// other than the QR code's link here; pdfa_test.go checks each requirement with qpdf (and PDFBox
// Preflight where installed).
//
// Signing (signer/pades) appends an incremental update that keeps the
// catalog's entries and the first /ID element, so the PDF/A parts survive
// it; its invisible signature widget, though, has no /AP, which PDF/A-2
// 6.3.3 requires of every widget (an empty form XObject will do).

// pdfaParts are the PDF/A objects that depend on nothing in the document,
// built once per process.
type pdfaParts struct {
	icc       []byte // ICC stream object body, from "<<" to "endobj\n"
	toUnicode []byte // ToUnicode CMap stream object body
	encoding  []byte // the fonts' /Encoding dictionary object body
	fonts     [2]fontObjects
	// fpdfFonts maps the font dictionary fpdf writes for a font (see
	// fontSet.register) to its index in fonts.
	fpdfFonts map[string]int
	fixedLen  int // of the objects above, with the full programs
	base      *[256]bool
	// shared are the objects above that every document repeats, in the
	// order finish reports where they are (sharedAt).
	shared [][]byte
}

// The indexes of the shared parts: icc, toUnicode, encoding, then per font
// its widths, program and base program.
const (
	sharedICC = iota
	sharedToUnicode
	sharedEncoding
	sharedFonts
)

func sharedWidths(font int) int      { return sharedFonts + 3*font }
func sharedProgram(font int) int     { return sharedFonts + 3*font + 1 }
func sharedBaseProgram(font int) int { return sharedFonts + 3*font + 2 }

// fontObjects are the objects of one font, up to the object numbers that
// finish fills in.
type fontObjects struct {
	dict        []byte // font dictionary body, up to its /Widths reference
	widths      []byte // the /Widths array object body
	desc        []byte // font descriptor body, up to its /FontFile2 reference
	program     []byte // font program stream object bodies: full and base
	baseProgram []byte
}

func newPDFAParts(fs *fontSet) (*pdfaParts, error) {
	enc := fs.enc
	icc, err := streamObject("/N 3 ", srgbProfile())
	if err != nil {
		return nil, err
	}
	tu, err := streamObject("", enc.toUnicodeCMap())
	if err != nil {
		return nil, err
	}
	p := &pdfaParts{icc: icc, toUnicode: tu, fpdfFonts: map[string]int{}, base: &enc.base}
	p.encoding = fmt.Appendf(nil, "<</Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences [%s]>>\nendobj\n", enc.diff)
	p.fixedLen = len(icc) + len(tu) + len(p.encoding)
	for i, def := range []*fontDef{fs.regular, fs.bold} {
		p.fonts[i] = newFontObjects(def)
		p.fpdfFonts["<</Type /Font\n/BaseFont /"+def.fpdfName+"\n/Subtype /Type1\n/Encoding /WinAnsiEncoding\n>>\nendobj\n"] = i
		f := &p.fonts[i]
		p.fixedLen += len(f.dict) + len(f.widths) + len(f.desc) + len(f.program) + 100
	}
	p.shared = [][]byte{icc, tu, p.encoding}
	for _, f := range p.fonts {
		p.shared = append(p.shared, f.widths, f.program, f.baseProgram)
	}
	return p, nil
}

func newFontObjects(def *fontDef) fontObjects {
	program := func(z []byte, size int) []byte {
		b := fmt.Appendf(nil, "<</Length %d /Filter /FlateDecode /Length1 %d>>\nstream\n", len(z), size)
		b = append(b, z...)
		return append(b, "\nendstream\nendobj\n"...)
	}
	widths := []byte("[")
	for c := 32; c < 256; c++ {
		widths = strconv.AppendInt(widths, int64(def.widths[c]), 10)
		widths = append(widths, ' ')
	}
	widths = append(widths[:len(widths)-1], "]\nendobj\n"...)
	d := def.desc
	return fontObjects{
		dict:   fmt.Appendf(nil, "<</Type /Font /Subtype /TrueType /BaseFont /%s /FirstChar 32 /LastChar 255 /Widths ", def.baseFont),
		widths: widths,
		desc: fmt.Appendf(nil, "<</Type /FontDescriptor /FontName /%s /Ascent %d /Descent %d /CapHeight %d /Flags %d "+
			"/FontBBox [%d %d %d %d] /ItalicAngle %d /StemV %d /MissingWidth %d /FontFile2 ",
			def.baseFont, d.Ascent, d.Descent, d.CapHeight, d.Flags,
			d.FontBBox.Xmin, d.FontBBox.Ymin, d.FontBBox.Xmax, d.FontBBox.Ymax, d.ItalicAngle, d.StemV, d.MissingWidth),
		program:     program(def.z, def.size),
		baseProgram: program(def.zBase, def.sizeBase),
	}
}

// streamObject returns a Flate-compressed stream object body.
func streamObject(keys string, data []byte) ([]byte, error) {
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zw.Write(data)
	if err := zw.Close(); err != nil {
		return nil, err
	}
	b := fmt.Appendf(nil, "<<%s/Length %d /Filter /FlateDecode>>\nstream\n", keys, z.Len())
	b = append(b, z.Bytes()...)
	return append(b, "\nendstream\nendobj\n"...), nil
}

// srgbProfile builds a minimal ICC v2.1 display profile for sRGB (IEC
// 61966-2-1): the sRGB primaries adapted to D50 (Bradford, the usual
// quantised colorants), a D50 white point, and the sRGB transfer function
// sampled at 64 points, one curve shared by the three channels. It is
// generated rather than copied from a file, so no third-party profile or
// licence is involved, and it costs about 440 bytes per document
// compressed (a 1024-point curve would cost 2.4 KB for no visible gain).
// Checked with lcms2's transicc: it reads the profile, and converting
// between it and lcms2's built-in sRGB moves no 8-bit value by more than
// 0.51 in either direction, as with a 1024-point curve (the Debian
// icc-profiles-free sRGB.icc differs from the built-in one by up to 1.4).
func srgbProfile() []byte {
	const entries = 64
	be := binary.BigEndian
	xyz := func(x, y, z uint32) []byte {
		b := append([]byte("XYZ "), 0, 0, 0, 0)
		for _, v := range []uint32{x, y, z} {
			b = be.AppendUint32(b, v)
		}
		return b
	}
	desc := func(s string) []byte {
		b := append([]byte("desc"), 0, 0, 0, 0)
		b = be.AppendUint32(b, uint32(len(s)+1))
		b = append(b, s...)
		b = append(b, 0)
		b = append(b, make([]byte, 4+4+2+1+67)...) // no Unicode or ScriptCode text
		return b
	}
	text := func(s string) []byte {
		b := append([]byte("text"), 0, 0, 0, 0)
		return append(append(b, s...), 0)
	}
	curve := append([]byte("curv"), 0, 0, 0, 0)
	curve = be.AppendUint32(curve, entries)
	for i := 0; i < entries; i++ {
		v := float64(i) / (entries - 1)
		if v <= 0.04045 {
			v /= 12.92
		} else {
			v = math.Pow((v+0.055)/1.055, 2.4)
		}
		curve = be.AppendUint16(curve, uint16(math.Round(v*65535)))
	}
	type tag struct {
		sig  string
		data []byte
	}
	tags := []tag{
		{"desc", desc("sRGB IEC61966-2.1")},
		{"cprt", text("No copyright, use freely")},
		{"wtpt", xyz(0xF6D6, 0x10000, 0xD32D)},
		{"rXYZ", xyz(0x6FA2, 0x38F5, 0x0390)},
		{"gXYZ", xyz(0x6299, 0xB785, 0x18DA)},
		{"bXYZ", xyz(0x24A0, 0x0F84, 0xB6CF)},
		{"rTRC", curve},
		{"gTRC", nil}, // nil: same data as the previous tag
		{"bTRC", nil},
	}
	p := make([]byte, 128)
	be.PutUint32(p[8:], 0x02100000) // version 2.1
	copy(p[12:], "mntrRGB XYZ ")
	for i, v := range []uint16{2026, 1, 1, 0, 0, 0} { // creation date
		be.PutUint16(p[24+2*i:], v)
	}
	copy(p[36:], "acsp")
	be.PutUint32(p[68:], 0xF6D6) // PCS illuminant D50
	be.PutUint32(p[72:], 0x10000)
	be.PutUint32(p[76:], 0xD32D)
	p = be.AppendUint32(p, uint32(len(tags)))
	table := len(p)
	p = append(p, make([]byte, 12*len(tags))...)
	var off, size int
	for i, t := range tags {
		if t.data != nil {
			for len(p)%4 != 0 {
				p = append(p, 0)
			}
			off, size = len(p), len(t.data)
			p = append(p, t.data...)
		}
		e := p[table+12*i:]
		copy(e, t.sig)
		be.PutUint32(e[4:], uint32(off))
		be.PutUint32(e[8:], uint32(size))
	}
	be.PutUint32(p, uint32(len(p)))
	return p
}

// docMeta is the document information, in the Info dictionary and in XMP.
type docMeta struct {
	title, author, keywords string
	date                    time.Time // creation and modification
}

// newDocMeta returns d's metadata; alt is the second language of a
// bilingual document, whose title is then "italiano / translation". The
// document language (/Lang, docLang) stays Italian, the primary one.
func newDocMeta(d *Document, alt i18n.Lang) *docMeta {
	title := d.Title()
	if alt != "" {
		title += i18n.Sep + i18n.T(alt, i18n.TitleKey(d.Type.Name))
	}
	return &docMeta{
		title:    metaText(title),
		author:   metaText("Comune di " + TitleCase(d.Issuer.Comune)),
		keywords: metaText(KeywordsPrefix + d.Code),
		date:     d.IssuedAt,
	}
}

// metaText replaces what XML 1.0 cannot carry (control characters,
// U+FFFE, U+FFFF, invalid UTF-8) with spaces, so that the XMP packet and
// the Info dictionary hold the same text.
func metaText(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7F || r == 0xFFFE || r == 0xFFFF || r == utf8.RuneError {
			return ' '
		}
		return r
	}, s)
}

const (
	producer = "certa"
	docLang  = "it-IT"
)

// Pools shared by all renders: fpdf's output and the compressor of page
// contents. Documents only borrow them during Render.
var (
	rawPool = sync.Pool{New: func() any { b := new(bytes.Buffer); b.Grow(64 << 10); return b }}
	zPool   = sync.Pool{New: func() any {
		zw, _ := kzlib.NewWriterLevel(nil, kzlib.BestSpeed)
		return &zState{w: zw}
	}}
)

type zState struct {
	w   *kzlib.Writer
	out bytes.Buffer
}

// fpdfObject is one object of fpdf's output.
type fpdfObject struct{ num, off int }

// fpdfObjects reads fpdf's xref table and returns its objects in file
// order, followed by the xref itself as a pseudo-object (num 0).
func fpdfObjects(raw []byte) ([]fpdfObject, error) {
	tail := raw[max(0, len(raw)-48):]
	i := bytes.LastIndex(tail, []byte("\nstartxref\n"))
	if i < 0 || !bytes.HasSuffix(tail, []byte("\n%%EOF\n")) {
		return nil, errors.New("fpdf output ends without startxref and %%EOF")
	}
	num := tail[i+len("\nstartxref\n") : len(tail)-len("\n%%EOF\n")]
	xref, err := strconv.Atoi(string(num))
	if err != nil || xref <= 0 || xref >= len(raw) {
		return nil, errors.New("fpdf output has a bad startxref")
	}
	b := raw[xref:]
	if !bytes.HasPrefix(b, []byte("xref\n0 ")) {
		return nil, errors.New("fpdf output has no xref table at startxref")
	}
	b = b[len("xref\n0 "):]
	nl := bytes.IndexByte(b, '\n')
	size, err := strconv.Atoi(string(b[:max(nl, 0)]))
	if err != nil || size < 3 || len(b) < nl+1+20*size {
		return nil, errors.New("fpdf output has a bad xref table")
	}
	b = b[nl+1+20:] // past the free entry of object 0
	objs := make([]fpdfObject, size)
	for n := 1; n < size; n++ {
		e := b[20*(n-1):]
		off, err := strconv.Atoi(string(e[:10]))
		if err != nil || string(e[10:20]) != " 00000 n \n" || off <= 0 || off >= xref {
			return nil, fmt.Errorf("fpdf output: bad xref entry for object %d", n)
		}
		if !bytes.HasPrefix(raw[off:], strconv.AppendInt(nil, int64(n), 10)) || !bytes.HasPrefix(raw[off+len(strconv.Itoa(n)):], []byte(" 0 obj\n")) {
			return nil, fmt.Errorf("fpdf output: object %d is not at its xref offset", n)
		}
		objs[n-1] = fpdfObject{n, off}
	}
	objs[size-1] = fpdfObject{0, xref}
	slices.SortFunc(objs, func(a, b fpdfObject) int { return a.off - b.off })
	return objs, nil
}

// finish turns fpdf's output into the PDF/A-2b document; see the comment
// at the top of this file.
//
// partsAt (len(p.shared)) receives where each shared part is, -1 if absent.
func (p *pdfaParts) finish(raw []byte, m *docMeta, partsAt []int) ([]byte, error) {
	for i := range partsAt {
		partsAt[i] = -1
	}
	const fpdfHeader = "%PDF-1.3\n"
	if !bytes.HasPrefix(raw, []byte(fpdfHeader)) {
		return nil, errors.New("fpdf output: unexpected header")
	}
	objs, err := fpdfObjects(raw)
	if err != nil {
		return nil, err
	}
	// fpdf writes the Info dictionary and the catalog last, as the two
	// highest object numbers, and the pages root as object 1.
	n := len(objs) - 1 // highest object number
	info, catalog := n-1, n
	if objs[n-2].num != info || objs[n-1].num != catalog {
		return nil, errors.New("fpdf output: Info and catalog are not the last objects")
	}
	metadata, profile, toUnicode, encoding := n+1, n+2, n+3, n+4
	// then for each font: its widths, descriptor and program
	fontObj := func(i int) int { return n + 5 + 3*i }
	size := fontObj(len(p.fonts))
	offsets := make([]int, size)

	// Room for everything, so that out grows only once: fpdf's output
	// (whose page contents only shrink), the fixed objects, and 4 KiB for
	// the metadata, catalog, xref and trailer.
	out := make([]byte, 0, len(raw)+p.fixedLen+4<<10)
	out = append(out, "%PDF-1.7\n"...)
	out = append(out, raw[len(fpdfHeader):objs[0].off]...) // the binary comment line
	pages := 0
	for i, o := range objs[:n-2] {
		seg := raw[o.off:objs[i+1].off]
		if bytes.Contains(seg[:min(len(seg), 32)], []byte(" 0 obj\n<</Type /Page\n")) {
			pages++
		}
	}
	h := sha256.New()
	onlyBase := true
	for i, o := range objs[:n-2] {
		seg := raw[o.off:objs[i+1].off]
		offsets[o.num] = len(out)
		head := len(strconv.Itoa(o.num)) + len(" 0 obj\n")
		body := seg[head:]
		switch {
		case bytes.HasPrefix(body, []byte("<</Length ")):
			data, ok := plainStream(body)
			if !ok {
				out = append(out, seg...)
				continue
			}
			if bytes.Contains(data, []byte(pagesAlias)) { // footers of a document of several pages
				data = bytes.ReplaceAll(data, []byte(pagesAlias), strconv.AppendInt(nil, int64(pages), 10))
			}
			h.Write(data)
			// fpdf writes every page's contents before the fonts.
			onlyBase = onlyBase && p.usesOnlyBase(data)
			z := zPool.Get().(*zState)
			z.out.Reset()
			z.w.Reset(&z.out)
			z.w.Write(data)
			err := z.w.Close()
			if err == nil {
				out = append(out, seg[:head]...)
				out = fmt.Appendf(out, "<</Length %d /Filter /FlateDecode>>\nstream\n", z.out.Len())
				out = append(out, z.out.Bytes()...)
				out = append(out, "\nendstream\nendobj\n"...)
			}
			zPool.Put(z)
			if err != nil {
				return nil, err
			}
		case bytes.HasPrefix(body, []byte("<</Type /Page\n")) && bytes.Contains(body, []byte("/Subtype /Link ")):
			// PDF/A-2 6.3.2: annotations must be printable (/F 4).
			out = append(out, seg[:head]...)
			out = append(out, bytes.ReplaceAll(body, []byte("/Subtype /Link "), []byte("/Subtype /Link /F 4 "))...)
		case bytes.HasPrefix(body, []byte("<</Type /Font\n")):
			i, ok := p.fpdfFonts[string(body)]
			if !ok {
				return nil, errors.New("fpdf output: a font certa did not register")
			}
			out = append(out, seg[:head]...)
			out = append(out, p.fonts[i].dict...)
			out = strconv.AppendInt(out, int64(fontObj(i)), 10)
			out = append(out, " 0 R /FontDescriptor "...)
			out = strconv.AppendInt(out, int64(fontObj(i)+1), 10)
			out = append(out, " 0 R /Encoding "...)
			out = strconv.AppendInt(out, int64(encoding), 10)
			out = append(out, " 0 R /ToUnicode "...)
			out = strconv.AppendInt(out, int64(toUnicode), 10)
			out = append(out, " 0 R>>\nendobj\n"...)
		default:
			out = append(out, seg...)
		}
	}

	offsets[info] = len(out)
	out = strconv.AppendInt(out, int64(info), 10)
	out = append(out, " 0 obj\n"...)
	start := len(out)
	out = append(out, "<</Title "...)
	out = appendTextString(out, m.title)
	out = append(out, "\n/Author "...)
	out = appendTextString(out, m.author)
	out = append(out, "\n/Keywords "...)
	out = appendTextString(out, m.keywords)
	out = append(out, "\n/Creator "...)
	out = appendTextString(out, producer)
	out = append(out, "\n/Producer "...)
	out = appendTextString(out, producer)
	out = append(out, "\n/CreationDate "...)
	out = appendPDFDate(out, m.date)
	out = append(out, "\n/ModDate "...)
	out = appendPDFDate(out, m.date)
	out = append(out, ">>\nendobj\n"...)
	h.Write(out[start:])

	offsets[catalog] = len(out)
	out = fmt.Appendf(out, "%d 0 obj\n<</Type /Catalog\n/Pages 1 0 R\n/Lang (%s)\n/Metadata %d 0 R\n"+
		"/OutputIntents [<</Type /OutputIntent /S /GTS_PDFA1 /OutputConditionIdentifier (sRGB IEC61966-2.1) "+
		"/RegistryName (http://www.color.org) /Info (sRGB IEC61966-2.1) /DestOutputProfile %d 0 R>>]\n>>\nendobj\n",
		catalog, docLang, metadata, profile)

	offsets[metadata] = len(out)
	xmp := appendXMP(nil, m)
	out = fmt.Appendf(out, "%d 0 obj\n<</Type /Metadata /Subtype /XML /Length %d>>\nstream\n", metadata, len(xmp))
	out = append(out, xmp...)
	out = append(out, "\nendstream\nendobj\n"...)

	// at notes where shared part i starts.
	at := func(i int) {
		if i < len(partsAt) {
			partsAt[i] = len(out)
		}
	}
	offsets[profile] = len(out)
	out = fmt.Appendf(out, "%d 0 obj\n", profile)
	at(sharedICC)
	out = append(out, p.icc...)
	offsets[toUnicode] = len(out)
	out = fmt.Appendf(out, "%d 0 obj\n", toUnicode)
	at(sharedToUnicode)
	out = append(out, p.toUnicode...)
	offsets[encoding] = len(out)
	out = fmt.Appendf(out, "%d 0 obj\n", encoding)
	at(sharedEncoding)
	out = append(out, p.encoding...)
	for i := range p.fonts {
		f, num := &p.fonts[i], fontObj(i)
		offsets[num] = len(out)
		out = fmt.Appendf(out, "%d 0 obj\n", num)
		at(sharedWidths(i))
		out = append(out, f.widths...)
		offsets[num+1] = len(out)
		out = fmt.Appendf(out, "%d 0 obj\n", num+1)
		out = append(out, f.desc...)
		out = fmt.Appendf(out, "%d 0 R>>\nendobj\n", num+2)
		offsets[num+2] = len(out)
		out = fmt.Appendf(out, "%d 0 obj\n", num+2)
		if onlyBase {
			at(sharedBaseProgram(i))
			out = append(out, f.baseProgram...)
		} else {
			at(sharedProgram(i))
			out = append(out, f.program...)
		}
	}

	xref := len(out)
	out = fmt.Appendf(out, "xref\n0 %d\n0000000000 65535 f \n", size)
	for _, off := range offsets[1:] {
		out = fmt.Appendf(out, "%010d 00000 n \n", off)
	}
	var sum [sha256.Size]byte
	id := h.Sum(sum[:0])[:16]
	out = fmt.Appendf(out, "trailer\n<</Size %d /Root %d 0 R /Info %d 0 R /ID [<%X> <%X>]>>\nstartxref\n%d\n%%%%EOF\n",
		size, catalog, info, id, id, xref)
	return out, nil
}

// usesOnlyBase reports whether page contents print base letters only.
// Content operators are ASCII, so any other byte is in a string.
func (p *pdfaParts) usesOnlyBase(contents []byte) bool {
	for _, c := range contents {
		if !p.base[c] {
			return false
		}
	}
	return true
}

// plainStream returns the data of an unfiltered stream object body
// "<</Length N>>\nstream\n...\nendstream\nendobj\n", as fpdf writes page
// contents without compression.
func plainStream(body []byte) ([]byte, bool) {
	rest := body[len("<</Length "):]
	i := bytes.Index(rest, []byte(">>\nstream\n"))
	if i <= 0 {
		return nil, false
	}
	l, err := strconv.Atoi(string(rest[:i]))
	rest = rest[i+len(">>\nstream\n"):]
	if err != nil || l < 0 || l > len(rest) || string(rest[l:]) != "\nendstream\nendobj\n" {
		return nil, false
	}
	return rest[:l], true
}

// appendTextString appends s as a PDF text string: a literal string when
// s is printable ASCII, else UTF-16BE with a byte order mark, in hex.
func appendTextString(dst []byte, s string) []byte {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7E {
			ascii = false
			break
		}
	}
	if ascii {
		dst = append(dst, '(')
		for i := 0; i < len(s); i++ {
			if c := s[i]; c == '(' || c == ')' || c == '\\' {
				dst = append(dst, '\\')
			}
			dst = append(dst, s[i])
		}
		return append(dst, ')')
	}
	dst = append(dst, "<FEFF"...)
	for _, u := range utf16.Encode([]rune(s)) {
		dst = fmt.Appendf(dst, "%04X", u)
	}
	return append(dst, '>')
}

// appendPDFDate appends t as a PDF date string with its UTC offset,
// "(D:20261123103000+01'00')".
func appendPDFDate(dst []byte, t time.Time) []byte {
	dst = append(dst, "(D:"...)
	dst = t.AppendFormat(dst, "20060102150405")
	sign, hh, mm := zone(t)
	return fmt.Appendf(dst, "%c%02d'%02d')", sign, hh, mm)
}

// appendXMPDate appends t as an XMP date, "2026-11-23T10:30:00+01:00":
// the same instant and offset as appendPDFDate.
func appendXMPDate(dst []byte, t time.Time) []byte {
	dst = t.AppendFormat(dst, "2006-01-02T15:04:05")
	sign, hh, mm := zone(t)
	return fmt.Appendf(dst, "%c%02d:%02d", sign, hh, mm)
}

func zone(t time.Time) (sign byte, hh, mm int) {
	_, off := t.Zone()
	sign = '+'
	if off < 0 {
		sign, off = '-', -off
	}
	return sign, off / 3600, off / 60 % 60
}

// appendXMP appends the XMP packet: the PDF/A identification and the same
// title, author, keywords, producer, creator tool and dates as the Info
// dictionary (PDF/A requires the two to be equivalent).
func appendXMP(dst []byte, m *docMeta) []byte {
	dst = append(dst, `<?xpacket begin="`+"\uFEFF"+`" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
<pdfaid:part>2</pdfaid:part>
<pdfaid:conformance>B</pdfaid:conformance>
<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">`...)
	dst = appendXMLText(dst, m.title)
	dst = append(dst, "</rdf:li></rdf:Alt></dc:title>\n<dc:creator><rdf:Seq><rdf:li>"...)
	dst = appendXMLText(dst, m.author)
	dst = append(dst, "</rdf:li></rdf:Seq></dc:creator>\n<pdf:Keywords>"...)
	dst = appendXMLText(dst, m.keywords)
	dst = append(dst, "</pdf:Keywords>\n<pdf:Producer>"+producer+"</pdf:Producer>\n<xmp:CreatorTool>"+producer+"</xmp:CreatorTool>\n<xmp:CreateDate>"...)
	dst = appendXMPDate(dst, m.date)
	dst = append(dst, "</xmp:CreateDate>\n<xmp:ModifyDate>"...)
	dst = appendXMPDate(dst, m.date)
	return append(dst, "</xmp:ModifyDate>\n</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"r\"?>"...)
}

// appendXMLText appends s escaped for XML character data.
func appendXMLText(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			dst = append(dst, "&amp;"...)
		case '<':
			dst = append(dst, "&lt;"...)
		case '>':
			dst = append(dst, "&gt;"...)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// Package templates renders certificates as PDF pages from registry data.
//
// A Renderer is built once per process (fonts subset and compressed then)
// and is safe for concurrent use: Render allocates a fresh fpdf document per
// call and shares only immutable font data, so documents render in parallel
// with no lock.
//
// Output is deterministic: the same Document renders to the same bytes
// (dates come from the Document, never from the clock), which golden tests
// rely on.
//
// Documents are PDF/A-2b, about 29 KB each with both fonts (see pdfa.go
// and, for the font subsets, font.go): a document that prints only the
// base letters (ASCII, the Italian accented letters and those of the
// Italian messages) embeds base font programs; one other letter (a German
// or Slovenian name, a bilingual page) brings the full programs, about
// 12 KB more.
//
// Bilingual documents: Document.Languages [it, de|fr|sl] prints every fixed
// text in Italian and in the issuing comune's second official language
// (Issuer.Language), from the message catalogue of package i18n, which is
// also the only source of the Italian wording. A text prints as
// "italiano / translation" where that fits on its line and as two lines
// where it would not; a bilingual page uses smaller type for the
// statements and the closing notices to stay on one A4 page, and Render
// continues on further pages when it does not fit, as Italian ones do. The
// comune's name prints in both languages; registry data (names,
// addresses, states, citizenships) and the stamp-duty and use lines are
// not translated. See bilingual.go.
//
// Caveat: text uses a single-byte encoding (Windows-1252 plus 38 Central
// and Eastern European letters, see font.go). Letters outside it are printed
// without their diacritics; Render reports that in Result.Lossy so callers
// can refuse or flag such documents.
package templates

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"certa.example/certa/internal/qr"
	"certa.example/certa/internal/registry"
	"certa.example/certa/templates/i18n"
)

// Type is one kind of certificate.
type Type struct {
	Name      string // API name, snake_case: "residenza"
	Code      int    // ANPR table 13 code
	Title     string // printed title
	Certifies string // what it certifies, one English sentence
	// ValidMonths is the validity from the issue date (art. 41 DPR 445/2000);
	// 0 means unlimited (facts that cannot change).
	ValidMonths int
	// Counter marks the types issued only at the registry office's counter
	// (ANPR: not online).
	Counter bool
	// NeedsDate marks the types that certify a past date (Document.At).
	NeedsDate bool
	body      func(p *page, d *Document)
}

// LookupType finds a type by its API name or its ANPR code ("8").
func LookupType(name string) (*Type, bool) {
	for _, t := range types {
		if t.Name == name || fmt.Sprint(t.Code) == name {
			return t, true
		}
	}
	return nil, false
}

// Types returns every supported type.
func Types() []*Type { return append([]*Type(nil), types...) }

// TypeNames lists the API names of the supported types, comma-separated.
func TypeNames() string {
	names := make([]string, len(types))
	for i, t := range types {
		names[i] = t.Name
	}
	return strings.Join(names, ", ")
}

// Issuer is the comune issuing the certificate.
type Issuer struct {
	Comune   string // "LODI"
	Code     string // cadastral code, "E648"
	Province string // "LO"
	Office   string // "Ufficio Anagrafe"
	// Language is the comune's second official language and ComuneAlt its
	// name in that language ("de", "BOZEN"), as comuni.Comune.SecondLanguage
	// gives them; both empty for a comune with Italian only. A bilingual
	// Document needs them.
	Language  i18n.Lang
	ComuneAlt string
}

// Document is everything printed on one certificate.
type Document struct {
	Type      *Type
	Code      string // verification code, canonical form
	VerifyURL string // printed for people to type
	// QRText is what the QR code holds (VerifyURL when empty), e.g. the
	// upper-case form that fits QR's alphanumeric mode.
	QRText    string
	IssuedAt  time.Time
	ExpiresAt time.Time
	Issuer    Issuer
	Subject   registry.Subject
	// Demo marks documents signed with a demo key: the page says so.
	Demo bool
	// At is the date a storico certificate refers to (Type.NeedsDate).
	At time.Time
	// BolloLine says how the stamp duty was settled, UseLine the
	// destination of use in ANPR's wording; printed when not empty (in
	// Italian only: they are not in the message catalogue).
	BolloLine, UseLine string
	// Also are the further types of a contestuale certificate, which
	// certifies Type and each of them in one document (Italian only; the
	// engine checks the combination).
	Also []*Type
	// Languages are the document's languages: nil or [it] for an Italian
	// document, [it, X] for a bilingual one in Italian and the issuer's
	// second language X (Issuer.Language); see i18n.ParseLanguages.
	Languages []i18n.Lang
}

// errBreakBeforeClosing asks Render to lay the document out again with
// the closing notices on a page of their own.
var errBreakBeforeClosing = errors.New("templates: the closing needs a new page")

// pagesAlias is replaced by the number of pages in finish (pdfa.go), not
// by fpdf's AliasNbPages, which copies every page's contents twice to look
// for it.
const pagesAlias = "{nb}"

// bodyBottom is the lowest a body's line may end before it continues on
// the next page, above the footer.
const bodyBottom = pageH - 24

// ensure starts a new page unless h more millimetres fit on this one, and
// reports whether it did.
func (p *page) ensure(h float64) bool {
	if p.pdf.GetY()+h <= bodyBottom {
		return false
	}
	p.newPage()
	return true
}

// demoBanner marks every page of a document sealed with a demo key.
func (p *page) demoBanner(d *Document) {
	pdf := p.pdf
	bi := p.alt != ""
	if d.Demo {
		pdf.SetFillColor(250, 228, 228)
		pdf.SetTextColor(150, 0, 0)
		if bi {
			// Two lines of 5 mm above the comune's name at 18 mm.
			p.font("B", 8)
			pdf.SetXY(marginX, 7)
			it, tr := p.pair(i18n.DemoBanner, false)
			pdf.CellFormat(bodyW, 5, p.s(it), "", 1, "C", true, 0, "")
			pdf.CellFormat(bodyW, 5, p.s(tr), "", 1, "C", true, 0, "")
		} else {
			p.font("B", 9)
			pdf.SetXY(marginX, 8)
			pdf.CellFormat(bodyW, 6, p.s(i18n.T(i18n.IT, i18n.DemoBanner)), "", 1, "C", true, 0, "")
		}
		pdf.SetTextColor(0, 0, 0)
	}
}

// newPage ends this page with its footer and starts the next with the
// title and "(segue)".
func (p *page) newPage() {
	p.multi = true
	p.footer(p.doc)
	p.pdf.AddPage()
	p.demoBanner(p.doc)
	p.pdf.SetXY(marginX, 18)
	p.font("B", 10)
	p.line(6, p.doc.Title()+" (segue)", "C")
	p.pdf.Ln(4)
}

// contestuale is the title of a certificate that joins several types.
const contestuale = "CERTIFICATO CONTESTUALE"

// Title is the document's printed title, in Italian.
func (d *Document) Title() string {
	if len(d.Also) == 0 {
		return d.Type.Title
	}
	return contestuale + " " + d.combinedWhat()
}

// combinedWhat lists what a contestuale certificate certifies: "DI
// RESIDENZA, DI CITTADINANZA E DI STATO CIVILE".
func (d *Document) combinedWhat() string {
	parts := []string{}
	for _, t := range append([]*Type{d.Type}, d.Also...) {
		w := strings.TrimPrefix(t.Title, "CERTIFICATO ")
		w = strings.TrimPrefix(w, "ANAGRAFICO ")
		if !strings.HasPrefix(w, "DI ") && !strings.HasPrefix(w, "STORICO") {
			w = "DI " + w
		}
		parts = append(parts, w)
	}
	last := len(parts) - 1
	if last == 0 {
		return parts[0]
	}
	return strings.Join(parts[:last], ", ") + " E " + parts[last]
}

// unlimited reports whether every type of d certifies facts that cannot
// change, so that the document's validity is unlimited.
func (d *Document) unlimited() bool {
	for _, t := range append([]*Type{d.Type}, d.Also...) {
		if t.ValidMonths != 0 {
			return false
		}
	}
	return true
}

// ErrPageFull is the error Render returns (wrapped) when the closing
// notices and the QR code do not fit even on a page of their own (they
// always do with certa's wording): text is never printed over the QR
// code. Longer bodies continue on further pages.
var ErrPageFull = errors.New("templates: the certificate does not fit on one page")

// Result is a rendered, unsigned document.
type Result struct {
	PDF []byte
	// Lossy is true when some letter had to lose its diacritics.
	Lossy bool
	// PartsAt holds, for each of the renderer's SharedParts, where PDF
	// holds it, or -1: a store splits the document without searching.
	PartsAt []int
}

// Renderer renders documents. Build it with New.
type Renderer struct {
	fonts *fontSet
	pdfa  *pdfaParts
}

// New prepares the fonts and the PDF/A parts. It costs tens of
// milliseconds; call it once.
func New() (*Renderer, error) {
	fs, err := newFontSet()
	if err != nil {
		return nil, err
	}
	pa, err := newPDFAParts(fs)
	if err != nil {
		return nil, err
	}
	return &Renderer{fonts: fs, pdfa: pa}, nil
}

// SharedParts returns the byte sequences every document of this renderer
// repeats verbatim: the font programs (base and full), their widths and
// encoding, and the PDF/A colour profile and ToUnicode map. A store can
// keep them once (store.SharedPart); Result.PartsAt says where each is.
func (r *Renderer) SharedParts() [][]byte { return r.pdfa.shared }

// KeywordsPrefix precedes the verification code in the PDF's /Keywords,
// so that a verifier can find the code of a document.
const KeywordsPrefix = "certa-code:"

// Render lays out d on one A4 page, as a PDF/A-2b document (see pdfa.go).
func (r *Renderer) Render(d *Document) (Result, error) {
	if d.Type == nil || d.Type.body == nil {
		return Result{}, fmt.Errorf("templates: document has no type")
	}
	alt, err := secondLanguage(d)
	if err != nil {
		return Result{}, err
	}
	if alt != "" && len(d.Also) > 0 {
		return Result{}, errors.New("templates: a contestuale certificate is Italian only")
	}
	for _, t := range d.Also {
		if t == nil || t.body == nil {
			return Result{}, errors.New("templates: a contestuale type is missing")
		}
	}
	raw := rawPool.Get().(*bytes.Buffer)
	defer rawPool.Put(raw)
	raw.Reset()
	lossy, err := r.layout(d, alt, raw, false)
	if errors.Is(err, errBreakBeforeClosing) {
		raw.Reset()
		lossy, err = r.layout(d, alt, raw, true)
	}
	if err != nil {
		return Result{}, err
	}
	partsAt := make([]int, len(r.SharedParts()))
	out, err := r.pdfa.finish(raw.Bytes(), newDocMeta(d, alt), partsAt)
	if err != nil {
		return Result{}, fmt.Errorf("templates: %w", err)
	}
	return Result{PDF: out, Lossy: lossy, PartsAt: partsAt}, nil
}

// secondLanguage checks d.Languages and returns the second language of a
// bilingual document, or "" for an Italian one.
func secondLanguage(d *Document) (i18n.Lang, error) {
	switch langs := d.Languages; {
	case len(langs) == 0 || (len(langs) == 1 && langs[0] == i18n.IT):
		return "", nil
	case len(langs) != 2 || langs[0] != i18n.IT || langs[1] == i18n.IT || !langs[1].Valid():
		return "", fmt.Errorf("templates: unsupported document languages %q: want Italian, alone or followed by de, fr or sl", langs)
	case d.Issuer.Language != langs[1] || strings.TrimSpace(d.Issuer.ComuneAlt) == "":
		return "", fmt.Errorf("templates: the comune of %s has no name in language %q for a bilingual document", d.Issuer.Comune, langs[1])
	}
	return d.Languages[1], nil
}

// layout draws d with fpdf and writes fpdf's output to w; alt is the
// second language of a bilingual document, "" for an Italian one.
//
// A body that does not fit on one page continues on the next (tables
// break between rows, their heads repeated); the closing notices and the
// QR code stay together on the last page: when they do not fit after the
// body, layout returns errBreakBeforeClosing and Render lays the document
// out again with breakBeforeClosing set.
func (r *Renderer) layout(d *Document, alt i18n.Lang, w io.Writer, breakBeforeClosing bool) (lossy bool, err error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	// finish (pdfa.go) compresses the page contents and replaces fpdf's
	// Info dictionary and catalog with the PDF/A ones, so no metadata is
	// set here; the dates only keep fpdf's intermediate output stable.
	pdf.SetCompression(false)
	pdf.SetCreationDate(d.IssuedAt)
	pdf.SetModificationDate(d.IssuedAt)
	pdf.SetCatalogSort(true)
	pdf.SetMargins(marginX, 18, marginX)
	pdf.SetAutoPageBreak(false, 0)
	r.fonts.register(pdf)
	pdf.AddPage()

	p := &page{pdf: pdf, enc: r.fonts.enc, doc: d}
	if alt != "" {
		p.alt, p.langs = alt, d.Languages
	}
	p.header(d)
	d.Type.body(p, d)
	for _, t := range d.Also {
		t.body(p, d)
	}
	if breakBeforeClosing {
		p.newPage()
	}
	p.closing(d)
	if y := pdf.GetY(); y > qrTop-1 {
		if !breakBeforeClosing {
			return false, errBreakBeforeClosing
		}
		return false, fmt.Errorf("%w: the text ends %.1f mm below the top of the QR code", ErrPageFull, y-qrTop+1)
	}
	if err := p.qr(d); err != nil {
		return false, err
	}
	if err := pdf.Error(); err != nil {
		return false, fmt.Errorf("templates: %w", err)
	}
	if err := pdf.Output(w); err != nil {
		return false, fmt.Errorf("templates: %w", err)
	}
	return p.lossy, nil
}

const (
	pageW   = 210.0
	pageH   = 297.0
	marginX = 22.0
	bodyW   = pageW - 2*marginX
)

// page wraps one fpdf document with the encoding applied to every string.
type page struct {
	pdf   *fpdf.Fpdf
	enc   *encoding
	lossy bool
	// alt is the second language of a bilingual page, "" on an Italian
	// one; langs is then [it, alt].
	alt   i18n.Lang
	langs []i18n.Lang
	// personShown is set once the holder's block is printed.
	personShown bool
	// doc is the document laid out; multi is set once it has a second page.
	doc   *Document
	multi bool
}

func (p *page) s(text string) string {
	out, ok := p.enc.encode(text)
	if !ok {
		p.lossy = true
	}
	return out
}

func (p *page) font(style string, size float64) { p.pdf.SetFont(fontFamily, style, size) }

func (p *page) line(h float64, text, align string) {
	p.pdf.CellFormat(bodyW, h, p.s(text), "", 1, align, false, 0, "")
}

func (p *page) para(h float64, text, align string) {
	p.pdf.MultiCell(bodyW, h, p.s(text), "", align, false)
}

// labelled prints "label value" with the value in bold on one line.
func (p *page) labelled(label, value string) {
	p.font("", 11)
	w := p.pdf.GetStringWidth(p.s(label)) + 2
	p.pdf.CellFormat(w, 6.5, p.s(label), "", 0, "L", false, 0, "")
	p.font("B", 11)
	p.pdf.CellFormat(bodyW-w, 6.5, p.s(value), "", 1, "L", false, 0, "")
}

func (p *page) header(d *Document) {
	pdf := p.pdf
	bi := p.alt != ""
	p.demoBanner(d)
	pdf.SetXY(marginX, 18)
	p.font("B", 15)
	province := ""
	if d.Issuer.Province != "" {
		province = " (" + d.Issuer.Province + ")"
	}
	if bi {
		// "COMUNE DI BOLZANO / GEMEINDE BOZEN (BZ)", or a line each.
		it, tr := i18n.T(i18n.IT, i18n.ComuneOf, d.Issuer.Comune), i18n.T(p.alt, i18n.ComuneOf, d.Issuer.ComuneAlt)
		p.fitJoined(bodyW, 7, it+i18n.Sep+tr+province, it+province, tr+province, "C")
	} else {
		p.line(7, i18n.T(i18n.IT, i18n.ComuneOf, d.Issuer.Comune)+province, "C")
	}
	p.font("", 10)
	if office := i18n.T(i18n.IT, i18n.OfficeAnagrafe); bi && d.Issuer.Office == office {
		p.fitKey(bodyW, 5, i18n.OfficeAnagrafe, "C")
	} else {
		p.line(5, d.Issuer.Office, "C")
	}
	pdf.SetDrawColor(60, 60, 60)
	pdf.SetLineWidth(0.3)
	y := pdf.GetY() + 3
	pdf.Line(marginX, y, pageW-marginX, y)
	p.font("B", 14)
	if bi {
		pdf.SetY(y + 6)
		p.fit(bodyW, 7.5, i18n.T(i18n.IT, i18n.TitleKey(d.Type.Name)), i18n.T(p.alt, i18n.TitleKey(d.Type.Name)), "C")
		pdf.Ln(3)
		p.font("", 11)
		p.fitKey(bodyW, 5.5, i18n.Official, "C")
		p.fitKey(bodyW, 5.5, i18n.BasedOnRecords, "C")
		p.font("B", 11)
		p.fitKey(bodyW, 6.5, i18n.Certifies, "C")
		pdf.Ln(2)
		return
	}
	pdf.SetY(y + 8)
	if len(d.Also) > 0 {
		p.line(8, contestuale, "C")
		p.font("B", 10.5)
		p.para(5.5, d.combinedWhat(), "C")
	} else {
		p.line(8, i18n.T(i18n.IT, i18n.TitleKey(d.Type.Name)), "C")
	}
	pdf.Ln(5)
	p.font("", 11)
	p.line(6, i18n.T(i18n.IT, i18n.Official), "C")
	p.line(6, i18n.T(i18n.IT, i18n.BasedOnRecords), "C")
	p.font("B", 11)
	p.line(7, i18n.T(i18n.IT, i18n.Certifies), "C")
	pdf.Ln(3)
}

// closing prints the legal notices, the place and date, and the seal line.
// A bilingual page prints the notices in smaller type and, when it fits,
// the place and date beside the official's title.
func (p *page) closing(d *Document) {
	pdf := p.pdf
	bi := p.alt != ""
	size, h, gap := 10.0, 5.0, 2.0
	if bi {
		size, h, gap = 8.5, 4.0, 1.0
		pdf.Ln(3)
	} else {
		pdf.Ln(6)
	}
	p.font("", size)
	if d.UseLine != "" {
		p.para(h, d.UseLine+".", "L")
	} else {
		p.para(h, p.tr(i18n.IssuedForLawfulUse), "L")
	}
	pdf.Ln(gap)
	if d.BolloLine != "" {
		p.para(h, d.BolloLine+".", "L")
		pdf.Ln(gap)
	}
	p.para(h, p.tr(i18n.NotForPublicBodies), "J")
	pdf.Ln(gap)
	if d.unlimited() {
		p.para(h, p.tr(i18n.ValidityUnlimited), "L")
	} else {
		p.para(h, p.tr(i18n.ValiditySixMonths, date(d.ExpiresAt)), "L")
	}
	sealX, sealW := pageW/2-5, pageW/2-marginX+5
	if bi {
		pdf.Ln(3)
		p.font("", 10)
		place := p.s(p.comuneNames(d.Issuer, TitleCase) + ", " + date(d.IssuedAt))
		if pdf.GetStringWidth(place)+2*pdf.GetCellMargin() <= sealX-marginX-2 {
			pdf.CellFormat(sealX-marginX, 5, place, "", 0, "L", false, 0, "")
		} else {
			pdf.CellFormat(bodyW, 5, place, "", 1, "L", false, 0, "")
			pdf.Ln(1)
		}
		p.font("B", 10)
		pdf.SetX(sealX)
		p.fitKey(sealW, 5, i18n.Official, "C")
		p.font("", 7.5)
		pdf.SetX(sealX)
		pdf.MultiCell(sealW, 3.4, p.s(p.tr(i18n.SealNote)), "", "C", false)
		return
	}
	pdf.Ln(4)
	p.font("", 11)
	p.line(6, TitleCase(d.Issuer.Comune)+", "+date(d.IssuedAt), "L")
	pdf.Ln(2)
	p.font("B", 10)
	pdf.SetX(sealX)
	pdf.CellFormat(sealW, 5, p.s(i18n.T(i18n.IT, i18n.Official)), "", 1, "C", false, 0, "")
	p.font("", 8.5)
	pdf.SetX(sealX)
	pdf.MultiCell(sealW, 4, p.s(i18n.T(i18n.IT, i18n.SealNote)), "", "C", false)
}

const (
	qrSize = 34.0 // mm: modules of 0.49 mm for the version 13 of a seal URL
	qrTop  = pageH - 22 - qrSize
)

// qr draws the verification QR code as a stencil mask with the code and the
// verification address beside it.
func (p *page) qr(d *Document) error {
	text := d.QRText
	if text == "" {
		text = d.VerifyURL
	}
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		return fmt.Errorf("templates: qr: %w", err)
	}
	pdf := p.pdf
	x0, y0 := marginX, qrTop
	pdf.SetFillColor(0, 0, 0)
	path := qrPaths.Get().(*[]byte)
	*path = appendQRImage((*path)[:0], code, x0, y0, qrSize, pdf.GetConversionRatio())
	pdf.RawWriteBuf(bytes.NewReader(*path))
	qrPaths.Put(path)
	// The QR's target as a link too, so a reader of the file can open it
	// and a verifier can read the seal without decoding the image.
	pdf.LinkString(x0, y0, qrSize, qrSize, text)
	tx := x0 + qrSize + 6
	tw := pageW - marginX - tx
	pdf.SetXY(tx, y0+2)
	p.font("", 9)
	pdf.MultiCell(tw, 4.5, p.s(p.tr(i18n.VerificationCode)), "", "L", false)
	pdf.SetX(tx)
	p.font("B", 13)
	pdf.MultiCell(tw, 7, p.s(d.Code), "", "L", false)
	pdf.SetX(tx)
	if p.alt != "" {
		p.font("", 8)
		pdf.MultiCell(tw, 3.6, p.s(p.tr(i18n.VerifyHow, d.VerifyURL)), "", "L", false)
		if y := pdf.GetY(); y > pageH-14 {
			return fmt.Errorf("%w: the verification notice ends %.1f mm into the footer", ErrPageFull, y-pageH+14)
		}
	} else {
		p.font("", 8.5)
		pdf.MultiCell(tw, 4, p.s(i18n.T(i18n.IT, i18n.VerifyHow, d.VerifyURL)), "", "L", false)
	}
	p.footer(d)
	return nil
}

// qrPaths are buffers for appendQRImage.
var qrPaths = sync.Pool{New: func() any { b := make([]byte, 0, 32<<10); return &b }}

// smallInts are the decimal forms of module coordinates.
var smallInts = func() (t [178][]byte) {
	for i := range t {
		t[i] = strconv.AppendInt(nil, int64(i), 10)
	}
	return t
}()

// appendQRImage appends the content-stream operators that draw code as an
// inline stencil mask, one sample per module (ISO 32000-1 8.9.6.2): /IM
// true paints the fill colour where a sample is 1 (/D [1 0]), and without
// /Interpolate every module is a sharp square at any resolution, as with
// vector squares, in 600 bytes instead of the 17 KB of a path of 1,400
// rectangles, which every document then had to compress. The samples are
// in ASCIIHex so that the page contents stay ASCII (finish picks the font
// programs by the bytes the contents use). The cm operator maps the image
// onto size millimetres with the top-left corner at x, y millimetres from
// the page's top left (k is points per millimetre).
func appendQRImage(b []byte, code *qr.Code, x, y, size, k float64) []byte {
	n := code.Size
	b = append(b, "q\n"...)
	b = strconv.AppendFloat(b, size*k, 'f', 3, 64)
	b = append(b, " 0 0 "...)
	b = strconv.AppendFloat(b, size*k, 'f', 3, 64)
	b = append(b, ' ')
	b = strconv.AppendFloat(b, x*k, 'f', 3, 64)
	b = append(b, ' ')
	b = strconv.AppendFloat(b, (pageH-y-size)*k, 'f', 3, 64)
	b = append(b, " cm\nBI /IM true /W "...)
	b = append(b, smallInts[n]...)
	b = append(b, " /H "...)
	b = append(b, smallInts[n]...)
	b = append(b, " /BPC 1 /D [1 0] /F /AHx ID\n"...)
	const hexDigits = "0123456789ABCDEF"
	for row := range n {
		r := code.Row(row)
		// Modules are 0 or 1: pack them without a branch per module.
		col := 0
		for ; col+8 <= n; col += 8 {
			m := r[col : col+8 : col+8]
			v := m[0]<<7 | m[1]<<6 | m[2]<<5 | m[3]<<4 | m[4]<<3 | m[5]<<2 | m[6]<<1 | m[7]
			b = append(b, hexDigits[v>>4], hexDigits[v&15])
		}
		if col < n {
			var v byte
			for bit, m := range r[col:] {
				v |= m << (7 - bit)
			}
			b = append(b, hexDigits[v>>4], hexDigits[v&15])
		}
		b = append(b, '\n')
	}
	return append(b, ">\nEI\nQ"...)
}

// footer prints the page's footer: the title, code and date, and the page
// number when the document has more than one page.
func (p *page) footer(d *Document) {
	pdf := p.pdf
	if pdf.PageNo() > 1 {
		p.multi = true
	}
	suffix := ""
	if p.multi {
		suffix = fmt.Sprintf(" - %d/%s", pdf.PageNo(), pagesAlias)
	}
	p.font("", 7.5)
	pdf.SetTextColor(90, 90, 90)
	pdf.SetXY(marginX, pageH-14)
	footer := func(l i18n.Lang) string {
		title := i18n.T(l, i18n.TitleKey(d.Type.Name))
		if len(d.Also) > 0 {
			title = contestuale
		}
		return i18n.T(l, i18n.Footer, title, d.Code, date(d.IssuedAt)) + suffix
	}
	if p.alt != "" {
		pdf.CellFormat(bodyW, 3.5, p.s(footer(i18n.IT)), "T", 1, "C", false, 0, "")
		pdf.CellFormat(bodyW, 3.5, p.s(footer(p.alt)), "", 0, "C", false, 0, "")
	} else {
		pdf.CellFormat(bodyW, 4, p.s(footer(i18n.IT)), "T", 0, "C", false, 0, "")
	}
	pdf.SetTextColor(0, 0, 0)
}

func fullName(p registry.Person) string { return p.Surname + " " + p.Name }

func female(per registry.Person) bool { return per.Sex == registry.Female }

func birthPlace(pl registry.Place) string {
	switch {
	case pl.Country != "" && pl.Name != "" && pl.Name != pl.Country:
		return pl.Name + " (" + pl.Country + ")"
	case pl.Country != "":
		return pl.Country
	case pl.Province != "":
		return pl.Name + " (" + pl.Province + ")"
	}
	return pl.Name
}

// address prints an address as the registry writes it, in Italian on
// every page: "VIA ROMA n. 1 int. 3 - 26900".
func address(a registry.Address) string {
	s := strings.TrimSpace(a.Toponym + " " + a.Street)
	if a.Number != "" {
		s += " " + i18n.T(i18n.IT, i18n.AddressNumber, a.Number)
	}
	if a.Internal != "" {
		s += " " + i18n.T(i18n.IT, i18n.AddressInternal, a.Internal)
	}
	if a.PostalCode != "" {
		s += " - " + a.PostalCode
	}
	return s
}

func date(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format("02/01/2006")
}

// kinship returns the ANPR table 5 label in the member's gender, in lang.
func kinship(m registry.Person, lang i18n.Lang) string {
	return i18n.TG(lang, i18n.KinshipKey(m.Kinship), female(m))
}

// TitleCase turns a registry name ("SAN DONATO MILANESE") into running
// text ("San Donato Milanese").
func TitleCase(s string) string {
	words := strings.Fields(strings.ToLower(s))
	for i, w := range words {
		r := []rune(w)
		r[0] = []rune(strings.ToUpper(string(r[0])))[0]
		words[i] = string(r)
	}
	return strings.Join(words, " ")
}

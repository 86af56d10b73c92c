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
// Documents are PDF/A-2b, about 34 KB each with both fonts (see pdfa.go
// and, for the font subsets, font.go).
//
// Caveat: text uses a single-byte encoding (Windows-1252 plus 38 Central
// and Eastern European letters, see font.go). Letters outside it are printed
// without their diacritics; Render reports that in Result.Lossy so callers
// can refuse or flag such documents.
package templates

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"github.com/skip2/go-qrcode"

	"certa.example/certa/internal/registry"
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
	Province string // "LO"
	Office   string // "Ufficio Anagrafe"
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
	// destination of use in ANPR's wording; printed when not empty.
	BolloLine, UseLine string
}

// Result is a rendered, unsigned document.
type Result struct {
	PDF []byte
	// Lossy is true when some letter had to lose its diacritics.
	Lossy bool
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
	pa, err := newPDFAParts(fs.enc)
	if err != nil {
		return nil, err
	}
	return &Renderer{fonts: fs, pdfa: pa}, nil
}

// KeywordsPrefix precedes the verification code in the PDF's /Keywords,
// so that a verifier can find the code of a document.
const KeywordsPrefix = "certa-code:"

// Render lays out d on one A4 page, as a PDF/A-2b document (see pdfa.go).
func (r *Renderer) Render(d *Document) (Result, error) {
	if d.Type == nil || d.Type.body == nil {
		return Result{}, fmt.Errorf("templates: document has no type")
	}
	raw := rawPool.Get().(*bytes.Buffer)
	defer rawPool.Put(raw)
	raw.Reset()
	lossy, err := r.layout(d, raw)
	if err != nil {
		return Result{}, err
	}
	out, err := r.pdfa.finish(raw.Bytes(), newDocMeta(d))
	if err != nil {
		return Result{}, fmt.Errorf("templates: %w", err)
	}
	return Result{PDF: out, Lossy: lossy}, nil
}

// layout draws d with fpdf and writes fpdf's output to w.
func (r *Renderer) layout(d *Document, w io.Writer) (lossy bool, err error) {
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

	p := &page{pdf: pdf, enc: r.fonts.enc}
	p.header(d)
	d.Type.body(p, d)
	p.closing(d)
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
	if d.Demo {
		pdf.SetFillColor(250, 228, 228)
		pdf.SetTextColor(150, 0, 0)
		p.font("B", 9)
		pdf.SetXY(marginX, 8)
		pdf.CellFormat(bodyW, 6, p.s("DOCUMENTO DIMOSTRATIVO - FIRMATO CON CHIAVE DI PROVA - PRIVO DI VALORE LEGALE"), "", 1, "C", true, 0, "")
		pdf.SetTextColor(0, 0, 0)
	}
	pdf.SetXY(marginX, 18)
	p.font("B", 15)
	name := "COMUNE DI " + d.Issuer.Comune
	if d.Issuer.Province != "" {
		name += " (" + d.Issuer.Province + ")"
	}
	p.line(7, name, "C")
	p.font("", 10)
	p.line(5, d.Issuer.Office, "C")
	pdf.SetDrawColor(60, 60, 60)
	pdf.SetLineWidth(0.3)
	y := pdf.GetY() + 3
	pdf.Line(marginX, y, pageW-marginX, y)
	pdf.SetY(y + 8)
	p.font("B", 14)
	p.line(8, d.Type.Title, "C")
	pdf.Ln(5)
	p.font("", 11)
	p.line(6, "L'UFFICIALE D'ANAGRAFE", "C")
	p.line(6, "in base alle risultanze degli atti anagrafici", "C")
	p.font("B", 11)
	p.line(7, "CERTIFICA", "C")
	pdf.Ln(3)
}

// closing prints the legal notices, the place and date, and the seal line.
func (p *page) closing(d *Document) {
	pdf := p.pdf
	pdf.Ln(6)
	p.font("", 10)
	if d.UseLine != "" {
		p.para(5, d.UseLine+".", "L")
	} else {
		p.para(5, "Si rilascia per gli usi consentiti dalla legge.", "L")
	}
	pdf.Ln(2)
	if d.BolloLine != "" {
		p.para(5, d.BolloLine+".", "L")
		pdf.Ln(2)
	}
	p.para(5, "Il presente certificato non può essere prodotto agli organi della pubblica amministrazione o ai privati gestori di pubblici servizi (art. 40, comma 01, D.P.R. 28 dicembre 2000, n. 445).", "J")
	pdf.Ln(2)
	if d.Type.ValidMonths == 0 {
		p.para(5, "Validità illimitata (art. 41, comma 1, D.P.R. 445/2000).", "L")
	} else {
		p.para(5, "Validità: sei mesi dalla data di rilascio, fino al "+date(d.ExpiresAt)+" (art. 41 D.P.R. 445/2000).", "L")
	}
	pdf.Ln(4)
	p.font("", 11)
	p.line(6, TitleCase(d.Issuer.Comune)+", "+date(d.IssuedAt), "L")
	pdf.Ln(2)
	p.font("B", 10)
	pdf.SetX(pageW/2 - 5)
	pdf.CellFormat(pageW/2-marginX+5, 5, p.s("L'UFFICIALE D'ANAGRAFE"), "", 1, "C", false, 0, "")
	p.font("", 8.5)
	pdf.SetX(pageW/2 - 5)
	pdf.MultiCell(pageW/2-marginX+5, 4, p.s("Documento firmato digitalmente con sigillo elettronico del Comune (artt. 20 e 24 D.Lgs. 82/2005)"), "", "C", false)
}

const qrSize = 34.0 // mm, module size ~0.6 mm for a version 4 code

// qr draws the verification QR code as vector squares with the code and the
// verification address beside it.
func (p *page) qr(d *Document) error {
	text := d.QRText
	if text == "" {
		text = d.VerifyURL
	}
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return fmt.Errorf("templates: qr: %w", err)
	}
	q.DisableBorder = true
	bm := q.Bitmap()
	n := len(bm)
	pdf := p.pdf
	x0, y0 := marginX, pageH-22-qrSize
	mod := qrSize / float64(n)
	pdf.SetFillColor(0, 0, 0)
	for y, row := range bm {
		for x := 0; x < n; {
			if !row[x] {
				x++
				continue
			}
			start := x
			for x < n && row[x] {
				x++
			}
			pdf.Rect(x0+float64(start)*mod, y0+float64(y)*mod, float64(x-start)*mod, mod, "F")
		}
	}
	tx := x0 + qrSize + 6
	tw := pageW - marginX - tx
	pdf.SetXY(tx, y0+2)
	p.font("", 9)
	pdf.MultiCell(tw, 4.5, p.s("Codice di verifica"), "", "L", false)
	pdf.SetX(tx)
	p.font("B", 13)
	pdf.MultiCell(tw, 7, p.s(d.Code), "", "L", false)
	pdf.SetX(tx)
	p.font("", 8.5)
	pdf.MultiCell(tw, 4, p.s("Inquadrare il codice QR o aprire "+d.VerifyURL+" per verificare l'autenticità e la validità del certificato. "+
		"La copia stampata è copia analogica di documento informatico sigillato (art. 23 D.Lgs. 82/2005)."), "", "L", false)
	p.font("", 7.5)
	pdf.SetTextColor(90, 90, 90)
	pdf.SetXY(marginX, pageH-14)
	pdf.CellFormat(bodyW, 4, p.s(fmt.Sprintf("%s - codice %s - rilasciato il %s", d.Type.Title, d.Code, date(d.IssuedAt))), "T", 0, "C", false, 0, "")
	pdf.SetTextColor(0, 0, 0)
	return nil
}

func fullName(p registry.Person) string { return p.Surname + " " + p.Name }

func bornWord(s registry.Sex) string { return "nat" + genderEnd(s) }

func genderEnd(s registry.Sex) string {
	if s == registry.Female {
		return "a"
	}
	return "o"
}

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

func address(a registry.Address) string {
	s := strings.TrimSpace(a.Toponym + " " + a.Street)
	if a.Number != "" {
		s += " n. " + a.Number
	}
	if a.Internal != "" {
		s += " int. " + a.Internal
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

// kinship returns the ANPR table 5 label in the member's gender.
func kinship(m registry.Person) string {
	f := m.Sex == registry.Female
	pick := func(male, female string) string {
		if f {
			return female
		}
		return male
	}
	switch m.Kinship {
	case registry.KinHead:
		return pick("Intestatario", "Intestataria")
	case registry.KinSpouse:
		return pick("Marito", "Moglie")
	case registry.KinChild:
		return pick("Figlio", "Figlia")
	case registry.KinGrandchild:
		return "Nipote (discendente)"
	case registry.KinParent:
		return pick("Padre", "Madre")
	case registry.KinSibling:
		return pick("Fratello", "Sorella")
	case registry.KinSonInLaw:
		return pick("Genero", "Nuora")
	case registry.KinParentInLaw:
		return pick("Suocero", "Suocera")
	case registry.KinCohabitant:
		return "Convivente"
	case registry.KinCivilPartner:
		return pick("Unito civilmente", "Unita civilmente")
	}
	return "Altro"
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

package templates

import (
	"strings"

	"certa.example/certa/templates/i18n"
)

// Wording in the page's languages.
//
// Every fixed text comes from package i18n, on Italian pages too. On a
// bilingual page (page.alt set) a text prints in one of two ways, chosen
// per element:
//   - joined, "italiano / translation": running text (statements,
//     notices), which wraps, and short lines that fit (page.tr, page.trG,
//     page.each);
//   - on two lines, Italian first, where the joined text would overflow
//     its line or cell: the title, the header lines, the holder's birth,
//     the official's title above the seal (page.fit, page.fitKey), and
//     the demo banner, the table heads and the footer always.
//
// The Italian path makes the same fpdf calls as before bilingual pages
// existed, so Italian documents render to the same bytes.

// pair returns key's message in Italian and, on a bilingual page, in the
// second language (tr is "" on an Italian page).
func (p *page) pair(key i18n.Key, female bool, args ...any) (it, tr string) {
	it = i18n.TG(i18n.IT, key, female, args...)
	if p.alt != "" {
		tr = i18n.TG(p.alt, key, female, args...)
	}
	return it, tr
}

// tr returns key's message in the page's languages: the Italian alone, or
// "italiano / translation".
func (p *page) tr(key i18n.Key, args ...any) string {
	if p.alt == "" {
		return i18n.T(i18n.IT, key, args...)
	}
	return i18n.Join(p.langs, key, args...)
}

// trG is tr for a gendered message.
func (p *page) trG(key i18n.Key, female bool, args ...any) string {
	if p.alt == "" {
		return i18n.TG(i18n.IT, key, female, args...)
	}
	return i18n.JoinG(p.langs, key, female, args...)
}

// each returns text(it), or on a bilingual page text(it) + " / " +
// text(alt): for messages whose arguments differ by language (a record's
// description, the comune's name).
func (p *page) each(text func(i18n.Lang) string) string {
	if p.alt == "" {
		return text(i18n.IT)
	}
	return text(i18n.IT) + i18n.Sep + text(p.alt)
}

// fit prints a one-line text in a cell of width w at the current position:
// it alone when tr is empty; else "it / tr" when that fits in the cell, or
// it and tr on two lines. border applies to every line; the position ends
// on the next line at the left margin, as a CellFormat with ln 1.
func (p *page) fit(w, h float64, it, tr, align string) {
	if tr == "" {
		p.pdf.CellFormat(w, h, p.s(it), "", 1, align, false, 0, "")
		return
	}
	p.fitJoined(w, h, it+i18n.Sep+tr, it, tr, align)
}

// fitJoined prints joined on one line when it fits in w, else it and tr on
// two lines.
func (p *page) fitJoined(w, h float64, joined, it, tr, align string) {
	pdf := p.pdf
	if joined := p.s(joined); pdf.GetStringWidth(joined)+2*pdf.GetCellMargin() <= w {
		pdf.CellFormat(w, h, joined, "", 1, align, false, 0, "")
		return
	}
	x := pdf.GetX()
	pdf.CellFormat(w, h, p.s(it), "", 1, align, false, 0, "")
	pdf.SetX(x)
	pdf.CellFormat(w, h, p.s(tr), "", 1, align, false, 0, "")
}

// fitKey prints key's message with fit.
func (p *page) fitKey(w, h float64, key i18n.Key, align string) {
	it, tr := p.pair(key, false)
	p.fit(w, h, it, tr, align)
}

// comuneIn returns the issuing comune's name in lang.
func comuneIn(iss Issuer, lang i18n.Lang) string {
	if lang != i18n.IT && iss.ComuneAlt != "" {
		return iss.ComuneAlt
	}
	return iss.Comune
}

// comuneNames returns the issuing comune's name as data, in whatever
// language the text around it is: "BOLZANO" on an Italian page,
// "BOLZANO/BOZEN" (ISTAT's form) on a bilingual one, or the Italian name
// alone when it already holds the other ("DUINO AURISINA-DEVIN NABREŽINA",
// "COURMAYEUR"). style is applied to each name (TitleCase for running
// text, or nil).
func (p *page) comuneNames(iss Issuer, style func(string) string) string {
	it := iss.Comune
	if style != nil {
		it = style(it)
	}
	alt := iss.ComuneAlt
	if p.alt == "" || alt == "" || strings.Contains(iss.Comune, alt) {
		return it
	}
	if style != nil {
		alt = style(alt)
	}
	return it + "/" + alt
}

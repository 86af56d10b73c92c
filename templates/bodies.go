package templates

import (
	"strconv"
	"strings"
	"time"

	"certa.example/certa/internal/registry"
	"certa.example/certa/templates/i18n"
)

// The bodies of the certificate types: what each certifies, between the
// header ("CERTIFICA") and the closing notices. Each is a few blocks of
// wording, from package i18n, over the shared helpers below; missing
// registry data prints as "-" (the engine's rules refuse a type whose
// data are missing). On a bilingual page the statements print as
// "italiano / translation" in slightly smaller type (bilingual.go).

// Type sizes of the statements: 11 pt on 6.5 mm lines on an Italian page,
// smaller on a bilingual one, whose statements are twice as long.
const (
	stmtSize, stmtH     = 11.0, 6.5
	biStmtSize, biStmtH = 10.5, 5.4
)

// person prints the holder: name, birth, fiscal code, and the citizenship
// when asked.
func (p *page) person(per registry.Person, citizenship bool) {
	if p.personShown {
		return // a contestuale certificate names the holder once
	}
	p.personShown = true
	p.font("", 11)
	p.line(6.5, p.tr(i18n.That), "L")
	p.font("B", 12)
	p.line(7, fullName(per), "L")
	p.labelledPair(i18n.BornIn, i18n.BornOn, female(per), birthPlace(per.BirthPlace), date(per.BirthDate))
	p.labelled(p.tr(i18n.FiscalCode), per.FiscalCode)
	if citizenship {
		p.labelled(p.tr(i18n.Citizenship), per.CitizenshipNames())
	}
	p.pdf.Ln(2)
}

// labelledPair prints a labelled line whose label and value are both
// messages (the value formatted with args): on a bilingual page joined
// on one line when that fits, else one line per language.
func (p *page) labelledPair(label, value i18n.Key, female bool, args ...any) {
	itL, trL := p.pair(label, female)
	itV, trV := p.pair(value, female, args...)
	if trL == "" {
		p.labelled(itL, itV)
		return
	}
	l, v := itL+i18n.Sep+trL, itV+i18n.Sep+trV
	p.font("", 11)
	w := p.pdf.GetStringWidth(p.s(l)) + 2
	p.font("B", 11)
	if w+p.pdf.GetStringWidth(p.s(v))+2*p.pdf.GetCellMargin() <= bodyW {
		p.labelled(l, v)
		return
	}
	p.labelled(itL, itV)
	p.labelled(trL, trV)
}

// statement prints running text in the body's regular style.
func (p *page) statement(text string) {
	if p.alt != "" {
		p.font("", biStmtSize)
		p.para(biStmtH, text, "L")
		return
	}
	p.font("", stmtSize)
	p.para(stmtH, text, "L")
}

// emphasis prints a bold line, e.g. an address.
func (p *page) emphasis(text string) {
	if p.alt != "" {
		p.font("B", biStmtSize)
		p.para(biStmtH, text, "L")
		return
	}
	p.font("B", stmtSize)
	p.para(stmtH, text, "L")
}

// inComune returns "COMUNE (PR), address" for the issuing comune, with
// the comune's name in lang.
func inComune(iss Issuer, lang i18n.Lang, a registry.Address) string {
	return comuneIn(iss, lang) + " (" + iss.Province + "), " + address(a)
}

// residentAt prints the issuing comune and an address in it, as data
// after a statement: "BOLZANO/BOZEN (BZ), VIA ...".
func (p *page) residentAt(iss Issuer, a registry.Address) {
	p.emphasis(p.comuneNames(iss, nil) + " (" + iss.Province + "), " + address(a))
}

func residenzaBody(p *page, d *Document) {
	per := d.Subject.Person
	p.person(per, true)
	p.statement(p.trG(i18n.ResidentStatement, female(per)))
	p.residentAt(d.Issuer, d.Subject.Household.Address)
}

func nascitaBody(p *page, d *Document) {
	per := d.Subject.Person
	p.person(per, false)
	p.statement(p.trG(i18n.BornStatement, female(per), birthPlace(per.BirthPlace), date(per.BirthDate)))
	if r := per.BirthRecord; r != nil {
		p.statement(p.each(func(l i18n.Lang) string { return i18n.T(l, i18n.BirthRecord, record(r, l)) }))
	}
}

func morteBody(p *page, d *Document) {
	per := d.Subject.Person
	p.person(per, false)
	var place registry.Place
	var when time.Time
	if r := per.Removal; r != nil {
		place, when = r.DeathPlace, r.Date
	}
	p.statement(p.trG(i18n.DiedStatement, female(per), orDash(birthPlace(place)), date(when)))
}

func matrimonioBody(p *page, d *Document) {
	per := d.Subject.Person
	p.person(per, false)
	e := lastEvent(per, registry.EventMarriage)
	p.statement(p.trG(i18n.MarriedTo, female(per)))
	p.emphasis(orDash(e.PartnerName))
	p.statement(p.tr(i18n.EventPlaceDate, orDash(birthPlace(e.Place)), date(e.Date)))
	if e.Record != nil {
		p.statement(p.each(func(l i18n.Lang) string { return i18n.T(l, i18n.MarriageRecord, record(e.Record, l)) }))
	}
}

func cancellazioneBody(p *page, d *Document) {
	per := d.Subject.Person
	p.person(per, false)
	reason, when := "-", time.Time{}
	if r := per.Removal; r != nil {
		when = r.Date
		if k, ok := i18n.RemovalReasonKey(r.Reason); ok {
			reason = p.each(func(l i18n.Lang) string { return strings.ToUpper(i18n.T(l, k)) })
		}
	}
	p.statement(p.trG(i18n.RemovedStatement, female(per), date(when)))
	p.emphasis(reason)
}

func cittadinanzaBody(p *page, d *Document) {
	per := d.Subject.Person
	p.person(per, false)
	if per.Italian() {
		p.statement(p.trG(i18n.ItalianCitizen, female(per)))
		if len(per.Citizenships) > 1 {
			p.statement(p.tr(i18n.AlsoCitizenship, otherCitizenships(per)))
		}
		return
	}
	p.statement(p.tr(i18n.HasCitizenship))
	p.emphasis(orDash(per.CitizenshipNames()))
}

func storicoCittadinanzaBody(p *page, d *Document) {
	per := d.Subject.Person
	p.person(per, false)
	p.statement(p.trG(i18n.CitizenshipHistory, female(per)))
	p.pdf.Ln(2)
	t := p.table([]i18n.Key{i18n.HeadCitizenship, i18n.HeadFrom}, []float64{100, bodyW - 100})
	for _, c := range per.Citizenships {
		t.row(c.Name, date(c.Since))
	}
}

func esistenzaBody(p *page, d *Document) {
	per := d.Subject.Person
	p.person(per, false)
	p.statement(p.trG(i18n.AliveStatement, female(per), date(d.IssuedAt)))
}

func storicoResidenzaBody(p *page, d *Document) {
	per := d.Subject.Person
	p.person(per, true)
	p.statement(p.trG(i18n.ResidenceHistory, female(per)))
	p.pdf.Ln(2)
	widths := []float64{25, 25, bodyW - 50}
	if p.alt != "" {
		widths = []float64{25, 31, bodyW - 56} // room for "in corso / laufend"
	}
	t := p.table([]i18n.Key{i18n.HeadFrom, i18n.HeadTo, i18n.HeadAddress}, widths)
	for _, r := range per.Residences {
		to := date(r.To)
		if r.To.IsZero() {
			to = p.tr(i18n.Ongoing)
		}
		t.row(date(r.From), to, address(r.Address))
	}
}

func storicoResidenzaDataBody(p *page, d *Document) {
	per := d.Subject.Person
	p.person(per, true)
	for _, r := range per.Residences {
		if !r.From.After(d.At) && (r.To.IsZero() || d.At.Before(r.To)) {
			p.statement(p.trG(i18n.ResidentOnDate, female(per), date(d.At)))
			p.residentAt(d.Issuer, r.Address)
			return
		}
	}
	p.statement(p.trG(i18n.NotResidentOnDate, female(per), date(d.At)))
}

func residenzaAIREBody(p *page, d *Document) {
	per := d.Subject.Person
	h := d.Subject.Household
	p.person(per, true)
	since := time.Time{}
	consulate := ""
	if a := per.AIRE; a != nil {
		since, consulate = a.Since, a.Consulate
	}
	p.statement(p.trG(i18n.AIREStatement, female(per), date(since)))
	p.emphasis(abroad(h.Address))
	if consulate != "" {
		p.statement(p.tr(i18n.Consulate, consulate))
	}
}

func statoCivileBody(p *page, d *Document) {
	per := d.Subject.Person
	p.person(per, false)
	p.statement(p.tr(i18n.CivilStatusIs))
	p.emphasis(p.each(func(l i18n.Lang) string { return civilStatus(per, l) }))
}

func statoLiberoBody(p *page, d *Document) {
	per := d.Subject.Person
	p.person(per, false)
	p.statement(p.tr(i18n.FreeStatus))
	p.emphasis(p.each(func(l i18n.Lang) string { return civilStatus(per, l) }))
}

func unioneCivileBody(p *page, d *Document) {
	per := d.Subject.Person
	p.person(per, false)
	e := lastEvent(per, registry.EventCivilUnion)
	p.statement(p.trG(i18n.CivilUnionWith, female(per)))
	p.emphasis(orDash(e.PartnerName))
	p.statement(p.tr(i18n.EventPlaceDate, orDash(birthPlace(e.Place)), date(e.Date)))
	if e.Record != nil {
		p.statement(p.each(func(l i18n.Lang) string { return i18n.T(l, i18n.CivilUnionRecord, record(e.Record, l)) }))
	}
}

func contrattoConvivenzaBody(p *page, d *Document) {
	per := d.Subject.Person
	p.person(per, false)
	var c registry.CohabitationContract
	for _, k := range per.Contracts {
		if k.Ended.IsZero() {
			c = k
		}
	}
	p.statement(p.trG(i18n.ContractWith, female(per)))
	p.emphasis(orDash(c.PartnerName))
	p.statement(p.each(func(l i18n.Lang) string {
		text := i18n.T(l, i18n.ContractDates, date(c.Date), date(c.Registered))
		if c.Professional != "" {
			text += i18n.T(l, i18n.ContractAuthenticated, c.Professional)
		}
		return text + "."
	}))
}

func residenzaConvivenzaBody(p *page, d *Document) {
	per := d.Subject.Person
	h := d.Subject.Household
	p.person(per, true)
	kind := ""
	if k, ok := i18n.CohabitationKindKey(h.CohabitationKind); ok {
		kind = " (" + p.each(func(l i18n.Lang) string {
			if l == i18n.DE {
				return i18n.T(l, k) // German nouns keep their capitals
			}
			return strings.ToLower(i18n.T(l, k))
		}) + ")"
	}
	p.statement(p.trG(i18n.CohabitationStatement, female(per)))
	p.emphasis(orDash(h.CohabitationName) + kind)
	p.statement(p.each(func(l i18n.Lang) string { return i18n.T(l, i18n.CohabitationPlace, inComune(d.Issuer, l, h.Address)) }))
}

// family prints the household's members; a third column, headed
// extraHead, is added by extra (in a language), e.g. the kinship. On a
// bilingual page the third column's translation goes on the member's
// second line, beside the fiscal code.
func (p *page) family(intro string, h registry.Household, extraHead i18n.Key, extra func(registry.Person, i18n.Lang) string) {
	p.statement(intro)
	if p.alt != "" {
		p.pdf.Ln(2)
	} else {
		p.pdf.Ln(3)
	}
	heads := []i18n.Key{i18n.HeadName, i18n.HeadBirth}
	widths := []float64{62, bodyW - 62}
	if extra != nil {
		heads = append(heads, extraHead)
		widths = []float64{58, 76, bodyW - 58 - 76}
		if p.alt != "" {
			widths = []float64{58, 68, bodyW - 58 - 68} // room for the translations
		}
	}
	t := p.table(heads, widths)
	t.withNotes = true
	for _, m := range h.Members {
		if m.Removal != nil {
			continue // no longer part of the registered household
		}
		cells := []string{fullName(m), birthPlace(m.BirthPlace) + ", " + date(m.BirthDate)}
		if extra != nil {
			cells = append(cells, extra(m, i18n.IT))
		}
		t.row(cells...)
		note := p.tr(i18n.FiscalCode) + " " + m.FiscalCode
		if extra != nil && p.alt != "" {
			t.noteBeside(note, extra(m, p.alt))
		} else {
			t.note(note)
		}
	}
}

func familyIntro(p *page, d *Document) string {
	name, h := fullName(d.Subject.Person), d.Subject.Household
	return p.each(func(l i18n.Lang) string { return i18n.T(l, i18n.FamilyIntro, name, inComune(d.Issuer, l, h.Address)) })
}

func statoFamigliaBody(p *page, d *Document) {
	p.family(familyIntro(p, d), d.Subject.Household, "", nil)
}

func statoFamigliaParentelaBody(p *page, d *Document) {
	p.family(familyIntro(p, d), d.Subject.Household, i18n.HeadKinship, kinship)
}

func statoFamigliaStatoCivileBody(p *page, d *Document) {
	p.family(familyIntro(p, d), d.Subject.Household, i18n.HeadCivilStatus, civilStatus)
}

func statoFamigliaAIREBody(p *page, d *Document) {
	h := d.Subject.Household
	p.family(p.tr(i18n.FamilyAIREIntro, fullName(d.Subject.Person), abroad(h.Address)), h, i18n.HeadKinship, kinship)
}

// table draws a header row and then rows of cells in the given widths.
type table struct {
	p      *page
	heads  []i18n.Key
	widths []float64
	// withNotes: each row has a note under it, kept on the same page.
	withNotes bool
}

// table starts a table with the heads in the page's languages: on a
// bilingual page the Italian over the translation, in smaller type.
func (p *page) table(heads []i18n.Key, widths []float64) *table {
	p.drawHeads(heads, widths)
	return &table{p: p, heads: heads, widths: widths}
}

// drawHeads prints a table's head row.
func (p *page) drawHeads(heads []i18n.Key, widths []float64) {
	pdf := p.pdf
	pdf.SetFillColor(235, 235, 235)
	p.font("B", 9)
	if p.alt == "" {
		for i, hd := range heads {
			pdf.CellFormat(widths[i], 6.5, p.s(i18n.T(i18n.IT, hd)), "B", 0, "L", true, 0, "")
		}
		pdf.Ln(-1)
		return
	}
	for i, hd := range heads {
		pdf.CellFormat(widths[i], 4.2, p.s(i18n.T(i18n.IT, hd)), "", 0, "L", true, 0, "")
	}
	pdf.Ln(-1)
	p.font("B", 8)
	for i, hd := range heads {
		pdf.CellFormat(widths[i], 3.8, p.s(i18n.T(p.alt, hd)), "B", 0, "L", true, 0, "")
	}
	pdf.Ln(-1)
}

// Heights of a table's rows and of the notes under them; a bilingual
// page packs them a little closer.
const (
	rowH, noteH     = 6.0, 4.5
	biRowH, biNoteH = 5.6, 4.2
)

func (t *table) row(cells ...string) {
	h, n := rowH, noteH
	if t.p.alt != "" {
		h, n = biRowH, biNoteH
	}
	if !t.withNotes {
		n = 0
	}
	if t.p.ensure(h + n) { // the row and its note stay together
		t.p.drawHeads(t.heads, t.widths)
	}
	for i, c := range cells {
		style := ""
		if i == 0 {
			style = "B"
		}
		t.p.font(style, 9.5)
		t.p.pdf.CellFormat(t.widths[i], h, t.p.s(c), "", 0, "L", false, 0, "")
	}
	t.p.pdf.Ln(-1)
}

// note prints a small grey line under a row, e.g. the fiscal code.
func (t *table) note(text string) {
	h := noteH
	if t.p.alt != "" {
		h = biNoteH
	}
	t.p.font("", 8)
	t.p.pdf.SetTextColor(70, 70, 70)
	t.p.pdf.CellFormat(bodyW, h, t.p.s(text), "B", 1, "L", false, 0, "")
	t.p.pdf.SetTextColor(0, 0, 0)
}

// noteBeside prints a note under a row of three columns, with last in
// the third column (bilingual pages).
func (t *table) noteBeside(text, last string) {
	t.p.font("", 8)
	t.p.pdf.SetTextColor(70, 70, 70)
	t.p.pdf.CellFormat(t.widths[0]+t.widths[1], biNoteH, t.p.s(text), "B", 0, "L", false, 0, "")
	t.p.pdf.CellFormat(t.widths[2], biNoteH, t.p.s(last), "B", 1, "L", false, 0, "")
	t.p.pdf.SetTextColor(0, 0, 0)
}

// civilStatus returns ANPR table 1's label in the person's gender, in
// lang, in capitals: "CONIUGATA".
func civilStatus(per registry.Person, lang i18n.Lang) string {
	key, ok := i18n.CivilStatusKey(per.CivilStatus)
	if !ok {
		return "-"
	}
	return strings.ToUpper(i18n.TG(lang, key, female(per)))
}

// lastEvent returns the person's latest civil event of kind, or a zero one.
func lastEvent(per registry.Person, kind registry.CivilEventKind) registry.CivilEvent {
	var out registry.CivilEvent
	for _, e := range per.CivilEvents {
		if e.Kind == kind {
			out = e
		}
	}
	return out
}

// record describes a civil-status act in lang: "n. 12, parte I, serie A,
// anno 1980".
func record(r *registry.CivilRecord, lang i18n.Lang) string {
	s := i18n.T(lang, i18n.RecordNumber, orDash(r.Number))
	if r.Part != "" {
		s += ", " + i18n.T(lang, i18n.RecordPart, r.Part)
	}
	if r.Series != "" {
		s += ", " + i18n.T(lang, i18n.RecordSeries, r.Series)
	}
	if r.Volume != "" {
		s += ", " + i18n.T(lang, i18n.RecordVolume, r.Volume)
	}
	if r.Year != 0 {
		s += ", " + i18n.T(lang, i18n.RecordYear, strconv.Itoa(r.Year))
	}
	return s
}

// abroad prints an address abroad: "MÜNCHEN (GERMANIA), LEOPOLDSTRASSE n. 5 - 80802".
func abroad(a registry.Address) string {
	place := a.Locality
	if a.Country != "" {
		place += " (" + a.Country + ")"
	}
	if rest := address(a); rest != "" {
		place += ", " + rest
	}
	return orDash(strings.TrimSpace(place))
}

func otherCitizenships(per registry.Person) string {
	var out []string
	for _, c := range per.Citizenships {
		if c.StateCode != registry.StateItaly {
			out = append(out, c.Name)
		}
	}
	return strings.Join(out, ", ")
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

package templates

import (
	"fmt"
	"strings"
	"time"

	"certa.example/certa/internal/anpr"
	"certa.example/certa/internal/registry"
)

// The bodies of the certificate types: what each certifies, between the
// header ("CERTIFICA") and the closing notices. Each is a few blocks of
// wording over the shared helpers below; missing registry data prints as
// "-" (the engine's rules refuse a type whose data are missing).

// person prints the holder: name, birth, fiscal code, and the citizenship
// when asked.
func (p *page) person(per registry.Person, citizenship bool) {
	p.font("", 11)
	p.line(6.5, "che", "L")
	p.font("B", 12)
	p.line(7, fullName(per), "L")
	p.labelled(bornWord(per.Sex)+" a", birthPlace(per.BirthPlace)+" il "+date(per.BirthDate))
	p.labelled("codice fiscale", per.FiscalCode)
	if citizenship {
		p.labelled("cittadinanza", per.CitizenshipNames())
	}
	p.pdf.Ln(2)
}

// statement prints running text in the body's regular style.
func (p *page) statement(text string) {
	p.font("", 11)
	p.para(6.5, text, "L")
}

// emphasis prints a bold line, e.g. an address.
func (p *page) emphasis(text string) {
	p.font("B", 11)
	p.para(6.5, text, "L")
}

func residenzaBody(p *page, d *Document) {
	per := d.Subject.Person
	p.person(per, true)
	p.statement("è iscritt" + genderEnd(per.Sex) + " nell'Anagrafe della Popolazione Residente di questo Comune ed è residente in")
	p.emphasis(d.Issuer.Comune + " (" + d.Issuer.Province + "), " + address(d.Subject.Household.Address))
}

func nascitaBody(p *page, d *Document) {
	per := d.Subject.Person
	p.person(per, false)
	p.statement("è " + bornWord(per.Sex) + " a " + birthPlace(per.BirthPlace) + " il " + date(per.BirthDate) + ".")
	if r := per.BirthRecord; r != nil {
		p.statement("Atto di nascita " + record(r) + ".")
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
	p.statement("è decedut" + genderEnd(per.Sex) + " a " + orDash(birthPlace(place)) + " il " + date(when) + ".")
}

func matrimonioBody(p *page, d *Document) {
	per := d.Subject.Person
	p.person(per, false)
	e := lastEvent(per, registry.EventMarriage)
	p.statement("ha contratto matrimonio con")
	p.emphasis(orDash(e.PartnerName))
	p.statement("a " + orDash(birthPlace(e.Place)) + " il " + date(e.Date) + ".")
	if e.Record != nil {
		p.statement("Atto di matrimonio " + record(e.Record) + ".")
	}
}

func cancellazioneBody(p *page, d *Document) {
	per := d.Subject.Person
	p.person(per, false)
	reason, when := "-", time.Time{}
	if r := per.Removal; r != nil {
		when = r.Date
		if s, ok := anpr.RemovalReason(r.Reason); ok {
			reason = s
		}
	}
	p.statement("è stat" + genderEnd(per.Sex) + " cancellat" + genderEnd(per.Sex) +
		" dall'Anagrafe della Popolazione Residente di questo Comune in data " + date(when) + " per il seguente motivo:")
	p.emphasis(strings.ToUpper(reason))
}

func cittadinanzaBody(p *page, d *Document) {
	per := d.Subject.Person
	p.person(per, false)
	if per.Italian() {
		p.statement("è cittadin" + genderEnd(per.Sex) + " italian" + genderEnd(per.Sex) + ".")
		if len(per.Citizenships) > 1 {
			p.statement("Possiede inoltre la cittadinanza: " + otherCitizenships(per) + ".")
		}
		return
	}
	p.statement("è in possesso della cittadinanza:")
	p.emphasis(orDash(per.CitizenshipNames()))
}

func storicoCittadinanzaBody(p *page, d *Document) {
	per := d.Subject.Person
	p.person(per, false)
	p.statement("ha posseduto e possiede le seguenti cittadinanze:")
	p.pdf.Ln(2)
	t := p.table([]string{"Cittadinanza", "Dal"}, []float64{100, bodyW - 100})
	for _, c := range per.Citizenships {
		t.row(c.Name, date(c.Since))
	}
}

func esistenzaBody(p *page, d *Document) {
	per := d.Subject.Person
	p.person(per, false)
	p.statement("è in vita alla data odierna, " + date(d.IssuedAt) + ".")
}

func storicoResidenzaBody(p *page, d *Document) {
	per := d.Subject.Person
	p.person(per, true)
	p.statement("ha avuto in questo Comune le seguenti residenze:")
	p.pdf.Ln(2)
	t := p.table([]string{"Dal", "Al", "Indirizzo"}, []float64{25, 25, bodyW - 50})
	for _, r := range per.Residences {
		to := date(r.To)
		if r.To.IsZero() {
			to = "in corso"
		}
		t.row(date(r.From), to, address(r.Address))
	}
}

func storicoResidenzaDataBody(p *page, d *Document) {
	per := d.Subject.Person
	p.person(per, true)
	for _, r := range per.Residences {
		if !r.From.After(d.At) && (r.To.IsZero() || d.At.Before(r.To)) {
			p.statement("alla data del " + date(d.At) + " era residente in questo Comune in")
			p.emphasis(d.Issuer.Comune + " (" + d.Issuer.Province + "), " + address(r.Address))
			return
		}
	}
	p.statement("alla data del " + date(d.At) + " non risultava residente in questo Comune.")
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
	p.statement("è iscritt" + genderEnd(per.Sex) + " nell'Anagrafe degli Italiani Residenti all'Estero (A.I.R.E.) di questo Comune dal " +
		date(since) + " ed è residente in")
	p.emphasis(abroad(h.Address))
	if consulate != "" {
		p.statement("Ufficio consolare di riferimento: " + consulate + ".")
	}
}

func statoCivileBody(p *page, d *Document) {
	per := d.Subject.Person
	p.person(per, false)
	p.statement("è di stato civile:")
	p.emphasis(civilStatus(per))
}

func statoLiberoBody(p *page, d *Document) {
	per := d.Subject.Person
	p.person(per, false)
	p.statement("è di stato libero, essendo di stato civile:")
	p.emphasis(civilStatus(per))
}

func unioneCivileBody(p *page, d *Document) {
	per := d.Subject.Person
	p.person(per, false)
	e := lastEvent(per, registry.EventCivilUnion)
	p.statement("ha costituito unione civile (L. 20 maggio 2016, n. 76) con")
	p.emphasis(orDash(e.PartnerName))
	p.statement("a " + orDash(birthPlace(e.Place)) + " il " + date(e.Date) + ".")
	if e.Record != nil {
		p.statement("Atto di unione civile " + record(e.Record) + ".")
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
	p.statement("ha stipulato un contratto di convivenza (art. 1, commi 50 e seguenti, L. 20 maggio 2016, n. 76) con")
	p.emphasis(orDash(c.PartnerName))
	text := "in data " + date(c.Date) + ", registrato in anagrafe il " + date(c.Registered)
	if c.Professional != "" {
		text += ", autenticato da " + c.Professional
	}
	p.statement(text + ".")
}

func residenzaConvivenzaBody(p *page, d *Document) {
	per := d.Subject.Person
	h := d.Subject.Household
	p.person(per, true)
	kind := ""
	if s, ok := anpr.CohabitationKind(h.CohabitationKind); ok {
		kind = " (" + strings.ToLower(s) + ")"
	}
	p.statement("è iscritt" + genderEnd(per.Sex) + " nell'Anagrafe della Popolazione Residente di questo Comune ed è residente nella convivenza anagrafica")
	p.emphasis(orDash(h.CohabitationName) + kind)
	p.statement("in " + d.Issuer.Comune + " (" + d.Issuer.Province + "), " + address(h.Address) + ".")
}

// family prints the household's members; columns are added by extra.
func (p *page) family(intro string, h registry.Household, extraHead string, extra func(registry.Person) string) {
	p.statement(intro)
	p.pdf.Ln(3)
	heads := []string{"Cognome e nome", "Luogo e data di nascita"}
	widths := []float64{62, bodyW - 62}
	if extra != nil {
		heads = append(heads, extraHead)
		widths = []float64{58, 76, bodyW - 58 - 76}
	}
	t := p.table(heads, widths)
	for _, m := range h.Members {
		if m.Removal != nil {
			continue // no longer part of the registered household
		}
		cells := []string{fullName(m), birthPlace(m.BirthPlace) + ", " + date(m.BirthDate)}
		if extra != nil {
			cells = append(cells, extra(m))
		}
		t.row(cells...)
		t.note("codice fiscale " + m.FiscalCode)
	}
}

func familyIntro(d *Document) string {
	h := d.Subject.Household
	return "che la famiglia anagrafica di " + fullName(d.Subject.Person) + ", residente in " + d.Issuer.Comune + " (" +
		d.Issuer.Province + "), " + address(h.Address) + ", è così composta:"
}

func statoFamigliaBody(p *page, d *Document) {
	p.family(familyIntro(d), d.Subject.Household, "", nil)
}

func statoFamigliaParentelaBody(p *page, d *Document) {
	p.family(familyIntro(d), d.Subject.Household, "Relazione di parentela", kinship)
}

func statoFamigliaStatoCivileBody(p *page, d *Document) {
	p.family(familyIntro(d), d.Subject.Household, "Stato civile", civilStatus)
}

func statoFamigliaAIREBody(p *page, d *Document) {
	h := d.Subject.Household
	intro := "che la famiglia di " + fullName(d.Subject.Person) + ", iscritta nell'Anagrafe degli Italiani Residenti all'Estero (A.I.R.E.) di questo Comune e residente in " +
		abroad(h.Address) + ", è così composta:"
	p.family(intro, h, "Relazione di parentela", kinship)
}

// table draws a header row and then rows of cells in the given widths.
type table struct {
	p      *page
	widths []float64
}

func (p *page) table(heads []string, widths []float64) *table {
	pdf := p.pdf
	pdf.SetFillColor(235, 235, 235)
	p.font("B", 9)
	for i, hd := range heads {
		pdf.CellFormat(widths[i], 6.5, p.s(hd), "B", 0, "L", true, 0, "")
	}
	pdf.Ln(-1)
	return &table{p: p, widths: widths}
}

func (t *table) row(cells ...string) {
	for i, c := range cells {
		style := ""
		if i == 0 {
			style = "B"
		}
		t.p.font(style, 9.5)
		t.p.pdf.CellFormat(t.widths[i], 6, t.p.s(c), "", 0, "L", false, 0, "")
	}
	t.p.pdf.Ln(-1)
}

// note prints a small grey line under a row, e.g. the fiscal code.
func (t *table) note(text string) {
	t.p.font("", 8)
	t.p.pdf.SetTextColor(70, 70, 70)
	t.p.pdf.CellFormat(bodyW, 4.5, t.p.s(text), "B", 1, "L", false, 0, "")
	t.p.pdf.SetTextColor(0, 0, 0)
}

// civilStatus returns ANPR table 1's label in the person's gender, in
// capitals: "CONIUGATA".
func civilStatus(per registry.Person) string {
	label, ok := anpr.CivilStatus(per.CivilStatus)
	switch {
	case !ok:
		return "-"
	case per.CivilStatus == 9:
		return "NON CLASSIFICABILE"
	}
	if a, b, ok := strings.Cut(label, "/"); ok {
		// "Celibe/Nubile" names both; "Coniugato/a" gives the ending.
		if len(b) > 1 {
			label = a
			if per.Sex == registry.Female {
				label = b
			}
		} else {
			label = a
			if per.Sex == registry.Female {
				label = a[:len(a)-1] + b
			}
		}
	}
	if per.CivilStatus == registry.CivilUnited && per.Sex == registry.Female {
		label = "Unita civilmente"
	}
	return strings.ToUpper(label)
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

// record describes a civil-status act: "n. 12, parte I, serie A, anno 1980".
func record(r *registry.CivilRecord) string {
	s := "n. " + orDash(r.Number)
	if r.Part != "" {
		s += ", parte " + r.Part
	}
	if r.Series != "" {
		s += ", serie " + r.Series
	}
	if r.Volume != "" {
		s += ", volume " + r.Volume
	}
	if r.Year != 0 {
		s += fmt.Sprintf(", anno %d", r.Year)
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

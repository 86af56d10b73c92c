package templates

// The bodies of the certificate types: what each certifies, between the
// header ("CERTIFICA") and the closing notices.

func residenzaBody(p *page, d *Document) {
	per := d.Subject.Person
	p.font("", 11)
	p.line(6.5, "che", "L")
	p.font("B", 12)
	p.line(7, fullName(per), "L")
	p.labelled(bornWord(per.Sex)+" a", birthPlace(per.BirthPlace)+" il "+date(per.BirthDate))
	p.labelled("codice fiscale", per.FiscalCode)
	p.labelled("cittadinanza", per.CitizenshipNames())
	p.pdf.Ln(2)
	p.font("", 11)
	p.line(6.5, "è iscritt"+genderEnd(per.Sex)+" nell'Anagrafe della Popolazione Residente di questo Comune ed è residente in", "L")
	p.font("B", 11)
	p.line(6.5, d.Issuer.Comune+" ("+d.Issuer.Province+"), "+address(d.Subject.Household.Address), "L")
}

func statoFamigliaBody(p *page, d *Document) {
	per := d.Subject.Person
	h := d.Subject.Household
	p.font("", 11)
	p.para(6, "che la famiglia anagrafica di "+fullName(per)+", residente in "+d.Issuer.Comune+" ("+d.Issuer.Province+"), "+address(h.Address)+", è così composta:", "L")
	p.pdf.Ln(3)
	cols := []float64{58, 76, bodyW - 58 - 76}
	pdf := p.pdf
	pdf.SetFillColor(235, 235, 235)
	p.font("B", 9)
	for i, hd := range []string{"Cognome e nome", "Luogo e data di nascita", "Relazione di parentela"} {
		pdf.CellFormat(cols[i], 6.5, p.s(hd), "B", 0, "L", true, 0, "")
	}
	pdf.Ln(-1)
	for _, m := range h.Members {
		if m.Removal != nil {
			continue // no longer part of the registered household
		}
		p.font("B", 9.5)
		pdf.CellFormat(cols[0], 6, p.s(fullName(m)), "", 0, "L", false, 0, "")
		p.font("", 9.5)
		pdf.CellFormat(cols[1], 6, p.s(birthPlace(m.BirthPlace)+", "+date(m.BirthDate)), "", 0, "L", false, 0, "")
		pdf.CellFormat(cols[2], 6, p.s(kinship(m)), "", 1, "L", false, 0, "")
		p.font("", 8)
		pdf.SetTextColor(70, 70, 70)
		pdf.CellFormat(bodyW, 4.5, p.s("codice fiscale "+m.FiscalCode), "B", 1, "L", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	}
}

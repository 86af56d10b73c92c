// Package bollo holds the stamp duty (imposta di bollo) and the destination
// of use of a certificate request: the data, their validation against
// ANPR's rules, and the lines printed on the certificate.
//
// # Contract
//
// A Request is the "bollo" member of an issuance request and states, in
// exactly one of three ways, how the duty is dealt with:
//
//	{"paid":   {"marca": "01234567890123"}}    contrassegno telematico (marca da bollo)
//	{"pagopa": {"iuv": "RF18539007547034"}}    paid through pagoPA
//	{"exempt": {"code": 3}}                    exempt, ANPR table 39 code 1-10
//	{"exempt": {"code": 99, "note": "..."}}    exempt for another reason, described
//
// ParseJSON decodes it strictly: one JSON object, the members and fields
// above only (names match exactly), no repeated names, the right JSON types,
// nothing after the object. Request.Validate checks it together with the
// destination of use (a Use, ANPR's paEstera). Both refuse with an
// *errs.Error of kind errs.InvalidRequest whose public detail starts with a
// stable slug ("bollo-ambiguo: indicare un solo modo ...") and whose cause
// is an *Error with the slug, an English title and the Italian detail; see
// Slugs for the list. Refusals never echo the values sent.
//
// The checks, in order:
//
//   - exactly one of paid, pagopa, exempt (bollo-mancante, bollo-ambiguo);
//   - marca: 14 ASCII digits, the identifier printed on the contrassegno
//     telematico (bollo-marca-non-valida); it has no published check digit;
//   - iuv: 1 to 35 ASCII letters and digits, the pagoPA limit for an IUV
//     (AgID, Specifiche attuative dei codici identificativi di versamento,
//     §2.3, the SEPA remittance limit). An IUV that starts with "RF" and two
//     digits is taken as an ISO 11649 creditor reference (ibid., schema D
//     and Appendice 1): at most 25 characters and valid check digits
//     (ISO 7064 MOD 97-10). The 15- and 17-digit IUVs of payment notices
//     carry mod-93 check digits computed over the notice's aux digit and
//     application or segregation code, which the IUV alone lacks, so they
//     are not checked (bollo-iuv-non-valido);
//   - exempt code: a code of ANPR table 39, 1 to 10 or 99
//     (esenzione-sconosciuta);
//   - note: valid UTF-8 with only the characters XML allows, so no control
//     characters but tab and line breaks (nota-non-valida); at most 256
//     characters, counted as Unicode code points, as XML Schema counts the
//     length of descrizioneEsenzioneBollo (nota-troppo-lunga); required,
//     and not blank, for code 99 (esenzione-99-senza-nota); allowed for the
//     other codes. The note is never printed, as ANPR never prints it;
//   - the destination of use is one of Uses (uso-sconosciuto), and
//     immigration or judicial use requires an exemption
//     (uso-richiede-esenzione). This is the rule ANPR documents; users of
//     ANPR report that its service refuses these uses with an exemption
//     instead (error EN345), see docs/bollo.md.
//
// Request.Line and Use.Line are the lines printed on the certificate; see
// docs/bollo.md for every one of them.
//
// # Sources
//
// ANPR (italia/anpr on GitHub, CC BY 4.0), as copied in
// ../shared/reference: table 39 "Esenzione bollo" (data/, an unmodified
// copy), the 6001 web-service schema (tipoDato.xsd: tipoEsenzione,
// tipoBolloVirtuale, tipoPaEstera, charMax256; vocabolario6001
// certificazione.xsd: datiControllo), and the "Esenzione bolli" checks
// common to every certificate in anpr-controlli. The legal references
// printed for each exemption are table 39's, written out in full. The IUV
// rules are AgID's pagoPA SACI 1.3.1 (italia/pagopa-codici-docs, §2.2,
// §2.3, Appendice 1). SACI 3 (pagopa/devportal-docs) lists only the
// 15- and 17-digit IUVs of payment notices; certa still accepts SACI 1.3's
// free-form and RF schemes. data/ is redistributed unmodified under
// CC BY 4.0; see README.md.
package bollo

import (
	"strings"
	"unicode/utf8"
)

// Request is the stamp duty of an issuance request: exactly one of its
// members is set. The zero Request states nothing and Validate refuses it.
type Request struct {
	Paid   *Paid   `json:"paid,omitempty"`
	PagoPA *PagoPA `json:"pagopa,omitempty"`
	Exempt *Exempt `json:"exempt,omitempty"`
}

// Paid is a duty paid with a contrassegno telematico (marca da bollo).
type Paid struct {
	Marca string `json:"marca"` // its identifier: 14 digits
}

// PagoPA is a duty paid through pagoPA.
type PagoPA struct {
	IUV string `json:"iuv"` // identificativo univoco di versamento
}

// Exempt is an exemption from the duty.
type Exempt struct {
	Code int    `json:"code"`           // ANPR table 39: 1 to 10, or 99
	Note string `json:"note,omitempty"` // required for 99; never printed
}

// members counts the members set.
func (r Request) members() int {
	n := 0
	if r.Paid != nil {
		n++
	}
	if r.PagoPA != nil {
		n++
	}
	if r.Exempt != nil {
		n++
	}
	return n
}

// check validates the request on its own, without the destination of use.
func (r Request) check() error {
	switch r.members() {
	case 0:
		return refuse(SlugMissing, "")
	case 1:
	default:
		return refuse(SlugAmbiguous, "")
	}
	switch {
	case r.Paid != nil:
		if !validMarca(r.Paid.Marca) {
			return refuse(SlugMarca, "")
		}
	case r.PagoPA != nil:
		if ok, detail := checkIUV(r.PagoPA.IUV); !ok {
			return refuse(SlugIUV, detail)
		}
	default:
		return checkExempt(*r.Exempt)
	}
	return nil
}

func checkExempt(e Exempt) error {
	if _, ok := LookupExemption(e.Code); !ok {
		return refuse(SlugUnknownExemption, "")
	}
	if !utf8.ValidString(e.Note) {
		return refuse(SlugNoteInvalid, "")
	}
	for _, c := range e.Note {
		if !xmlChar(c) {
			return refuse(SlugNoteInvalid, "")
		}
	}
	if utf8.RuneCountInString(e.Note) > MaxNoteLen {
		return refuse(SlugNoteTooLong, "")
	}
	if e.Code == CodeOther && strings.TrimSpace(e.Note) == "" {
		return refuse(SlugNoteMissing, "")
	}
	return nil
}

// xmlChar reports whether c is a character XML 1.0 allows (production
// [2] Char); valid UTF-8 holds no surrogates.
func xmlChar(c rune) bool {
	switch {
	case c == '\t' || c == '\n' || c == '\r':
		return true
	case c < 0x20 || c == 0xFFFE || c == 0xFFFF:
		return false
	}
	return true
}

// Validate checks the request for a certificate with that destination of
// use (the zero Use is UseGeneric): the request's own checks first, then
// the destination's. It returns nil or an errs.InvalidRequest refusal
// carrying one of Slugs.
func (r Request) Validate(use Use) error {
	if err := r.check(); err != nil {
		return err
	}
	u, ok := use.info()
	if !ok {
		return refuse(SlugUnknownUse, "")
	}
	if u.exempt && r.Exempt == nil {
		return refuse(SlugUseNeedsExemption, "")
	}
	return nil
}

// Line is the stamp-duty line printed on the certificate:
//
//	Imposta di bollo assolta mediante contrassegno telematico n. 01234567890123
//	Imposta di bollo assolta tramite pagoPA, IUV RF18539007547034
//	Esente dall'imposta di bollo ai sensi dell'art. 9 della Tabella allegato B al D.P.R. 26 ottobre 1972, n. 642 (pensione estera)
//	Esente dall'imposta di bollo                                  (code 99; the note is not printed)
//
// It is "" for a request that Validate would refuse on its own, so that
// unchecked input is never printed.
func (r Request) Line() string {
	if r.check() != nil {
		return ""
	}
	switch {
	case r.Paid != nil:
		return "Imposta di bollo assolta mediante contrassegno telematico n. " + r.Paid.Marca
	case r.PagoPA != nil:
		return "Imposta di bollo assolta tramite pagoPA, IUV " + r.PagoPA.IUV
	}
	e, _ := LookupExemption(r.Exempt.Code)
	return e.Line()
}

// ANPRFields are the request's values for the stamp-duty fields of ANPR's
// 6001 request (datiControllo). The amount of the duty (bollo, in euro
// cents) and the diritti di segreteria are not part of a Request.
type ANPRFields struct {
	// EsenzioneBollo is tipoEsenzione: 0 not exempt, else the table 39 code.
	EsenzioneBollo int
	// DescrizioneEsenzioneBollo is the note, sent for code 99.
	DescrizioneEsenzioneBollo string
	// BolloVirtuale is tipoBolloVirtuale: 2 (bollo assolto tramite
	// contrassegno) for Paid, 9 (altra modalità) for PagoPA, 0 (omit the
	// element, as it is optional) when exempt. 9 for pagoPA is certa's
	// reading: ANPR's value 1 is the "modo virtuale" of art. 15 of D.P.R.
	// 642/1972, an authorisation of the office that issues, not a payment
	// by the citizen.
	BolloVirtuale int
}

// ANPR maps a valid request to the fields of ANPR's 6001 request; the zero
// ANPRFields for a request Validate would refuse on its own.
func (r Request) ANPR() ANPRFields {
	if r.check() != nil {
		return ANPRFields{}
	}
	switch {
	case r.Paid != nil:
		return ANPRFields{BolloVirtuale: 2}
	case r.PagoPA != nil:
		return ANPRFields{BolloVirtuale: 9}
	}
	f := ANPRFields{EsenzioneBollo: r.Exempt.Code}
	if r.Exempt.Code == CodeOther {
		f.DescrizioneEsenzioneBollo = r.Exempt.Note
	}
	return f
}

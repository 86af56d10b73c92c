package bollo

import (
	"errors"

	"certa.example/certa/internal/errs"
)

// The slugs of the refusals: stable, kebab-case Italian, one per reason.
const (
	SlugMissing           = "bollo-mancante"         // no paid, pagopa or exempt
	SlugAmbiguous         = "bollo-ambiguo"          // more than one of them
	SlugMalformed         = "bollo-malformato"       // not the JSON shape (ParseJSON)
	SlugMarca             = "bollo-marca-non-valida" // marca not 14 digits
	SlugIUV               = "bollo-iuv-non-valido"   // IUV format or RF check digits
	SlugUnknownExemption  = "esenzione-sconosciuta"  // code not in table 39
	SlugNoteMissing       = "esenzione-99-senza-nota"
	SlugNoteTooLong       = "nota-troppo-lunga"      // note over 256 characters
	SlugNoteInvalid       = "nota-non-valida"        // note not valid UTF-8 or has control characters
	SlugUnknownUse        = "uso-sconosciuto"        // destination of use not defined
	SlugUseNeedsExemption = "uso-richiede-esenzione" // immigration or judicial use without exemption
)

// refusals gives each slug its English title and its default Italian
// detail, addressed to the citizen.
var refusals = map[string]struct{ title, detail string }{
	SlugMissing: {"Stamp duty not stated",
		"indicare come è assolta l'imposta di bollo: con contrassegno telematico (marca da bollo), con pagamento pagoPA oppure indicando il motivo di esenzione"},
	SlugAmbiguous: {"Stamp duty stated more than once",
		"indicare un solo modo di assolvere l'imposta di bollo: contrassegno telematico, pagamento pagoPA oppure esenzione"},
	SlugMalformed: {"Malformed stamp duty",
		`il bollo deve essere un oggetto JSON con uno solo dei campi "paid", "pagopa" o "exempt"`},
	SlugMarca: {"Invalid revenue stamp number",
		"il numero identificativo del contrassegno telematico (marca da bollo) è formato da 14 cifre, senza spazi"},
	SlugIUV: {"Invalid pagoPA payment code",
		"il codice IUV del pagamento pagoPA non è valido: è formato da al massimo 35 lettere e cifre, senza spazi"},
	SlugUnknownExemption: {"Unknown stamp duty exemption",
		"il motivo di esenzione dall'imposta di bollo non è tra quelli previsti (codici da 1 a 10 e 99)"},
	SlugNoteMissing: {"Exemption reason not described",
		"con il motivo di esenzione 99 (altro motivo di esenzione) occorre descrivere il motivo"},
	SlugNoteTooLong: {"Exemption description too long",
		"la descrizione del motivo di esenzione può contenere al massimo 256 caratteri"},
	SlugNoteInvalid: {"Invalid exemption description",
		"la descrizione del motivo di esenzione contiene caratteri non ammessi"},
	SlugUnknownUse: {"Unknown destination of use",
		"la destinazione d'uso indicata non è prevista; sono ammesse: generic, foreign-pa, immigration, judicial, abroad"},
	SlugUseNeedsExemption: {"Destination of use requires an exemption",
		"il certificato per procedimenti in materia di immigrazione o per cause giudiziarie si rilascia solo in esenzione dall'imposta di bollo: indicare il motivo di esenzione"},
}

// Slugs lists every slug a refusal of this package can carry.
func Slugs() []string {
	return []string{SlugMissing, SlugAmbiguous, SlugMalformed, SlugMarca, SlugIUV,
		SlugUnknownExemption, SlugNoteMissing, SlugNoteTooLong, SlugNoteInvalid,
		SlugUnknownUse, SlugUseNeedsExemption}
}

// Error is the cause of every refusal of this package. The refusal itself
// is an *errs.Error of kind errs.InvalidRequest whose public detail is
// "<slug>: <Detail>", as engine's rules word theirs, and whose Err is the
// *Error: errors.As, or SlugOf, gives the slug and the title. No refusal
// repeats what the client sent (the note may hold personal data).
type Error struct {
	Slug   string // e.g. "bollo-marca-non-valida"
	Title  string // short, in English, e.g. "Invalid revenue stamp number"
	Detail string // the reason, in Italian, for the citizen
}

// Error returns the English title: the errs.Error around it already
// carries the slug and the detail.
func (e *Error) Error() string { return e.Title }

// refuse returns the refusal with that slug; an empty detail takes the
// slug's default.
func refuse(slug, detail string) error {
	r := refusals[slug]
	if detail == "" {
		detail = r.detail
	}
	return errs.Wrap(errs.InvalidRequest, slug+": "+detail, &Error{Slug: slug, Title: r.title, Detail: detail})
}

// SlugOf returns the slug of a refusal of this package, or "".
func SlugOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Slug
	}
	return ""
}

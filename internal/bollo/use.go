package bollo

import "slices"

// Use is the destination of use of a certificate (ANPR's paEstera field of
// the 6001 request). The zero Use is UseGeneric.
type Use string

// The destinations of use, one for each value of ANPR's tipoPaEstera.
const (
	UseGeneric     Use = "generic"     // paEstera 0: no specific destination
	UseForeignPA   Use = "foreign-pa"  // paEstera 1: for a foreign public administration
	UseImmigration Use = "immigration" // paEstera 2: immigration procedures; exempt from bollo
	UseJudicial    Use = "judicial"    // paEstera 3: judicial proceedings; exempt from bollo
	UseAbroad      Use = "abroad"      // paEstera 4: for use abroad
)

type useInfo struct {
	use      Use
	paEstera int
	line     string
	// exempt: ANPR refuses the destination unless the certificate is
	// exempt from bollo ("Esenzione bolli" in anpr-controlli).
	exempt bool
}

// uses is in paEstera order. The lines are ANPR's, verbatim: 2 and 4 from
// tipoPaEstera in tipoDato.xsd of the 6001 schema, 3 from the "Esenzione
// bolli" checks of anpr-controlli (the XSD's text for 3 repeats 2's by
// mistake). ANPR gives no wording for 1.
var uses = []useInfo{
	{UseGeneric, 0, "", false},
	{UseForeignPA, 1, "", false},
	{UseImmigration, 2, "CERTIFICATO RILASCIATO PER PROCEDIMENTI DISCIPLINATI DALLE NORME SULL'IMMIGRAZIONE", true},
	{UseJudicial, 3, "AI SENSI DELL'ART. 40, D.P.R. 445/2000 IL PRESENTE CERTIFICATO E' RILASCIATO PER CAUSE GIUDIZIARIE", true},
	{UseAbroad, 4, "CERTIFICATO RILASCIATO PER L'ESTERO", false},
}

func (u Use) info() (useInfo, bool) {
	if u == "" {
		u = UseGeneric
	}
	i := slices.IndexFunc(uses, func(x useInfo) bool { return x.use == u })
	if i < 0 {
		return useInfo{}, false
	}
	return uses[i], true
}

// Uses lists the destinations of use in the order of ANPR's codes.
func Uses() []Use {
	us := make([]Use, len(uses))
	for i, x := range uses {
		us[i] = x.use
	}
	return us
}

// ParseUse returns the Use named s; "" is UseGeneric. Names are matched
// exactly (lower case). An unknown name is an errs.InvalidRequest error
// with the slug uso-sconosciuto.
func ParseUse(s string) (Use, error) {
	u := Use(s)
	x, ok := u.info()
	if !ok {
		return "", refuse(SlugUnknownUse, "")
	}
	return x.use, nil
}

// UnmarshalText makes a Use decode from a JSON string through ParseUse.
func (u *Use) UnmarshalText(b []byte) error {
	v, err := ParseUse(string(b))
	if err != nil {
		return err
	}
	*u = v
	return nil
}

// Line is ANPR's wording for the destination of use, to be printed on the
// certificate: "" for UseGeneric, for UseForeignPA (ANPR defines none) and
// for an unknown Use.
func (u Use) Line() string {
	x, _ := u.info()
	return x.line
}

// RequiresExemption reports whether ANPR issues a certificate for this
// destination only when it is exempt from bollo: UseImmigration and
// UseJudicial.
func (u Use) RequiresExemption() bool {
	x, _ := u.info()
	return x.exempt
}

// PAEstera returns ANPR's code for the destination (tipoPaEstera, 0 to 4);
// false for an unknown Use.
func (u Use) PAEstera() (int, bool) {
	x, ok := u.info()
	return x.paEstera, ok
}

// Valid reports whether u is one of the destinations of use (or "").
func (u Use) Valid() bool {
	_, ok := u.info()
	return ok
}

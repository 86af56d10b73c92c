package bollo

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"certa.example/certa/internal/errs"
)

// wantSlug fails unless err is a refusal with that slug ("" for nil).
func wantSlug(t *testing.T, err error, slug string) {
	t.Helper()
	if slug == "" {
		if err != nil {
			t.Fatalf("got %v, want no error", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("got no error, want %s", slug)
	}
	if got := SlugOf(err); got != slug {
		t.Fatalf("got slug %q (%v), want %q", got, err, slug)
	}
	if k := errs.KindOf(err); k != errs.InvalidRequest {
		t.Fatalf("kind %v, want invalid-request", k)
	}
	if p := errs.PublicOf(err); !strings.HasPrefix(p, slug+": ") || len(p) <= len(slug)+2 {
		t.Fatalf("public detail %q does not start with %q and a reason", p, slug+": ")
	}
	var e *Error
	if !errors.As(err, &e) || e.Title == "" || e.Detail == "" || e.Error() != e.Title {
		t.Fatalf("cause %#v: want an *Error with a title and a detail", e)
	}
}

func TestExemptionLines(t *testing.T) {
	const tabB = "della Tabella allegato B al D.P.R. 26 ottobre 1972, n. 642"
	for _, tc := range []struct {
		code int
		line string
		fees bool
	}{
		{1, "Esente dall'imposta di bollo ai sensi dell'art. 27-bis " + tabB + " (ONLUS)", false},
		{2, "Esente dall'imposta di bollo ai sensi dell'art. 8-bis " + tabB + " (società sportive)", false},
		{3, "Esente dall'imposta di bollo ai sensi dell'art. 18 del D.P.R. 30 maggio 2002, n. 115 (uso processuale)", false},
		{4, "Esente dall'imposta di bollo ai sensi dell'art. 16 " + tabB + " (consulente tecnico d'ufficio nominato dal Tribunale o dal Pubblico Ministero; curatore fallimentare)", true},
		{5, "Esente dall'imposta di bollo ai sensi dell'art. 13 " + tabB + " (procedimento di interdizione, inabilitazione o amministrazione di sostegno)", false},
		{6, "Esente dall'imposta di bollo ai sensi dell'art. 13 " + tabB + " e dell'art. 82 della L. 4 maggio 1983, n. 184 (adozione, affidamento, tutela dei minori)", true},
		{7, "Esente dall'imposta di bollo ai sensi dell'art. 19 della L. 6 marzo 1987, n. 74 (separazione o divorzio)", true},
		{8, "Esente dall'imposta di bollo ai sensi dell'art. 16, comma 8, della L. 24 dicembre 1993, n. 537 (variazione della toponomastica stradale e della numerazione civica)", false},
		{9, "Esente dall'imposta di bollo ai sensi dell'art. 9 " + tabB + " (pensione estera)", false},
		{10, "Esente dall'imposta di bollo ai sensi dell'art. 16 " + tabB + " (scambio di atti e documenti tra pubbliche amministrazioni)", true},
		{99, "Esente dall'imposta di bollo", false},
	} {
		t.Run(fmt.Sprintf("code_%02d", tc.code), func(t *testing.T) {
			e, ok := LookupExemption(tc.code)
			if !ok {
				t.Fatalf("code %d not found", tc.code)
			}
			if got := e.Line(); got != tc.line {
				t.Errorf("Exemption.Line\n got %q\nwant %q", got, tc.line)
			}
			if e.FeesExempt != tc.fees {
				t.Errorf("FeesExempt = %v, want %v", e.FeesExempt, tc.fees)
			}
			if strings.Contains(e.Description, "SEGRETERIA") || e.Description == "" {
				t.Errorf("Description %q: want the table's text without the annotation", e.Description)
			}
			r := Request{Exempt: &Exempt{Code: tc.code, Note: "nota di prova, mai stampata"}}
			if err := r.Validate(UseGeneric); err != nil {
				t.Fatal(err)
			}
			if got := r.Line(); got != tc.line {
				t.Errorf("Request.Line = %q, want %q", got, tc.line)
			}
			if strings.Contains(r.Line(), "nota") {
				t.Error("the note is printed")
			}
		})
	}
	if n := len(Exemptions()); n != 11 {
		t.Errorf("%d exemptions, want 11", n)
	}
}

func TestLookupExemptionUnknown(t *testing.T) {
	for _, c := range []int{0, -1, 11, 12, 98, 100, 1 << 40} {
		if e, ok := LookupExemption(c); ok {
			t.Errorf("LookupExemption(%d) = %+v, want none", c, e)
		}
	}
	es := Exemptions()
	es[0].Code = 1000 // a copy
	if e, _ := LookupExemption(1); e.Code != 1 {
		t.Error("Exemptions returned the package's slice")
	}
}

// TestTableUpToDate checks that data/ holds an exact copy of table 39 of
// the reference folder, when it is present beside the repository.
func TestTableUpToDate(t *testing.T) {
	const src = "../../../shared/reference/anpr-tabelle/tab_esenzione_bollo.tsv"
	ref, err := os.ReadFile(src)
	if err != nil {
		t.Skipf("reference table not available: %v", err)
	}
	if !bytes.Equal(ref, []byte(tab39)) {
		t.Errorf("data/tab_esenzione_bollo.tsv differs from %s: copy it again (cp %s data/)", src, src)
	}
}

func TestParseTable39Rejects(t *testing.T) {
	good := tab39
	for _, tc := range []struct{ name, text string }{
		{"no licence", strings.Replace(good, "CC-BY 4.0", "", 1)},
		{"other table", strings.Replace(good, "Tabella 39", "Tabella 38", 1)},
		{"header", strings.Replace(good, "ID\tDESCRIZIONE", "ID\tDESC", 1)},
		{"code without wording", strings.Replace(good, "\n99\t", "\n98\t", 1)},
		{"missing code", strings.Replace(good, "\n8\tVARIAZIONE", "\n#8\tVARIAZIONE", 1)},
		{"repeated code", strings.Replace(good, "\n9\tPENSIONE", "\n8\tPENSIONE", 1)},
		{"empty description", strings.Replace(good, "\n99\tALTRO MOTIVO DI ESENZIONE", "\n99\t ", 1)},
		{"extra tab", strings.Replace(good, "\n9\tPENSIONE", "\n9\tPEN\tSIONE", 1)},
		{"leading zero", strings.Replace(good, "\n9\tPENSIONE", "\n09\tPENSIONE", 1)},
		{"unknown annotation", strings.Replace(good, "\n9\tPENSIONE ESTERA", "\n9\tPENSIONE ESTERA - ESENZIONE DIRITTO DI SEGRETERIA: NO -", 1)},
		{"code 0", strings.Replace(good, "\n1\tONLUS", "\n0\tONLUS", 1)},
		{"only a title", "# Tabella 39 - x (CC-BY 4.0)\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.text == good {
				t.Fatal("the test does not change the table")
			}
			if _, err := parseTable39(tc.text); err == nil {
				t.Error("accepted")
			}
		})
	}
	if _, err := parseTable39(good); err != nil {
		t.Fatal(err)
	}
}

func paid(m string) Request     { return Request{Paid: &Paid{Marca: m}} }
func pagopa(iuv string) Request { return Request{PagoPA: &PagoPA{IUV: iuv}} }
func exempt(code int, note string) Request {
	return Request{Exempt: &Exempt{Code: code, Note: note}}
}

func TestRequestLine(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    Request
		line string
	}{
		{"marca", paid("01234567890123"), "Imposta di bollo assolta mediante contrassegno telematico n. 01234567890123"},
		{"pagopa numeric", pagopa("30200000000012345"), "Imposta di bollo assolta tramite pagoPA, IUV 30200000000012345"},
		{"pagopa RF", pagopa("RF18539007547034"), "Imposta di bollo assolta tramite pagoPA, IUV RF18539007547034"},
		{"exempt 99 with note", exempt(99, "Reg. CE 883/2004, art. 80"), "Esente dall'imposta di bollo"},
		{"zero", Request{}, ""},
		{"bad marca is not printed", paid("0123"), ""},
		{"bad IUV is not printed", pagopa("IUV ERRATO"), ""},
		{"unknown code", exempt(42, ""), ""},
		{"99 without note", exempt(99, ""), ""},
		{"ambiguous", Request{Paid: &Paid{Marca: "01234567890123"}, Exempt: &Exempt{Code: 3}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.r.Line(); got != tc.line {
				t.Errorf("Line = %q, want %q", got, tc.line)
			}
		})
	}
}

// TestValidateSlugs reaches every slug Validate can return.
func TestValidateSlugs(t *testing.T) {
	long := strings.Repeat("x", MaxNoteLen+1)
	for _, tc := range []struct {
		name string
		r    Request
		use  Use
		slug string
	}{
		{"paid", paid("01234567890123"), UseGeneric, ""},
		{"zero use is generic", paid("01234567890123"), "", ""},
		{"bollo-mancante", Request{}, UseGeneric, SlugMissing},
		{"bollo-mancante before the use", Request{}, "nessuno", SlugMissing},
		{"bollo-ambiguo paid+pagopa", Request{Paid: &Paid{"01234567890123"}, PagoPA: &PagoPA{"123"}}, UseGeneric, SlugAmbiguous},
		{"bollo-ambiguo pagopa+exempt", Request{PagoPA: &PagoPA{"123"}, Exempt: &Exempt{Code: 3}}, UseJudicial, SlugAmbiguous},
		{"bollo-ambiguo all three", Request{&Paid{"01234567890123"}, &PagoPA{"123"}, &Exempt{Code: 3}}, UseGeneric, SlugAmbiguous},
		{"bollo-ambiguo even if invalid", Request{Paid: &Paid{}, PagoPA: &PagoPA{}}, UseGeneric, SlugAmbiguous},
		{"bollo-marca-non-valida", paid("0123456789012"), UseGeneric, SlugMarca},
		{"bollo-iuv-non-valido", pagopa(""), UseGeneric, SlugIUV},
		{"bollo-iuv-non-valido RF", pagopa("RF19539007547034"), UseGeneric, SlugIUV},
		{"esenzione-sconosciuta 0", exempt(0, ""), UseGeneric, SlugUnknownExemption},
		{"esenzione-sconosciuta 11", exempt(11, "x"), UseGeneric, SlugUnknownExemption},
		{"esenzione-99-senza-nota", exempt(99, ""), UseGeneric, SlugNoteMissing},
		{"esenzione-99-senza-nota blank", exempt(99, " \t\n\u00a0\u3000"), UseGeneric, SlugNoteMissing},
		{"nota-troppo-lunga 99", exempt(99, long), UseGeneric, SlugNoteTooLong},
		{"nota-troppo-lunga 3", exempt(3, long), UseGeneric, SlugNoteTooLong},
		{"nota-non-valida", exempt(99, "a\x00b"), UseGeneric, SlugNoteInvalid},
		{"uso-sconosciuto", paid("01234567890123"), "Generic", SlugUnknownUse},
		{"uso-sconosciuto exempt", exempt(3, ""), "giudiziario", SlugUnknownUse},
		{"uso-richiede-esenzione immigration", paid("01234567890123"), UseImmigration, SlugUseNeedsExemption},
		{"uso-richiede-esenzione judicial", pagopa("30200000000012345"), UseJudicial, SlugUseNeedsExemption},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantSlug(t, tc.r.Validate(tc.use), tc.slug)
		})
	}
}

// TestEverySlugReached checks that the slugs the tests reach are exactly
// Slugs, and that each has a title and a default detail.
func TestEverySlugReached(t *testing.T) {
	if len(refusals) != len(Slugs()) {
		t.Errorf("%d refusals, %d slugs", len(refusals), len(Slugs()))
	}
	for _, s := range Slugs() {
		r, ok := refusals[s]
		if !ok || r.title == "" || r.detail == "" {
			t.Errorf("slug %s: title %q, detail %q", s, r.title, r.detail)
		}
		if strings.ToLower(s) != s || strings.ContainsAny(s, " _") {
			t.Errorf("slug %q is not kebab-case", s)
		}
		wantSlug(t, refuse(s, ""), s)
	}
	if SlugOf(nil) != "" || SlugOf(errors.New("x")) != "" || SlugOf(errs.New(errs.InvalidRequest, "x")) != "" {
		t.Error("SlugOf finds a slug in an error of another package")
	}
}

func TestMarca(t *testing.T) {
	for _, tc := range []struct {
		marca string
		ok    bool
	}{
		{"01234567890123", true},
		{"00000000000000", true},
		{"99999999999999", true},
		{"0123456789012", false},   // 13
		{"012345678901234", false}, // 15
		{"", false},
		{"0123456789012A", false},
		{"01234 67890123", false},
		{" 01234567890123", false},
		{"01234567890123 ", false},
		{"0123456789012-", false},
		{"012345678901٢3", false}, // an Arabic-Indic digit
		{"０1234567890123", false}, // a full-width digit
	} {
		t.Run(tc.marca, func(t *testing.T) {
			slug := ""
			if !tc.ok {
				slug = SlugMarca
			}
			wantSlug(t, paid(tc.marca).Validate(UseGeneric), slug)
		})
	}
}

func TestIUV(t *testing.T) {
	for _, tc := range []struct {
		name, iuv string
		ok        bool
	}{
		{"15 digits, notice with aux digit 0", "123456789012345", true},
		{"17 digits, notice with aux digit 3", "98000000000012345", true},
		{"16 digits, free form", "9876096598656344", true},
		{"1 character", "7", true},
		{"35 alphanumeric", strings.Repeat("aB3", 11) + "Z9", true},
		{"36 characters", strings.Repeat("1", 36), false},
		{"empty", "", false},
		{"space inside", "1234 5678", false},
		{"leading space", " 12345678", false},
		{"dash", "1234-5678", false},
		{"slash", "1234/5678", false},
		{"accented letter", "IUVè1234", false},
		{"NUL", "1234\x005678", false},
		{"RF valid, ISO 11649 example", "RF18539007547034", true},
		{"RF valid, AgID example with a lower-case letter", "RF45w9", true},
		{"RF valid, 25 characters", "RF47" + strings.Repeat("A", 21), true},
		{"RF wrong check digits", "RF19539007547034", false},
		{"RF check digits 00", "RF00539007547034", false},
		{"RF check digits 99", "RF99539007547034", false},
		{"RF check digits of another reference", "RF18539007547035", false},
		{"RF without reference", "RF18", false},
		{"RF 26 characters", "RF18" + strings.Repeat("A", 22), false},
		{"RF printed in groups of four", "RF18 5390 0754 7034", false},
		{"RF then a letter is a free-form IUV", "RFX8539007547034", true},
		{"lower-case rf is a free-form IUV", "rf19539007547034", true},
		{"RF and one digit is a free-form IUV", "RF1", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			slug := ""
			if !tc.ok {
				slug = SlugIUV
			}
			wantSlug(t, pagopa(tc.iuv).Validate(UseGeneric), slug)
		})
	}
}

// TestRFCheckDigits computes check digits as AgID's Appendice 1 does
// (98 minus the reference, "2715" and "00" modulo 97) and checks that
// every choice but the right one is refused.
func TestRFCheckDigits(t *testing.T) {
	for _, ref := range []string{"539007547034", "w9", "A", "0", "ZZZZZZZZZZZZZZZZZZZZZ", "Comune00001"} {
		digits := ""
		for _, c := range strings.ToUpper(ref) + "RF" {
			if c >= '0' && c <= '9' {
				digits += string(c)
			} else {
				digits += fmt.Sprint(int(c-'A') + 10)
			}
		}
		m := 0
		for _, c := range digits + "00" {
			m = (m*10 + int(c-'0')) % 97
		}
		want := 98 - m
		for cd := range 100 {
			s := fmt.Sprintf("RF%02d%s", cd, ref)
			ok, _ := checkIUV(s)
			if ok != (cd == want) {
				t.Errorf("%s: ok = %v, want check digits %02d", s, ok, want)
			}
		}
	}
}

func TestNoteLength(t *testing.T) {
	for _, tc := range []struct {
		name string
		note string
		slug string
	}{
		{"256 ASCII", strings.Repeat("a", 256), ""},
		{"257 ASCII", strings.Repeat("a", 257), SlugNoteTooLong},
		{"256 è (512 bytes)", strings.Repeat("è", 256), ""},
		{"257 è", strings.Repeat("è", 257), SlugNoteTooLong},
		{"255 a and one 4-byte character", strings.Repeat("a", 255) + "😀", ""},
		{"256 a and one 4-byte character", strings.Repeat("a", 256) + "😀", SlugNoteTooLong},
		{"decomposed è counts two code points", strings.Repeat("e\u0300", 128), ""},
		{"decomposed è, one too many", strings.Repeat("e\u0300", 128) + "a", SlugNoteTooLong},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantSlug(t, exempt(99, tc.note).Validate(UseGeneric), tc.slug)
			wantSlug(t, exempt(5, tc.note).Validate(UseGeneric), tc.slug)
		})
	}
}

func TestNoteCharacters(t *testing.T) {
	for _, tc := range []struct {
		name string
		note string
		slug string
	}{
		{"tab and line breaks", "riga uno\r\nriga due\tfine", ""},
		{"C1 control allowed by XML", "a\u0085b", ""},
		{"NUL", "a\x00b", SlugNoteInvalid},
		{"escape", "a\x1bb", SlugNoteInvalid},
		{"form feed", "a\fb", SlugNoteInvalid},
		{"invalid UTF-8", "a\xffb", SlugNoteInvalid},
		{"truncated UTF-8", "a\xc3", SlugNoteInvalid},
		{"U+FFFE", "a\ufffeb", SlugNoteInvalid},
		{"U+FFFF", "a\uffffb", SlugNoteInvalid},
		{"replacement character", "a\ufffdb", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantSlug(t, exempt(99, tc.note).Validate(UseGeneric), tc.slug)
		})
	}
}

// TestUseAndExemption follows ANPR's rule: paEstera 2 and 3 only with an
// exemption; the other destinations with any stamp duty.
func TestUseAndExemption(t *testing.T) {
	requests := []struct {
		name string
		r    Request
	}{
		{"paid", paid("01234567890123")},
		{"pagopa", pagopa("RF18539007547034")},
		{"exempt 3", exempt(3, "")},
		{"exempt 10", exempt(10, "")},
		{"exempt 99", exempt(99, "Reg. CE 883/2004")},
	}
	for _, u := range Uses() {
		for _, rq := range requests {
			t.Run(string(u)+"/"+rq.name, func(t *testing.T) {
				slug := ""
				if (u == UseImmigration || u == UseJudicial) && rq.r.Exempt == nil {
					slug = SlugUseNeedsExemption
				}
				wantSlug(t, rq.r.Validate(u), slug)
			})
		}
	}
}

func TestUses(t *testing.T) {
	for _, tc := range []struct {
		use      Use
		paEstera int
		exempt   bool
		line     string
	}{
		{UseGeneric, 0, false, ""},
		{UseForeignPA, 1, false, ""},
		{UseImmigration, 2, true, "CERTIFICATO RILASCIATO PER PROCEDIMENTI DISCIPLINATI DALLE NORME SULL'IMMIGRAZIONE"},
		{UseJudicial, 3, true, "AI SENSI DELL'ART. 40, D.P.R. 445/2000 IL PRESENTE CERTIFICATO E' RILASCIATO PER CAUSE GIUDIZIARIE"},
		{UseAbroad, 4, false, "CERTIFICATO RILASCIATO PER L'ESTERO"},
	} {
		t.Run(string(tc.use), func(t *testing.T) {
			u, err := ParseUse(string(tc.use))
			if err != nil || u != tc.use {
				t.Fatalf("ParseUse = %q, %v", u, err)
			}
			if got := u.Line(); got != tc.line {
				t.Errorf("Line = %q, want %q", got, tc.line)
			}
			if c, ok := u.PAEstera(); !ok || c != tc.paEstera {
				t.Errorf("PAEstera = %d, %v; want %d", c, ok, tc.paEstera)
			}
			if u.RequiresExemption() != tc.exempt {
				t.Errorf("RequiresExemption = %v", !tc.exempt)
			}
			if !u.Valid() {
				t.Error("not Valid")
			}
		})
	}
	if got := Uses(); len(got) != 5 || got[0] != UseGeneric || got[4] != UseAbroad {
		t.Errorf("Uses = %v", got)
	}
}

func TestParseUse(t *testing.T) {
	if u, err := ParseUse(""); err != nil || u != UseGeneric {
		t.Errorf(`ParseUse("") = %q, %v; want generic`, u, err)
	}
	var zero Use
	if zero.Line() != "" || zero.RequiresExemption() || !zero.Valid() {
		t.Error("the zero Use is not generic")
	}
	if c, ok := zero.PAEstera(); !ok || c != 0 {
		t.Errorf("zero PAEstera = %d, %v", c, ok)
	}
	for _, s := range []string{"Generic", "IMMIGRATION", " judicial", "estero", "0", "2", "paEstera"} {
		t.Run(s, func(t *testing.T) {
			u, err := ParseUse(s)
			wantSlug(t, err, SlugUnknownUse)
			if u != "" {
				t.Errorf("ParseUse = %q with an error", u)
			}
			bad := Use(s)
			if bad.Valid() || bad.Line() != "" || bad.RequiresExemption() {
				t.Error("an unknown Use looks valid")
			}
			if _, ok := bad.PAEstera(); ok {
				t.Error("PAEstera ok for an unknown Use")
			}
		})
	}
}

func TestANPRFields(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    Request
		want ANPRFields
	}{
		{"paid", paid("01234567890123"), ANPRFields{BolloVirtuale: 2}},
		{"pagopa", pagopa("123456789012345"), ANPRFields{BolloVirtuale: 9}},
		{"exempt 7", exempt(7, "non inviata"), ANPRFields{EsenzioneBollo: 7}},
		{"exempt 99", exempt(99, "motivo"), ANPRFields{EsenzioneBollo: 99, DescrizioneEsenzioneBollo: "motivo"}},
		{"invalid", exempt(99, ""), ANPRFields{}},
		{"zero", Request{}, ANPRFields{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.r.ANPR(); got != tc.want {
				t.Errorf("ANPR = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestRefusalsDoNotEcho: no refusal repeats the values sent.
func TestRefusalsDoNotEcho(t *testing.T) {
	const secret = "ROSSIMARIO"
	for _, r := range []Request{
		paid(secret), pagopa(secret + " "), exempt(99, strings.Repeat(secret, 30)),
		exempt(99, secret+"\x00"), exempt(1234, secret),
	} {
		err := r.Validate(UseGeneric)
		if err == nil || strings.Contains(err.Error(), secret) {
			t.Errorf("refusal %v echoes the input", err)
		}
	}
}

// TestDocs checks that docs/bollo.md shows every printed line and slug.
func TestDocs(t *testing.T) {
	b, err := os.ReadFile("../../docs/bollo.md")
	if err != nil {
		t.Skipf("docs not available: %v", err)
	}
	doc := string(b)
	var want []string
	for _, e := range Exemptions() {
		want = append(want, "| "+e.Line()+" |")
	}
	for _, u := range Uses() {
		if l := u.Line(); l != "" {
			want = append(want, "| "+l+" |")
		}
	}
	for _, s := range Slugs() {
		want = append(want, "| `"+s+"` | "+refusals[s].title+" |")
	}
	want = append(want, paid("01234567890123").Line(), pagopa("RF18539007547034").Line())
	for _, w := range want {
		if !strings.Contains(doc, w) {
			t.Errorf("docs/bollo.md lacks %q", w)
		}
	}
}

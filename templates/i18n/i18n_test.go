package i18n

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"certa.example/certa/internal/anpr"
)

// forms returns the masculine and feminine forms of a raw message (the
// same string twice when it is not gendered).
func forms(raw string) []string {
	if m, f, ok := strings.Cut(raw, "|"); ok {
		return []string{m, f}
	}
	return []string{raw, raw}
}

// markers are arguments that cannot occur in any message.
func markers(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = fmt.Sprintf("\x01%d\x02", i+1)
	}
	return out
}

func TestEveryKeyHasAllLanguages(t *testing.T) {
	if n := len(Keys()); n < 100 {
		t.Errorf("only %d keys", n)
	}
	for _, key := range Keys() {
		for _, lang := range Langs() {
			raw, ok := Raw(lang, key)
			if !ok {
				t.Fatalf("Raw(%s, %s) missing", lang, key)
			}
			if strings.Count(raw, "|") > 1 {
				t.Errorf("%s/%s: more than two forms: %q", key, lang, raw)
			}
			for _, f := range forms(raw) {
				switch {
				case strings.TrimSpace(f) == "":
					t.Errorf("%s/%s: empty form in %q", key, lang, raw)
				case f != strings.TrimSpace(f) && key != ContractAuthenticated:
					t.Errorf("%s/%s: leading or trailing space in %q", key, lang, f)
				case strings.Contains(f, "  "):
					t.Errorf("%s/%s: double space in %q", key, lang, f)
				case strings.ContainsAny(f, "\t\n\r"):
					t.Errorf("%s/%s: control character in %q", key, lang, f)
				}
			}
		}
	}
}

// TestArguments checks that every translation uses the arguments of the
// Italian text, each at least once, with only %s verbs.
func TestArguments(t *testing.T) {
	for _, key := range Keys() {
		it, _ := Raw(IT, key)
		n := strings.Count(forms(it)[0], "%")
		args := markers(n)
		for _, lang := range Langs() {
			raw, _ := Raw(lang, key)
			for i, f := range forms(raw) {
				rest := f
				for {
					j := strings.IndexByte(rest, '%')
					if j < 0 {
						break
					}
					rest = rest[j+1:]
					if !strings.HasPrefix(rest, "s") && !(strings.HasPrefix(rest, "[") && len(rest) > 3 && rest[2:4] == "]s") {
						t.Errorf("%s/%s: verb other than %%s or %%[n]s in %q", key, lang, f)
					}
				}
				out := TG(lang, key, i == 1, args...)
				if strings.Contains(out, "%!") {
					t.Errorf("%s/%s: bad format: %q", key, lang, out)
				}
				for _, a := range args {
					if !strings.Contains(out, a.(string)) {
						t.Errorf("%s/%s: argument %q unused in %q", key, lang, a, f)
					}
				}
			}
		}
	}
}

func TestGenderedItalian(t *testing.T) {
	// The Italian words the templates inflect must have both forms.
	for key, want := range map[Key][2]string{
		BornIn:                {"nato a", "nata a"},
		ResidentStatement:     {"è iscritto", "è iscritta"},
		BornStatement:         {"è nato", "è nata"},
		DiedStatement:         {"è deceduto", "è deceduta"},
		RemovedStatement:      {"è stato cancellato", "è stata cancellata"},
		ItalianCitizen:        {"è cittadino italiano.", "è cittadina italiana."},
		AIREStatement:         {"è iscritto", "è iscritta"},
		CohabitationStatement: {"è iscritto", "è iscritta"},
		"civilstatus.1":       {"Celibe", "Nubile"},
		"civilstatus.2":       {"Coniugato", "Coniugata"},
		"civilstatus.6":       {"Unito civilmente", "Unita civilmente"},
		"kinship.1":           {"Intestatario", "Intestataria"},
		"kinship.2":           {"Marito", "Moglie"},
		"kinship.28":          {"Unito civilmente", "Unita civilmente"},
	} {
		m, f := TG(IT, key, false, "X", "Y"), TG(IT, key, true, "X", "Y")
		if !strings.HasPrefix(m, want[0]) || !strings.HasPrefix(f, want[1]) {
			t.Errorf("%s: got %q / %q, want %q / %q", key, m, f, want[0], want[1])
		}
	}
}

// TestANPRTables checks the keys of the code tables against the embedded
// ANPR tables: every code has a key, and the Italian text of tables 15 and
// 27 is ANPR's label.
func TestANPRTables(t *testing.T) {
	for _, e := range anpr.TabCivilStatus.Entries() {
		if _, ok := CivilStatusKey(e.Code); !ok {
			t.Errorf("no key for civil status %d %q", e.Code, e.Label)
		}
	}
	for _, e := range anpr.TabRemovalReason.Entries() {
		k, ok := RemovalReasonKey(e.Code)
		if !ok {
			t.Errorf("no key for removal reason %d %q", e.Code, e.Label)
			continue
		}
		if got := T(IT, k); got != e.Label {
			t.Errorf("removal reason %d: Italian %q, ANPR %q", e.Code, got, e.Label)
		}
	}
	for _, e := range anpr.TabCohabitationKind.Entries() {
		k, ok := CohabitationKindKey(e.Code)
		if !ok {
			t.Errorf("no key for cohabitation kind %d %q", e.Code, e.Label)
			continue
		}
		if got := T(IT, k); got != e.Label {
			t.Errorf("cohabitation kind %d: Italian %q, ANPR %q", e.Code, got, e.Label)
		}
	}
	for _, code := range []int{1, 2, 3, 4, 6, 9, 16, 17, 23, 28} {
		k := KinshipKey(code)
		if k == KinOther {
			t.Errorf("no key for kinship %d", code)
		}
		if _, ok := anpr.Kinship(code); !ok {
			t.Errorf("kinship %d is not in ANPR table 5", code)
		}
	}
	if KinshipKey(13) != KinOther || KinshipKey(0) != KinOther {
		t.Error("KinshipKey of an unnamed code is not KinOther")
	}
	if _, ok := RemovalReasonKey(99); ok {
		t.Error("RemovalReasonKey(99) found")
	}
}

func TestParseLanguages(t *testing.T) {
	for in, want := range map[string][]Lang{
		"it":      {IT},
		"it-de":   {IT, DE},
		"it-fr":   {IT, FR},
		"it-sl":   {IT, SL},
		" IT-DE ": {IT, DE},
	} {
		got, err := ParseLanguages(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("ParseLanguages(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "de", "de-it", "it-en", "it-de-fr", "it_de", "it-", "fr", "sl-it", "it-it"} {
		if got, err := ParseLanguages(in); err == nil {
			t.Errorf("ParseLanguages(%q) = %v, want an error", in, got)
		}
	}
}

func TestFormatting(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{Join([]Lang{IT, DE}, Certifies), "CERTIFICA / BESCHEINIGT"},
		{Join([]Lang{IT}, Certifies), "CERTIFICA"},
		{JoinG([]Lang{IT, DE}, BornIn, true), "nata a / geboren in"},
		{JoinG([]Lang{IT, FR}, BornIn, true), "nata a / née à"},
		{JoinG([]Lang{IT, SL}, BornIn, false), "nato a / rojen v kraju"},
		{Join([]Lang{IT, SL}, BornIn), "nato a / rojen v kraju"},
		{T(DE, BornOn, "BOZEN (BZ)", "01/02/1980"), "BOZEN (BZ) am 01/02/1980"},
		{T(DE, BornStatement, "BOZEN (BZ)", "01/02/1980"), "am 01/02/1980 in BOZEN (BZ) geboren ist."},
		{TG(IT, BornStatement, true, "LODI (LO)", "01/02/1980"), "è nata a LODI (LO) il 01/02/1980."},
		{Join([]Lang{IT, FR}, ComuneOf, "AOSTA"), "COMUNE DI AOSTA / COMMUNE D'AOSTA"},
		{T(FR, ComuneOf, "AOSTE"), "COMMUNE D'AOSTE"},
		{T(FR, ComuneOf, "ÉTROUBLES"), "COMMUNE D'ÉTROUBLES"},
		{T(FR, ComuneOf, "HÔNE"), "COMMUNE DE HÔNE"},
		{T(FR, ComuneOf, "LA THUILE"), "COMMUNE DE LA THUILE"},
		{T(FR, FamilyIntro, "ABATE MARIA", "AOSTE"), "que la famille d'ABATE MARIA, inscrite au registre de la population et résidant à AOSTE, est composée comme suit :"},
		{T(SL, ComuneOf, "DEVIN NABREŽINA"), "OBČINA DEVIN NABREŽINA"},
		{T(DE, Footer, "FAMILIENBOGEN", "ABC", "01/02/2026"), "FAMILIENBOGEN - Code ABC - ausgestellt am 01/02/2026"},
		{TG(SL, KinshipKey(2), true), "Žena"},
		{TG(IT, KinshipKey(99), true), "Altro"},
		{T(DE, "no.such.key"), "[no.such.key]"},
		{T("en", Certifies), "CERTIFICA"},
		{T(IT, TitleKey("residenza")), "CERTIFICATO DI RESIDENZA"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestElide(t *testing.T) {
	for _, tc := range []struct {
		f    string
		args []any
		want string
	}{
		{"de %s", []any{"AOSTE"}, "d'%s"},
		{"DE %s", []any{"AOSTE"}, "D'%s"},
		{"que %s", []any{"ANNA"}, "qu'%s"},
		{"Monde %s", []any{"A"}, "Monde %s"}, // not the word "de"
		{"de %s", []any{"BARD"}, "de %s"},
		{"%s de %s", []any{"x", "ISSIME"}, "%s d'%s"},
		{"de %[2]s, de %[1]s", []any{"AYAS", "BARD"}, "de %[2]s, d'%[1]s"},
		{"de %s", nil, "de %s"},
	} {
		if got := elide(tc.f, tc.args); got != tc.want {
			t.Errorf("elide(%q, %v) = %q, want %q", tc.f, tc.args, got, tc.want)
		}
	}
}

func TestLang(t *testing.T) {
	for _, l := range Langs() {
		if !l.Valid() {
			t.Errorf("%s not valid", l)
		}
	}
	if Lang("en").Valid() || Lang("IT").Valid() {
		t.Error("invalid language accepted")
	}
	if !Has(Certifies) || Has("nope") {
		t.Error("Has")
	}
}

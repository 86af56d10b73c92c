package comuni

import (
	"strings"
	"testing"
)

func TestSecondLanguage(t *testing.T) {
	for _, tc := range []struct {
		name, code string
		lang, alt  string
		ok         bool
	}{
		{"BOLZANO", "A952", "de", "BOZEN", true},
		{"MERANO", "F132", "de", "MERAN", true},
		{"AOSTA", "A326", "fr", "AOSTE", true},
		// No ALTRADENOMINAZIONE: the official name is French.
		{"COURMAYEUR", "D012", "fr", "COURMAYEUR", true},
		{"DUINO AURISINA", "D383", "sl", "DEVIN NABREŽINA", true},
		{"SAN DORLIGO DELLA VALLE", "D324", "sl", "DOLINA", true},
		{"SAN FLORIANO DEL COLLIO", "H845", "sl", "ŠTEVERJAN", true},
		{"SAVOGNA D'ISONZO", "I479", "sl", "SOVODNJE OB SOČI", true},
		{"TRIESTE", "L424", "sl", "TRST", true},
		{"GORIZIA", "E098", "sl", "GORICA", true},
		{"TARVISIO", "L057", "sl", "TRBIZ", true}, // sic: the archive drops the caron of TRBIŽ
		{"LODI", "E648", "", "", false},
		{"MILANO", "F205", "", "", false},
		// In the table of L. 38/2001 but without a Slovenian name in the archive.
		{"CORMONS", "D014", "", "", false},
		// Ladin names are not reported.
		{"CANAZEI", "B579", "", "", false},
		{"UDINE", "L483", "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, found := Current(tc.code)
			if !found {
				t.Fatalf("Current(%s) not found", tc.code)
			}
			if !strings.HasPrefix(c.Name, tc.name) {
				t.Fatalf("Current(%s).Name = %q, want %s", tc.code, c.Name, tc.name)
			}
			lang, alt, ok := c.SecondLanguage()
			if lang != tc.lang || alt != tc.alt || ok != tc.ok {
				t.Errorf("%s.SecondLanguage() = %q, %q, %v; want %q, %q, %v", c.Name, lang, alt, ok, tc.lang, tc.alt, tc.ok)
			}
		})
	}
}

func TestSecondLanguageHistoric(t *testing.T) {
	// Courmayeur was CORMAIORE from 1939 to 1946: no French name then.
	c, ok := ByCadastral("D012", day(1942, 1, 1))
	if !ok || c.Name != "CORMAIORE" {
		t.Fatalf("ByCadastral(D012, 1942) = %+v, %v", c, ok)
	}
	if lang, name, ok := c.SecondLanguage(); ok {
		t.Errorf("CORMAIORE.SecondLanguage() = %q, %q, true; want none", lang, name)
	}
	// Aosta, in the province of Torino until 1927, had its French name on
	// record, but TO is not a bilingual province.
	c, ok = ByCadastral("A326", day(1900, 1, 1))
	if !ok || c.Province != "TO" {
		t.Fatalf("ByCadastral(A326, 1900) = %+v, %v", c, ok)
	}
	if _, _, ok := c.SecondLanguage(); ok {
		t.Errorf("AOSTA (TO) in 1900 reports a second language")
	}
	// Bolzano in 1960: German name on record.
	c, _ = ByCadastral("A952", day(1960, 1, 1))
	if lang, name, ok := c.SecondLanguage(); !ok || lang != "de" || name != "BOZEN" {
		t.Errorf("BOLZANO in 1960: %q, %q, %v", lang, name, ok)
	}
}

// TestSecondLanguageCoverage checks the rule against the whole archive:
// every comune in force in BZ and AO has a second language, the Slovenian
// names are clean, and no other province has one.
func TestSecondLanguageCoverage(t *testing.T) {
	count := map[string]int{}
	for _, c := range data().comuni {
		lang, name, ok := c.SecondLanguage()
		if !c.InForce() {
			if ok && strings.ContainsAny(name, "\t\n") {
				t.Errorf("%s: bad name %q", c.Name, name)
			}
			continue
		}
		switch c.Province {
		case "BZ", "AO":
			if !ok {
				t.Errorf("%s (%s) has no second language", c.Name, c.Province)
			}
		case "TS", "GO", "UD":
		default:
			if ok {
				t.Errorf("%s (%s) has second language %s %q", c.Name, c.Province, lang, name)
			}
		}
		if !ok {
			continue
		}
		count[lang]++
		if name != strings.TrimSpace(name) || strings.Contains(name, "COMUNE") || strings.Contains(name, "OBCINA") {
			t.Errorf("%s: unclean second-language name %q", c.Name, name)
		}
	}
	want := map[string]int{"de": 116, "fr": 74, "sl": 12}
	for lang, n := range want {
		if count[lang] != n {
			t.Errorf("%d comuni in force with %s, want %d", count[lang], lang, n)
		}
	}
}

func TestSlovenianName(t *testing.T) {
	for in, want := range map[string]string{
		"COMUNE DI DUINO AURISINA-OBCINA DEVIN NABREŽINA":    "DEVIN NABREŽINA",
		"COMUNE DI SAVOGNA D'ISONZO-OBCINA SOVODNJE OB SOČI": "SOVODNJE OB SOČI",
		"TRST":               "TRST",
		"COMUNE DI QUALCOSA": "COMUNE DI QUALCOSA",
		"":                   "",
	} {
		if got := slovenianName(in); got != want {
			t.Errorf("slovenianName(%q) = %q, want %q", in, got, want)
		}
	}
}

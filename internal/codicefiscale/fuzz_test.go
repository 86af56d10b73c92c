package codicefiscale

import (
	"testing"
	"time"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/registry"
)

// FuzzParse checks that Parse never panics, that what it accepts is a
// canonical code with a valid check character that round-trips, and that
// what it rejects gets one of the fixed messages.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"RSSMRA85T10A562S", "rssmra85t10a562s", " RSSMRA85T10A562S ", "RSSMRAURTMLARSNL",
		"BNCMRA90C55H501Y", "HUXLIX99S45Z210Y", "DLCNMR72B69L219Z", "RSSMRA85T10A562T",
		"RSSMRA85T32A562S", "RSSMRA85T10 A562S", "RSSMRÀ5T10A562S", "", "0000000000000000",
	} {
		f.Add(s)
	}
	messages := map[string]bool{msgLength: true, msgFormat: true, msgDate: true, msgCheck: true}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil {
			if errs.KindOf(err) != errs.InvalidFiscalCode || !messages[errs.PublicOf(err)] {
				t.Fatalf("Parse error %q: unexpected kind or message", err)
			}
			if c != "" {
				t.Fatalf("Parse returned %q with an error", c)
			}
			return
		}
		str := c.String()
		if len(str) != 16 {
			t.Fatalf("Parse returned %d characters", len(str))
		}
		for i := range len(str) {
			if !isUpper(str[i]) && !isDigit(str[i]) {
				t.Fatalf("Parse returned %q: not upper-case letters and digits", str)
			}
		}
		if checkChar([]byte(str[:15])) != str[15] {
			t.Fatalf("Parse accepted %q with a wrong check character", str)
		}
		again, err := Parse(str)
		if err != nil || again != c {
			t.Fatalf("Parse(%q) = %q, %v; want it back", str, again, err)
		}
		if sex := c.Sex(); sex != registry.Male && sex != registry.Female {
			t.Fatalf("Sex = %q", sex)
		}
		if p := c.PlaceCode(); !validPlace(p) {
			t.Fatalf("PlaceCode = %q", p)
		}
		if b := c.BirthDate(now); b.After(now) || b.Before(now.AddDate(-100, 0, 0)) {
			// Zero only for 29 February of a year 00 that was not leap.
			if !b.IsZero() || string(c[8]) != "B" {
				t.Fatalf("BirthDate = %s", b)
			}
		}
		// Every omocodia variant decodes to the same data.
		base := Omocodia(c, 0)
		for level := range MaxOmocodia + 1 {
			o := Omocodia(c, level)
			if o == "" {
				t.Fatalf("Omocodia(%q, %d) is empty", c, level)
			}
			if Omocodia(o, 0) != base || o.Sex() != c.Sex() || o.PlaceCode() != c.PlaceCode() ||
				!o.BirthDate(now).Equal(c.BirthDate(now)) {
				t.Fatalf("Omocodia(%q, %d) = %q decodes differently", c, level, o)
			}
		}
	})
}

// FuzzCompute checks that Compute never panics and that what it returns
// parses back to the data it was given.
func FuzzCompute(f *testing.F) {
	f.Add("ROSSI", "MARIO", true, int64(502_000_000), "A562")
	f.Add("D'ANGELO", "NICOLÒ", false, int64(0), "Z129")
	f.Add("ȘERBAN", "ИВАН", true, int64(-2_000_000_000), "F205")
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, surname, name string, male bool, unix int64, place string) {
		sex := registry.Female
		if male {
			sex = registry.Male
		}
		birth := time.Unix(unix, 0).UTC()
		c, err := Compute(surname, name, sex, birth, place)
		if err != nil {
			if errs.KindOf(err) != errs.InvalidRequest {
				t.Fatalf("Compute error %q: unexpected kind", err)
			}
			return
		}
		p, err := Parse(c.String())
		if err != nil || p != c {
			t.Fatalf("Parse(Compute) = %q, %v", p, err)
		}
		if p.Sex() != sex || p.PlaceCode() != place {
			t.Fatalf("%s decodes to %s %s", p, p.Sex(), p.PlaceCode())
		}
		if y, m, d := birth.Date(); birth.Before(now) && birth.After(now.AddDate(-99, 0, 0)) {
			if b := p.BirthDate(now); !b.Equal(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)) {
				t.Fatalf("%s decodes to birth %s, want %s", p, b, birth)
			}
		}
	})
}

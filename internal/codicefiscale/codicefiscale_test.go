package codicefiscale

import (
	"strings"
	"testing"
	"time"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/registry"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// The check character of RSSMRA85T10A562S, by hand. Positions are counted
// from 1; odd positions use the odd table, even ones the letter's (or
// digit's) ordinal:
//
//	odd:  R=8 S=12 R=8 8=19 T=14 0=1 5=13 2=5  sum 80
//	even: S=18 M=12 A=0 5=5 1=1 A=0 6=6        sum 42
//	(80+42) mod 26 = 122 mod 26 = 18 -> S
//
// Its first omocodia variant replaces the last digit, 2, with N: the 15th
// (odd) position is worth N=20 instead of 2=5, so 137 mod 26 = 7 -> H.
//
// The other vectors were computed with this package and, independently,
// with a separate implementation written from the decree's tables.
var vectors = []struct {
	name    string
	surname string
	given   string
	sex     registry.Sex
	birth   time.Time
	place   string
	want    Code
}{
	// The example of most guides. A562 is SAN GIULIANO TERME (PI) in the
	// ANPR archive, not Bagno a Ripoli (A564), as some guides say.
	{"Mario Rossi", "ROSSI", "MARIO", registry.Male, day(1985, 12, 10), "A562", "RSSMRA85T10A562S"},
	// The example of the Italian Wikipedia, born in Milano.
	{"Matteo Moretti", "MORETTI", "MATTEO", registry.Male, day(1925, 4, 9), "F205", "MRTMTT25D09F205Z"},
	// Women: day + 40 (15 -> 55).
	{"female day plus 40", "BIANCHI", "MARIA", registry.Female, day(1990, 3, 15), "H501", "BNCMRA90C55H501Y"},
	{"female first of month", "AIA", "EOE", registry.Female, day(1950, 5, 1), "A001", "AIAEOE50E41A001E"},
	// Apostrophe in the surname, accent in the name.
	{"apostrophe and accent", "D'ANGELO", "NICOLÒ", registry.Male, day(2001, 1, 1), "F839", "DNGNCL01A01F839L"},
	// Space in the surname; a name with 4 consonants (N N M R) takes the
	// 1st, 3rd and 4th; 29 February.
	{"space and name rule", "DE LUCA", "ANNA MARIA", registry.Female, day(1972, 2, 29), "L219", "DLCNMR72B69L219Z"},
	// GIANFRANCO: consonants G N F R N C -> G F R.
	{"name with six consonants", "ESPOSITO", "GIANFRANCO", registry.Male, day(1960, 7, 31), "F839", "SPSGFR60L31F839P"},
	// Short names padded with X; born in China (Z210).
	{"X padding and foreign birth", "HU", "LI", registry.Female, day(1999, 11, 5), "Z210", "HUXLIX99S45Z210Y"},
	// Romanian Ș counts as S; born in Romania (Z129).
	{"comma-below S", "POPESCU", "ȘTEFAN", registry.Male, day(1988, 6, 20), "Z129", "PPSSFN88H20Z129N"},
	{"accented surname", "CANTÙ", "BEATRICE", registry.Female, day(2010, 9, 30), "F205", "CNTBRC10P70F205Z"},
	{"two-letter surname", "FO", "DARIO", registry.Male, day(1926, 3, 24), "E734", "FOXDRA26C24E734T"},
	// Lower case, decomposed accent (U+0301), curly apostrophe: same code
	// as the plain spelling.
	{"lower case and odd spelling", "d’angelo", "nicolo\u0301", registry.Male, day(2001, 1, 1), "F839", "DNGNCL01A01F839L"},
}

func TestCompute(t *testing.T) {
	for _, tc := range vectors {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Compute(tc.surname, tc.given, tc.sex, tc.birth, tc.place)
			if err != nil {
				t.Fatalf("Compute: %v", err)
			}
			if got != tc.want {
				t.Errorf("Compute = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestComputeUsesTheDateInItsLocation(t *testing.T) {
	// 23:30 on 10 December in UTC-5 is 11 December in UTC: the calendar
	// date as given counts.
	birth := time.Date(1985, 12, 10, 23, 30, 0, 0, time.FixedZone("UTC-5", -5*3600))
	got, err := Compute("ROSSI", "MARIO", registry.Male, birth, "A562")
	if err != nil || got != "RSSMRA85T10A562S" {
		t.Errorf("Compute = %s, %v; want RSSMRA85T10A562S", got, err)
	}
}

func TestComputeErrors(t *testing.T) {
	for _, tc := range []struct {
		name                  string
		surname, given, place string
		sex                   registry.Sex
		birth                 time.Time
	}{
		{"empty surname", "", "MARIO", "F205", registry.Male, day(1980, 1, 1)},
		{"surname without letters", "' -", "MARIO", "F205", registry.Male, day(1980, 1, 1)},
		{"empty name", "ROSSI", "", "F205", registry.Male, day(1980, 1, 1)},
		{"Cyrillic surname", "ИВАНОВ", "MARIO", "F205", registry.Male, day(1980, 1, 1)},
		{"Han name", "HU", "李", "F205", registry.Male, day(1980, 1, 1)},
		{"no sex", "ROSSI", "MARIO", "F205", "", day(1980, 1, 1)},
		{"bad sex", "ROSSI", "MARIO", "F205", "X", day(1980, 1, 1)},
		{"short place", "ROSSI", "MARIO", "F20", registry.Male, day(1980, 1, 1)},
		{"lower-case place", "ROSSI", "MARIO", "f205", registry.Male, day(1980, 1, 1)},
		{"omocodia in place", "ROSSI", "MARIO", "F2L5", registry.Male, day(1980, 1, 1)},
		{"zero birth date", "ROSSI", "MARIO", "F205", registry.Male, time.Time{}},
		{"born before 1800", "ROSSI", "MARIO", "F205", registry.Male, day(1799, 12, 31)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Compute(tc.surname, tc.given, tc.sex, tc.birth, tc.place)
			if err == nil {
				t.Fatalf("Compute = %s, want an error", c)
			}
			if k := errs.KindOf(err); k != errs.InvalidRequest {
				t.Errorf("kind = %v, want %v", k, errs.InvalidRequest)
			}
			for _, s := range []string{tc.surname, tc.given} {
				if len(s) > 1 && strings.Contains(err.Error(), s) {
					t.Errorf("error %q contains the input %q", err, s)
				}
			}
		})
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     Code
	}{
		{"plain", "RSSMRA85T10A562S", "RSSMRA85T10A562S"},
		{"lower case", "rssmra85t10a562s", "RSSMRA85T10A562S"},
		{"surrounding space", " \tRSSMRA85T10A562S\n", "RSSMRA85T10A562S"},
		{"female", "BNCMRA90C55H501Y", "BNCMRA90C55H501Y"},
		{"omocodia level 1", "RSSMRA85T10A56NH", "RSSMRA85T10A56NH"},
		{"omocodia level 7", "RSSMRAURTMLARSNL", "RSSMRAURTMLARSNL"},
		{"29 February", "DLCNMR72B69L219Z", "DLCNMR72B69L219Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.in)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got != tc.want || got.String() != string(tc.want) {
				t.Errorf("Parse = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in, msg string
	}{
		{"empty", "", msgLength},
		{"short", "RSSMRA85T10A562", msgLength},
		{"long", "RSSMRA85T10A562SS", msgLength},
		{"inner space", "RSSMRA85T10 A562S", msgLength},
		{"inner space, 16 bytes", "RSSMRA 5T10A562S", msgLength},
		{"punctuation", "RSSMRA85T10A562.", msgLength},
		{"non-ASCII letter", "RSSMRÀ5T10A562S", msgLength},
		{"long s folds to S elsewhere", "RSSMRA85T10A562ſ", msgLength},
		{"wrong check character", "RSSMRA85T10A562T", msgCheck},
		{"digit as check character", "RSSMRA85T10A5620", msgFormat},
		{"digit in surname", "R5SMRA85T10A562S", msgFormat},
		{"letter in year", "RSSMRA8AT10A562S", msgFormat},
		{"bad month letter", "RSSMRA85F10A562S", msgFormat},
		{"digit as month", "RSSMRA85110A562S", msgFormat},
		{"digit as place letter", "RSSMRA85T101562S", msgFormat},
		{"letter in place digits", "RSSMRA85T10AB62S", msgFormat},
		{"day 00", "RSSMRA85T00A562S", msgDate},
		{"day 32", "RSSMRA85T32A562S", msgDate},
		{"day 40", "RSSMRA85T40A562S", msgDate},
		{"day 72", "RSSMRA85T72A562S", msgDate},
		{"31 April", "RSSMRA85D31A562S", msgDate},
		{"30 February for a woman", "RSSMRA85B70A562S", msgDate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse(tc.in)
			if err == nil {
				t.Fatalf("Parse = %s, want an error", c)
			}
			if k := errs.KindOf(err); k != errs.InvalidFiscalCode {
				t.Errorf("kind = %v, want %v", k, errs.InvalidFiscalCode)
			}
			if got := errs.PublicOf(err); got != tc.msg {
				t.Errorf("message = %q, want %q", got, tc.msg)
			}
			if tc.in != "" && strings.Contains(strings.ToUpper(err.Error()), strings.ToUpper(strings.TrimSpace(tc.in))) {
				t.Errorf("error %q echoes the input", err)
			}
		})
	}
}

func TestEveryCheckCharacterButOneFails(t *testing.T) {
	for c := byte('A'); c <= 'Z'; c++ {
		in := "RSSMRA85T10A562" + string(c)
		_, err := Parse(in)
		if (err == nil) != (c == 'S') {
			t.Errorf("Parse(%s) error = %v", in, err)
		}
	}
}

func TestAccessors(t *testing.T) {
	now := day(2026, 1, 1)
	for _, tc := range []struct {
		code  Code
		sex   registry.Sex
		place string
		birth time.Time
	}{
		{"RSSMRA85T10A562S", registry.Male, "A562", day(1985, 12, 10)},
		{"RSSMRAURTMLARSNL", registry.Male, "A562", day(1985, 12, 10)}, // every digit replaced
		{"BNCMRA90C55H501Y", registry.Female, "H501", day(1990, 3, 15)},
		{"AIAEOE50E41A001E", registry.Female, "A001", day(1950, 5, 1)},
		{"DNGNCL01A01F839L", registry.Male, "F839", day(2001, 1, 1)},
		{"HUXLIX99S45Z210Y", registry.Female, "Z210", day(1999, 11, 5)},
		{"CNTBRC10P70F205Z", registry.Female, "F205", day(2010, 9, 30)},
	} {
		t.Run(string(tc.code), func(t *testing.T) {
			if _, err := Parse(string(tc.code)); err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := tc.code.Sex(); got != tc.sex {
				t.Errorf("Sex = %q, want %q", got, tc.sex)
			}
			if got := tc.code.PlaceCode(); got != tc.place {
				t.Errorf("PlaceCode = %q, want %q", got, tc.place)
			}
			if got := tc.code.BirthDate(now); !got.Equal(tc.birth) {
				t.Errorf("BirthDate = %s, want %s", got.Format(time.DateOnly), tc.birth.Format(time.DateOnly))
			}
		})
	}
}

func TestBirthDateCentury(t *testing.T) {
	for _, tc := range []struct {
		name string
		code Code
		now  time.Time
		want time.Time
	}{
		{"earlier this century", "CNTBRC10P70F205Z", day(2026, 6, 1), day(2010, 9, 30)},
		{"born today", "CNTBRC10P70F205Z", day(2010, 9, 30), day(2010, 9, 30)},
		{"tomorrow is a century ago", "CNTBRC10P70F205Z", day(2010, 9, 29), day(1910, 9, 30)},
		{"last century", "RSSMRA85T10A562S", day(2026, 6, 1), day(1985, 12, 10)},
		{"now late in the day elsewhere", "CNTBRC10P70F205Z",
			time.Date(2010, 9, 30, 23, 0, 0, 0, time.FixedZone("UTC-8", -8*3600)), day(2010, 9, 30)},
		// The caveat: at 100 or more the century is wrong.
		{"101 years old", "MRTMTT25D09F205Z", day(2026, 6, 1), day(2025, 4, 9)},
		{"99 years old", "MRTMTT25D09F205Z", day(2024, 6, 1), day(1925, 4, 9)},
		// 29 February 1900 does not exist.
		{"29 February 00 seen from 1999", "DLCNMR00B69L219?", day(1999, 1, 1), time.Time{}},
		{"29 February 00 seen from 2026", "DLCNMR00B69L219?", day(2026, 1, 1), day(2000, 2, 29)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse(withCheck(string(tc.code)))
			if err != nil {
				t.Fatalf("bad test code %s: %v", tc.code, err)
			}
			if got := c.BirthDate(tc.now); !got.Equal(tc.want) {
				t.Errorf("BirthDate(%s) = %s, want %s", tc.now, got.Format(time.DateOnly), tc.want.Format(time.DateOnly))
			}
		})
	}
}

// withCheck replaces the 16th character of s with the right check character.
func withCheck(s string) string { return s[:15] + string(checkChar([]byte(s[:15]))) }

func TestOmocodia(t *testing.T) {
	base := Code("RSSMRA85T10A562S")
	want := []Code{
		"RSSMRA85T10A562S",
		"RSSMRA85T10A56NH", // 2 -> N
		"RSSMRA85T10A5SNT", // 6 -> S
		"RSSMRA85T10ARSNO", // 5 -> R
		"RSSMRA85T1LARSNR", // 0 -> L
		"RSSMRA85TMLARSNC", // 1 -> M
		"RSSMRA8RTMLARSNO", // 5 -> R
		"RSSMRAURTMLARSNL", // 8 -> U
	}
	for level, w := range want {
		got := Omocodia(base, level)
		if got != w {
			t.Errorf("Omocodia(%s, %d) = %s, want %s", base, level, got, w)
			continue
		}
		// Round trip: every variant parses, decodes to the same data and
		// gives back each other variant.
		p, err := Parse(string(got))
		if err != nil {
			t.Errorf("Parse(%s): %v", got, err)
			continue
		}
		if p.PlaceCode() != "A562" || p.Sex() != registry.Male || !p.BirthDate(day(2026, 1, 1)).Equal(day(1985, 12, 10)) {
			t.Errorf("%s decodes to %s %s %s", p, p.PlaceCode(), p.Sex(), p.BirthDate(day(2026, 1, 1)))
		}
		for l2, w2 := range want {
			if o := Omocodia(got, l2); o != w2 {
				t.Errorf("Omocodia(%s, %d) = %s, want %s", got, l2, o, w2)
			}
		}
	}
	for _, tc := range []struct {
		name  string
		code  Code
		level int
	}{
		{"negative level", base, -1},
		{"level too high", base, MaxOmocodia + 1},
		{"invalid code", "RSSMRA85T10A562T", 1},
		{"empty code", "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Omocodia(tc.code, tc.level); got != "" {
				t.Errorf("Omocodia(%q, %d) = %s, want empty", tc.code, tc.level, got)
			}
		})
	}
}

func TestComputeThenParse(t *testing.T) {
	now := day(2024, 1, 1) // every vector is under 100 then

	for _, tc := range vectors {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Compute(tc.surname, tc.given, tc.sex, tc.birth, tc.place)
			if err != nil {
				t.Fatal(err)
			}
			p, err := Parse(c.String())
			if err != nil {
				t.Fatalf("Parse(Compute) = %v", err)
			}
			if p.Sex() != tc.sex || p.PlaceCode() != tc.place || !p.BirthDate(now).Equal(tc.birth) {
				t.Errorf("%s decodes to %s %s %s", p, p.Sex(), p.PlaceCode(), p.BirthDate(now))
			}
		})
	}
}

func TestInvalidCodeMethodsDoNotPanic(t *testing.T) {
	for _, c := range []Code{"", "X", "RSSMRA85T10A562", "????????????????"} {
		_ = c.Sex()
		_ = c.PlaceCode()
		_ = c.BirthDate(day(2026, 1, 1))
	}
}

func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		if _, err := Parse("RSSMRA85T10A562S"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompute(b *testing.B) {
	birth := day(2001, 1, 1)
	for b.Loop() {
		if _, err := Compute("D'ANGELO", "NICOLÒ", registry.Male, birth, "F839"); err != nil {
			b.Fatal(err)
		}
	}
}

// Package comuni looks up Italian comuni and foreign states by cadastral
// (Belfiore) code, the four characters a codice fiscale carries for the
// place of birth: a letter and three digits, "Z" and three digits abroad.
//
// The data are embedded: comuni.tsv.gz and stati.tsv, written by ./gen from
// ANPR's archives with go generate (see README.md).
//
// Source: ANPR – Anagrafe Nazionale della Popolazione Residente, archivio
// comuni, CC BY 4.0, via github.com/italia/anpr. The foreign states come
// from ANPR table 2 (Stati esteri) from the same source and licence.
//
// Since 1861 comuni have been created, renamed, merged and moved between
// provinces, so one code maps to several records over time; ByCadastral
// picks the one in force on a date. Validity bounds are calendar dates,
// inclusive, carried as midnight UTC; a record still in force has ValidTo
// 9999-12-31. A date asked for is read in its own location.
//
// Comune.SecondLanguage gives the second official language of the comuni
// that have one (German in BZ, French in AO, Slovenian in some comuni of
// TS, GO and UD) and the comune's name in it; language.go documents the
// rule and its sources.
//
// Caveats:
//   - Each comune's history starts at its first record in the archive
//     (Milano at 1873-06-23): earlier dates find nothing.
//   - The archive gives D588 to both MARNE and FILAGO from 1861 to 1928;
//     ByCadastral returns MARNE, the first record, for those dates.
//   - States carry no history: the table lists today's states and codes.
//   - Codes are matched exactly: upper case, no omocodia letters (use
//     codicefiscale.Code.PlaceCode, which undoes them).
//
// The data are parsed on first use, in well under 50 ms, and never change
// after; every function is safe for concurrent use.
package comuni

//go:generate go run ./gen -src ../../../shared/reference -out .

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"certa.example/certa/internal/civildate"
)

// openEnd is the ValidTo of records still in force, as in the archive.
var openEnd = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// Comune is one record of a comune's history: its data in a period.
type Comune struct {
	Cadastral string // Belfiore code, e.g. "F205"
	ISTAT     string // ISTAT code in the period, e.g. "015146"
	Name      string // Italian name, e.g. "MILANO"
	AltName   string // name in a second official language, e.g. "BOZEN"; often empty
	Province  string // province abbreviation in the period, e.g. "MI"
	ValidFrom time.Time
	ValidTo   time.Time // inclusive; 9999-12-31 while in force
}

// InForce reports whether the record has no end date.
func (c Comune) InForce() bool { return c.ValidTo.Equal(openEnd) }

// ValidOn reports whether the record is in force on the calendar date of t.
func (c Comune) ValidOn(t time.Time) bool {
	d := dateOf(t)
	return !d.Before(c.ValidFrom) && !d.After(c.ValidTo)
}

// State is a foreign state, from ANPR table 2.
type State struct {
	Cadastral string // "Z" code, e.g. "Z129"
	ISTAT     string // ISTAT code, e.g. "235"
	Name      string // Italian name as printed, e.g. "ROMANIA"
	ISOAlpha3 string // ISO 3166-1 alpha-3, e.g. "ROU"; may be empty
	ValidFrom time.Time
	ValidTo   time.Time // inclusive; 9999-12-31 while in force
}

// ByCadastral returns the record of the comune with that code in force on
// the calendar date of on.
func ByCadastral(code string, on time.Time) (Comune, bool) {
	for _, c := range data().byCode[code] {
		if c.ValidOn(on) {
			return c, true
		}
	}
	return Comune{}, false
}

// Current returns the record of the comune with that code that is in force
// today, that is, with no end date. A comune that ceased (merged, or moved
// abroad after the war) has none.
func Current(code string) (Comune, bool) {
	h := data().byCode[code]
	if len(h) > 0 && h[len(h)-1].InForce() {
		return h[len(h)-1], true
	}
	return Comune{}, false
}

// History returns every record with that code, oldest first.
func History(code string) []Comune {
	return slices.Clone(data().byCode[code])
}

// InProvince returns the comuni of a province (e.g. "MI") in force on the
// calendar date of on, ordered by cadastral code.
func InProvince(province string, on time.Time) []Comune {
	var out []Comune
	for _, c := range data().comuni {
		if c.Province == province && c.ValidOn(on) {
			out = append(out, c)
		}
	}
	return out
}

// StateByCadastral returns the foreign state with that Z code.
func StateByCadastral(code string) (State, bool) {
	s, ok := data().states[code]
	return s, ok
}

// IsForeign reports whether code has the form of a foreign state's code:
// "Z" and three digits. It does not check that the state exists.
func IsForeign(code string) bool {
	return len(code) == 4 && code[0] == 'Z' && isDigits(code[1:])
}

//go:embed comuni.tsv.gz
var comuniGz []byte

//go:embed stati.tsv
var statiTSV string

const (
	comuniHeader = "cadastral\tistat\tname\taltname\tprovince\tfrom\tto"
	statiHeader  = "cadastral\tistat\tname\tiso3\tfrom\tto"
)

type tables struct {
	comuni []Comune            // by code, then ValidFrom
	byCode map[string][]Comune // subslices of comuni
	states map[string]State
}

var loaded = sync.OnceValue(func() *tables {
	t, err := parse(comuniGz, statiTSV)
	if err != nil {
		// The data are embedded and tested: this is a build defect.
		panic("comuni: embedded data: " + err.Error())
	}
	return t
})

func data() *tables { return loaded() }

func parse(gz []byte, stati string) (*tables, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	// One string for the whole file, sized from the gzip trailer: fields
	// are substrings of it.
	var sb strings.Builder
	if n := len(gz); n >= 4 {
		sb.Grow(min(int(binary.LittleEndian.Uint32(gz[n-4:])), 16<<20))
	}
	if _, err := io.Copy(&sb, zr); err != nil {
		return nil, err
	}
	raw := sb.String()
	t := &tables{
		comuni: make([]Comune, 0, strings.Count(raw, "\n")),
		byCode: make(map[string][]Comune, 10000),
		states: make(map[string]State, 256),
	}
	err = eachRow(raw, comuniHeader, 7, func(f []string) error {
		from, to, err := period(f[5], f[6])
		if err != nil {
			return err
		}
		t.comuni = append(t.comuni, Comune{
			Cadastral: f[0], ISTAT: f[1], Name: f[2], AltName: f[3], Province: f[4],
			ValidFrom: from, ValidTo: to,
		})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("comuni.tsv: %w", err)
	}
	for i := 0; i < len(t.comuni); {
		j := i + 1
		for j < len(t.comuni) && t.comuni[j].Cadastral == t.comuni[i].Cadastral {
			j++
		}
		code := t.comuni[i].Cadastral
		if _, dup := t.byCode[code]; dup {
			return nil, fmt.Errorf("comuni.tsv: %s not contiguous", code)
		}
		t.byCode[code] = t.comuni[i:j:j]
		i = j
	}
	err = eachRow(stati, statiHeader, 6, func(f []string) error {
		s := State{Cadastral: f[0], ISTAT: f[1], Name: f[2], ISOAlpha3: f[3]}
		if f[4] != "" {
			var err error
			if s.ValidFrom, s.ValidTo, err = period(f[4], f[5]); err != nil {
				return err
			}
		}
		if !IsForeign(s.Cadastral) {
			return fmt.Errorf("bad state code %q", s.Cadastral)
		}
		t.states[s.Cadastral] = s
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("stati.tsv: %w", err)
	}
	return t, nil
}

// eachRow calls fn with the n tab-separated fields of every line after the
// header, which must be want.
func eachRow(text, want string, n int, fn func([]string) error) error {
	header, text, _ := strings.Cut(text, "\n")
	if header != want {
		return fmt.Errorf("unexpected header %q", header)
	}
	f := make([]string, n)
	for line := 2; text != ""; line++ {
		var row string
		row, text, _ = strings.Cut(text, "\n")
		for i := range n {
			var ok bool
			f[i], row, ok = strings.Cut(row, "\t")
			if ok != (i < n-1) {
				return fmt.Errorf("line %d: want %d fields", line, n)
			}
		}
		if err := fn(f); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
	}
	return nil
}

// period parses inclusive bounds; an empty end means still in force.
func period(from, to string) (time.Time, time.Time, error) {
	f, err := parseDate(from)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	t := openEnd
	if to != "" {
		if t, err = parseDate(to); err != nil {
			return time.Time{}, time.Time{}, err
		}
	}
	if t.Before(f) {
		return time.Time{}, time.Time{}, fmt.Errorf("period %s..%s ends before it starts", from, to)
	}
	return f, t, nil
}

// parseDate parses YYYY-MM-DD strictly.
func parseDate(s string) (time.Time, error) {
	t, ok := civildate.Parse(s)
	if !ok {
		return time.Time{}, fmt.Errorf("bad date %q", s)
	}
	return t, nil
}

func isDigits(s string) bool { return civildate.Digits(s) }

func dateOf(t time.Time) time.Time { return civildate.Of(t) }

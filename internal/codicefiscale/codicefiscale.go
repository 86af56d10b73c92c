// Package codicefiscale parses, checks and computes the Italian fiscal code
// (codice fiscale) of natural persons, as defined by D.M. 23 December 1976
// and issued by the Agenzia delle Entrate.
//
// A code has 16 characters:
//
//	RSS MRA 85 T 10 A562 S
//	 |   |   |  |  |   |  check character
//	 |   |   |  |  |   cadastral (Belfiore) code of the birth place
//	 |   |   |  |  birth day, plus 40 for women
//	 |   |   |  birth month, a letter of ABCDEHLMPRST
//	 |   |   last two digits of the birth year
//	 |   name
//	 surname
//
// When two persons would get the same code, the Agenzia issues an omocodia
// variant: digits are replaced by letters (LMNPQRSTUV for 0-9), starting
// from the rightmost, and the check character is computed again.
//
// Caveats:
//   - Parse checks form, date fields and check character; it does not know
//     whether a code was issued, nor whether the place code exists (see
//     package comuni).
//   - Parse accepts omocodia letters in any digit position, not only in the
//     right-to-left order the Agenzia follows.
//   - The code holds two digits of the year, so BirthDate needs a reference
//     date and is wrong for persons 100 years old or more.
//   - A fiscal code is personal data: errors never contain the input.
package codicefiscale

import (
	"strings"
	"time"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/registry"
)

// Code is a syntactically valid fiscal code, upper case, with a correct
// check character. Obtain one from Parse, Compute or Omocodia: on any other
// string the methods do not panic, but their results mean nothing.
type Code string

const (
	months        = "ABCDEHLMPRST" // month letters, January first
	omocodiaChars = "LMNPQRSTUV"   // omocodia letters for the digits 0-9
	vowels        = "AEIOU"
)

// digitPos lists the positions that hold digits, right to left: the order
// in which omocodia replaces them.
var digitPos = [...]int{14, 13, 12, 10, 9, 7, 6}

// MaxOmocodia is the highest omocodia level: every digit replaced.
const MaxOmocodia = len(digitPos)

// Public error messages. They are fixed: they never echo the input.
const (
	msgLength = "fiscal code must be 16 letters and digits"
	msgFormat = "fiscal code has an invalid format"
	msgDate   = "fiscal code has an invalid birth date"
	msgCheck  = "fiscal code has a wrong check character"
)

func invalid(msg string) error { return errs.New(errs.InvalidFiscalCode, msg) }

// Parse checks s and returns it as a Code. Surrounding white space is
// removed and letters are upper-cased; anything else (inner spaces,
// punctuation, non-ASCII letters) is rejected. Errors are of kind
// errs.InvalidFiscalCode and carry a fixed message.
func Parse(s string) (Code, error) {
	s = strings.TrimSpace(s)
	if len(s) != 16 {
		return "", invalid(msgLength)
	}
	var b [16]byte
	for i := range len(s) {
		c := s[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if !isUpper(c) && !isDigit(c) {
			return "", invalid(msgLength)
		}
		b[i] = c
	}
	for i, c := range b {
		var ok bool
		switch i {
		case 6, 7, 9, 10, 12, 13, 14:
			ok = isDigit(c) || strings.IndexByte(omocodiaChars, c) >= 0
		case 8:
			ok = strings.IndexByte(months, c) >= 0
		default:
			ok = isUpper(c)
		}
		if !ok {
			return "", invalid(msgFormat)
		}
	}
	if _, _, _, ok := dateFields(b[:]); !ok {
		return "", invalid(msgDate)
	}
	if checkChar(b[:15]) != b[15] {
		return "", invalid(msgCheck)
	}
	return Code(b[:]), nil
}

// String returns the code as 16 upper-case characters.
func (c Code) String() string { return string(c) }

// Sex returns registry.Female when the day field is over 40, else
// registry.Male.
func (c Code) Sex() registry.Sex {
	if len(c) != 16 {
		return ""
	}
	if day, ok := number(string(c[9:11])); ok && day > 40 {
		return registry.Female
	}
	return registry.Male
}

// PlaceCode returns the cadastral code of the birth place, with omocodia
// undone, e.g. "A562"; foreign states have "Z" codes.
func (c Code) PlaceCode() string {
	if len(c) != 16 {
		return ""
	}
	b := []byte(c[11:15])
	for i := 1; i < 4; i++ {
		b[i] = undo(b[i])
	}
	return string(b)
}

// BirthDate returns the birth date at midnight UTC, choosing the century so
// that the date is not after the calendar date of now: it is right only for
// persons under 100. It returns the zero time when the date does not exist
// in that century (29 February 1900) or the code is not valid.
func (c Code) BirthDate(now time.Time) time.Time {
	if len(c) != 16 {
		return time.Time{}
	}
	yy, m, d, ok := dateFields([]byte(c))
	if !ok {
		return time.Time{}
	}
	ny, nm, nd := now.Date()
	today := time.Date(ny, nm, nd, 0, 0, 0, 0, time.UTC)
	y := ny - mod(ny, 100) + yy
	if time.Date(y, m, d, 0, 0, 0, 0, time.UTC).After(today) {
		y -= 100
	}
	if m == time.February && d == 29 && !isLeap(y) {
		return time.Time{}
	}
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Omocodia returns the level-th omocodia variant of c: its level rightmost
// digits replaced by letters and a new check character. Level 0 is the
// code with every omocodia letter undone. It returns "" when c is not a
// valid Code or level is outside 0..MaxOmocodia.
func Omocodia(c Code, level int) Code {
	if level < 0 || level > MaxOmocodia {
		return ""
	}
	p, err := Parse(string(c))
	if err != nil {
		return ""
	}
	b := []byte(p)
	for _, i := range digitPos {
		b[i] = undo(b[i])
	}
	for _, i := range digitPos[:level] {
		b[i] = omocodiaChars[b[i]-'0']
	}
	b[15] = checkChar(b[:15])
	return Code(b)
}

// dateFields decodes year (two digits), month and day from the 16 bytes of
// a code, undoing omocodia. Day 31 is accepted only in months that have it,
// and 29 February in any year.
func dateFields(b []byte) (yy int, m time.Month, d int, ok bool) {
	yy, ok1 := number(string(b[6:8]))
	mi := strings.IndexByte(months, b[8])
	d, ok2 := number(string(b[9:11]))
	if !ok1 || !ok2 || mi < 0 {
		return 0, 0, 0, false
	}
	if d > 40 {
		d -= 40
	}
	m = time.Month(mi + 1)
	// 2000 is a leap year, so it gives the longest month length.
	if d < 1 || d > daysIn(m, 2000) {
		return 0, 0, 0, false
	}
	return yy, m, d, true
}

// number decodes a run of digits that may carry omocodia letters.
func number(s string) (int, bool) {
	n := 0
	for i := range len(s) {
		c := undo(s[i])
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// undo turns an omocodia letter back into its digit; other bytes are
// returned unchanged.
func undo(c byte) byte {
	if i := strings.IndexByte(omocodiaChars, c); i >= 0 {
		return byte('0' + i)
	}
	return c
}

// Values of characters in odd (1st, 3rd, ...) positions, for A-Z; digits
// 0-9 count as A-J.
var oddValues = [26]int{
	1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18,
	20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
}

// checkChar computes the check character of the first 15 characters, which
// must be upper-case letters or digits.
func checkChar(b []byte) byte {
	sum := 0
	for i, c := range b[:15] {
		v := int(c - 'A')
		if isDigit(c) {
			v = int(c - '0')
		}
		if i%2 == 0 { // odd position, counting from 1
			v = oddValues[v]
		}
		sum += v
	}
	return byte('A' + sum%26)
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(m time.Month, y int) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func mod(a, b int) int { return ((a % b) + b) % b }

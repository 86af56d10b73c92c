package codicefiscale

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/registry"
)

// Compute returns the fiscal code the Agenzia delle Entrate computes for
// the given data, before any omocodia:
//
//   - surname: its consonants, then its vowels, then X, the first three;
//   - name: the same, except that a name with four or more consonants
//     gives the 1st, 3rd and 4th;
//   - birth year (last two digits), month letter, day (plus 40 for women),
//     taken from the calendar date of birth in its own location (years
//     1800 to 9999);
//   - placeCode, the cadastral code of the birth comune or foreign state;
//   - the check character.
//
// Letters with diacritics count as their base letter (À as A, Ș as S);
// spaces, apostrophes, hyphens and other non-letters are ignored, so
// "D'ANGELO" and "DE LUCA" work as written. Letters outside the Latin
// script must be transliterated by the caller. Errors are of kind
// errs.InvalidRequest and carry a fixed message without the input.
func Compute(surname, name string, sex registry.Sex, birth time.Time, placeCode string) (Code, error) {
	sl, ok := latinLetters(surname)
	if !ok {
		return "", errs.New(errs.InvalidRequest, "surname has a letter that cannot be reduced to A-Z")
	}
	nl, ok := latinLetters(name)
	if !ok {
		return "", errs.New(errs.InvalidRequest, "name has a letter that cannot be reduced to A-Z")
	}
	switch {
	case sl == "":
		return "", errs.New(errs.InvalidRequest, "surname has no letters")
	case nl == "":
		return "", errs.New(errs.InvalidRequest, "name has no letters")
	case sex != registry.Male && sex != registry.Female:
		return "", errs.New(errs.InvalidRequest, "sex must be M or F")
	case !validPlace(placeCode):
		return "", errs.New(errs.InvalidRequest, "birth place code must be a capital letter and three digits")
	}
	y, m, d := birth.Date()
	if y < 1800 || y > 9999 {
		return "", errs.New(errs.InvalidRequest, "birth year is out of range")
	}
	if sex == registry.Female {
		d += 40
	}
	var b strings.Builder
	b.Grow(16)
	b.WriteString(surnamePart(sl))
	b.WriteString(namePart(nl))
	fmt.Fprintf(&b, "%02d%c%02d%s", y%100, months[m-1], d, placeCode)
	b.WriteByte(checkChar([]byte(b.String())))
	return Code(b.String()), nil
}

func surnamePart(letters string) string {
	c, v := split(letters)
	return (c + v + "XXX")[:3]
}

func namePart(letters string) string {
	c, v := split(letters)
	if len(c) >= 4 {
		return c[:1] + c[2:4]
	}
	return (c + v + "XXX")[:3]
}

// split returns the consonants, then the vowels, of ASCII upper-case
// letters, each in order.
func split(letters string) (string, string) {
	var c, v []byte
	for i := range len(letters) {
		if strings.IndexByte(vowels, letters[i]) >= 0 {
			v = append(v, letters[i])
		} else {
			c = append(c, letters[i])
		}
	}
	return string(c), string(v)
}

func validPlace(s string) bool {
	return len(s) == 4 && isUpper(s[0]) && isDigit(s[1]) && isDigit(s[2]) && isDigit(s[3])
}

// latinLetters returns the letters of s upper-cased and reduced to A-Z,
// dropping everything that is not a letter (a combining accent, too). It
// reports false if s has a letter it cannot reduce.
func latinLetters(s string) (string, bool) {
	var b strings.Builder
	for _, r := range s {
		if !unicode.IsLetter(r) {
			continue
		}
		r = unicode.ToUpper(r)
		switch {
		case 'A' <= r && r <= 'Z':
			b.WriteRune(r)
		case translit[r] != "":
			b.WriteString(translit[r])
		default:
			return "", false
		}
	}
	return b.String(), true
}

// translit reduces upper-case Latin letters with diacritics, and a few
// ligatures, to A-Z.
var translit = map[rune]string{
	'À': "A", 'Á': "A", 'Â': "A", 'Ã': "A", 'Ä': "A", 'Å': "A", 'Ā': "A", 'Ă': "A", 'Ą': "A",
	'Æ': "AE",
	'Ç': "C", 'Ć': "C", 'Ĉ': "C", 'Ċ': "C", 'Č': "C",
	'Ď': "D", 'Đ': "D", 'Ð': "D",
	'È': "E", 'É': "E", 'Ê': "E", 'Ë': "E", 'Ē': "E", 'Ė': "E", 'Ę': "E", 'Ě': "E",
	'Ĝ': "G", 'Ğ': "G", 'Ġ': "G", 'Ģ': "G",
	'Ĥ': "H", 'Ħ': "H",
	'Ì': "I", 'Í': "I", 'Î': "I", 'Ï': "I", 'Ĩ': "I", 'Ī': "I", 'Į': "I", 'İ': "I",
	'Ĵ': "J",
	'Ķ': "K",
	'Ĺ': "L", 'Ļ': "L", 'Ľ': "L", 'Ŀ': "L", 'Ł': "L",
	'Ñ': "N", 'Ń': "N", 'Ņ': "N", 'Ň': "N",
	'Ò': "O", 'Ó': "O", 'Ô': "O", 'Õ': "O", 'Ö': "O", 'Ø': "O", 'Ō': "O", 'Ő': "O",
	'Œ': "OE",
	'Ŕ': "R", 'Ř': "R",
	'Ś': "S", 'Ŝ': "S", 'Ş': "S", 'Ș': "S", 'Š': "S", 'ß': "SS", 'ẞ': "SS",
	'Ţ': "T", 'Ț': "T", 'Ť': "T",
	'Ù': "U", 'Ú': "U", 'Û': "U", 'Ü': "U", 'Ũ': "U", 'Ū': "U", 'Ů': "U", 'Ű': "U", 'Ų': "U",
	'Ŵ': "W",
	'Ý': "Y", 'Ÿ': "Y", 'Ŷ': "Y",
	'Ź': "Z", 'Ż': "Z", 'Ž': "Z",
}

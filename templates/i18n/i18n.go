// Package i18n holds the fixed wording of certificates in Italian and in
// the three second official languages of Italian comuni, for bilingual
// documents: German (South Tyrol, province BZ), French (Valle d'Aosta, AO)
// and Slovenian (the comuni of TS, GO and UD protected by L. 38/2001).
// comuni.Comune.SecondLanguage tells which language a comune has.
//
// IMPORTANT: the German, French and Slovenian texts were drafted for certa
// by an AI assistant (Claude); they are not taken from an official source
// and nobody has reviewed them yet. Before a comune issues bilingual
// certificates with legal value they must be checked, and corrected where
// needed, by a sworn translator and by the comune (in South Tyrol, against
// the terminology of the Province's bilingual forms and of the
// Terminologiekommission / Commissione paritetica di terminologia).
// The Italian texts are those the templates print today.
//
// # Use
//
// A message is looked up by Key and formatted with fmt verbs: every
// message uses only %s, possibly indexed (%[2]s), so that a translation can
// put the arguments in its own order ("è nato a %s il %s" becomes "am
// %[2]s in %[1]s geboren ist"). Arguments are values that need no
// translation: names, dates, codes. A bilingual page prints each message as
// "Italian / translation"; Join does that for a list of languages, and
// gives the Italian alone for []Lang{IT}:
//
//	langs, err := i18n.ParseLanguages("it-de")
//	i18n.Join(langs, i18n.Certifies)             // "CERTIFICA / BESCHEINIGT"
//	i18n.JoinG(langs, i18n.BornIn, female)       // "nata a / geboren in"
//	i18n.T(i18n.DE, i18n.BornOn, place, date)    // "BOZEN am 01/02/1980"
//
// Join passes the same arguments to every language; format a message
// whose argument differs by language with T each time, e.g. ComuneOf with
// the comune's name in that language (comuni.Comune.SecondLanguage):
// "COMUNE DI BOLZANO / GEMEINDE BOZEN".
//
// Gendered messages (nato/nata, iscritto/iscritta, Marito/Moglie, ...) have
// a masculine and a feminine form in the languages that need them; TG and
// JoinG pick one, T and Join give the masculine.
//
// French elides "de"/"que" before a vowel: T does it when an argument
// that begins with a vowel follows "de " or "que " ("COMMUNE D'AOSTE",
// "la famille d'ABATE MARIA").
//
// ANPR code tables have their own keys: CivilStatusKey (table 1),
// KinshipKey (table 5, the codes the templates print), RemovalReasonKey
// (table 15) and CohabitationKindKey (table 27). The titles of the
// certificate types are keyed by the types' API names: TitleKey.
//
// Not covered: names of states and citizenships (ANPR table 2 and
// registry.Person.CitizenshipNames), which stay in Italian, and the
// issuer's office when it is not "Ufficio Anagrafe" (Issuer.Office is
// data).
package i18n

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Lang is a document language: an ISO 639-1 code, as in ANPR table 14
// (tab_lingue), in lower case.
type Lang string

// The document languages.
const (
	IT Lang = "it" // Italiana
	DE Lang = "de" // Tedesca
	FR Lang = "fr" // Francese
	SL Lang = "sl" // Slovena
)

// Langs lists the languages in the catalogue's order: Italian first.
func Langs() []Lang { return []Lang{IT, DE, FR, SL} }

func (l Lang) index() int {
	switch l {
	case IT:
		return 0
	case DE:
		return 1
	case FR:
		return 2
	case SL:
		return 3
	}
	return -1
}

// Valid reports whether l is one of the document languages.
func (l Lang) Valid() bool { return l.index() >= 0 }

// ParseLanguages parses a request's choice of languages: "it" for an
// Italian document, "it-de", "it-fr" or "it-sl" for a bilingual one.
// Italian always comes first; case and surrounding spaces are ignored.
// Whether the issuing comune may use the second language is for the
// caller to check (comuni.Comune.SecondLanguage).
func ParseLanguages(s string) ([]Lang, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	switch v {
	case "it":
		return []Lang{IT}, nil
	case "it-de":
		return []Lang{IT, DE}, nil
	case "it-fr":
		return []Lang{IT, FR}, nil
	case "it-sl":
		return []Lang{IT, SL}, nil
	case "":
		return nil, errors.New(`i18n: no languages given; want "it", "it-de", "it-fr" or "it-sl"`)
	}
	return nil, fmt.Errorf(`i18n: unsupported languages %q; want "it", "it-de", "it-fr" or "it-sl"`, s)
}

// Key names a message.
type Key string

// text is a message in the four languages, in the order of Langs. A
// gendered form is written "masculine|feminine"; a language that needs no
// distinction writes one form.
type text [4]string

// T returns the message in lang, formatted with args; a gendered message
// gives its masculine form. An unknown language gives the Italian text; an
// unknown key gives the key itself in brackets, so that it shows.
func T(lang Lang, key Key, args ...any) string { return format(lang, key, false, args) }

// TG is T for a gendered message: female picks the feminine form.
func TG(lang Lang, key Key, female bool, args ...any) string {
	return format(lang, key, female, args)
}

// Join returns the message in each of langs, joined by " / ".
func Join(langs []Lang, key Key, args ...any) string { return join(langs, key, false, args) }

// JoinG is Join for a gendered message.
func JoinG(langs []Lang, key Key, female bool, args ...any) string {
	return join(langs, key, female, args)
}

// Sep separates the languages in Join's output.
const Sep = " / "

func join(langs []Lang, key Key, female bool, args []any) string {
	parts := make([]string, 0, len(langs))
	for _, l := range langs {
		parts = append(parts, format(l, key, female, args))
	}
	return strings.Join(parts, Sep)
}

// Has reports whether key is in the catalogue.
func Has(key Key) bool {
	_, ok := messages[key]
	return ok
}

// Keys returns every key of the catalogue, sorted.
func Keys() []Key {
	keys := make([]Key, 0, len(messages))
	for k := range messages {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Raw returns the unformatted message: the verbs are left in, and both
// gendered forms, "masculine|feminine". It is for tests and review.
func Raw(lang Lang, key Key) (string, bool) {
	m, ok := messages[key]
	i := lang.index()
	if !ok || i < 0 {
		return "", false
	}
	return m[i], true
}

func format(lang Lang, key Key, female bool, args []any) string {
	m, ok := messages[key]
	if !ok {
		return "[" + string(key) + "]"
	}
	i := lang.index()
	if i < 0 {
		i = 0
	}
	s := m[i]
	if masc, fem, gendered := strings.Cut(s, "|"); gendered {
		s = masc
		if female {
			s = fem
		}
	}
	if lang == FR {
		s = elide(s, args)
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// elide rewrites "de %s" as "d'%s" (and "que %s" as "qu'%s") in a French
// format where the argument begins with a vowel. H is left alone: whether
// it is aspirated depends on the word.
func elide(f string, args []any) string {
	if len(args) == 0 || !strings.Contains(f, "%") {
		return f
	}
	var b strings.Builder
	next := 0 // argument of the next unindexed verb
	for {
		i := strings.IndexByte(f, '%')
		if i < 0 {
			b.WriteString(f)
			return b.String()
		}
		head, verb := f[:i], f[i:]
		n, width := next, 2 // "%s"
		if strings.HasPrefix(verb, "%[") {
			if j := strings.Index(verb, "]s"); j > 2 {
				if k, err := strconv.Atoi(verb[2:j]); err == nil && k > 0 {
					n, width = k-1, j+2
				}
			}
		}
		next = n + 1
		if n >= 0 && n < len(args) && startsWithVowel(fmt.Sprint(args[n])) {
			for _, w := range []string{"de ", "DE ", "De ", "que ", "QUE ", "Que "} {
				if strings.HasSuffix(head, w) && (len(head) == len(w) || !isLetter(head[:len(head)-len(w)])) {
					head = head[:len(head)-2] + "'" // "de " → "d'", "que " → "qu'"
					break
				}
			}
		}
		b.WriteString(head)
		b.WriteString(verb[:width])
		f = verb[width:]
	}
}

// isLetter reports whether s ends with a letter, so that "de " is a word
// of its own only when it does not.
func isLetter(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return unicode.IsLetter(r)
}

func startsWithVowel(s string) bool {
	r, _ := utf8.DecodeRuneInString(strings.TrimSpace(s))
	return strings.ContainsRune("AEIOUYÀÂÄÆÉÈÊËÎÏÔÖŒÙÛÜaeiouyàâäæéèêëîïôöœùûü", r)
}

// TitleKey returns the key of the printed title of a certificate type,
// by the type's API name ("residenza").
func TitleKey(typeName string) Key { return Key("title." + typeName) }

// CivilStatusKey returns the key of a civil status of ANPR table 1.
func CivilStatusKey(code int) (Key, bool) { return codeKey("civilstatus.", code) }

// KinshipKey returns the key of a kinship to the head of the family, ANPR
// table 5, for the codes the templates name; any other code gives
// KinOther ("Altro").
func KinshipKey(code int) Key {
	if k, ok := codeKey("kinship.", code); ok {
		return k
	}
	return KinOther
}

// RemovalReasonKey returns the key of a reason for removal from the
// register, ANPR table 15.
func RemovalReasonKey(code int) (Key, bool) { return codeKey("removal.", code) }

// CohabitationKindKey returns the key of a kind of convivenza anagrafica,
// ANPR table 27.
func CohabitationKindKey(code int) (Key, bool) { return codeKey("cohabitation.", code) }

func codeKey(prefix string, code int) (Key, bool) {
	k := Key(fmt.Sprintf("%s%d", prefix, code))
	_, ok := messages[k]
	return k, ok
}

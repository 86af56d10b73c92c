package bollo

import (
	_ "embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// tab39 is ANPR table 39, esenzione bollo: an unmodified copy of
// ../shared/reference/anpr-tabelle/tab_esenzione_bollo.tsv (italia/anpr,
// src/tab, CC BY 4.0). TestTableUpToDate checks the copy.
//
//go:embed data/tab_esenzione_bollo.tsv
var tab39 string

// CodeOther is the exemption code "ALTRO MOTIVO DI ESENZIONE": the only
// code that needs a note, and the one whose printed line names no law.
const CodeOther = 99

// MaxNoteLen is the longest note, in characters (Unicode code points), that
// ANPR accepts: descrizioneEsenzioneBollo is a tpdt:charMax256, an xs:string
// with maxLength 256, and XML Schema counts a string's length in characters.
const MaxNoteLen = 256

// Exemption is one row of ANPR table 39 with the wording certa prints for it.
type Exemption struct {
	Code int // 1 to 10, or 99
	// Description is the table's description without its annotation, e.g.
	// "PENSIONE ESTERA - art. 9, tabella allegato B) DPR 642/1972".
	Description string
	// FeesExempt reports that the table marks the reason as exempt from the
	// diritti di segreteria too ("ESENZIONE DIRITTO DI SEGRETERIA: SI"):
	// codes 4, 6, 7 and 10.
	FeesExempt bool
	// Basis is the legal basis certa prints, taken from the table's
	// description and written out in full (the law, not the circulars the
	// table also cites), e.g. "dell'art. 9 della Tabella allegato B al
	// D.P.R. 26 ottobre 1972, n. 642". Empty for 99.
	Basis string
	// Reason is the short reason printed in brackets after the basis, e.g.
	// "pensione estera". Empty for 99.
	Reason string
}

// Line is the stamp-duty line printed on a certificate exempt for this
// reason: "Esente dall'imposta di bollo ai sensi <Basis> (<Reason>)", or
// "Esente dall'imposta di bollo" for 99, whose note is never printed.
func (e Exemption) Line() string {
	if e.Basis == "" {
		return lineExempt
	}
	return lineExempt + " ai sensi " + e.Basis + " (" + e.Reason + ")"
}

const lineExempt = "Esente dall'imposta di bollo"

const tabB = " della Tabella allegato B al D.P.R. 26 ottobre 1972, n. 642"

// wording is what certa prints for each code of table 39. Every code of the
// table must have an entry, and every entry a row of the table: the loader
// checks both.
var wording = map[int]struct{ basis, reason string }{
	1:  {"dell'art. 27-bis" + tabB, "ONLUS"},
	2:  {"dell'art. 8-bis" + tabB, "società sportive"},
	3:  {"dell'art. 18 del D.P.R. 30 maggio 2002, n. 115", "uso processuale"},
	4:  {"dell'art. 16" + tabB, "consulente tecnico d'ufficio nominato dal Tribunale o dal Pubblico Ministero; curatore fallimentare"},
	5:  {"dell'art. 13" + tabB, "procedimento di interdizione, inabilitazione o amministrazione di sostegno"},
	6:  {"dell'art. 13" + tabB + " e dell'art. 82 della L. 4 maggio 1983, n. 184", "adozione, affidamento, tutela dei minori"},
	7:  {"dell'art. 19 della L. 6 marzo 1987, n. 74", "separazione o divorzio"},
	8:  {"dell'art. 16, comma 8, della L. 24 dicembre 1993, n. 537", "variazione della toponomastica stradale e della numerazione civica"},
	9:  {"dell'art. 9" + tabB, "pensione estera"},
	10: {"dell'art. 16" + tabB, "scambio di atti e documenti tra pubbliche amministrazioni"},
	99: {"", ""},
}

// feesNote is the annotation table 39 appends to the reasons that also
// exempt from the diritti di segreteria.
const feesNote = " - ESENZIONE DIRITTO DI SEGRETERIA: SI"

var exemptions = sync.OnceValue(func() []Exemption {
	es, err := parseTable39(tab39)
	if err != nil {
		// The table is embedded and tested: this is a build defect.
		panic("bollo: embedded table 39: " + err.Error())
	}
	return es
})

// parseTable39 parses table 39 and joins it with wording.
func parseTable39(text string) ([]Exemption, error) {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[0], "# Tabella 39 - ") || !strings.Contains(lines[0], "CC-BY 4.0") {
		return nil, fmt.Errorf("want a title line naming table 39 and its CC-BY 4.0 licence")
	}
	if lines[1] != "ID\tDESCRIZIONE" {
		return nil, fmt.Errorf("line 2: unexpected header %q", lines[1])
	}
	var es []Exemption
	for i, l := range lines[2:] {
		code, desc, ok := strings.Cut(l, "\t")
		c, err := strconv.Atoi(code)
		switch {
		case !ok || strings.Contains(desc, "\t") || strings.TrimSpace(desc) == "":
			return nil, fmt.Errorf("line %d: want a code and a description", i+3)
		case err != nil || code != strconv.Itoa(c) || c < 1:
			return nil, fmt.Errorf("line %d: code %q is not a positive integer", i+3, code)
		case len(es) > 0 && c <= es[len(es)-1].Code:
			return nil, fmt.Errorf("line %d: code %d out of order or repeated", i+3, c)
		}
		e := Exemption{Code: c, Description: desc}
		if d, ok := strings.CutSuffix(desc, feesNote); ok {
			e.Description, e.FeesExempt = d, true
		}
		if strings.Contains(e.Description, "DIRITTO DI SEGRETERIA") {
			return nil, fmt.Errorf("line %d: unexpected annotation in %q", i+3, desc)
		}
		w, ok := wording[c]
		if !ok {
			return nil, fmt.Errorf("code %d has no printed wording", c)
		}
		e.Basis, e.Reason = w.basis, w.reason
		es = append(es, e)
	}
	if len(es) != len(wording) {
		return nil, fmt.Errorf("the table has %d codes, the wording %d", len(es), len(wording))
	}
	if es[len(es)-1].Code != CodeOther {
		return nil, fmt.Errorf("the last code is %d, want %d", es[len(es)-1].Code, CodeOther)
	}
	return es, nil
}

// Exemptions returns the rows of table 39 ordered by code.
func Exemptions() []Exemption { return slices.Clone(exemptions()) }

// LookupExemption returns the row of table 39 with that code; false for 0
// (ANPR's "non esente") and any code the table lacks.
func LookupExemption(code int) (Exemption, bool) {
	es := exemptions()
	i, ok := slices.BinarySearchFunc(es, code, func(e Exemption, c int) int { return e.Code - c })
	if !ok {
		return Exemption{}, false
	}
	return es[i], true
}

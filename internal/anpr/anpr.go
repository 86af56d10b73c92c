// Package anpr holds code tables of ANPR, the Anagrafe Nazionale della
// Popolazione Residente, that the registry model uses, and looks codes up
// in them:
//
//	table  1  stato civile                        CivilStatus
//	table  2  stati esteri (citizenship states)   CitizenshipState, StateByISTAT,
//	                                              CitizenshipText
//	table  5  relazione di parentela - famiglia   Kinship, KinshipTakeoverOnly
//	table  6  legame - convivenza                 CohabitationBond
//	table 15  motivi di cancellazione             RemovalReason
//	table 27  specie della convivenza             CohabitationKind
//	table 31  tipo cessazione matrimonio          MarriageEnding
//	table 42  motivi di non certificabilità       Certifiability
//
// Labels are the tables' Italian descriptions as published, without the
// trailing annotations (" - DATAFINEVALIDITA: ..."), which become fields of
// Entry and State.
//
// Source: ANPR, italia/anpr on GitHub, src/tab, licensed CC BY 4.0
// (https://creativecommons.org/licenses/by/4.0/). The files in data/ are
// unmodified copies of those tables, made by ./gen with go generate; each
// keeps its title line naming the source and licence. See README.md.
// The adjectives of citizenship that CitizenshipText prints are not ANPR
// data: certa keeps them in citizenship.go, keyed by table 2's ISTAT codes.
//
// Each table is parsed on its first use (table 2, the largest, in about half
// a millisecond) and never changes after; every function is safe for
// concurrent use.
package anpr

//go:generate go run ./gen -src ../../../shared/reference/anpr-tabelle -out data

import (
	_ "embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Table identifies one of the embedded code tables by its ANPR number.
type Table int

// The embedded tables with integer codes.
const (
	TabCivilStatus      Table = 1  // stato civile
	TabKinship          Table = 5  // relazione di parentela - famiglia
	TabCohabitationBond Table = 6  // legame - convivenza
	TabRemovalReason    Table = 15 // motivi di cancellazione dall'anagrafe
	TabCohabitationKind Table = 27 // specie della convivenza
	TabMarriageEnding   Table = 31 // tipo cessazione matrimonio
	TabCertifiability   Table = 42 // motivi di non certificabilità
)

// TabStates is table 2, stati esteri, looked up by CitizenshipState and
// StateByISTAT rather than through Table's methods.
const TabStates Table = 2

// Entry is one row of a table.
type Entry struct {
	Code  int
	Label string // e.g. "Coniugato/a"
	// ValidTo is the last day the code may be used for new data
	// (DATAFINEVALIDITA), or the zero time for codes still in force.
	ValidTo time.Time
	// Note is the table's note on the code, e.g. "Utilizzabile solo al
	// subentro"; usually empty.
	Note string
	// TakeoverOnly marks codes whose validity ended and that ANPR accepts
	// only at takeover (subentro), when a comune's existing data are loaded:
	// in table 5, 14, 15, 19 and 80.
	TakeoverOnly bool
}

// State is a row of table 2 that has an ISTAT code.
type State struct {
	ISTAT     string // three digits, e.g. "235"; "100" is Italy
	Name      string // as in the table, e.g. "ROMANIA", "In corso di definizione"
	Cadastral string // "Z" code, e.g. "Z129"; empty for Italy and 997-999
	ISOAlpha3 string // ISO 3166-1 alpha-3, e.g. "ROU"; may be empty
	// Citizenship is true when the code may be used as a citizenship
	// (CITTADINANZA: S); territories such as GROENLANDIA have false.
	Citizenship bool
	// Kind is the table's TIPO: "STATO", "TERRITORIO" or "ALTRO"; empty
	// for a few rows.
	Kind string
	// ValidTo is the last day the code may be used (DATAFINEVALIDITA), or
	// the zero time for codes still in force.
	ValidTo time.Time
}

var (
	//go:embed data/tab_stato_civile.tsv
	tab01 string
	//go:embed data/tab_stati_esteri.tsv
	tab02 string
	//go:embed data/tab_relazione_di_parentela___famiglia.tsv
	tab05 string
	//go:embed data/tab_legame____convivenza.tsv
	tab06 string
	//go:embed data/tab_motivi_di_cancellazione_dall_anagrafe.tsv
	tab15 string
	//go:embed data/tab_specie_della_convivenza.tsv
	tab27 string
	//go:embed data/tab_tipo_cessazione_matrimonio.tsv
	tab31 string
	//go:embed data/tab_motivi_di_non_certificabilit_.tsv
	tab42 string
)

// codeTable is a parsed table with integer codes.
type codeTable struct {
	title   string  // e.g. "Stato civile"
	entries []Entry // by code
}

func lazy(t Table, text string) func() *codeTable {
	return sync.OnceValue(func() *codeTable {
		ct, err := parseCodes(t, text)
		if err != nil {
			// The data are embedded and tested: this is a build defect.
			panic("anpr: embedded table: " + err.Error())
		}
		return ct
	})
}

var codeTables = map[Table]func() *codeTable{
	TabCivilStatus:      lazy(TabCivilStatus, tab01),
	TabKinship:          lazy(TabKinship, tab05),
	TabCohabitationBond: lazy(TabCohabitationBond, tab06),
	TabRemovalReason:    lazy(TabRemovalReason, tab15),
	TabCohabitationKind: lazy(TabCohabitationKind, tab27),
	TabMarriageEnding:   lazy(TabMarriageEnding, tab31),
	TabCertifiability:   lazy(TabCertifiability, tab42),
}

// Tables lists the tables with integer codes, by number.
func Tables() []Table {
	return []Table{TabCivilStatus, TabKinship, TabCohabitationBond, TabRemovalReason,
		TabCohabitationKind, TabMarriageEnding, TabCertifiability}
}

func (t Table) data() *codeTable {
	if f := codeTables[t]; f != nil {
		return f()
	}
	return nil
}

// Lookup returns the row with that code. It reports false for an unknown
// code, and for table 2 or a table not embedded.
func (t Table) Lookup(code int) (Entry, bool) {
	d := t.data()
	if d == nil {
		return Entry{}, false
	}
	i, ok := slices.BinarySearchFunc(d.entries, code, func(e Entry, c int) int { return e.Code - c })
	if !ok {
		return Entry{}, false
	}
	return d.entries[i], true
}

// Entries returns the table's rows ordered by code; nil for table 2 or a
// table not embedded.
func (t Table) Entries() []Entry {
	if d := t.data(); d != nil {
		return slices.Clone(d.entries)
	}
	return nil
}

// Title returns the table's title, e.g. "Stato civile".
func (t Table) Title() string {
	if t == TabStates {
		return states().title
	}
	if d := t.data(); d != nil {
		return d.title
	}
	return ""
}

// String returns "ANPR table N".
func (t Table) String() string { return fmt.Sprintf("ANPR table %d", int(t)) }

func label(t Table, code int) (string, bool) {
	e, ok := t.Lookup(code)
	return e.Label, ok
}

// CivilStatus returns the label of a civil status code (table 1), e.g.
// "Coniugato/a" for 2.
func CivilStatus(code int) (string, bool) { return label(TabCivilStatus, code) }

// Kinship returns the label of a kinship to the head of a famiglia
// (table 5), e.g. "Figlio / Figlia" for 3. It knows the codes that are
// usable only at takeover too; see KinshipTakeoverOnly.
func Kinship(code int) (string, bool) { return label(TabKinship, code) }

// KinshipTakeoverOnly reports whether a table 5 code is no longer valid
// for new data and is accepted only at takeover (subentro): 14, 15, 19, 80.
func KinshipTakeoverOnly(code int) bool {
	e, ok := TabKinship.Lookup(code)
	return ok && e.TakeoverOnly
}

// CohabitationBond returns the label of a bond within a convivenza
// (table 6), e.g. "Responsabile convivenza" for 1.
func CohabitationBond(code int) (string, bool) { return label(TabCohabitationBond, code) }

// RemovalReason returns the label of a reason of removal from the
// register (table 15), e.g. "Morte accertata" for 1.
func RemovalReason(code int) (string, bool) { return label(TabRemovalReason, code) }

// CohabitationKind returns the label of a kind of convivenza (table 27),
// e.g. "Di cura" for 2.
func CohabitationKind(code int) (string, bool) { return label(TabCohabitationKind, code) }

// MarriageEnding returns the label of a type of ending of a marriage
// (table 31), e.g. "Cessazione effetti civili" for 1.
func MarriageEnding(code int) (string, bool) { return label(TabMarriageEnding, code) }

// Certifiability returns the label of a certifiability code (table 42),
// e.g. "CERTIFICABILITA COMPLETA" for 2.
func Certifiability(code int) (string, bool) { return label(TabCertifiability, code) }

// stateTable is table 2 parsed.
type stateTable struct {
	title   string
	byISTAT map[string]State
	list    []State // by ISTAT code
}

var states = sync.OnceValue(func() *stateTable {
	st, err := parseStates(tab02)
	if err != nil {
		panic("anpr: embedded table: " + err.Error())
	}
	return st
})

// CitizenshipState returns the state or status with that ISTAT code when
// it may be used as a citizenship: a state, "100" for Italy, or the
// special codes 997 (in corso di definizione), 998 (non attribuibile) and
// 999 (apolide). Territories that are not citizenships (e.g. "520",
// GROENLANDIA) report false; StateByISTAT finds them.
func CitizenshipState(istat string) (State, bool) {
	s, ok := states().byISTAT[istat]
	if !ok || !s.Citizenship {
		return State{}, false
	}
	return s, true
}

// StateByISTAT returns any row of table 2 with that ISTAT code, citizenship
// or not.
func StateByISTAT(istat string) (State, bool) {
	s, ok := states().byISTAT[istat]
	return s, ok
}

// CitizenshipStates returns the rows usable as a citizenship, ordered by
// ISTAT code.
func CitizenshipStates() []State {
	var out []State
	for _, s := range states().list {
		if s.Citizenship {
			out = append(out, s)
		}
	}
	return out
}

// rows splits a table file into its title (without "# Tabella NN - " and
// the source note) and its rows after the header, checking the layout.
func rows(t Table, text string) (string, [][2]string, error) {
	first, rest, _ := strings.Cut(text, "\n")
	prefix := fmt.Sprintf("# Tabella %02d - ", int(t))
	if !strings.HasPrefix(first, prefix) {
		return "", nil, fmt.Errorf("table %d: unexpected title line", t)
	}
	title := strings.TrimPrefix(first, prefix)
	if i := strings.LastIndex(title, " (source:"); i >= 0 {
		title = title[:i]
	}
	header, rest, _ := strings.Cut(rest, "\n")
	if header != "\tID" && !strings.HasPrefix(header, "ID\t") {
		return "", nil, fmt.Errorf("table %d: unexpected header", t)
	}
	var out [][2]string
	for line := 3; rest != ""; line++ {
		var l string
		l, rest, _ = strings.Cut(rest, "\n")
		code, desc, ok := strings.Cut(l, "\t")
		if !ok {
			return "", nil, fmt.Errorf("table %d line %d: no tab", t, line)
		}
		out = append(out, [2]string{code, desc})
	}
	return title, out, nil
}

func parseCodes(t Table, text string) (*codeTable, error) {
	title, rs, err := rows(t, text)
	if err != nil {
		return nil, err
	}
	ct := &codeTable{title: title, entries: make([]Entry, 0, len(rs))}
	for i, r := range rs {
		c, err := strconv.Atoi(r[0])
		if err != nil || c < 0 {
			return nil, fmt.Errorf("table %d line %d: bad code", t, i+3)
		}
		head, kv := splitAnnotations(r[1])
		e := Entry{Code: c, Label: head, Note: kv["Note"]}
		if to, ok := parseDate(kv["DATAFINEVALIDITA"]); ok && to.Year() < 9999 {
			e.ValidTo = to
		}
		e.TakeoverOnly = !e.ValidTo.IsZero() && strings.Contains(strings.ToLower(e.Note), "subentro")
		if e.Label == "" {
			return nil, fmt.Errorf("table %d line %d: empty label", t, i+3)
		}
		ct.entries = append(ct.entries, e)
	}
	slices.SortFunc(ct.entries, func(a, b Entry) int { return a.Code - b.Code })
	for i := 1; i < len(ct.entries); i++ {
		if ct.entries[i].Code == ct.entries[i-1].Code {
			return nil, fmt.Errorf("table %d: duplicate code %d", t, ct.entries[i].Code)
		}
	}
	return ct, nil
}

func parseStates(text string) (*stateTable, error) {
	title, rs, err := rows(TabStates, text)
	if err != nil {
		return nil, err
	}
	st := &stateTable{title: title, byISTAT: make(map[string]State, len(rs))}
	for i, r := range rs {
		head, kv := splitAnnotations(r[1])
		s := State{
			ISTAT:       kv["CODISTAT"],
			Name:        head,
			Cadastral:   kv["CODAT"],
			ISOAlpha3:   kv["CODISO3166_1_ALPHA3"],
			Citizenship: kv["CITTADINANZA"] == "S",
			Kind:        kv["TIPO"],
		}
		if to, ok := parseDate(kv["DATAFINEVALIDITA"]); ok && to.Year() < 9999 {
			s.ValidTo = to
		}
		if s.ISTAT == "" {
			continue
		}
		if s.Name == "" {
			s.Name = strings.TrimSuffix(kv["DENOMINAZIONEISTAT"], "*")
		}
		if len(s.ISTAT) != 3 || strings.Trim(s.ISTAT, "0123456789") != "" {
			return nil, fmt.Errorf("table 2 line %d: bad ISTAT code", i+3)
		}
		if _, dup := st.byISTAT[s.ISTAT]; dup {
			return nil, fmt.Errorf("table 2 line %d: duplicate ISTAT code %s", i+3, s.ISTAT)
		}
		st.byISTAT[s.ISTAT] = s
		st.list = append(st.list, s)
	}
	slices.SortFunc(st.list, func(a, b State) int { return strings.Compare(a.ISTAT, b.ISTAT) })
	return st, nil
}

// splitAnnotations splits a description such as
//
//	Figliastro / Figliastra - DATAFINEVALIDITA: 2015-09-15 00:00:00 - Note: Utilizzabile solo al subentro
//
// into its head and its "KEY: value" annotations. A key starts with a
// capital letter and has letters, digits and underscores; " - " followed
// by anything else (as in "Separazione - D.L. 12 settembre 2014") stays in
// the text. A description may start with an annotation ("- KEY: ...").
func splitAnnotations(s string) (string, map[string]string) {
	type mark struct{ sep, key, val int }
	var marks []mark
	try := func(sep, key int) {
		j := key
		for j < len(s) && (isUpper(s[j]) || j > key && (isLower(s[j]) || isDigit(s[j]) || s[j] == '_')) {
			j++
		}
		if j > key && strings.HasPrefix(s[j:], ": ") {
			marks = append(marks, mark{sep, key, j})
		}
	}
	if strings.HasPrefix(s, "- ") {
		try(0, 2)
	}
	for i := 0; i+3 <= len(s); i++ {
		if s[i:i+3] == " - " {
			try(i, i+3)
		}
	}
	if len(marks) == 0 {
		return strings.TrimSpace(s), nil
	}
	kv := make(map[string]string, len(marks))
	for i, m := range marks {
		end := len(s)
		if i+1 < len(marks) {
			end = marks[i+1].sep
		}
		kv[s[m.key:m.val]] = strings.TrimSpace(s[m.val+2 : end])
	}
	return strings.TrimSpace(s[:marks[0].sep]), kv
}

// parseDate reads the first ten characters of "2015-09-15 00:00:00" or
// "31/12/9999".
func parseDate(s string) (time.Time, bool) {
	if len(s) < 10 {
		return time.Time{}, false
	}
	for _, layout := range []string{time.DateOnly, "02/01/2006"} {
		if t, err := time.Parse(layout, s[:10]); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func isLower(c byte) bool { return 'a' <= c && c <= 'z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// Package regrow maps the registry model to the rows both stores keep
// (internal/store/sqlite and internal/store/postgres): the tables'
// columns, the checks a batch of households passes before anything is
// written, what an import does beyond upserting its rows (Batch), and the
// JSON encoding of the parts of a person that are stored as documents.
//
// # What is a column and what is JSON
//
// Facts that queries or certificate rules use are real columns: the
// household's kind, address (with locality, country and state code
// abroad), AIRE and incomplete flags, the convivenza's name and kind; the
// person's birth place (with its state code), civil status, kinship,
// certifiability, open procedure, no fixed abode, AIRE registration
// (aire_since, aire_consulate) and removal (removal_reason,
// removal_date). The ordered lists and the records only ever read whole
// with their person are JSON documents, one column each (json on
// PostgreSQL, TEXT on SQLite), NULL when absent or empty:
//
//	birth_record   {"comune":"F205","year":1980,"part":"1","series":"A","number":"12","volume":"3"}
//	citizenships   [{"state":"100","name":"ITALIANA","since":"2015-06-01"}, ...]
//	civil_events   [{"kind":"marriage","date":"2008-06-14","place":{Place},"record":{CivilRecord},
//	                 "partner_fc":"...","partner_name":"BIANCHI LAURA","ending":1}, ...]
//	contracts      [{"partner_fc":"...","partner_name":"...","date":"...","registered":"...",
//	                 "professional":"...","ended":"..."}, ...]
//	residences     [{"from":"...","to":"...","address":{Address},"from_comune":"Z129"}, ...]
//	death_place    {Place}
//
// where Place is {"comune","name","province","state","country"} and
// Address is {"toponym","street","number","internal","postal_code",
// "locality","country","state"}. Keys are written in that order, compact,
// and a key whose value is empty, zero or a zero date is left out; strings
// escape only what JSON requires. The same value therefore always encodes
// to the same bytes (the canonical form), which lets both stores compare
// documents as text. Dates are "YYYY-MM-DD". A nil *CivilRecord is an
// absent key, a non-nil one an object (possibly {}), so pointers keep
// their nil-ness; empty lists are NULL and read back as nil slices. The
// reader accepts any JSON of these shapes (keys in any order, escapes of
// any form), but only the canonical form compares equal to what certa
// writes: a document written otherwise is rewritten by the next import.
package regrow

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/registry"
)

// DateLayout is the text form of a calendar date.
const DateLayout = "2006-01-02"

// MaxCode is the largest value of a coded field (civil status, kinship,
// certifiability, removal reason, convivenza kind): PostgreSQL keeps them
// as smallint.
const MaxCode = 32767

// Kind returns the stored form of a household kind: empty is famiglia.
func Kind(k registry.HouseholdKind) string {
	if k == "" {
		return string(registry.KindFamily)
	}
	return string(k)
}

// CheckHouseholds checks what any write of hs needs: household IDs and
// fiscal codes present, members not linked to another household, known
// household kinds, codes in 0..MaxCode, dates in the years 1 to 9999, and
// every text valid UTF-8 without NUL characters (what PostgreSQL can
// store, and what JSON carries faithfully). The error is
// errs.InvalidRequest and names no value.
func CheckHouseholds(hs []registry.Household) error {
	for i := range hs {
		h := &hs[i]
		switch {
		case h.ID == "":
			return errs.New(errs.InvalidRequest, "household without an id")
		case h.Kind != "" && h.Kind != registry.KindFamily && h.Kind != registry.KindCohabitation:
			return errs.New(errs.InvalidRequest, "unknown household kind")
		case !code(h.CohabitationKind):
			return errs.New(errs.InvalidRequest, "convivenza kind out of range")
		case !validText(h.ID, h.CohabitationName) || !validAddress(h.Address):
			return errs.New(errs.InvalidRequest, "household fields must be UTF-8 text without NUL characters")
		}
		for j := range h.Members {
			m := &h.Members[j]
			if m.FiscalCode == "" {
				return errs.New(errs.InvalidRequest, "household member without a fiscal code")
			}
			if m.HouseholdID != "" && m.HouseholdID != h.ID {
				return errs.New(errs.InvalidRequest, "household member linked to another household")
			}
			if err := checkPerson(m); err != nil {
				return err
			}
		}
	}
	return nil
}

// Batch indexes the households of an import.
type Batch struct {
	// Households holds the households' IDs.
	Households map[string]struct{}
	// Persons maps each member's fiscal code to their household's ID.
	Persons map[string]string
}

// Rows returns the number of household and person rows in the batch.
func (b Batch) Rows() int { return len(b.Households) + len(b.Persons) }

// IndexBatch indexes hs, refusing a batch in which a household ID or a
// fiscal code appears twice (errs.InvalidRequest).
func IndexBatch(hs []registry.Household) (Batch, error) {
	n := 0
	for _, h := range hs {
		n += len(h.Members)
	}
	b := Batch{Households: make(map[string]struct{}, len(hs)), Persons: make(map[string]string, n)}
	for _, h := range hs {
		if _, dup := b.Households[h.ID]; dup {
			return Batch{}, errs.New(errs.InvalidRequest, "a household appears twice in the batch")
		}
		b.Households[h.ID] = struct{}{}
		for _, m := range h.Members {
			if _, dup := b.Persons[m.FiscalCode]; dup {
				return Batch{}, errs.New(errs.InvalidRequest, "a fiscal code appears twice in the batch")
			}
			b.Persons[m.FiscalCode] = h.ID
		}
	}
	return b, nil
}

// Seen remembers the households and persons of an import's batches, so
// that one in two batches is refused as it would be in one. The zero
// value is ready to use.
type Seen struct {
	households map[string]struct{}
	persons    map[string]struct{}
}

// Add records b's households and persons, or refuses b
// (errs.InvalidRequest) when one of them was in an earlier batch.
func (s *Seen) Add(b Batch) error {
	if s.households == nil {
		s.households = make(map[string]struct{}, len(b.Households))
		s.persons = make(map[string]struct{}, len(b.Persons))
	}
	for id := range b.Households {
		if _, dup := s.households[id]; dup {
			return errs.New(errs.InvalidRequest, "a household appears in two batches of the import")
		}
	}
	for code := range b.Persons {
		if _, dup := s.persons[code]; dup {
			return errs.New(errs.InvalidRequest, "a fiscal code appears in two batches of the import")
		}
	}
	for id := range b.Households {
		s.households[id] = struct{}{}
	}
	for code := range b.Persons {
		s.persons[code] = struct{}{}
	}
	return nil
}

// Departed returns, from stored (the household of each person on record
// concerned by the import: the batch's persons and the stored members of
// its households), the fiscal codes of the members of the batch's
// households that are in none of them: an import deletes them.
func (b Batch) Departed(stored map[string]string) []string {
	var out []string
	for code, id := range stored {
		_, inBatch := b.Households[id]
		if _, staying := b.Persons[code]; inBatch && !staying {
			out = append(out, code)
		}
	}
	return out
}

// Left returns, from stored (as for Departed), the households outside the
// batch that persons of the batch leave: an import deletes those it
// leaves empty.
func (b Batch) Left(stored map[string]string) []string {
	var out []string
	seen := map[string]bool{}
	for code, to := range b.Persons {
		from, ok := stored[code]
		if _, inBatch := b.Households[from]; ok && from != to && !inBatch && !seen[from] {
			seen[from] = true
			out = append(out, from)
		}
	}
	return out
}

// AppendJSONArray appends ss as a JSON array of strings.
func AppendJSONArray(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

func checkPerson(p *registry.Person) error {
	if !code(p.CivilStatus) || !code(p.Kinship) || !code(p.Certifiability) ||
		(p.Removal != nil && !code(p.Removal.Reason)) {
		return errs.New(errs.InvalidRequest, "resident code out of range")
	}
	c := checker{ok: true}
	c.text(p.FiscalCode, p.Surname, p.Name, string(p.Sex))
	c.place(p.BirthPlace)
	c.date(p.BirthDate)
	c.record(p.BirthRecord)
	for i := range p.Citizenships {
		cs := &p.Citizenships[i]
		c.text(cs.StateCode, cs.Name)
		c.date(cs.Since)
	}
	for i := range p.CivilEvents {
		e := &p.CivilEvents[i]
		c.text(string(e.Kind), e.PartnerFiscalCode, e.PartnerName)
		c.date(e.Date)
		c.place(e.Place)
		c.record(e.Record)
	}
	for i := range p.Contracts {
		k := &p.Contracts[i]
		c.text(k.PartnerFiscalCode, k.PartnerName, k.Professional)
		c.date(k.Date)
		c.date(k.Registered)
		c.date(k.Ended)
	}
	for i := range p.Residences {
		r := &p.Residences[i]
		c.text(r.FromComune)
		c.date(r.From)
		c.date(r.To)
		c.ok = c.ok && validAddress(r.Address)
	}
	if a := p.AIRE; a != nil {
		c.text(a.Consulate)
		c.date(a.Since)
	}
	if r := p.Removal; r != nil {
		c.date(r.Date)
		c.place(r.DeathPlace)
	}
	switch {
	case !c.ok:
		return errs.New(errs.InvalidRequest, "resident fields must be UTF-8 text without NUL characters")
	case c.badDate:
		return errs.New(errs.InvalidRequest, "date out of range")
	}
	return nil
}

// checker accumulates the checks of one person's fields.
type checker struct {
	ok      bool // all text so far is storable
	badDate bool
}

func (c *checker) text(ss ...string) { c.ok = c.ok && validText(ss...) }

func (c *checker) place(p registry.Place) {
	c.text(p.ComuneCode, p.Name, p.Province, p.StateCode, p.Country)
}

func (c *checker) record(r *registry.CivilRecord) {
	if r != nil {
		c.text(r.ComuneCode, r.Part, r.Series, r.Number, r.Volume)
	}
}

// Dates between these are surely in the years 1 to 9999, whatever their
// location; the others are checked the slow way.
var (
	safeFirst = time.Date(2, 1, 1, 0, 0, 0, 0, time.UTC)
	safeLast  = time.Date(9998, 12, 31, 0, 0, 0, 0, time.UTC)
)

func (c *checker) date(d time.Time) {
	if d.IsZero() || (d.After(safeFirst) && d.Before(safeLast)) {
		return
	}
	if y := d.Year(); y < 1 || y > 9999 {
		c.badDate = true
	}
}

func code(c int) bool { return c >= 0 && c <= MaxCode }

func validAddress(a registry.Address) bool {
	return validText(a.Toponym, a.Street, a.Number, a.Internal, a.PostalCode, a.Locality, a.Country, a.StateCode)
}

// validText reports whether every s is valid UTF-8 without NUL characters.
func validText(ss ...string) bool {
	for _, s := range ss {
		for i := 0; i < len(s); i++ {
			if c := s[i]; c == 0 {
				return false
			} else if c >= utf8.RuneSelf { // not ASCII: the slow way
				if !utf8.ValidString(s[i:]) || strings.IndexByte(s[i:], 0) >= 0 {
					return false
				}
				break
			}
		}
	}
	return true
}

// Docs are a person's JSON columns; nil is SQL NULL.
type Docs struct {
	BirthRecord  []byte
	Citizenships []byte
	CivilEvents  []byte
	Contracts    []byte
	Residences   []byte
	DeathPlace   []byte
}

// Encode returns p's JSON columns, appended to buf (which may be nil) so
// that a caller encoding many persons can reuse one buffer: the documents
// alias buf's new contents and stay valid until buf is reused. p must have
// passed CheckHouseholds.
func Encode(buf []byte, p *registry.Person) (Docs, []byte) {
	var d Docs
	mark := func(start int) []byte { return buf[start:len(buf):len(buf)] }
	if r := p.BirthRecord; r != nil {
		s := len(buf)
		buf = appendRecord(buf, r)
		d.BirthRecord = mark(s)
	}
	if len(p.Citizenships) > 0 {
		s := len(buf)
		buf = append(buf, '[')
		for i, c := range p.Citizenships {
			if i > 0 {
				buf = append(buf, ',')
			}
			o := object{b: append(buf, '{')}
			o.str("state", c.StateCode)
			o.str("name", c.Name)
			o.date("since", c.Since)
			buf = o.end()
		}
		buf = append(buf, ']')
		d.Citizenships = mark(s)
	}
	if len(p.CivilEvents) > 0 {
		s := len(buf)
		buf = append(buf, '[')
		for i, e := range p.CivilEvents {
			if i > 0 {
				buf = append(buf, ',')
			}
			o := object{b: append(buf, '{')}
			o.str("kind", string(e.Kind))
			o.date("date", e.Date)
			if e.Place != (registry.Place{}) {
				o.key("place")
				o.b = appendPlace(o.b, e.Place)
			}
			if e.Record != nil {
				o.key("record")
				o.b = appendRecord(o.b, e.Record)
			}
			o.str("partner_fc", e.PartnerFiscalCode)
			o.str("partner_name", e.PartnerName)
			o.int("ending", e.EndingType)
			buf = o.end()
		}
		buf = append(buf, ']')
		d.CivilEvents = mark(s)
	}
	if len(p.Contracts) > 0 {
		s := len(buf)
		buf = append(buf, '[')
		for i, c := range p.Contracts {
			if i > 0 {
				buf = append(buf, ',')
			}
			o := object{b: append(buf, '{')}
			o.str("partner_fc", c.PartnerFiscalCode)
			o.str("partner_name", c.PartnerName)
			o.date("date", c.Date)
			o.date("registered", c.Registered)
			o.str("professional", c.Professional)
			o.date("ended", c.Ended)
			buf = o.end()
		}
		buf = append(buf, ']')
		d.Contracts = mark(s)
	}
	if len(p.Residences) > 0 {
		s := len(buf)
		buf = append(buf, '[')
		for i, r := range p.Residences {
			if i > 0 {
				buf = append(buf, ',')
			}
			o := object{b: append(buf, '{')}
			o.date("from", r.From)
			o.date("to", r.To)
			if r.Address != (registry.Address{}) {
				o.key("address")
				o.b = appendAddress(o.b, r.Address)
			}
			o.str("from_comune", r.FromComune)
			buf = o.end()
		}
		buf = append(buf, ']')
		d.Residences = mark(s)
	}
	if r := p.Removal; r != nil && r.DeathPlace != (registry.Place{}) {
		s := len(buf)
		buf = appendPlace(buf, r.DeathPlace)
		d.DeathPlace = mark(s)
	}
	return d, buf
}

// object writes one JSON object's members, leaving out empty values.
type object struct {
	b []byte
	n int
}

func (o *object) key(k string) {
	if o.n > 0 {
		o.b = append(o.b, ',')
	}
	o.n++
	o.b = append(o.b, '"')
	o.b = append(o.b, k...)
	o.b = append(o.b, '"', ':')
}

func (o *object) str(k, v string) {
	if v != "" {
		o.key(k)
		o.b = appendString(o.b, v)
	}
}

func (o *object) int(k string, v int) {
	if v != 0 {
		o.key(k)
		o.b = strconv.AppendInt(o.b, int64(v), 10)
	}
}

func (o *object) date(k string, t time.Time) {
	if !t.IsZero() {
		o.key(k)
		o.b = append(o.b, '"')
		o.b = t.AppendFormat(o.b, DateLayout)
		o.b = append(o.b, '"')
	}
}

func (o *object) end() []byte { return append(o.b, '}') }

func appendPlace(b []byte, p registry.Place) []byte {
	o := object{b: append(b, '{')}
	o.str("comune", p.ComuneCode)
	o.str("name", p.Name)
	o.str("province", p.Province)
	o.str("state", p.StateCode)
	o.str("country", p.Country)
	return o.end()
}

func appendAddress(b []byte, a registry.Address) []byte {
	o := object{b: append(b, '{')}
	o.str("toponym", a.Toponym)
	o.str("street", a.Street)
	o.str("number", a.Number)
	o.str("internal", a.Internal)
	o.str("postal_code", a.PostalCode)
	o.str("locality", a.Locality)
	o.str("country", a.Country)
	o.str("state", a.StateCode)
	return o.end()
}

func appendRecord(b []byte, r *registry.CivilRecord) []byte {
	o := object{b: append(b, '{')}
	o.str("comune", r.ComuneCode)
	o.int("year", r.Year)
	o.str("part", r.Part)
	o.str("series", r.Series)
	o.str("number", r.Number)
	o.str("volume", r.Volume)
	return o.end()
}

const hex = "0123456789abcdef"

// appendString appends s, valid UTF-8, as a JSON string. Only what JSON
// requires is escaped ('"', '\\' and control characters), the way
// PostgreSQL's to_json and SQLite's json_quote do it.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// The documents as encoding/json reads them.
type (
	placeDoc struct {
		Comune   string `json:"comune"`
		Name     string `json:"name"`
		Province string `json:"province"`
		State    string `json:"state"`
		Country  string `json:"country"`
	}
	addressDoc struct {
		Toponym    string `json:"toponym"`
		Street     string `json:"street"`
		Number     string `json:"number"`
		Internal   string `json:"internal"`
		PostalCode string `json:"postal_code"`
		Locality   string `json:"locality"`
		Country    string `json:"country"`
		State      string `json:"state"`
	}
	recordDoc struct {
		Comune string `json:"comune"`
		Year   int    `json:"year"`
		Part   string `json:"part"`
		Series string `json:"series"`
		Number string `json:"number"`
		Volume string `json:"volume"`
	}
	citizenshipDoc struct {
		State string  `json:"state"`
		Name  string  `json:"name"`
		Since dateDoc `json:"since"`
	}
	eventDoc struct {
		Kind        string     `json:"kind"`
		Date        dateDoc    `json:"date"`
		Place       placeDoc   `json:"place"`
		Record      *recordDoc `json:"record"`
		PartnerFC   string     `json:"partner_fc"`
		PartnerName string     `json:"partner_name"`
		Ending      int        `json:"ending"`
	}
	contractDoc struct {
		PartnerFC    string  `json:"partner_fc"`
		PartnerName  string  `json:"partner_name"`
		Date         dateDoc `json:"date"`
		Registered   dateDoc `json:"registered"`
		Professional string  `json:"professional"`
		Ended        dateDoc `json:"ended"`
	}
	residenceDoc struct {
		From       dateDoc    `json:"from"`
		To         dateDoc    `json:"to"`
		Address    addressDoc `json:"address"`
		FromComune string     `json:"from_comune"`
	}
)

// dateDoc is a "YYYY-MM-DD" date; absent or "" is the zero time.
type dateDoc time.Time

func (d *dateDoc) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	t, err := ParseDate(s)
	*d = dateDoc(t)
	return err
}

// ParseDate parses a stored date; "" is the zero time.
func ParseDate(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		// Not err itself: it quotes the value, a personal date.
		return time.Time{}, errs.New(errs.Internal, "storage error: malformed date")
	}
	return t, nil
}

func (p placeDoc) place() registry.Place {
	return registry.Place{ComuneCode: p.Comune, Name: p.Name, Province: p.Province, StateCode: p.State, Country: p.Country}
}

func (a addressDoc) address() registry.Address {
	return registry.Address{Toponym: a.Toponym, Street: a.Street, Number: a.Number, Internal: a.Internal,
		PostalCode: a.PostalCode, Locality: a.Locality, Country: a.Country, StateCode: a.State}
}

func (r *recordDoc) record() *registry.CivilRecord {
	if r == nil {
		return nil
	}
	return &registry.CivilRecord{ComuneCode: r.Comune, Year: r.Year, Part: r.Part, Series: r.Series,
		Number: r.Number, Volume: r.Volume}
}

// Decode sets p's fields that d holds: BirthRecord, Citizenships,
// CivilEvents, Contracts, Residences and, when p.Removal is set, its
// DeathPlace. Empty lists are nil. A malformed document is errs.Internal,
// without the document's text.
func Decode(d Docs, p *registry.Person) error {
	bad := func() error { return errs.New(errs.Internal, "storage error: malformed registry document") }
	if d.BirthRecord != nil {
		var r *recordDoc
		if err := json.Unmarshal(d.BirthRecord, &r); err != nil || r == nil {
			return bad()
		}
		p.BirthRecord = r.record()
	}
	if len(d.Citizenships) > 0 {
		var cs []citizenshipDoc
		if err := json.Unmarshal(d.Citizenships, &cs); err != nil {
			return bad()
		}
		if len(cs) > 0 {
			p.Citizenships = make([]registry.Citizenship, len(cs))
			for i, c := range cs {
				p.Citizenships[i] = registry.Citizenship{StateCode: c.State, Name: c.Name, Since: time.Time(c.Since)}
			}
		}
	}
	if len(d.CivilEvents) > 0 {
		var es []eventDoc
		if err := json.Unmarshal(d.CivilEvents, &es); err != nil {
			return bad()
		}
		if len(es) > 0 {
			p.CivilEvents = make([]registry.CivilEvent, len(es))
			for i, e := range es {
				p.CivilEvents[i] = registry.CivilEvent{Kind: registry.CivilEventKind(e.Kind), Date: time.Time(e.Date),
					Place: e.Place.place(), Record: e.Record.record(), PartnerFiscalCode: e.PartnerFC,
					PartnerName: e.PartnerName, EndingType: e.Ending}
			}
		}
	}
	if len(d.Contracts) > 0 {
		var cs []contractDoc
		if err := json.Unmarshal(d.Contracts, &cs); err != nil {
			return bad()
		}
		if len(cs) > 0 {
			p.Contracts = make([]registry.CohabitationContract, len(cs))
			for i, c := range cs {
				p.Contracts[i] = registry.CohabitationContract{PartnerFiscalCode: c.PartnerFC, PartnerName: c.PartnerName,
					Date: time.Time(c.Date), Registered: time.Time(c.Registered), Professional: c.Professional,
					Ended: time.Time(c.Ended)}
			}
		}
	}
	if len(d.Residences) > 0 {
		var rs []residenceDoc
		if err := json.Unmarshal(d.Residences, &rs); err != nil {
			return bad()
		}
		if len(rs) > 0 {
			p.Residences = make([]registry.Residence, len(rs))
			for i, r := range rs {
				p.Residences[i] = registry.Residence{From: time.Time(r.From), To: time.Time(r.To),
					Address: r.Address.address(), FromComune: r.FromComune}
			}
		}
	}
	if d.DeathPlace != nil && p.Removal != nil {
		var pl placeDoc
		if err := json.Unmarshal(d.DeathPlace, &pl); err != nil {
			return bad()
		}
		p.Removal.DeathPlace = pl.place()
	}
	return nil
}

// Columns of the registry tables, the same in both stores, in the order
// the stores read and write them.
var (
	HouseholdColumns = []string{"id", "kind", "toponym", "street", "number", "internal", "postal_code",
		"locality", "country", "state_code", "aire", "incomplete", "cohabitation_name", "cohabitation_kind"}
	PersonColumns = []string{"fiscal_code", "surname", "name", "sex", "birth_date",
		"birth_comune_code", "birth_place_name", "birth_province", "birth_state_code", "birth_country",
		"birth_record", "citizenships", "civil_status", "civil_events", "contracts",
		"household_id", "kinship", "ord", "residences",
		"aire_since", "aire_consulate", "removal_reason", "removal_date", "death_place",
		"certifiability", "open_procedure", "no_fixed_abode"}
	// JSONColumns are the persons columns that hold documents.
	JSONColumns = map[string]bool{"birth_record": true, "citizenships": true, "civil_events": true,
		"contracts": true, "residences": true, "death_place": true}
)

// Cols returns columns, each qualified with alias unless it is empty,
// comma-separated.
func Cols(alias string, columns []string) string {
	var b strings.Builder
	for i, c := range columns {
		if i > 0 {
			b.WriteString(", ")
		}
		if alias != "" {
			b.WriteString(alias)
			b.WriteByte('.')
		}
		b.WriteString(c)
	}
	return b.String()
}

// HouseholdRow scans a households row (HouseholdColumns).
type HouseholdRow struct {
	h    registry.Household
	kind string
}

// Dest returns the scan destinations.
func (r *HouseholdRow) Dest() []any {
	h, a := &r.h, &r.h.Address
	return []any{&h.ID, &r.kind, &a.Toponym, &a.Street, &a.Number, &a.Internal, &a.PostalCode,
		&a.Locality, &a.Country, &a.StateCode, &h.AIRE, &h.Incomplete, &h.CohabitationName, &h.CohabitationKind}
}

// Household returns the scanned household, without members.
func (r *HouseholdRow) Household() registry.Household {
	h := r.h
	h.Kind = registry.HouseholdKind(r.kind)
	return h
}

// HouseholdValues returns h as a households row (HouseholdColumns).
func HouseholdValues(h *registry.Household) []any {
	a := &h.Address
	return []any{h.ID, Kind(h.Kind), a.Toponym, a.Street, a.Number, a.Internal, a.PostalCode,
		a.Locality, a.Country, a.StateCode, h.AIRE, h.Incomplete, h.CohabitationName, h.CohabitationKind}
}

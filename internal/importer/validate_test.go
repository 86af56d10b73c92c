package importer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"certa.example/certa/internal/codicefiscale"
	"certa.example/certa/internal/registry"
)

// Lines of the example, by household: F001, F002, F003, C001, A001.
const (
	lF001 = iota
	lF002
	lF003
	lC001
	lA001
)

func exampleLines(t testing.TB) [][]byte {
	t.Helper()
	var out [][]byte
	for _, h := range exampleHouseholds(t) {
		b, err := Marshal(h)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

type obj = map[string]any

func decodeObj(t testing.TB, line []byte) obj {
	t.Helper()
	var o obj
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if err := dec.Decode(&o); err != nil {
		t.Fatal(err)
	}
	return o
}

func encodeObj(t testing.TB, o obj) []byte {
	t.Helper()
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func member(h obj, i int) obj { return h["members"].([]any)[i].(obj) }
func at(o obj, key string, i int) obj {
	return o[key].([]any)[i].(obj)
}

// joinLines makes a file of lines, each ended by a newline.
func joinLines(lines [][]byte) []byte {
	var b bytes.Buffer
	for _, l := range lines {
		b.Write(l)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// errorStrings renders errors as "line N: path: msg".
func errorStrings(es []LineError) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Error()
	}
	return out
}

// personalData lists strings of the example that no error may contain.
func personalData(t testing.TB) []string {
	var out []string
	for _, h := range exampleHouseholds(t) {
		for _, m := range h.Members {
			out = append(out, m.FiscalCode, m.Surname, m.Name)
		}
	}
	return out
}

func TestRules(t *testing.T) {
	for _, tc := range []struct {
		name string
		line int           // which example line to change
		mut  func(h obj)   // the change
		want []string      // "path: message", message may be a prefix
		raw  func() []byte // replaces the line instead of mut
	}{
		// Fiscal code.
		{name: "wrong check character", line: lF001, mut: func(h obj) {
			c := []byte(member(h, 0)["fiscal_code"].(string))
			c[15] = 'A' + (c[15]-'A'+1)%26
			member(h, 0)["fiscal_code"] = string(c)
		}, want: []string{"members[0].fiscal_code: fiscal code has a wrong check character"}},
		{name: "fiscal code too short", line: lF001, mut: func(h obj) { member(h, 0)["fiscal_code"] = "RSSMRA80C15" },
			want: []string{"members[0].fiscal_code: fiscal code must be 16 letters and digits"}},
		{name: "surname does not match", line: lF001, mut: func(h obj) { member(h, 0)["surname"] = "BIANCHI" },
			want: []string{"members[0].fiscal_code: does not match the surname"}},
		{name: "name does not match", line: lF001, mut: func(h obj) { member(h, 0)["name"] = "MARCO" },
			want: []string{"members[0].fiscal_code: does not match the name"}},
		{name: "sex does not match", line: lF001, mut: func(h obj) { member(h, 0)["sex"] = "F" },
			want: []string{"members[0].fiscal_code: does not match the sex"}},
		{name: "birth date does not match", line: lF001, mut: func(h obj) { member(h, 0)["birth_date"] = "1980-03-16" },
			want: []string{"members[0].fiscal_code: does not match the birth date"}},
		{name: "birth year does not match", line: lF001, mut: func(h obj) { member(h, 0)["birth_date"] = "1979-03-15" },
			want: []string{"members[0].fiscal_code: does not match the birth date"}},
		{name: "birth place does not match", line: lF001, mut: func(h obj) { member(h, 0)["birth_place"] = obj{"code": "A794"} },
			want: []string{"members[0].fiscal_code: does not match the birth place"}},
		{name: "surname without letters", line: lF001, mut: func(h obj) { member(h, 0)["surname"] = "123" },
			want: []string{"members[0].fiscal_code: cannot be checked: surname has no letters"}},
		// Places.
		{name: "birth place comune not in force on the birth date", line: lF001, mut: func(h obj) {
			// ABBADIA ALPINA ceased in 1928; the code matches the place.
			m := member(h, 0)
			m["birth_place"] = obj{"code": "A003"}
			m["fiscal_code"] = cf(t, "ROSSI", "MARIO", registry.Male, d(1980, 3, 15), "A003", 0)
		}, want: []string{"members[0].birth_place.code: is not the code of a comune in force on that date"}},
		{name: "unknown comune code", line: lF001, mut: func(h obj) { member(h, 2)["birth_place"] = obj{"code": "Y999"} },
			want: []string{"members[2].birth_place.code: is not the code of a comune in the ANPR archive"}},
		{name: "unknown foreign state", line: lF001, mut: func(h obj) { member(h, 1)["birth_place"] = obj{"code": "Z999"} },
			want: []string{"members[1].birth_place.code: is not the code of a foreign state"}},
		{name: "place code malformed", line: lF001, mut: func(h obj) { member(h, 1)["birth_place"] = obj{"code": "z129"} },
			want: []string{"members[1].birth_place.code: must be a cadastral code"}},
		{name: "locality of a comune", line: lF001, mut: func(h obj) { member(h, 0)["birth_place"] = obj{"code": "F205", "locality": "MILANO"} },
			want: []string{"members[0].birth_place.locality: is only for a place abroad"}},
		{name: "death place not in force", line: lF002, mut: func(h obj) { member(h, 1)["removal"].(obj)["death_place"] = obj{"code": "A003"} },
			want: []string{"members[1].removal.death_place.code: is not the code of a comune in force on that date"}},
		{name: "from_comune unknown", line: lF001, mut: func(h obj) { at(member(h, 0), "residences", 0)["from_comune"] = "Y999" },
			want: []string{"members[0].residences[0].from_comune: is not the code of a comune"}},
		// Codes of ANPR tables.
		{name: "unknown civil status", line: lF001, mut: func(h obj) { member(h, 2)["civil_status"] = 5 },
			want: []string{"members[2].civil_status: is not a code of ANPR table 1"}},
		{name: "unknown kinship", line: lF001, mut: func(h obj) { member(h, 2)["kinship"] = 27 },
			want: []string{"members[2].kinship: is not a code of ANPR table 5"}},
		{name: "takeover-only kinship accepted", line: lF001, mut: func(h obj) { member(h, 2)["kinship"] = 14 }},
		{name: "famiglia kinship in a convivenza", line: lC001, mut: func(h obj) { member(h, 1)["kinship"] = 23 },
			want: []string{"members[1].kinship: is not a code of ANPR table 6"}},
		{name: "unknown removal reason", line: lF002, mut: func(h obj) {
			member(h, 1)["removal"] = obj{"reason": 14, "date": "2019-03-02"}
		}, want: []string{"members[1].removal.reason: is not a code of ANPR table 15"}},
		{name: "unknown convivenza kind", line: lC001, mut: func(h obj) { h["convivenza_kind"] = 7 },
			want: []string{"convivenza_kind: is not a code of ANPR table 27"}},
		{name: "ending type on a marriage", line: lF001, mut: func(h obj) {
			at(member(h, 0), "civil_events", 0)["ending_type"] = 1
		}, want: []string{"members[0].civil_events[0].ending_type: is only for divorce and annulment events"}},
		{name: "unknown ending type", line: lF001, mut: func(h obj) {
			m := member(h, 0)
			m["civil_events"] = append(m["civil_events"].([]any), obj{"kind": "divorce", "date": "2020-01-10", "ending_type": 11})
			m["civil_status"] = 4
		}, want: []string{"members[0].civil_events[1].ending_type: is not a code of ANPR table 31"}},
		{name: "unknown certifiability", line: lF001, mut: func(h obj) { member(h, 3)["certifiability"] = 5 },
			want: []string{"members[3].certifiability: is not a code of ANPR table 42"}},
		{name: "unknown citizenship", line: lF001, mut: func(h obj) { member(h, 0)["citizenships"] = []any{obj{"state_code": "000"}} },
			want: []string{"members[0].citizenships[0].state_code: is not an ISTAT code of a citizenship"}},
		{name: "territory is not a citizenship", line: lF001, mut: func(h obj) { member(h, 0)["citizenships"] = []any{obj{"state_code": "520"}} },
			want: []string{"members[0].citizenships[0].state_code: is not an ISTAT code of a citizenship"}},
		{name: "Z code is not a citizenship", line: lF001, mut: func(h obj) { member(h, 0)["citizenships"] = []any{obj{"state_code": "Z129"}} },
			want: []string{"members[0].citizenships[0].state_code: is not an ISTAT code of a citizenship"}},
		{name: "citizenship twice", line: lF001, mut: func(h obj) {
			member(h, 0)["citizenships"] = []any{obj{"state_code": "100"}, obj{"state_code": "100"}}
		}, want: []string{"members[0].citizenships[1].state_code: appears twice"}},
		{name: "stateless and Italian", line: lF001, mut: func(h obj) {
			member(h, 2)["citizenships"] = []any{obj{"state_code": "100"}, obj{"state_code": "999"}}
		}, want: []string{"members[2].citizenships: a citizenship being determined, not attributable or stateless"}},
		{name: "no citizenship", line: lF001, mut: func(h obj) { member(h, 2)["citizenships"] = []any{} },
			want: []string{"members[2].citizenships: must have at least one citizenship"}},
		{name: "stateless alone accepted", line: lF001, mut: func(h obj) { member(h, 2)["citizenships"] = []any{obj{"state_code": "999"}} }},
		// Dates.
		{name: "birth date in the future", line: lF001, mut: func(h obj) { member(h, 3)["birth_date"] = "2026-01-16" },
			want: []string{"members[3].birth_date: must not be in the future"}},
		{name: "birth date malformed", line: lF001, mut: func(h obj) { member(h, 3)["birth_date"] = "20/01/2014" },
			want: []string{"members[3].birth_date: must be a date written YYYY-MM-DD"}},
		{name: "birth date that does not exist", line: lF001, mut: func(h obj) { member(h, 3)["birth_date"] = "2014-02-30" },
			want: []string{"members[3].birth_date: must be a date written YYYY-MM-DD"}},
		{name: "birth date before 1800", line: lF001, mut: func(h obj) { member(h, 3)["birth_date"] = "1799-12-31" },
			want: []string{"members[3].birth_date: must not be before 1800-01-01"}},
		{name: "event before birth", line: lF001, mut: func(h obj) {
			e := at(member(h, 0), "civil_events", 0)
			e["date"] = "1979-06-21"
			e["record"].(obj)["year"] = 1979
		}, want: []string{"members[0].civil_events[0].date: must not be before the birth date"}},
		{name: "events out of order", line: lF002, mut: func(h obj) { at(member(h, 0), "civil_events", 1)["date"] = "1970-01-01" },
			want: []string{"members[0].civil_events[1].date: must not be before the previous civil event's"}},
		{name: "event in the future", line: lF002, mut: func(h obj) { at(member(h, 0), "civil_events", 1)["date"] = "2027-01-01" },
			want: []string{"members[0].civil_events[1].date: must not be in the future"}},
		{name: "residence before birth", line: lF001, mut: func(h obj) { at(member(h, 3), "residences", 0)["from"] = "2014-01-19" },
			want: []string{"members[3].residences[0].from: must not be before the birth date"}},
		{name: "residence ends before it starts", line: lF003, mut: func(h obj) { at(member(h, 0), "residences", 0)["to"] = "2017-01-01" },
			want: []string{"members[0].residences[0].to: must not be before from"}},
		{name: "residences overlap", line: lF003, mut: func(h obj) { at(member(h, 0), "residences", 1)["from"] = "2021-04-01" },
			want: []string{"members[0].residences[1].from: overlaps the previous residence"}},
		{name: "residences out of order", line: lF003, mut: func(h obj) {
			m := member(h, 0)
			r := m["residences"].([]any)
			r[0].(obj)["from"], r[0].(obj)["to"] = "2021-05-01", "2021-06-01"
			r[1].(obj)["from"] = "2018-02-01"
		}, want: []string{"members[0].residences[1].from: is before the previous residence's"}},
		{name: "two open residences", line: lF003, mut: func(h obj) { delete(at(member(h, 0), "residences", 0), "to") },
			want: []string{"members[0].residences[1].from: follows an open residence"}},
		{name: "citizenship acquired before birth", line: lF001, mut: func(h obj) {
			at(member(h, 1), "citizenships", 1)["since"] = "1984-05-08"
		}, want: []string{"members[1].citizenships[1].since: must not be before the birth date"}},
		{name: "removal before birth", line: lF002, mut: func(h obj) { member(h, 1)["removal"].(obj)["date"] = "1944-01-01" },
			want: []string{"members[1].removal.date: must not be before the birth date"}},
		{name: "removed with an open residence", line: lF002, mut: func(h obj) {
			r := at(member(h, 1), "residences", 0)
			delete(r, "to")
			r["from"] = "1980-01-01"
		}, want: []string{"members[1].residences[0].to: is required: a person removed from the register has no open residence"}},
		{name: "residence after removal", line: lF002, mut: func(h obj) { at(member(h, 1), "residences", 0)["to"] = "2019-03-03" },
			want: []string{"members[1].residences[0].to: must not be after the removal date"}},
		{name: "event after death", line: lF002, mut: func(h obj) {
			m := member(h, 1)
			m["contracts"] = []any{obj{"partner_name": "X Y", "date": "2019-03-03", "ended": "2019-03-04"}}
		}, want: []string{
			"members[1].contracts[0].date: must not be after the death",
			"members[1].contracts[0].ended: must not be after the death",
		}},
		{name: "death place for a move", line: lF002, mut: func(h obj) { member(h, 1)["removal"].(obj)["reason"] = 3 },
			want: []string{"members[1].removal.death_place: is only for a removal for death"}},
		{name: "death without place", line: lF002, mut: func(h obj) { delete(member(h, 1)["removal"].(obj), "death_place") },
			want: []string{"members[1].removal.death_place: is required for a removal for death"}},
		// Civil status and events.
		{name: "married without a marriage last", line: lF001, mut: func(h obj) { member(h, 0)["civil_status"] = 4 },
			want: []string{"members[0].civil_status: 4 (Divorziato/a) needs a divorce as the last civil event"}},
		{name: "single after a marriage", line: lF001, mut: func(h obj) { member(h, 0)["civil_status"] = 1 },
			want: []string{"members[0].civil_status: 1 (Celibe/Nubile) needs no civil event, or an annulment as the last one"}},
		{name: "not known accepts anything", line: lF001, mut: func(h obj) { member(h, 0)["civil_status"] = 9 }},
		{name: "divorce without marriage", line: lF001, mut: func(h obj) {
			member(h, 2)["civil_events"] = []any{obj{"kind": "divorce", "date": "2020-01-01"}}
		}, want: []string{
			"members[2].civil_events[0].kind: must follow a marriage",
			"members[2].civil_status: 1 (Celibe/Nubile) needs no civil event",
		}},
		{name: "marriage while married", line: lF001, mut: func(h obj) {
			m := member(h, 0)
			m["civil_events"] = append(m["civil_events"].([]any), obj{"kind": "civil_union", "date": "2020-01-01"})
			m["civil_status"] = 6
		}, want: []string{"members[0].civil_events[1].kind: a marriage or civil union cannot start while another is in force"}},
		{name: "unknown event kind", line: lF001, mut: func(h obj) { at(member(h, 0), "civil_events", 0)["kind"] = "wedding" },
			want: []string{"members[0].civil_events[0].kind: must be one of marriage"}},
		{name: "partner is oneself", line: lF001, mut: func(h obj) {
			at(member(h, 0), "civil_events", 0)["partner_fiscal_code"] = member(h, 0)["fiscal_code"]
		}, want: []string{"members[0].civil_events[0].partner_fiscal_code: must not be the person's own fiscal code"}},
		{name: "partner code invalid", line: lF001, mut: func(h obj) {
			at(member(h, 0), "civil_events", 0)["partner_fiscal_code"] = "RSSMRA80C15F205X"
		}, want: []string{"members[0].civil_events[0].partner_fiscal_code: fiscal code has a wrong check character"}},
		{name: "act year before the event", line: lF001, mut: func(h obj) { at(member(h, 0), "civil_events", 0)["record"].(obj)["year"] = 2007 },
			want: []string{"members[0].civil_events[0].record.year: must not be before the event's year"}},
		{name: "act registered abroad", line: lF001, mut: func(h obj) {
			at(member(h, 0), "civil_events", 0)["record"].(obj)["comune_code"] = "Z129"
		}, want: []string{"members[0].civil_events[0].record.comune_code: must be an Italian comune"}},
		{name: "act in a comune that had ceased", line: lF001, mut: func(h obj) {
			member(h, 0)["birth_record"].(obj)["comune_code"] = "A003"
		}, want: []string{"members[0].birth_record.comune_code: is not the code of a comune in force in the act's year"}},
		// Contracts.
		{name: "two contracts in force", line: lF003, mut: func(h obj) {
			m := member(h, 0)
			m["contracts"] = append(m["contracts"].([]any), obj{"partner_name": "X Y", "date": "2022-01-01"})
		}, want: []string{"members[0].contracts[1].ended: is required: only one cohabitation contract can be in force"}},
		{name: "contract registered before it was made", line: lF003, mut: func(h obj) {
			at(member(h, 0), "contracts", 0)["registered"] = "2021-05-09"
		}, want: []string{"members[0].contracts[0].registered: must not be before the contract's date"}},
		{name: "contract without partner", line: lF003, mut: func(h obj) {
			c := at(member(h, 0), "contracts", 0)
			delete(c, "partner_name")
			delete(c, "partner_fiscal_code")
		}, want: []string{"members[0].contracts[0].partner_name: is required when the partner's fiscal code is not given"}},
		// Household.
		{name: "no head", line: lF001, mut: func(h obj) { member(h, 0)["kinship"] = 13 },
			want: []string{"members: has no head of household (kinship 1)"}},
		{name: "no responsible in a convivenza", line: lC001, mut: func(h obj) { member(h, 0)["kinship"] = 2 },
			want: []string{"members: has no responsible of the convivenza (bond 1)"}},
		{name: "two heads", line: lF001, mut: func(h obj) { member(h, 1)["kinship"] = 1 },
			want: []string{"members[1].kinship: is a second head of household"}},
		{name: "head not first", line: lF002, mut: func(h obj) {
			ms := h["members"].([]any)
			ms[0], ms[1] = ms[1], ms[0]
		}, want: []string{"members[1].kinship: the head of household (kinship 1) must be the first member"}},
		{name: "removed head with registered members", line: lF002, mut: func(h obj) {
			ms := h["members"].([]any)
			ms[0], ms[1] = ms[1], ms[0]
			member(h, 0)["kinship"] = 1
			member(h, 1)["kinship"] = 2
		}, want: []string{"members[0].removal: the head of household is removed from the register while other members are not"}},
		{name: "household of removed persons only", line: lF002, mut: func(h obj) {
			h["members"] = h["members"].([]any)[1:]
			member(h, 0)["kinship"] = 1
		}},
		{name: "two spouses", line: lF001, mut: func(h obj) { member(h, 2)["kinship"] = 28 },
			want: []string{"members[2].kinship: is a second spouse or civil partner"}},
		{name: "no members", line: lF001, mut: func(h obj) { h["members"] = []any{} },
			want: []string{"members: must have at least one member"}},
		{name: "unknown kind", line: lF001, mut: func(h obj) { h["kind"] = "famiglie" },
			want: []string{`kind: must be "famiglia" or "convivenza"`}},
		{name: "kind may be omitted", line: lF001, mut: func(h obj) { delete(h, "kind") }},
		{name: "convivenza without name", line: lC001, mut: func(h obj) { delete(h, "convivenza_name") },
			want: []string{"convivenza_name: is required for a convivenza"}},
		{name: "convivenza without kind", line: lC001, mut: func(h obj) { delete(h, "convivenza_kind") },
			want: []string{"convivenza_kind: is required for a convivenza"}},
		{name: "famiglia with a convivenza name", line: lF001, mut: func(h obj) { h["convivenza_name"] = "CASA" },
			want: []string{"convivenza_name: is only for a convivenza"}},
		{name: "empty id", line: lF001, mut: func(h obj) { h["id"] = "" },
			want: []string{"id: must not be empty"}},
		{name: "id with a space", line: lF001, mut: func(h obj) { h["id"] = "F 1" },
			want: []string{"id: must be printable characters without spaces"}},
		{name: "resident household without street", line: lF001, mut: func(h obj) {
			delete(h["address"].(obj), "street")
			for i := range 4 {
				delete(at(member(h, i), "residences", 0)["address"].(obj), "street")
			}
		}, want: []string{"address.street: is required", "members[0].residences[0].address.street: is required",
			"members[1].residences[0].address.street: is required", "members[2].residences[0].address.street: is required",
			"members[3].residences[0].address.street: is required"}},
		{name: "resident household abroad", line: lF001, mut: func(h obj) { h["address"].(obj)["state_code"] = "Z112" },
			want: []string{"address.state_code: is only for an address abroad", "members[0].residences[0].address: the current residence",
				"members[1].residences[0].address: the current residence", "members[2].residences[0].address: the current residence",
				"members[3].residences[0].address: the current residence"}},
		{name: "current residence elsewhere", line: lF001, mut: func(h obj) {
			at(member(h, 3), "residences", 0)["address"].(obj)["number"] = "14"
		}, want: []string{"members[3].residences[0].address: the current residence (without to) must be at the household's address"}},
		// AIRE.
		{name: "AIRE household without state", line: lA001, mut: func(h obj) { delete(h["address"].(obj), "state_code") },
			want: []string{"address.state_code: is required for an AIRE household's address abroad"}},
		{name: "AIRE household with an Italian comune code", line: lA001, mut: func(h obj) { h["address"].(obj)["state_code"] = "E648" },
			want: []string{"address.state_code: must be the Z code of a foreign state"}},
		{name: "AIRE household without locality", line: lA001, mut: func(h obj) { delete(h["address"].(obj), "locality") },
			want: []string{"address.locality: is required for an address abroad"}},
		{name: "AIRE member without registration", line: lA001, mut: func(h obj) { delete(member(h, 1), "aire") },
			want: []string{"members[1].aire: is required for a member of an AIRE household"}},
		{name: "AIRE registration in a resident household", line: lF001, mut: func(h obj) {
			member(h, 2)["aire"] = obj{"since": "2020-01-01"}
		}, want: []string{"members[2].aire: is only for members of an AIRE household"}},
		{name: "AIRE member not Italian", line: lA001, mut: func(h obj) { member(h, 1)["citizenships"] = []any{obj{"state_code": "216"}} },
			want: []string{"members[1].aire: only an Italian citizen (citizenship 100) can be registered in the AIRE"}},
		{name: "AIRE member with an open residence", line: lA001, mut: func(h obj) { delete(at(member(h, 0), "residences", 0), "to") },
			want: []string{"members[0].residences[0].to: a member of an AIRE household cannot have an open residence"}},
		// Text.
		{name: "control character", line: lF001, mut: func(h obj) { member(h, 0)["surname"] = "ROS\tSI" },
			want: []string{"members[0].surname: must not contain control, formatting or replacement characters"}},
		{name: "bidirectional override", line: lF001, mut: func(h obj) { member(h, 1)["name"] = "ANA\u202e" },
			want: []string{"members[1].name: must not contain control, formatting or replacement characters"}},
		{name: "replacement character", line: lF001, mut: func(h obj) { member(h, 1)["name"] = "AN\ufffdA" },
			want: []string{"members[1].name: must not contain control, formatting or replacement characters"}},
		{name: "accented letters accepted", line: lF001, mut: func(h obj) { member(h, 1)["name"] = "ANÀ" }},
		{name: "space at the end", line: lF001, mut: func(h obj) { member(h, 0)["surname"] = "ROSSI " },
			want: []string{"members[0].surname: must not start or end with a space"}},
		{name: "too long", line: lF001, mut: func(h obj) { member(h, 0)["name"] = "MARIO" + strings.Repeat(" A", 80) },
			want: []string{"members[0].name: must be at most 150 characters"}},
		{name: "bad sex", line: lF001, mut: func(h obj) { member(h, 0)["sex"] = "X" },
			want: []string{`members[0].sex: must be "M" or "F"`}},
		// Structure.
		{name: "unknown field", line: lF001, mut: func(h obj) { h["colour"] = "blue" },
			want: []string{"unknown field"}},
		{name: "unknown field with a suggestion", line: lF001, mut: func(h obj) {
			m := member(h, 0)
			m["fiscal_cod"] = m["fiscal_code"]
			delete(m, "fiscal_code")
		}, want: []string{`members[0]: unknown field; did you mean "fiscal_code"?`, "members[0].fiscal_code: is required"}},
		{name: "field name in the wrong case", line: lF001, mut: func(h obj) {
			m := member(h, 0)
			m["Surname"] = m["surname"]
			delete(m, "surname")
		}, want: []string{`members[0]: unknown field: field names are case-sensitive, write "surname"`, "members[0].surname: is required"}},
		{name: "unknown field deep inside", line: lF001, mut: func(h obj) { member(h, 0)["birth_place"].(obj)["name"] = "MILANO" },
			want: []string{"members[0].birth_place: unknown field"}},
		{name: "missing required field", line: lF001, mut: func(h obj) { delete(member(h, 1), "birth_date") },
			want: []string{"members[1].birth_date: is required"}},
		{name: "wrong type", line: lF001, mut: func(h obj) { member(h, 1)["kinship"] = "2" },
			want: []string{"members[1].kinship: must be a whole number"}},
		{name: "fraction", line: lF001, mut: func(h obj) { member(h, 1)["kinship"] = json.Number("2.0") },
			want: []string{"members[1].kinship: must be a whole number between"}},
		{name: "huge number", line: lF001, mut: func(h obj) { member(h, 1)["kinship"] = json.Number("99999999999999999999") },
			want: []string{"members[1].kinship: must be a whole number between"}},
		{name: "null string", line: lF001, mut: func(h obj) { member(h, 1)["surname"] = nil },
			want: []string{"members[1].surname: must not be null"}},
		{name: "null optional object accepted", line: lF001, mut: func(h obj) { member(h, 2)["aire"] = nil }},
		{name: "object for a string", line: lF001, mut: func(h obj) { h["id"] = obj{} },
			want: []string{"id: must be a string"}},
		{name: "members not an array", line: lF001, mut: func(h obj) { h["members"] = obj{} },
			want: []string{"members: must be an array"}},
		{name: "duplicate key", line: lF001, raw: func() []byte {
			return []byte(`{"id":"F009","id":"F010","address":{"street":"ROMA"},"members":[]}`)
		}, want: []string{"id: appears twice"}},
		{name: "malformed JSON", line: lF001, raw: func() []byte { return []byte(`{"id": "F001",`) },
			want: []string{"malformed JSON near byte 14 of the line"}},
		{name: "two objects on a line", line: lF001, raw: func() []byte { return []byte(`{"id":"A"} {"id":"B"}`) },
			want: []string{"malformed JSON near byte 12 of the line"}},
		{name: "array instead of object", line: lF001, raw: func() []byte { return []byte(`[1,2]`) },
			want: []string{"each line must be one JSON object, a household"}},
		{name: "empty line", line: lF002, raw: func() []byte { return []byte("  ") },
			want: []string{"empty line: each line must hold one household"}},
		{name: "invalid UTF-8", line: lF002, raw: func() []byte { return []byte("{\"id\":\"\xff\"}") },
			want: []string{"line is not valid UTF-8"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lines := exampleLines(t)
			if tc.raw != nil {
				lines[tc.line] = tc.raw()
			} else {
				h := decodeObj(t, lines[tc.line])
				tc.mut(h)
				lines[tc.line] = encodeObj(t, h)
			}
			rep, err := Validate(bytes.NewReader(joinLines(lines)), testNow, Options{})
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v, want no error; errors:\n%s", err, strings.Join(errorStrings(rep.Errors), "\n"))
				}
				return
			}
			if err != ErrInvalid {
				t.Fatalf("Validate error = %v, want ErrInvalid", err)
			}
			got := errorStrings(rep.Errors)
			ok := len(got) == len(tc.want) && rep.ErrorCount == len(tc.want)
			for i := 0; ok && i < len(got); i++ {
				prefix := fmt.Sprintf("line %d: %s", tc.line+1, tc.want[i])
				ok = strings.HasPrefix(got[i], prefix) && rep.Errors[i].Line == tc.line+1
			}
			if !ok {
				t.Errorf("errors:\n%s\nwant, on line %d:\n%s", strings.Join(got, "\n"), tc.line+1, strings.Join(tc.want, "\n"))
			}
			for _, e := range got {
				for _, pd := range personalData(t) {
					if strings.Contains(strings.ToUpper(e), pd) && len(pd) > 3 {
						t.Errorf("error %q contains personal data", e)
					}
				}
			}
		})
	}
}

func TestOmocodiaAccepted(t *testing.T) {
	base := exampleHouseholds(t)[lF001].Members[0].FiscalCode
	for level := 0; level <= codicefiscale.MaxOmocodia; level++ {
		t.Run(fmt.Sprint(level), func(t *testing.T) {
			lines := exampleLines(t)
			h := decodeObj(t, lines[lF001])
			member(h, 0)["fiscal_code"] = codicefiscale.Omocodia(codicefiscale.Code(base), level).String()
			lines[lF001] = encodeObj(t, h)
			if rep, err := Validate(bytes.NewReader(joinLines(lines)), testNow, Options{}); err != nil {
				t.Errorf("level %d: %v\n%v", level, err, rep.Errors)
			}
		})
	}
	t.Run("lower case", func(t *testing.T) {
		lines := exampleLines(t)
		h := decodeObj(t, lines[lF001])
		member(h, 0)["fiscal_code"] = strings.ToLower(base)
		lines[lF001] = encodeObj(t, h)
		hs, rep, err := Decode(bytes.NewReader(joinLines(lines)), testNow, Options{})
		if err != nil {
			t.Fatalf("%v\n%v", err, rep.Errors)
		}
		if hs[0].Members[0].FiscalCode != base {
			t.Error("fiscal code not upper-cased")
		}
	})
	t.Run("omocodia of another person", func(t *testing.T) {
		// An omocodia variant must still encode the person's own data.
		other := cf(t, "ROSSI", "MARIO", registry.Male, d(1980, 3, 16), "F205", 2)
		lines := exampleLines(t)
		h := decodeObj(t, lines[lF001])
		member(h, 0)["fiscal_code"] = other
		lines[lF001] = encodeObj(t, h)
		rep, _ := Validate(bytes.NewReader(joinLines(lines)), testNow, Options{})
		if got := errorStrings(rep.Errors); len(got) != 1 || got[0] != "line 1: members[0].fiscal_code: does not match the birth date" {
			t.Errorf("errors %q", got)
		}
	})
}

// TestCitizenshipNames checks the printed citizenship: the adjective, or
// the state's name when table 2's state has none.
func TestCitizenshipNames(t *testing.T) {
	for _, tc := range []struct{ code, name string }{
		{"235", "ROMENA"},
		{"246", "VATICANA"},
		{"731", "TUVALU"}, // no adjective
		{"997", "IN CORSO DI DEFINIZIONE"},
		{"999", "APOLIDE"},
	} {
		lines := exampleLines(t)
		h := decodeObj(t, lines[lF001])
		member(h, 2)["citizenships"] = []any{obj{"state_code": tc.code}}
		lines[lF001] = encodeObj(t, h)
		hs, rep, err := Decode(bytes.NewReader(joinLines(lines)), testNow, Options{})
		if err != nil {
			t.Fatalf("%s: %v\n%v", tc.code, err, rep.Errors)
		}
		if got := hs[0].Members[2].Citizenships; len(got) != 1 || got[0].StateCode != tc.code || got[0].Name != tc.name {
			t.Errorf("%s: citizenships %+v, want %s", tc.code, got, tc.name)
		}
		if got := hs[0].Members[1].Citizenships; len(got) != 2 || got[0].Name != "ROMENA" || got[1].Name != "ITALIANA" {
			t.Errorf("member 1: citizenships %+v", got)
		}
	}
}

func TestCrossRecord(t *testing.T) {
	t.Run("household id used twice", func(t *testing.T) {
		lines := exampleLines(t)
		h := decodeObj(t, lines[lF003])
		h["id"] = "F001"
		lines[lF003] = encodeObj(t, h)
		rep, _ := Validate(bytes.NewReader(joinLines(lines)), testNow, Options{})
		want := []string{"line 3: id: is already used by the household on line 1"}
		if got := errorStrings(rep.Errors); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("errors %q, want %q", got, want)
		}
	})
	t.Run("fiscal code on two lines", func(t *testing.T) {
		lines := exampleLines(t)
		f1 := decodeObj(t, lines[lF001])
		h := obj{"id": "X1", "address": f1["address"], "members": []any{member(f1, 0)}}
		lines = append(lines, encodeObj(t, h))
		rep, _ := Validate(bytes.NewReader(joinLines(lines)), testNow, Options{})
		want := []string{"line 6: members[0].fiscal_code: is already used on line 1, members[0]"}
		if got := errorStrings(rep.Errors); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("errors %q, want %q", got, want)
		}
	})
	t.Run("fiscal code twice in a household", func(t *testing.T) {
		lines := exampleLines(t)
		h := decodeObj(t, lines[lF001])
		h["members"] = append(h["members"].([]any), member(h, 2))
		lines[lF001] = encodeObj(t, h)
		rep, _ := Validate(bytes.NewReader(joinLines(lines)), testNow, Options{})
		want := []string{"line 1: members[4].fiscal_code: is already used by members[2] of this household"}
		if got := errorStrings(rep.Errors); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("errors %q, want %q", got, want)
		}
	})
}

func TestPack(t *testing.T) {
	seen := map[[12]byte]string{}
	for _, c := range []string{"RSSMRA80C15F205P", "RSSMRA80C15F205Q", "0000000000000000", "ZZZZZZZZZZZZZZZZ", "RSSMRA80C15F2Q5P", "A000000000000000"} {
		k := pack(c)
		if prev, dup := seen[k]; dup {
			t.Errorf("pack(%s) = pack(%s)", c, prev)
		}
		seen[k] = c
	}
}

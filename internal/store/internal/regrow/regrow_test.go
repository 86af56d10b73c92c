package regrow

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/registry"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// tricky are strings JSON must escape, or must not mangle.
var tricky = []string{"", "A", `"`, `\`, "a\"b\\c", "\n\r\t\b\f", "\x01\x1f", "\x7f", "<&>", "\u2028\u2029",
	"È PIÙ ČESKÝ 日本", "😀", strings.Repeat("x", 300)}

func person() registry.Person {
	return registry.Person{
		FiscalCode:  "RSSMRA80A01F205X",
		BirthRecord: &registry.CivilRecord{ComuneCode: "F205", Year: 1980, Part: "1", Series: "A", Number: "15", Volume: "2"},
		Citizenships: []registry.Citizenship{{StateCode: "235", Name: "ROMENA"},
			{StateCode: "100", Name: "ITALIANA", Since: date(2015, 6, 1)}},
		CivilEvents: []registry.CivilEvent{
			{Kind: registry.EventMarriage, Date: date(2008, 6, 14),
				Place:  registry.Place{ComuneCode: "F205", Name: "MILANO", Province: "MI"},
				Record: &registry.CivilRecord{}, PartnerFiscalCode: "BNCLRA82M41Z129Y", PartnerName: "BIANCHI LAURA"},
			{Kind: registry.EventDivorce, Date: date(2012, 1, 2), EndingType: 22,
				Place: registry.Place{Name: "PARIGI", StateCode: "Z110", Country: "FRANCIA"}},
			{},
		},
		Contracts: []registry.CohabitationContract{{PartnerFiscalCode: "X", PartnerName: "Y", Date: date(2018, 4, 10),
			Registered: date(2018, 5, 2), Professional: "NOTAIO", Ended: date(2020, 1, 1)}, {}},
		Residences: []registry.Residence{{From: date(1980, 1, 1), To: date(1999, 12, 31),
			Address: registry.Address{Toponym: "VIA", Street: "ROMA", Number: "1", Internal: "2", PostalCode: "20100",
				Locality: "L", Country: "C", StateCode: "Z"}, FromComune: "Z129"}, {}},
		Removal: &registry.Removal{Reason: 1, Date: date(2024, 1, 1),
			DeathPlace: registry.Place{ComuneCode: "F205", Name: "MILANO", Province: "MI"}},
	}
}

// roundTrip encodes p's documents and decodes them into a person that
// has only p's Removal (a column, not a document).
func roundTrip(t *testing.T, p registry.Person) registry.Person {
	t.Helper()
	d, _ := Encode(nil, &p)
	for name, doc := range map[string][]byte{"birth_record": d.BirthRecord, "citizenships": d.Citizenships,
		"civil_events": d.CivilEvents, "contracts": d.Contracts, "residences": d.Residences, "death_place": d.DeathPlace} {
		if doc != nil && !json.Valid(doc) {
			t.Fatalf("%s: invalid JSON %s", name, doc)
		}
	}
	got := registry.Person{FiscalCode: p.FiscalCode}
	if p.Removal != nil {
		got.Removal = &registry.Removal{Reason: p.Removal.Reason, Date: p.Removal.Date}
	}
	if err := Decode(d, &got); err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return got
}

func TestRoundTrip(t *testing.T) {
	p := person()
	if got := roundTrip(t, p); !reflect.DeepEqual(got, p) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, p)
	}
	for _, s := range tricky {
		q := person()
		q.Citizenships[0].Name = s
		q.CivilEvents[0].PartnerName = s
		q.CivilEvents[1].Place.Name = s
		q.Residences[0].Address.Street = s
		q.Contracts[0].Professional = s
		q.BirthRecord.Volume = s
		q.Removal.DeathPlace.Country = s
		if got := roundTrip(t, q); !reflect.DeepEqual(got, q) {
			t.Errorf("round trip of %q:\n got %+v\nwant %+v", s, got, q)
		}
	}
}

func TestEmpty(t *testing.T) {
	p := registry.Person{Citizenships: []registry.Citizenship{}, Removal: &registry.Removal{}}
	d, _ := Encode(nil, &p)
	if !reflect.DeepEqual(d, Docs{}) {
		t.Errorf("empty person encodes to %+v, want all NULL", d)
	}
	got := roundTrip(t, p)
	if got.Citizenships != nil || got.Removal == nil || got.Removal.DeathPlace != (registry.Place{}) {
		t.Errorf("empty person decodes to %+v", got)
	}
	// Documents written empty by someone else read back as nil lists.
	var q registry.Person
	if err := Decode(Docs{Citizenships: []byte("[]"), Residences: []byte("[]")}, &q); err != nil ||
		q.Citizenships != nil || q.Residences != nil {
		t.Errorf("Decode([]) = %+v, %v", q, err)
	}
}

// TestStable: the encoding is compact, in a fixed key order, without
// empty members, so that equal values have equal bytes.
func TestStable(t *testing.T) {
	p := registry.Person{
		BirthRecord:  &registry.CivilRecord{ComuneCode: "F205", Year: 1980},
		Citizenships: []registry.Citizenship{{StateCode: "100", Name: "ITALIANA"}, {Name: "A\"B", Since: date(2001, 2, 3)}},
		CivilEvents:  []registry.CivilEvent{{Kind: "marriage", Record: &registry.CivilRecord{}, EndingType: 1}},
		Residences:   []registry.Residence{{From: date(1999, 1, 2), Address: registry.Address{Street: "ROMA"}}},
	}
	d, buf := Encode([]byte("prefix"), &p)
	for _, tc := range []struct{ got, want string }{
		{string(d.BirthRecord), `{"comune":"F205","year":1980}`},
		{string(d.Citizenships), `[{"state":"100","name":"ITALIANA"},{"name":"A\"B","since":"2001-02-03"}]`},
		{string(d.CivilEvents), `[{"kind":"marriage","record":{},"ending":1}]`},
		{string(d.Residences), `[{"from":"1999-01-02","address":{"street":"ROMA"}}]`},
	} {
		if tc.got != tc.want {
			t.Errorf("got %s, want %s", tc.got, tc.want)
		}
	}
	if d.Contracts != nil || d.DeathPlace != nil {
		t.Errorf("absent documents encoded: %+v", d)
	}
	if !strings.HasPrefix(string(buf), "prefix") {
		t.Errorf("Encode did not append to the buffer")
	}
	// A document cannot be extended into the next one.
	_ = append(d.BirthRecord, 'x')
	if string(d.Citizenships[:1]) != "[" {
		t.Errorf("appending to a document overwrote the next")
	}
}

func TestDecodeMalformed(t *testing.T) {
	for _, d := range []Docs{{BirthRecord: []byte("null")}, {Citizenships: []byte("{")},
		{CivilEvents: []byte(`[{"date":"2001-13-01"}]`)}, {Residences: []byte(`{"a":1}`)}} {
		var p registry.Person
		err := Decode(d, &p)
		if errs.KindOf(err) != errs.Internal || strings.Contains(err.Error(), "2001") {
			t.Errorf("Decode(%s) = %v, want an internal error quoting nothing", d, err)
		}
	}
}

func TestCheckHouseholds(t *testing.T) {
	ok := func() []registry.Household {
		return []registry.Household{{ID: "H1", Members: []registry.Person{person()}}}
	}
	if err := CheckHouseholds(ok()); err != nil {
		t.Fatalf("CheckHouseholds: %v", err)
	}
	tests := map[string]func(hs []registry.Household){
		"no id":            func(hs []registry.Household) { hs[0].ID = "" },
		"no fiscal code":   func(hs []registry.Household) { hs[0].Members[0].FiscalCode = "" },
		"linked elsewhere": func(hs []registry.Household) { hs[0].Members[0].HouseholdID = "H2" },
		"kind":             func(hs []registry.Household) { hs[0].Kind = "x" },
		"convivenza kind":  func(hs []registry.Household) { hs[0].CohabitationKind = MaxCode + 1 },
		"kinship":          func(hs []registry.Household) { hs[0].Members[0].Kinship = -1 },
		"removal reason":   func(hs []registry.Household) { hs[0].Members[0].Removal.Reason = MaxCode + 1 },
		"NUL":              func(hs []registry.Household) { hs[0].Members[0].Contracts[0].PartnerName = "\x00" },
		"UTF-8":            func(hs []registry.Household) { hs[0].Members[0].BirthRecord.Series = "\xff" },
		"event place":      func(hs []registry.Household) { hs[0].Members[0].CivilEvents[0].Place.Name = "\xff" },
		"event act":        func(hs []registry.Household) { hs[0].Members[0].CivilEvents[0].Record.Number = "\x00" },
		"address":          func(hs []registry.Household) { hs[0].Address.Locality = "\x00" },
		"residence":        func(hs []registry.Household) { hs[0].Members[0].Residences[0].Address.Country = "\xff" },
		"year 0":           func(hs []registry.Household) { hs[0].Members[0].BirthDate = date(0, 12, 31) },
		"year 10000":       func(hs []registry.Household) { hs[0].Members[0].Residences[1].To = date(10000, 1, 1) },
	}
	for name, mutate := range tests {
		hs := ok()
		mutate(hs)
		if err := CheckHouseholds(hs); errs.KindOf(err) != errs.InvalidRequest {
			t.Errorf("%s: CheckHouseholds = %v, want invalid request", name, err)
		}
	}
}

func TestIndexBatch(t *testing.T) {
	p := func(cf string) registry.Person { return registry.Person{FiscalCode: cf} }
	b, err := IndexBatch([]registry.Household{{ID: "A", Members: []registry.Person{p("1"), p("2")}}, {ID: "B", Members: []registry.Person{p("3")}}})
	if err != nil || b.Rows() != 5 || b.Persons["3"] != "B" || len(b.Households) != 2 {
		t.Errorf("IndexBatch = %+v, %v", b, err)
	}
	for _, hs := range [][]registry.Household{
		{{ID: "A", Members: []registry.Person{p("1"), p("1")}}},
		{{ID: "A", Members: []registry.Person{p("1")}}, {ID: "B", Members: []registry.Person{p("1")}}},
		{{ID: "A"}, {ID: "A"}},
	} {
		if _, err := IndexBatch(hs); errs.KindOf(err) != errs.InvalidRequest {
			t.Errorf("IndexBatch(%v) = %v, want invalid request", hs, err)
		}
	}
}

func TestDepartedAndLeft(t *testing.T) {
	p := func(cf string) registry.Person { return registry.Person{FiscalCode: cf} }
	b, err := IndexBatch([]registry.Household{
		{ID: "A", Members: []registry.Person{p("1"), p("2")}},
		{ID: "B", Members: []registry.Person{p("3"), p("4")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]string{
		"1": "A", // stays
		"2": "B", // moves within the batch
		"3": "X", // moves in from outside the batch
		"4": "Y", // moves in from outside the batch
		"5": "A", // leaves A for no household of the batch
		"6": "B", // leaves B for no household of the batch
		"7": "Y", // not concerned
	}
	d, l := b.Departed(stored), b.Left(stored)
	slices.Sort(d)
	slices.Sort(l)
	if !slices.Equal(d, []string{"5", "6"}) || !slices.Equal(l, []string{"X", "Y"}) {
		t.Errorf("Departed = %v, Left = %v", d, l)
	}
}

func TestAppendJSONArray(t *testing.T) {
	var got []string
	if err := json.Unmarshal(AppendJSONArray(nil, tricky), &got); err != nil || !slices.Equal(got, tricky) {
		t.Errorf("AppendJSONArray round trip: %q, %v", got, err)
	}
	if s := string(AppendJSONArray(nil, nil)); s != "[]" {
		t.Errorf("AppendJSONArray(nil) = %s", s)
	}
}

func BenchmarkEncode(b *testing.B) {
	p := person()
	var buf []byte
	for b.Loop() {
		_, buf = Encode(buf[:0], &p)
	}
}

func TestValidText(t *testing.T) {
	for s, want := range map[string]bool{"": true, "ROSSI": true, "PIÙ": true, "日本": true, "A\x00": false,
		"PIÙ\x00": false, "\xff": false, "A\xc3": false, "Ù\xff": false} {
		if got := validText("OK", s); got != want {
			t.Errorf("validText(%q) = %v, want %v", s, got, want)
		}
	}
}

func BenchmarkCheckHouseholds(b *testing.B) {
	hs := make([]registry.Household, 1000)
	for i := range hs {
		hs[i] = registry.Household{ID: fmt.Sprint(i), Members: []registry.Person{person(), person()}}
	}
	for b.Loop() {
		if err := CheckHouseholds(hs); err != nil {
			b.Fatal(err)
		}
	}
}

package synth

import (
	"bufio"
	"errors"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"certa.example/certa/internal/anpr"
	"certa.example/certa/internal/codicefiscale"
	"certa.example/certa/internal/comuni"
	"certa.example/certa/internal/registry"
)

var now = time.Date(2026, 1, 15, 10, 30, 0, 0, time.UTC)

func today() time.Time { return time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC) }

// demoSeed and demoHouseholds are setup.DemoSeed and setup.DemoHouseholds
// (package setup imports this one).
const (
	demoSeed       = 20261123
	demoHouseholds = 160
)

// monza is the demo comune of these tests: it moved from the province of
// Milano (MI) to Monza e Brianza (MB) in 2009, so births in its province
// carry either abbreviation.
func monza(t testing.TB) comuni.Comune {
	t.Helper()
	c, ok := comuni.Current("F704")
	if !ok {
		t.Fatal("Monza (F704) not found")
	}
	return c
}

func generate(t testing.TB, seed int64, households int) []registry.Household {
	t.Helper()
	hs, err := Generate(seed, monza(t), "20900", households, now)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	if len(hs) != households {
		t.Fatalf("Generate made %d households, want %d", len(hs), households)
	}
	return hs
}

func stream(t testing.TB, seed int64, persons, batch int) []registry.Household {
	t.Helper()
	var out []registry.Household
	err := Stream(seed, monza(t), "20900", persons, now, batch, func(hs []registry.Household) error {
		out = append(out, hs...)
		return nil
	})
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	return out
}

func TestDeterministic(t *testing.T) {
	a := generate(t, 42, 300)
	b := generate(t, 42, 300)
	if !reflect.DeepEqual(a, b) {
		t.Error("two runs with the same seed differ")
	}
	c := generate(t, 43, 300)
	if reflect.DeepEqual(a, c) {
		t.Error("runs with different seeds are equal")
	}
	// Households are drawn one after the other: the first ones do not
	// depend on how many are asked for.
	d := generate(t, 42, 10)
	if !reflect.DeepEqual(a[:10], d) {
		t.Error("the first households depend on how many are asked for")
	}
}

func TestStreamDeterministic(t *testing.T) {
	const persons = 5000
	var sizes []int
	var a []registry.Household
	err := Stream(9, monza(t), "20900", persons, now, 64, func(hs []registry.Household) error {
		sizes = append(sizes, len(hs))
		a = append(a, hs...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range sizes {
		if n != 64 && i != len(sizes)-1 || n < 1 || n > 64 {
			t.Errorf("batch %d of %d has %d households", i, len(sizes), n)
		}
	}
	// At least persons, and not one household more than needed.
	n := 0
	for _, h := range a {
		n += len(h.Members)
	}
	if last := len(a[len(a)-1].Members); n < persons || n-last >= persons {
		t.Errorf("%d persons in %d households for %d asked", n, len(a), persons)
	}
	// The batch size does not change the stream, nor does asking for more.
	if b := stream(t, 9, persons, 1000); !reflect.DeepEqual(a, b) {
		t.Error("the same seed with another batch size gives another stream")
	}
	if c := stream(t, 9, 2*persons, 7); !reflect.DeepEqual(a, c[:len(a)]) {
		t.Error("a longer stream does not start with the shorter one")
	}
	if d := stream(t, 10, persons, 64); reflect.DeepEqual(a[:10], d[:10]) {
		t.Error("another seed gives the same stream")
	}
	if e := stream(t, 9, 0, 5); len(e) != 0 {
		t.Errorf("0 persons gave %d households", len(e))
	}
}

func TestGenerateIsStreamPrefix(t *testing.T) {
	g := generate(t, 5, 700)
	s := stream(t, 5, 3000, 100)
	if len(s) < len(g) {
		t.Fatalf("stream has %d households, want at least %d", len(s), len(g))
	}
	if !reflect.DeepEqual(g, s[:len(g)]) {
		t.Error("Generate is not the start of Stream")
	}
}

func TestStreamEmitError(t *testing.T) {
	boom := errors.New("boom")
	calls := 0
	err := Stream(1, monza(t), "20900", 10000, now, 10, func([]registry.Household) error {
		calls++
		if calls == 3 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || calls != 3 {
		t.Errorf("Stream = %v after %d calls, want boom after 3", err, calls)
	}
}

func TestGenerateErrors(t *testing.T) {
	good := monza(t)
	old, ok := comuni.ByCadastral("F704", time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	if !ok {
		t.Fatal("Monza in 2000 not found")
	}
	for _, tc := range []struct {
		name       string
		comune     comuni.Comune
		postalCode string
		households int
	}{
		{"negative households", good, "20900", -1},
		{"too many households", good, "20900", MaxHouseholds + 1},
		{"short postal code", good, "2090", 10},
		{"letters in postal code", good, "2090A", 10},
		{"zero comune", comuni.Comune{}, "20900", 10},
		{"comune not in force", old, "20900", 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Generate(1, tc.comune, tc.postalCode, tc.households, now); err == nil {
				t.Error("Generate succeeded, want an error")
			}
			if tc.households >= 0 && tc.households <= MaxHouseholds {
				if err := Stream(1, tc.comune, tc.postalCode, 10, now, 10, func([]registry.Household) error { return nil }); err == nil {
					t.Error("Stream succeeded, want an error")
				}
			}
		})
	}
	if hs, err := Generate(1, good, "20900", 0, now); err != nil || len(hs) != 0 {
		t.Errorf("Generate(0 households) = %d, %v", len(hs), err)
	}
	emit := func([]registry.Household) error { return nil }
	for name, err := range map[string]error{
		"negative persons": Stream(1, good, "20900", -1, now, 10, emit),
		"zero batch":       Stream(1, good, "20900", 10, now, 0, emit),
		"nil emit":         Stream(1, good, "20900", 10, now, 10, nil),
	} {
		if err == nil {
			t.Errorf("Stream with %s succeeded", name)
		}
	}
}

// plainResident reports whether p can have every certificate: a resident
// of a live famiglia with nothing that blocks issuance.
func plainResident(h registry.Household, p registry.Person) bool {
	if h.Kind == registry.KindCohabitation || h.AIRE || h.Incomplete {
		return false
	}
	for _, m := range h.Members {
		if m.Certifiability == registry.CertNone {
			return false
		}
	}
	return p.Removal == nil && p.AIRE == nil && !p.OpenProcedure && !p.NoFixedAbode &&
		p.Certifiability == registry.CertFull
}

func plainShare(hs []registry.Household) (plain, total int) {
	for _, h := range hs {
		for _, p := range h.Members {
			total++
			if plainResident(h, p) {
				plain++
			}
		}
	}
	return plain, total
}

func TestDemoMostlyPlain(t *testing.T) {
	plain, total := plainShare(generate(t, demoSeed, demoHouseholds))
	t.Logf("demo: %d of %d persons plain certifiable residents", plain, total)
	if plain*10 < total*9 {
		t.Errorf("demo: %d of %d persons plain, want at least 90%%", plain, total)
	}
	// Other seeds of the demo's size: at least 90% in most, never far
	// below.
	low := 0
	for seed := int64(1); seed <= 60; seed++ {
		plain, total := plainShare(generate(t, seed, demoHouseholds))
		if plain*10 < total*9 {
			low++
		}
		if plain*100 < total*82 {
			t.Errorf("seed %d: %d of %d persons plain", seed, plain, total)
		}
	}
	if low > 6 {
		t.Errorf("%d of 60 seeds below 90%% plain residents", low)
	}
}

// checker checks a population household by household and counts what
// the rates are checked on.
type checker struct {
	t      *testing.T
	home   comuni.Comune
	errors int

	codes     map[string]string // fiscal code → "SURNAME NAME"
	refs      map[string]string // partner fiscal code → name, of references
	ids       map[string]bool
	addresses map[registry.Address]bool

	households, persons, plain                         int
	aire, convivenze, removedRecords, sfd, incomplete  int
	removals, certs, kinships, events, cohabKinds      map[int]int
	bornAbroad, bornHome, bornElsewhere                int
	dual, special99x, foreign, italiansAbroad          int
	contracts, widowedWithLateSpouse, fromAbroad, from int
	annulments, priorMarriages                         int
	stateless                                          map[string]int
}

func newChecker(t *testing.T) *checker {
	return &checker{
		t: t, home: monza(t),
		codes: map[string]string{}, refs: map[string]string{},
		ids: map[string]bool{}, addresses: map[registry.Address]bool{},
		removals: map[int]int{}, certs: map[int]int{}, kinships: map[int]int{},
		events: map[int]int{}, cohabKinds: map[int]int{}, stateless: map[string]int{},
	}
}

func (c *checker) errorf(format string, args ...any) {
	c.t.Helper()
	c.errors++
	if c.errors <= 30 {
		c.t.Errorf(format, args...)
	} else if c.errors == 31 {
		c.t.Error("more errors left out")
	}
}

var idRE = regexp.MustCompile(`^F[0-9]{8}$`)

func (c *checker) household(h registry.Household) {
	c.households++
	if !idRE.MatchString(h.ID) || c.ids[h.ID] {
		c.errorf("household ID %q is malformed or repeated", h.ID)
	}
	c.ids[h.ID] = true
	if len(h.Members) == 0 {
		c.errorf("household %s is empty", h.ID)
		return
	}
	removed := 0
	heads := 0
	for _, p := range h.Members {
		if p.Removal != nil {
			removed++
		}
		if p.Kinship == registry.KinHead {
			heads++
		}
		if p.HouseholdID != h.ID {
			c.errorf("household %s: member has HouseholdID %q", h.ID, p.HouseholdID)
		}
	}
	// Every household has one head (or responsible), first.
	if heads != 1 || h.Members[0].Kinship != registry.KinHead || h.Head().FiscalCode != h.Members[0].FiscalCode {
		c.errorf("household %s: %d heads, first has kinship %d", h.ID, heads, h.Members[0].Kinship)
	}
	// Removed persons are never members of a live household.
	live := removed == 0 && !h.AIRE
	if removed != 0 && removed != len(h.Members) {
		c.errorf("household %s mixes %d removed persons with %d others", h.ID, removed, len(h.Members)-removed)
	}
	if removed > 0 {
		c.removedRecords++
		if h.AIRE || h.Kind != registry.KindFamily {
			c.errorf("household %s of removed persons is AIRE or a convivenza", h.ID)
		}
	}
	a := h.Address
	switch {
	case h.AIRE:
		c.aire++
		s, ok := comuni.StateByCadastral(a.StateCode)
		if !ok || a.Country != s.Name || a.Locality == "" || a.Street == "" || a.Number == "" ||
			a.PostalCode == "" || a.PostalCode == "20900" || a.Toponym != "" || a.Internal != "" {
			c.errorf("AIRE household %s: address %+v", h.ID, a)
		}
	case a.Country != "" || a.StateCode != "" || a.Locality != "":
		c.errorf("household %s in Italy has a foreign address %+v", h.ID, a)
	case a.Toponym == "" || a.Street == "" || a.Number == "" || a.PostalCode != "20900":
		c.errorf("household %s: bad address %+v", h.ID, a)
	case live && h.Members[0].NoFixedAbode:
		c.sfd++
		if a.Street != noFixedAbodeStreet[1] || len(h.Members) != 1 {
			c.errorf("household %s without fixed abode: %d members at %+v", h.ID, len(h.Members), a)
		}
	case live:
		// Each dwelling to one household.
		if c.addresses[a] {
			c.errorf("household %s: address %+v repeated", h.ID, a)
		}
		c.addresses[a] = true
	}
	if h.Incomplete {
		c.incomplete++
	}
	switch h.Kind {
	case registry.KindFamily:
		if h.CohabitationName != "" || h.CohabitationKind != 0 {
			c.errorf("famiglia %s has convivenza fields", h.ID)
		}
		c.family(h)
	case registry.KindCohabitation:
		c.convivenza(h)
	default:
		c.errorf("household %s: kind %q", h.ID, h.Kind)
	}
	for _, p := range h.Members {
		c.person(h, p)
	}
}

func (c *checker) convivenza(h registry.Household) {
	c.convivenze++
	c.cohabKinds[h.CohabitationKind]++
	if h.CohabitationName == "" || h.AIRE {
		c.errorf("convivenza %s: name %q, AIRE %v", h.ID, h.CohabitationName, h.AIRE)
	}
	// Exactly one responsible (ANPR table 6, code 1), the others members (2).
	responsible := 0
	for _, p := range h.Members {
		switch p.Kinship {
		case registry.CohabResponsible:
			responsible++
		case registry.CohabMember:
		default:
			c.errorf("convivenza %s: kinship %d", h.ID, p.Kinship)
		}
		if age(p.BirthDate, today()) < 18 {
			c.errorf("convivenza %s: a minor", h.ID)
		}
	}
	if responsible != 1 || len(h.Members) < 3 {
		c.errorf("convivenza %s: %d responsibles, %d members", h.ID, responsible, len(h.Members))
	}
}

// family checks kinship, civil status, ages and partners in a famiglia.
func (c *checker) family(h registry.Household) {
	head := h.Members[0]
	var parents, children []registry.Person
	for _, p := range h.Members {
		if a := age(p.BirthDate, today()); a < 18 && p.CivilStatus != registry.CivilSingle {
			c.errorf("%s: minor with civil status %d", p.FiscalCode, p.CivilStatus)
		}
		switch p.Kinship {
		case registry.KinHead:
		case registry.KinSpouse:
			if p.CivilStatus != registry.CivilMarried || head.CivilStatus != registry.CivilMarried || p.Sex == head.Sex {
				c.errorf("household %s: spouses %d/%s and %d/%s", h.ID, head.CivilStatus, head.Sex, p.CivilStatus, p.Sex)
			}
			c.partners(h, head, p, registry.EventMarriage)
		case registry.KinCivilPartner:
			if p.CivilStatus != registry.CivilUnited || head.CivilStatus != registry.CivilUnited || p.Sex != head.Sex {
				c.errorf("household %s: civil partners %d/%s and %d/%s", h.ID, head.CivilStatus, head.Sex, p.CivilStatus, p.Sex)
			}
			c.partners(h, head, p, registry.EventCivilUnion)
		case registry.KinCohabitant:
			for _, s := range []int{head.CivilStatus, p.CivilStatus} {
				if s == registry.CivilMarried || s == registry.CivilUnited {
					c.errorf("household %s: cohabitant with civil status %d", h.ID, s)
				}
			}
			c.cohabitants(h, head, p)
		case registry.KinChild:
			if p.CivilStatus != registry.CivilSingle {
				c.errorf("%s: child at home with civil status %d", p.FiscalCode, p.CivilStatus)
			}
		case registry.KinParent, registry.KinParentInLaw:
			if p.CivilStatus != registry.CivilWidowed {
				c.errorf("%s: parent with civil status %d", p.FiscalCode, p.CivilStatus)
			}
			if d := age(p.BirthDate, today()) - age(head.BirthDate, today()); d < 12 {
				c.errorf("household %s: parent only %d years older than the head", h.ID, d)
			}
		default:
			c.errorf("%s: kinship %d in a famiglia", p.FiscalCode, p.Kinship)
		}
		switch p.Kinship {
		case registry.KinHead, registry.KinSpouse, registry.KinCohabitant:
			parents = append(parents, p)
			if a := age(p.BirthDate, today()); a < 20 {
				c.errorf("household %s: adult member is %d", h.ID, a)
			}
		case registry.KinChild:
			children = append(children, p)
		}
		if p.Kinship == registry.KinSpouse || p.Kinship == registry.KinCivilPartner || p.Kinship == registry.KinCohabitant {
			if d := age(head.BirthDate, today()) - age(p.BirthDate, today()); d < -11 || d > 11 {
				c.errorf("household %s: partners %d years apart", h.ID, d)
			}
		}
	}
	for _, ch := range children {
		for _, p := range parents {
			if a := age(p.BirthDate, ch.BirthDate); a < 20 || a > 45 {
				c.errorf("household %s: parent was %d at a child's birth", h.ID, a)
			}
		}
	}
}

// partners checks that the head and p, married or united, share their
// last event and name each other.
func (c *checker) partners(h registry.Household, a, b registry.Person, k registry.CivilEventKind) {
	if len(a.CivilEvents) == 0 || len(b.CivilEvents) == 0 {
		c.errorf("household %s: partners without events", h.ID)
		return
	}
	ea, eb := a.CivilEvents[len(a.CivilEvents)-1], b.CivilEvents[len(b.CivilEvents)-1]
	if ea.Kind != k || eb.Kind != k || !ea.Date.Equal(eb.Date) || ea.Place != eb.Place || !reflect.DeepEqual(ea.Record, eb.Record) {
		c.errorf("household %s: partners' last events differ: %+v / %+v", h.ID, ea, eb)
	}
	if ea.PartnerFiscalCode != b.FiscalCode || eb.PartnerFiscalCode != a.FiscalCode ||
		ea.PartnerName != b.Surname+" "+b.Name || eb.PartnerName != a.Surname+" "+a.Name {
		c.errorf("household %s: partners do not name each other", h.ID)
	}
}

func (c *checker) cohabitants(h registry.Household, a, b registry.Person) {
	if len(a.Contracts) != len(b.Contracts) {
		c.errorf("household %s: one cohabitant has a contract", h.ID)
		return
	}
	for i := range a.Contracts {
		ca, cb := a.Contracts[i], b.Contracts[i]
		c.contracts++
		if ca.PartnerFiscalCode != b.FiscalCode || cb.PartnerFiscalCode != a.FiscalCode ||
			ca.PartnerName != b.Surname+" "+b.Name || cb.PartnerName != a.Surname+" "+a.Name {
			c.errorf("household %s: contract partners do not name each other", h.ID)
		}
		if ca.Date.Before(unionLaw) || ca.Registered.Before(ca.Date) || ca.Registered.After(today()) ||
			!ca.Ended.IsZero() || ca.Professional == "" || !ca.Date.Equal(cb.Date) {
			c.errorf("household %s: contract %+v", h.ID, ca)
		}
		// Signed since they live together: the first period they share.
		var together time.Time
	find:
		for _, ra := range a.Residences {
			for _, rb := range b.Residences {
				if ra.From.Equal(rb.From) && ra.Address == rb.Address {
					together = ra.From
					break find
				}
			}
		}
		if together.IsZero() || ca.Date.Before(together) {
			c.errorf("household %s: contract on %s, living together since %s", h.ID, ca.Date.Format(time.DateOnly), together)
		}
	}
}

// validEndings are the codes of ANPR table 31 the events use.
var validEndings = map[registry.CivilEventKind]map[int]bool{
	registry.EventDivorce:   {1: true, 3: true, 6: true, 7: true, 9: true},
	registry.EventAnnulment: {2: true, 4: true},
}

// lastEvent is the kind of the last event each civil status needs.
var lastEvent = map[int]registry.CivilEventKind{
	registry.CivilMarried:      registry.EventMarriage,
	registry.CivilWidowed:      registry.EventWidowhood,
	registry.CivilDivorced:     registry.EventDivorce,
	registry.CivilUnited:       registry.EventCivilUnion,
	registry.CivilUnionDeadPar: registry.EventPartnerDeath,
	registry.CivilUnionDissolv: registry.EventUnionDissolution,
}

func (c *checker) person(h registry.Household, p registry.Person) {
	c.persons++
	if plainResident(h, p) {
		c.plain++
	}
	c.certs[p.Certifiability]++
	if h.Kind == registry.KindFamily {
		c.kinships[p.Kinship]++
	}
	c.fiscalCode(p)
	c.birth(p)
	c.citizenship(h, p)
	c.civilEvents(p)
	c.residences(h, p)
	switch {
	case p.Removal != nil:
		c.removals[p.Removal.Reason]++
		if p.Deceased() && p.CivilStatus == registry.CivilMarried {
			c.widowedWithLateSpouse++
		}
		r := p.Removal
		if r.Date.After(today()) || !r.Date.After(p.BirthDate) {
			c.errorf("%s: removed on %s", p.FiscalCode, r.Date)
		}
		if p.Deceased() != (r.DeathPlace.Name != "") {
			c.errorf("%s: removal %+v", p.FiscalCode, r)
		}
		if p.AIRE != nil {
			c.errorf("%s: removed and in AIRE", p.FiscalCode)
		}
	case h.AIRE != (p.AIRE != nil):
		c.errorf("%s: AIRE %v in household AIRE %v", p.FiscalCode, p.AIRE, h.AIRE)
	case p.AIRE != nil:
		if !p.Italian() || p.AIRE.Consulate == "" || p.AIRE.Since.After(today()) || p.AIRE.Since.Before(p.BirthDate) {
			c.errorf("%s: AIRE %+v, citizenships %v", p.FiscalCode, p.AIRE, p.Citizenships)
		}
	}
	if p.NoFixedAbode && (h.Members[0].FiscalCode != p.FiscalCode || h.Address.Street != noFixedAbodeStreet[1]) {
		c.errorf("%s: without fixed abode in household %s", p.FiscalCode, h.ID)
	}
}

func (c *checker) fiscalCode(p registry.Person) {
	if _, dup := c.codes[p.FiscalCode]; dup {
		c.errorf("fiscal code %s repeated", p.FiscalCode)
	}
	c.codes[p.FiscalCode] = p.Surname + " " + p.Name
	cf, err := codicefiscale.Parse(p.FiscalCode)
	if err != nil {
		c.errorf("%s: %v", p.FiscalCode, err)
		return
	}
	if cf.String() != p.FiscalCode {
		c.errorf("%s is not canonical", p.FiscalCode)
	}
	if cf.Sex() != p.Sex {
		c.errorf("%s: sex %s, person %s", cf, cf.Sex(), p.Sex)
	}
	if b := cf.BirthDate(now); !b.Equal(p.BirthDate) {
		c.errorf("%s: birth %s, person %s", cf, b, p.BirthDate)
	}
	code := cf.PlaceCode()
	if p.BirthPlace.Abroad() {
		if code != p.BirthPlace.StateCode {
			c.errorf("%s: place %s, person born in %+v", cf, code, p.BirthPlace)
		}
	} else if code != p.BirthPlace.ComuneCode {
		c.errorf("%s: place %s, person %s", cf, code, p.BirthPlace.ComuneCode)
	}
	// The code is the one computed from the data, or an omocodia variant
	// of it.
	want, err := codicefiscale.Compute(p.Surname, p.Name, p.Sex, p.BirthDate, code)
	if err != nil || codicefiscale.Omocodia(cf, 0) != want {
		c.errorf("%s: computed from the data: %s, %v", cf, want, err)
	}
}

func (c *checker) birth(p registry.Person) {
	if p.BirthDate.After(today()) {
		c.errorf("%s born after now", p.FiscalCode)
	}
	if a := age(p.BirthDate, today()); a >= 100 || a < 0 {
		c.errorf("%s is %d years old", p.FiscalCode, a)
	}
	if !p.BirthDate.Equal(time.Date(p.BirthDate.Year(), p.BirthDate.Month(), p.BirthDate.Day(), 0, 0, 0, 0, time.UTC)) {
		c.errorf("%s: birth date %s is not midnight UTC", p.FiscalCode, p.BirthDate)
	}
	bp := p.BirthPlace
	if bp.Abroad() {
		c.bornAbroad++
		s, ok := comuni.StateByCadastral(bp.StateCode)
		if !ok || bp.Country != s.Name || bp.Name == "" || bp.Province != "" || bp.ComuneCode != "" {
			c.errorf("%s: born abroad at %+v", p.FiscalCode, bp)
		}
		if p.BirthRecord != nil {
			c.errorf("%s: born abroad with a birth act %+v", p.FiscalCode, p.BirthRecord)
		}
		return
	}
	// The name and province are those in force on the birth date.
	cm, ok := comuni.ByCadastral(bp.ComuneCode, p.BirthDate)
	if !ok || cm.Name != bp.Name || cm.Province != bp.Province {
		c.errorf("%s: born in %+v on %s; archive: %+v, %v", p.FiscalCode, bp, p.BirthDate.Format(time.DateOnly), cm, ok)
	}
	if r := p.BirthRecord; r == nil || r.ComuneCode != bp.ComuneCode || r.Year != p.BirthDate.Year() ||
		r.Part != "1" || r.Series != "A" || r.Number == "" {
		c.errorf("%s: born in %s on %s, act %+v", p.FiscalCode, bp.ComuneCode, p.BirthDate.Format(time.DateOnly), r)
	}
	if bp.ComuneCode == c.home.Cadastral {
		c.bornHome++
		// Monza was in the province of Milano until 2009-06-29.
		wantProv := "MB"
		if p.BirthDate.Before(time.Date(2009, 6, 30, 0, 0, 0, 0, time.UTC)) {
			wantProv = "MI"
		}
		if bp.Province != wantProv {
			c.errorf("%s: born in Monza on %s in province %s", p.FiscalCode, p.BirthDate.Format(time.DateOnly), bp.Province)
		}
	} else {
		c.bornElsewhere++
	}
}

// citizenshipNames are the citizenships the generator gives, by ISTAT code.
func citizenshipNames() map[string]string {
	m := map[string]string{registry.StateItaly: Italian}
	for _, n := range nationalities {
		m[n.istat] = n.citizenship
	}
	for _, c := range countries {
		m[c.istat] = c.citizenship
	}
	for _, s := range specialCitizenships {
		m[s.code] = s.name
	}
	return m
}

var allowedCitizenships = citizenshipNames()

func (c *checker) citizenship(h registry.Household, p registry.Person) {
	if len(p.Citizenships) == 0 || len(p.Citizenships) > 2 {
		c.errorf("%s: citizenships %v", p.FiscalCode, p.Citizenships)
		return
	}
	seen := map[string]bool{}
	for i, ct := range p.Citizenships {
		if allowedCitizenships[ct.StateCode] != ct.Name || seen[ct.StateCode] {
			c.errorf("%s: citizenship %+v", p.FiscalCode, ct)
		}
		seen[ct.StateCode] = true
		if !ct.Since.IsZero() && (ct.Since.Before(p.BirthDate) || ct.Since.After(today())) {
			c.errorf("%s: citizenship %s since %s", p.FiscalCode, ct.Name, ct.Since)
		}
		switch ct.StateCode {
		case registry.StateStateless, registry.StateBeingDetermined, registry.StateNotAttributable:
			c.special99x++
			c.stateless[ct.StateCode]++
			if len(p.Citizenships) != 1 {
				c.errorf("%s: %s with another citizenship", p.FiscalCode, ct.Name)
			}
		case registry.StateItaly:
			if i != 0 {
				c.errorf("%s: Italian citizenship is not the main one", p.FiscalCode)
			}
		}
	}
	if len(p.Citizenships) == 2 {
		c.dual++
		if !p.Italian() {
			c.errorf("%s: two foreign citizenships", p.FiscalCode)
		}
	}
	if !p.Italian() {
		c.foreign++
		if h.AIRE {
			c.errorf("%s: a foreigner in AIRE", p.FiscalCode)
		}
	} else if p.BirthPlace.Abroad() {
		c.italiansAbroad++
	}
}

func (c *checker) civilEvents(p registry.Person) {
	es := p.CivilEvents
	for i, e := range es {
		c.events[eventCode(e.Kind)]++
		if i == 0 && e.Date.Before(p.BirthDate.AddDate(18, 0, 0)) {
			c.errorf("%s: %s at %d", p.FiscalCode, e.Kind, age(p.BirthDate, e.Date))
		}
		if e.Date.After(today()) || i > 0 && e.Date.Before(es[i-1].Date) {
			c.errorf("%s: events out of order: %v", p.FiscalCode, kinds(es))
		}
		if e.Place.Name == "" || (e.Place.ComuneCode == "") != e.Place.Abroad() {
			c.errorf("%s: %s at %+v", p.FiscalCode, e.Kind, e.Place)
		}
		if e.PartnerName == "" {
			c.errorf("%s: %s without partner", p.FiscalCode, e.Kind)
		}
		if e.PartnerFiscalCode != "" {
			if name, ok := c.refs[e.PartnerFiscalCode]; ok && name != e.PartnerName {
				c.errorf("%s: partner %s named %q and %q", p.FiscalCode, e.PartnerFiscalCode, name, e.PartnerName)
			}
			c.refs[e.PartnerFiscalCode] = e.PartnerName
		}
		switch e.Kind {
		case registry.EventMarriage, registry.EventCivilUnion:
			if e.Kind == registry.EventCivilUnion && e.Date.Before(unionLaw) {
				c.errorf("%s: civil union on %s", p.FiscalCode, e.Date.Format(time.DateOnly))
			}
			if !e.Place.Abroad() && e.Record == nil {
				c.errorf("%s: %s in Italy without an act", p.FiscalCode, e.Kind)
			}
			if r := e.Record; r != nil && (r.Year != e.Date.Year() || r.Number == "" ||
				!e.Place.Abroad() && r.ComuneCode != e.Place.ComuneCode) {
				c.errorf("%s: %s act %+v at %+v", p.FiscalCode, e.Kind, r, e.Place)
			}
			if e.EndingType != 0 {
				c.errorf("%s: %s with ending type %d", p.FiscalCode, e.Kind, e.EndingType)
			}
			if i > 0 && (es[i-1].Kind == registry.EventMarriage || es[i-1].Kind == registry.EventCivilUnion) {
				c.errorf("%s: a second union before the first ended: %v", p.FiscalCode, kinds(es))
			}
			if i+1 < len(es) && es[i+1].Kind != registry.EventMarriage && es[i+1].Kind != registry.EventCivilUnion &&
				i > 0 {
				c.priorMarriages++
			}
		default:
			// An end: it follows the start of the same bond.
			if i == 0 {
				c.errorf("%s: %s first", p.FiscalCode, e.Kind)
				break
			}
			start := es[i-1]
			if start.PartnerFiscalCode != e.PartnerFiscalCode || start.PartnerName != e.PartnerName ||
				!e.Date.After(start.Date) {
				c.errorf("%s: %s does not end the %s before it", p.FiscalCode, e.Kind, start.Kind)
			}
			marriageEnd := e.Kind == registry.EventDivorce || e.Kind == registry.EventAnnulment || e.Kind == registry.EventWidowhood
			if marriageEnd != (start.Kind == registry.EventMarriage) {
				c.errorf("%s: %s after %s", p.FiscalCode, e.Kind, start.Kind)
			}
			if ends := validEndings[e.Kind]; (ends == nil) != (e.EndingType == 0) || ends != nil && !ends[e.EndingType] {
				c.errorf("%s: %s with ending type %d", p.FiscalCode, e.Kind, e.EndingType)
			}
			if e.Kind == registry.EventDivorce && e.Date.Before(divorceLaw) {
				c.errorf("%s: divorce on %s", p.FiscalCode, e.Date.Format(time.DateOnly))
			}
			if e.Kind == registry.EventAnnulment {
				c.annulments++
			}
			if (e.Kind == registry.EventWidowhood || e.Kind == registry.EventPartnerDeath) && !e.Place.Abroad() && e.Record == nil {
				c.errorf("%s: death of the partner in Italy without an act", p.FiscalCode)
			}
		}
	}
	// The civil status is what the last event left.
	var last registry.CivilEventKind
	if len(es) > 0 {
		last = es[len(es)-1].Kind
	}
	switch want, ok := lastEvent[p.CivilStatus]; {
	case ok && last != want:
		c.errorf("%s: civil status %d after %v", p.FiscalCode, p.CivilStatus, kinds(es))
	case p.CivilStatus == registry.CivilSingle && last != "" && last != registry.EventAnnulment:
		c.errorf("%s: single after %v", p.FiscalCode, kinds(es))
	case !ok && p.CivilStatus != registry.CivilSingle:
		c.errorf("%s: civil status %d", p.FiscalCode, p.CivilStatus)
	}
}

func eventCode(k registry.CivilEventKind) int {
	for i, x := range []registry.CivilEventKind{registry.EventMarriage, registry.EventCivilUnion, registry.EventDivorce,
		registry.EventAnnulment, registry.EventWidowhood, registry.EventUnionDissolution, registry.EventPartnerDeath} {
		if k == x {
			return i
		}
	}
	return -1
}

func kinds(es []registry.CivilEvent) []string {
	var s []string
	for _, e := range es {
		s = append(s, string(e.Kind)+" "+e.Date.Format(time.DateOnly))
	}
	return s
}

func (c *checker) residences(h registry.Household, p registry.Person) {
	rs := p.Residences
	for i, r := range rs {
		if r.From.Before(p.BirthDate) || !r.To.IsZero() && !r.To.After(r.From) || r.From.After(today()) {
			c.errorf("%s: residence %s..%s", p.FiscalCode, r.From.Format(time.DateOnly), r.To.Format(time.DateOnly))
		}
		if i > 0 && !rs[i-1].To.Equal(r.From) {
			c.errorf("%s: residences not contiguous at %d", p.FiscalCode, i)
		}
		if i < len(rs)-1 && r.To.IsZero() {
			c.errorf("%s: an open residence before the last", p.FiscalCode)
		}
		a := r.Address
		if a.PostalCode != "20900" || a.Street == "" || a.Number == "" || a.Country != "" {
			c.errorf("%s: residence at %+v", p.FiscalCode, a)
		}
		if f := r.FromComune; f != "" {
			c.from++
			if comuni.IsForeign(f) {
				c.fromAbroad++
				if _, ok := comuni.StateByCadastral(f); !ok {
					c.errorf("%s: came from state %s", p.FiscalCode, f)
				}
			} else if _, ok := comuni.ByCadastral(f, r.From); !ok || f == c.home.Cadastral {
				c.errorf("%s: came from %s on %s", p.FiscalCode, f, r.From.Format(time.DateOnly))
			}
		}
	}
	if len(rs) > 0 {
		// Registered at birth, or arrived from somewhere.
		if first := rs[0]; first.From.Equal(p.BirthDate) != (first.FromComune == "") {
			c.errorf("%s: first residence from %s (born %s) from %q", p.FiscalCode,
				first.From.Format(time.DateOnly), p.BirthDate.Format(time.DateOnly), first.FromComune)
		}
	}
	var last registry.Residence
	if len(rs) > 0 {
		last = rs[len(rs)-1]
	}
	switch {
	case p.Removal != nil:
		if len(rs) == 0 || !last.To.Equal(p.Removal.Date) {
			c.errorf("%s: removed on %s, residences %d ending %s", p.FiscalCode, p.Removal.Date.Format(time.DateOnly), len(rs), last.To)
		}
	case p.AIRE != nil:
		// Born abroad after the family left, or lived here until leaving.
		if len(rs) == 0 && (!p.BirthPlace.Abroad() || !p.AIRE.Since.Equal(p.BirthDate)) ||
			len(rs) > 0 && !last.To.Equal(p.AIRE.Since) {
			c.errorf("%s: in AIRE since %s, residences %d ending %s", p.FiscalCode, p.AIRE.Since.Format(time.DateOnly), len(rs), last.To)
		}
	default:
		// The last period is open, at the household's address.
		if len(rs) == 0 || !last.To.IsZero() || last.Address != h.Address {
			c.errorf("%s: resident, last residence %+v, household at %+v", p.FiscalCode, last, h.Address)
		}
	}
}

// finish checks what needs the whole population.
func (c *checker) finish() {
	t := c.t
	t.Helper()
	for code, name := range c.refs {
		if n, ok := c.codes[code]; ok && n != name {
			c.errorf("partner %s is %q, named %q", code, n, name)
		}
	}
	pct := func(n, of int) float64 { return 100 * float64(n) / float64(of) }
	t.Logf("%d households, %d persons, %.1f%% plain certifiable residents", c.households, c.persons, pct(c.plain, c.persons))
	t.Logf("households: AIRE %.2f%%, removed %.2f%%, convivenze %.2f%% (kinds %v), without fixed abode %.2f%%, incomplete %.2f%%",
		pct(c.aire, c.households), pct(c.removedRecords, c.households), pct(c.convivenze, c.households), c.cohabKinds,
		pct(c.sfd, c.households), pct(c.incomplete, c.households))
	t.Logf("removals by reason %v; certifiability %v; late spouses in the register %d", c.removals, c.certs, c.widowedWithLateSpouse)
	t.Logf("born abroad %.1f%%, in the comune %d, elsewhere in Italy %d; foreigners %.1f%%, dual %.2f%%, 997-999 %v, Italians born abroad %d",
		pct(c.bornAbroad, c.persons), c.bornHome, c.bornElsewhere, pct(c.foreign, c.persons), pct(c.dual, c.persons), c.stateless, c.italiansAbroad)
	t.Logf("events by kind %v; annulments %d; contracts %d; residences from elsewhere %d (abroad %d)",
		c.events, c.annulments, c.contracts, c.from, c.fromAbroad)

	within := func(what string, n, of int, lo, hi float64) {
		t.Helper()
		if p := pct(n, of); p < lo || p > hi {
			t.Errorf("%s: %.2f%%, want %.2f%% to %.2f%%", what, p, lo, hi)
		}
	}
	within("plain certifiable residents", c.plain, c.persons, 88, 97)
	within("AIRE households", c.aire, c.households, 1, 2.5)
	within("removed records", c.removedRecords, c.households, 1.5, 3.5)
	within("convivenze", c.convivenze, c.households, 0.05, 0.4)
	within("households without fixed abode", c.sfd, c.households, 0.05, 0.5)
	within("incomplete households", c.incomplete, c.households, 0.05, 0.6)
	within("born abroad", c.bornAbroad, c.persons, 5, 11)
	within("dual citizens", c.dual, c.persons, 0.3, 3)
	within("997, 998, 999", c.special99x, c.persons, 0.05, 1)
	within("certifiable", c.certs[registry.CertFull], c.persons, 98.5, 99.9)
	for _, k := range []int{registry.CertNone, registry.CertPartial, registry.CertInterdicted} {
		if c.certs[k] == 0 || c.certs[k]*100 > c.persons {
			t.Errorf("certifiability %d: %d of %d persons", k, c.certs[k], c.persons)
		}
	}
	if c.certs[registry.CertNotRegistrable] != 0 {
		t.Errorf("%d persons not registrable", c.certs[registry.CertNotRegistrable])
	}
	for _, r := range []int{registry.RemovalDeath, registry.RemovalMovedOut, 5, registry.RemovalUntraceable} {
		if c.removals[r] == 0 {
			t.Errorf("no removal with reason %d", r)
		}
	}
	for _, s := range []string{registry.StateStateless, registry.StateBeingDetermined, registry.StateNotAttributable} {
		if c.stateless[s] == 0 {
			t.Errorf("no citizenship %s", s)
		}
	}
	for k := range 7 {
		if c.events[k] == 0 {
			t.Errorf("no event of kind %d", k)
		}
	}
	for _, k := range []int{cohabReligious, cohabAssistance} {
		if c.cohabKinds[k] == 0 {
			t.Errorf("no convivenza of kind %d", k)
		}
	}
	for _, k := range []int{registry.KinHead, registry.KinSpouse, registry.KinChild, registry.KinParent,
		registry.KinParentInLaw, registry.KinCohabitant, registry.KinCivilPartner} {
		if c.kinships[k] == 0 {
			t.Errorf("no member with kinship %d", k)
		}
	}
	if c.contracts == 0 || c.widowedWithLateSpouse == 0 || c.annulments == 0 || c.italiansAbroad == 0 || c.fromAbroad == 0 {
		t.Errorf("contracts %d, late spouses %d, annulments %d, Italians born abroad %d, arrivals from abroad %d: want some of each",
			c.contracts, c.widowedWithLateSpouse, c.annulments, c.italiansAbroad, c.fromAbroad)
	}
	if c.bornHome < c.persons/3 || c.bornElsewhere < c.persons/10 {
		t.Errorf("born in the comune: %d, elsewhere in Italy: %d, of %d", c.bornHome, c.bornElsewhere, c.persons)
	}
}

// TestPopulation streams more than 100,000 persons and checks every one
// of them, and the rates of the special cases.
func TestPopulation(t *testing.T) {
	persons := 120_000
	if testing.Short() {
		persons = 30_000
	}
	c := newChecker(t)
	err := Stream(3, monza(t), "20900", persons, now, 500, func(hs []registry.Household) error {
		for _, h := range hs {
			c.household(h)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.persons < persons {
		t.Errorf("%d persons, want %d", c.persons, persons)
	}
	c.finish()
}

func TestWidowedHaveLateSpouseRecords(t *testing.T) {
	// A late spouse's record comes right after the widow(er)'s household,
	// with its removal on the day of the widowhood and the same address.
	hs := generate(t, 11, 6000)
	found := 0
	for i := 1; i < len(hs); i++ {
		p := hs[i].Members[0]
		if !p.Deceased() || p.CivilStatus != registry.CivilMarried {
			continue
		}
		w := hs[i-1].Members[0]
		last := w.CivilEvents[len(w.CivilEvents)-1]
		if last.Kind != registry.EventWidowhood || last.PartnerFiscalCode != p.FiscalCode || !last.Date.Equal(p.Removal.Date) ||
			last.Place != p.Removal.DeathPlace {
			t.Errorf("late spouse %s does not match the widow(er) %s", p.FiscalCode, w.FiscalCode)
			continue
		}
		mine := p.CivilEvents[len(p.CivilEvents)-1]
		if mine.Kind != registry.EventMarriage || mine.PartnerFiscalCode != w.FiscalCode || !mine.Date.Equal(w.CivilEvents[len(w.CivilEvents)-2].Date) {
			t.Errorf("late spouse %s: marriage %+v", p.FiscalCode, mine)
		}
		found++
	}
	if found == 0 {
		t.Error("no late spouse records")
	}
}

func TestNewComune(t *testing.T) {
	// Valsamoggia (BO) exists since 2014: residents born before then were
	// born elsewhere, in comuni in force at the time.
	c, ok := comuni.Current("M320")
	if !ok {
		t.Fatal("Valsamoggia (M320) not found")
	}
	hs, err := Generate(7, c, "40053", 300, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hs {
		for _, p := range h.Members {
			places := []registry.Place{p.BirthPlace}
			dates := []time.Time{p.BirthDate}
			for _, e := range p.CivilEvents {
				places, dates = append(places, e.Place), append(dates, e.Date)
			}
			for _, r := range p.Residences {
				if r.FromComune != "" && !comuni.IsForeign(r.FromComune) {
					places, dates = append(places, registry.Place{ComuneCode: r.FromComune}), append(dates, r.From)
				}
			}
			for i, pl := range places {
				if pl.ComuneCode == "" {
					continue
				}
				if _, ok := comuni.ByCadastral(pl.ComuneCode, dates[i]); !ok {
					t.Errorf("%s: %s on %s, not in force then", p.FiscalCode, pl.ComuneCode, dates[i].Format(time.DateOnly))
				}
			}
			if p.BirthPlace.ComuneCode == "M320" && p.BirthDate.Year() < 2014 {
				t.Errorf("born in Valsamoggia in %d", p.BirthDate.Year())
			}
		}
	}
}

func TestFiscalCodeOmocodia(t *testing.T) {
	g, err := newGenerator(1, monza(t), "20900", now, 0)
	if err != nil {
		t.Fatal(err)
	}
	birth := time.Date(1985, 12, 10, 0, 0, 0, 0, time.UTC)
	base, err := codicefiscale.Compute("ROSSI", "MARIO", registry.Male, birth, "A562")
	if err != nil {
		t.Fatal(err)
	}
	// The same data eight times get the base code, then levels 1 to 7;
	// the ninth finds nothing left.
	for level := range codicefiscale.MaxOmocodia + 1 {
		got, err := g.fiscalCode("ROSSI", "MARIO", registry.Male, birth, "A562")
		if want := codicefiscale.Omocodia(base, level); err != nil || got != want.String() {
			t.Fatalf("clash %d: got %s, %v; want %s", level, got, err, want)
		}
	}
	if got, err := g.fiscalCode("ROSSI", "MARIO", registry.Male, birth, "A562"); err == nil {
		t.Errorf("ninth clash got %s", got)
	}
	// Women, accents, apostrophes, foreign places.
	for _, tc := range []struct {
		surname, name string
		sex           registry.Sex
		place         string
	}{
		{"D'ANGELO", "NICOLÒ", registry.Male, "F704"},
		{"CANTÙ", "ANNA MARIA", registry.Female, "Z129"},
		{"ȘERBAN", "ȘTEFAN", registry.Male, "Z129"},
		{"HU", "LI", registry.Female, "Z210"},
	} {
		want, err := codicefiscale.Compute(tc.surname, tc.name, tc.sex, birth, tc.place)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := g.fiscalCode(tc.surname, tc.name, tc.sex, birth, tc.place); err != nil || got != want.String() {
			t.Errorf("%s %s: got %s, %v; want %s", tc.surname, tc.name, got, err, want)
		}
	}
}

func TestPermutation(t *testing.T) {
	for _, n := range []uint64{1, 2, 7, 255, 256, 257, 1000, 4099} {
		p := newPermutation(n, n*31)
		seen := make([]bool, n)
		for i := range n {
			x := p.at(i)
			if x >= n || seen[x] {
				t.Fatalf("n=%d: at(%d) = %d, out of range or repeated", n, i, x)
			}
			seen[x] = true
		}
	}
}

func TestTownPlan(t *testing.T) {
	p := plan()
	// Enough dwellings for a million residents in the named streets, and
	// for several millions in all.
	if d := p.tiers[0].dwellings(); d < 500_000 {
		t.Errorf("first tier has %d dwellings", d)
	}
	if d := p.capacity(); d < 2_500_000 {
		t.Errorf("the plan has %d dwellings", d)
	}
	seen := map[planStreet]bool{}
	for _, s := range p.streets {
		if seen[s] || s.toponym == "" || s.name == "" || strings.TrimSpace(s.name) != s.name {
			t.Errorf("street %+v repeated or malformed", s)
		}
		seen[s] = true
	}
	// The index finds the building of any dwelling.
	for ti := range p.tiers {
		tr := &p.tiers[ti]
		for k := uint64(0); k < tr.dwellings(); k += 7 {
			b := sort.Search(len(tr.street), func(i int) bool { return uint64(tr.start[i+1]) > k })
			a := p.address(ti, k, "20900")
			s := p.streets[tr.street[b]]
			if a.Toponym != s.toponym || a.Street != s.name || !strings.HasPrefix(a.Number, strconv.Itoa(int(tr.number[b]>>2))) {
				t.Fatalf("tier %d dwelling %d: %+v, want building %d of %+v", ti, k, a, b, s)
			}
		}
	}
	// Addresses of different dwellings differ.
	addrs := map[registry.Address]bool{}
	for k := range uint64(20000) {
		a := p.address(0, k, "20900")
		if addrs[a] {
			t.Fatalf("dwelling %d has the address of another: %+v", k, a)
		}
		addrs[a] = true
	}
}

// anprIDs returns the codes of an ANPR table in the reference folder
// beside the repository, or skips the test.
func anprTable(t *testing.T, file string) []string {
	t.Helper()
	f, err := os.Open("../../../shared/reference/anpr-tabelle/" + file)
	if err != nil {
		t.Skipf("ANPR tables not available: %v", err)
	}
	defer f.Close()
	var rows []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if line := sc.Text(); !strings.HasPrefix(line, "#") {
			rows = append(rows, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows[1:]
}

func anprIDs(t *testing.T, file string) map[int]bool {
	ids := map[int]bool{}
	for _, row := range anprTable(t, file) {
		id, _, _ := strings.Cut(row, "\t")
		if n, err := strconv.Atoi(id); err == nil {
			ids[n] = true
		}
	}
	return ids
}

// TestCitizenshipTexts checks that every citizenship the generator prints
// is anpr's adjective for its code, with none left to the fallback, and
// that they read as before they came from anpr.
func TestCitizenshipTexts(t *testing.T) {
	want := map[string]string{
		"100": Italian, "235": "ROMENA", "201": "ALBANESE", "436": "MAROCCHINA", "243": "UCRAINA", "314": "CINESE",
		"216": "TEDESCA", "241": "SVIZZERA", "219": "BRITANNICA", "215": "FRANCESE", "206": "BELGA",
		"239": "SPAGNOLA", "536": "STATUNITENSE", "602": "ARGENTINA", "605": "BRASILIANA", "701": "AUSTRALIANA",
		"999": "APOLIDE", "997": "IN CORSO DI DEFINIZIONE", "998": "NON ATTRIBUIBILE",
	}
	got := citizenshipNames()
	if italianCitizenship.Name != Italian || italianCitizenship.StateCode != registry.StateItaly {
		t.Errorf("italianCitizenship = %+v, want %s", italianCitizenship, Italian)
	}
	if len(got) != len(want) {
		t.Errorf("the generator gives %d citizenships, the test knows %d", len(got), len(want))
	}
	for code, name := range got {
		text, ok := anpr.CitizenshipText(code)
		if !ok || text != name {
			t.Errorf("%s: generator prints %q, anpr.CitizenshipText = %q, %v", code, name, text, ok)
		}
		if name != want[code] {
			t.Errorf("%s: prints %q, want %q", code, name, want[code])
		}
	}
}

// TestANPRCodes checks every code the generator uses against ANPR's
// tables.
func TestANPRCodes(t *testing.T) {
	// Table 2: the Z-code, the ISTAT code, and that it is a citizenship.
	type state struct{ istat, citizenship string }
	byZ := map[string]state{}
	byISTAT := map[string]state{}
	field := func(row, key string) string {
		_, v, ok := strings.Cut(row, " - "+key+": ")
		if !ok {
			return ""
		}
		v, _, _ = strings.Cut(v, " - ")
		return v
	}
	for _, row := range anprTable(t, "tab_stati_esteri.tsv") {
		s := state{field(row, "CODISTAT"), field(row, "CITTADINANZA")}
		if z := field(row, "CODAT"); z != "" {
			byZ[z] = s
		}
		byISTAT[s.istat] = s
	}
	for _, n := range nationalities {
		if s := byZ[n.state]; s.istat != n.istat || s.citizenship != "S" {
			t.Errorf("%s: table 2 has %+v, want ISTAT %s", n.state, s, n.istat)
		}
	}
	for _, c := range countries {
		if s := byZ[c.state]; s.istat != c.istat || s.citizenship != "S" {
			t.Errorf("%s: table 2 has %+v, want ISTAT %s", c.state, s, c.istat)
		}
	}
	for _, s := range specialCitizenships {
		if byISTAT[s.code].citizenship != "S" {
			t.Errorf("citizenship %s not in table 2", s.code)
		}
	}
	for _, tc := range []struct {
		file  string
		codes []int
	}{
		{"tab_stato_civile.tsv", []int{registry.CivilSingle, registry.CivilMarried, registry.CivilWidowed, registry.CivilDivorced,
			registry.CivilUnited, registry.CivilUnionDeadPar, registry.CivilUnionDissolv}},
		{"tab_relazione_di_parentela___famiglia.tsv", []int{registry.KinHead, registry.KinSpouse, registry.KinChild,
			registry.KinParent, registry.KinParentInLaw, registry.KinCohabitant, registry.KinCivilPartner}},
		{"tab_legame____convivenza.tsv", []int{registry.CohabResponsible, registry.CohabMember}},
		{"tab_motivi_di_cancellazione_dall_anagrafe.tsv", []int{registry.RemovalDeath, registry.RemovalMovedOut, 5, registry.RemovalUntraceable}},
		{"tab_specie_della_convivenza.tsv", []int{cohabReligious, cohabAssistance}},
		{"tab_tipo_cessazione_matrimonio.tsv", []int{1, 2, 3, 4, 6, 7, 9}},
		{"tab_motivi_di_non_certificabilit_.tsv", []int{registry.CertNone, registry.CertPartial, registry.CertFull, registry.CertInterdicted}},
	} {
		ids := anprIDs(t, tc.file)
		for _, c := range tc.codes {
			if !ids[c] {
				t.Errorf("%s has no code %d", tc.file, c)
			}
		}
	}
}

func BenchmarkGenerate300(b *testing.B) {
	c := monza(b)
	comuni.ByCadastral("F704", now) // load the data outside the loop
	for b.Loop() {
		if _, err := Generate(1, c, "20900", 300, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStream generates a million persons per operation, with an emit
// that only counts them: run it with -benchtime=1x.
func BenchmarkStream(b *testing.B) {
	c := monza(b)
	comuni.ByCadastral("F704", now)
	plan()
	const persons = 1_000_000
	total := 0
	for b.Loop() {
		err := Stream(1, c, "20900", persons, now, 1000, func(hs []registry.Household) error {
			for _, h := range hs {
				total += len(h.Members)
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "persons/s")
}

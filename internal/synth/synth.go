// Package synth generates a deterministic synthetic anagrafe: the
// registered households of one comune, for demos and tests.
//
// The same arguments give the same households on any machine: the
// generator draws only from a PCG source seeded with seed and reads the
// time only from now. The output changes when this package or the embedded
// comuni data change.
//
// What it models, roughly after ISTAT's household statistics:
//   - household kinds with realistic shares: single persons, elderly
//     widow(er)s, couples with and without children, single parents,
//     couples living with a parent, civil unions and cohabiting couples;
//   - ages that fit: spouses of similar age, children born when both
//     parents were 20 to 45, nobody 100 or older (so that the two-digit year
//     of a fiscal code is unambiguous), nobody born after now;
//   - civil status by kinship (ANPR table 1) and kinship to the head
//     (ANPR table 5): spouses married, civil partners united, minors single;
//   - about 8% of residents born abroad, in foreign households from the
//     largest communities in Italy, with the matching citizenship; the rest
//     born in the comune, its province or a big city, with the cadastral
//     code and name in force on the birth date;
//   - fiscal codes computed from the data, unique in the population: on a
//     clash the next omocodia level is used, as the Agenzia does.
//
// Caveats:
//   - The people are fictitious; a match with a real person, fiscal code
//     included, is chance.
//   - registry.Place has no field for a foreign state's code: for births
//     abroad it is only in the fiscal code (Code.PlaceCode).
//   - Women keep their own surname; children take the father's.
package synth

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"certa.example/certa/internal/codicefiscale"
	"certa.example/certa/internal/comuni"
	"certa.example/certa/internal/registry"
)

// MaxHouseholds is the largest number of households Generate makes.
const MaxHouseholds = 20000

// Citizenship of Italian residents, as printed.
const Italian = "ITALIANA"

// Generate returns households registered in comune on the date of now, at
// addresses with the given postal code (CAP, five digits). comune must be
// in force on that date.
func Generate(seed int64, comune comuni.Comune, postalCode string, households int, now time.Time) ([]registry.Household, error) {
	switch {
	case households < 0 || households > MaxHouseholds:
		return nil, fmt.Errorf("synth: households must be between 0 and %d", MaxHouseholds)
	case len(postalCode) != 5 || !digits(postalCode):
		return nil, errors.New("synth: postal code must be five digits")
	case comune.Cadastral == "" || !comune.ValidOn(now):
		return nil, errors.New("synth: comune must be in force on the date of now")
	}
	g, err := newGenerator(seed, comune, postalCode, now)
	if err != nil {
		return nil, err
	}
	out := make([]registry.Household, 0, households)
	for range households {
		h, err := g.household()
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

type generator struct {
	rng        *rand.Rand
	today      time.Time // date of now, midnight UTC
	home       comuni.Comune
	postalCode string
	province   []string // codes of the other comuni of home's province today
	states     map[string]comuni.State

	fiscalCodes map[codicefiscale.Code]bool
	ids         map[string]bool
	addresses   map[registry.Address]bool
}

func newGenerator(seed int64, home comuni.Comune, postalCode string, now time.Time) (*generator, error) {
	y, m, d := now.Date()
	g := &generator{
		// The second PCG word is fixed: seed alone picks the stream.
		rng:         rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15)),
		today:       time.Date(y, m, d, 0, 0, 0, 0, time.UTC),
		home:        home,
		postalCode:  postalCode,
		states:      map[string]comuni.State{},
		fiscalCodes: map[codicefiscale.Code]bool{},
		ids:         map[string]bool{},
		addresses:   map[registry.Address]bool{},
	}
	for _, c := range comuni.InProvince(home.Province, g.today) {
		if c.Cadastral != home.Cadastral {
			g.province = append(g.province, c.Cadastral)
		}
	}
	for _, n := range nationalities {
		s, ok := comuni.StateByCadastral(n.state)
		if !ok {
			return nil, fmt.Errorf("synth: no foreign state with code %s", n.state)
		}
		g.states[n.state] = s
	}
	return g, nil
}

// member is a person being planned, before names, places and codes.
type member struct {
	sex     registry.Sex
	birth   time.Time
	surname string
	status  int
	kin     int
}

func (g *generator) household() (registry.Household, error) {
	var (
		ms  []member
		nat *nationality
	)
	for ms == nil {
		nat = g.nationality()
		ms = g.compose(g.kind(), nat)
	}
	h := registry.Household{ID: g.householdID()}
	addr, err := g.address()
	if err != nil {
		return h, err
	}
	h.Address = addr
	// Foreign families arrived as adults: who was born before arriving was
	// born abroad.
	var arrival time.Time
	if nat != nil {
		youngestAdult := ms[0].birth
		for _, m := range ms {
			if m.kin != registry.KinChild && m.birth.After(youngestAdult) {
				youngestAdult = m.birth
			}
		}
		arrival = g.between(youngestAdult.AddDate(18, 0, 0), g.today)
	}
	given := map[string]bool{}
	for _, m := range ms {
		p := registry.Person{
			Surname:     m.surname,
			Name:        g.firstName(m.sex, m.birth, nat, given),
			Sex:         m.sex,
			BirthDate:   m.birth,
			Citizenship: Italian,
			CivilStatus: m.status,
			HouseholdID: h.ID,
			Kinship:     m.kin,
		}
		given[p.Name] = true
		var placeCode string
		if nat != nil && m.birth.Before(arrival) {
			s := g.states[nat.state]
			p.BirthPlace = registry.Place{Name: s.Name, Country: s.Name}
			placeCode = s.Cadastral
		} else {
			c := g.italianBirthplace(m.birth, nat != nil)
			p.BirthPlace = registry.Place{ComuneCode: c.Cadastral, Name: c.Name, Province: c.Province}
			placeCode = c.Cadastral
		}
		if nat != nil {
			p.Citizenship = nat.citizenship
		}
		cf, err := codicefiscale.Compute(p.Surname, p.Name, p.Sex, p.BirthDate, placeCode)
		if err != nil {
			return h, fmt.Errorf("synth: %w", err)
		}
		cf, ok := unique(g.fiscalCodes, cf)
		if !ok {
			return h, errors.New("synth: every omocodia variant of a fiscal code is taken")
		}
		p.FiscalCode = cf.String()
		h.Members = append(h.Members, p)
	}
	return h, nil
}

// unique returns the first omocodia variant of c, from level 0, not yet in
// seen, and records it.
func unique(seen map[codicefiscale.Code]bool, c codicefiscale.Code) (codicefiscale.Code, bool) {
	for level := range codicefiscale.MaxOmocodia + 1 {
		v := codicefiscale.Omocodia(c, level)
		if v != "" && !seen[v] {
			seen[v] = true
			return v, true
		}
	}
	return "", false
}

type kind int

const (
	single kind = iota
	widow
	couple
	coupleWithChildren
	singleParent
	coupleWithParent
	civilUnion
	cohabiting
)

// kindWeights are the shares of household kinds, in percent.
var kindWeights = []struct {
	kind   kind
	weight int
}{
	{single, 21},
	{widow, 12},
	{couple, 15},
	{coupleWithChildren, 29},
	{singleParent, 9},
	{coupleWithParent, 4},
	{civilUnion, 2},
	{cohabiting, 8},
}

// foreignShare is the share of foreign households, in percent: with the
// children born in Italy it makes about 8% of residents born abroad.
const foreignShare = 10

func (g *generator) kind() kind {
	n := g.rng.IntN(100)
	for _, kw := range kindWeights {
		if n < kw.weight {
			return kw.kind
		}
		n -= kw.weight
	}
	return single
}

func (g *generator) nationality() *nationality {
	if g.rng.IntN(100) >= foreignShare {
		return nil
	}
	total := 0
	for _, n := range nationalities {
		total += n.weight
	}
	r := g.rng.IntN(total)
	for i := range nationalities {
		if r < nationalities[i].weight {
			return &nationalities[i]
		}
		r -= nationalities[i].weight
	}
	return &nationalities[0]
}

// compose plans the members of a household of kind k, head first. It
// returns nil when the draw does not fit (e.g. no room for children), for
// the caller to draw again.
func (g *generator) compose(k kind, nat *nationality) []member {
	switch k {
	case single:
		sex := g.sex()
		birth := g.birthForAge(22, 64)
		status := g.pick([]int{registry.CivilSingle, registry.CivilDivorced, registry.CivilWidowed, registry.CivilUnionDissolv},
			[]int{62, 32, 4, 2})
		return []member{{sex, birth, g.surname(nat), status, registry.KinHead}}
	case widow:
		sex := registry.Female
		if g.rng.IntN(100) < 28 {
			sex = registry.Male
		}
		return []member{{sex, g.birthForAge(65, 98), g.surname(nat), registry.CivilWidowed, registry.KinHead}}
	case couple:
		minAge, maxAge := 25, 40
		if g.rng.IntN(100) < 65 {
			minAge, maxAge = 55, 92
		}
		return g.married(minAge, maxAge, nat)
	case coupleWithChildren:
		ms := g.married(25, 62, nat)
		return g.withChildren(ms, g.pick([]int{1, 2, 3}, []int{41, 45, 14}), 35, "")
	case singleParent:
		sex := registry.Female
		if g.rng.IntN(100) < 18 {
			sex = registry.Male
		}
		status := g.pick([]int{registry.CivilDivorced, registry.CivilSingle, registry.CivilWidowed}, []int{50, 35, 15})
		parent := member{sex, g.birthForAge(25, 60), g.surname(nat), status, registry.KinHead}
		family := parent.surname
		if sex == registry.Female && (status != registry.CivilSingle || g.rng.IntN(2) == 0) {
			family = g.surname(nat) // the absent father's
		}
		return g.withChildren([]member{parent}, 1+g.rng.IntN(2), 30, family)
	case coupleWithParent:
		ms := g.married(40, 68, nat)
		if ms == nil {
			return nil
		}
		// The elder is the parent of the head or of the spouse.
		child := ms[g.rng.IntN(2)]
		birth := g.between(child.birth.AddDate(-40, 0, 0), child.birth.AddDate(-20, 0, 0))
		if g.age(birth) > 98 {
			return nil
		}
		elder := member{registry.Female, birth, g.surname(nat), registry.CivilWidowed, registry.KinParent}
		if g.rng.IntN(100) < 30 {
			elder.sex, elder.surname = registry.Male, child.surname
		}
		if child.kin != registry.KinHead {
			elder.kin = registry.KinParentInLaw
		}
		if g.rng.IntN(100) < 30 {
			if ms = g.withChildren(ms, 1, 30, ""); ms == nil {
				return nil
			}
		}
		return append(ms, elder)
	case civilUnion:
		sex := g.sex()
		a := g.birthForAge(25, 70)
		b := g.near(a, -7, 7)
		if g.age(b) < 22 {
			return nil
		}
		return []member{
			{sex, a, g.surname(nat), registry.CivilUnited, registry.KinHead},
			{sex, b, g.surname(nat), registry.CivilUnited, registry.KinCivilPartner},
		}
	case cohabiting:
		man := g.birthForAge(22, 55)
		woman := g.near(man, -3, 6)
		if g.age(woman) < 20 {
			return nil
		}
		statuses := []int{registry.CivilSingle, registry.CivilDivorced}
		ms := []member{
			{registry.Male, man, g.surname(nat), g.pick(statuses, []int{75, 25}), registry.KinHead},
			{registry.Female, woman, g.surname(nat), g.pick(statuses, []int{75, 25}), registry.KinCohabitant},
		}
		if g.rng.IntN(2) == 0 {
			ms[0], ms[1] = ms[1], ms[0]
			ms[0].kin, ms[1].kin = registry.KinHead, registry.KinCohabitant
		}
		if g.rng.IntN(100) < 40 {
			return g.withChildren(ms, 1, 15, "")
		}
		return ms
	}
	return nil
}

// married returns a husband and wife, the wife aged minAge to maxAge and
// the husband of similar age, the head first.
func (g *generator) married(minAge, maxAge int, nat *nationality) []member {
	wife := g.birthForAge(minAge, maxAge)
	husband := g.near(wife, -8, 2)
	if g.age(husband) > 98 || g.age(husband) < 20 {
		return nil
	}
	h := member{registry.Male, husband, g.surname(nat), registry.CivilMarried, registry.KinHead}
	w := member{registry.Female, wife, g.surname(nat), registry.CivilMarried, registry.KinSpouse}
	if g.rng.IntN(100) < 30 {
		h.kin, w.kin = registry.KinSpouse, registry.KinHead
		return []member{w, h}
	}
	return []member{h, w}
}

// withChildren appends n children of the first two members (or of the
// first alone), at most maxAge years old, born when each parent was 20 to
// 45 and at least ten months apart, oldest first. They take surname, or
// when it is empty the male parent's. It returns nil when they do not fit.
func (g *generator) withChildren(ms []member, n, maxAge int, surname string) []member {
	if ms == nil {
		return nil
	}
	parents := ms[:min(2, len(ms))]
	lo := g.today.AddDate(-maxAge-1, 0, 1)
	hi := g.today
	family := surname
	for _, p := range parents {
		lo = later(lo, p.birth.AddDate(20, 0, 0))
		hi = earlier(hi, p.birth.AddDate(45, 0, 0))
		if family == "" && p.sex == registry.Male {
			family = p.surname
		}
	}
	if family == "" {
		family = parents[0].surname
	}
	if lo.After(hi) {
		return nil
	}
	for range 20 {
		births := make([]time.Time, n)
		for i := range births {
			births[i] = g.between(lo, hi)
		}
		slices.SortFunc(births, func(a, b time.Time) int { return a.Compare(b) })
		ok := true
		for i := 1; i < n; i++ {
			if births[i].Sub(births[i-1]) < 300*24*time.Hour {
				ok = false
			}
		}
		if !ok {
			continue
		}
		for _, b := range births {
			ms = append(ms, member{g.sex(), b, family, registry.CivilSingle, registry.KinChild})
		}
		return ms
	}
	return nil
}

func (g *generator) firstName(sex registry.Sex, birth time.Time, nat *nationality, taken map[string]bool) string {
	var list []string
	switch {
	case nat != nil && sex == registry.Male:
		list = nat.male
	case nat != nil:
		list = nat.female
	default:
		older := birth.Year() < 1975
		if g.rng.IntN(100) < 15 {
			older = !older
		}
		switch {
		case sex == registry.Male && older:
			list = maleOlder
		case sex == registry.Male:
			list = maleNewer
		case older:
			list = femaleOlder
		default:
			list = femaleNewer
		}
	}
	for {
		// The lists are longer than any household: this ends.
		if n := list[g.rng.IntN(len(list))]; !taken[n] {
			return n
		}
	}
}

func (g *generator) surname(nat *nationality) string {
	if nat != nil {
		return nat.surnames[g.rng.IntN(len(nat.surnames))]
	}
	return surnames[g.rng.IntN(len(surnames))]
}

// italianBirthplace returns the record of an Italian comune in force on
// birth: mostly the home comune, else one of its province or a big city.
// Children of foreign families are born closer to home.
func (g *generator) italianBirthplace(birth time.Time, local bool) comuni.Comune {
	homeShare, provinceShare := 62, 25
	if local {
		homeShare, provinceShare = 85, 15
	}
	var tries []string
	switch r := g.rng.IntN(100); {
	case r < homeShare:
		tries = append(tries, g.home.Cadastral)
	case r < homeShare+provinceShare && len(g.province) > 0:
		tries = append(tries, g.province[g.rng.IntN(len(g.province))])
	default:
		tries = append(tries, bigCities[g.rng.IntN(len(bigCities))])
	}
	// Fallbacks for comuni that did not exist yet on that date.
	tries = append(tries, g.home.Cadastral)
	for range min(5, len(g.province)) {
		tries = append(tries, g.province[g.rng.IntN(len(g.province))])
	}
	tries = append(tries, bigCities...)
	for _, code := range tries {
		if c, ok := comuni.ByCadastral(code, birth); ok {
			return c
		}
	}
	// Roma has a record from 1884, before anyone alive was born.
	c, _ := comuni.ByCadastral("H501", birth)
	return c
}

func (g *generator) householdID() string {
	for {
		id := fmt.Sprintf("F%06d", g.rng.IntN(1_000_000))
		if !g.ids[id] {
			g.ids[id] = true
			return id
		}
	}
}

func (g *generator) address() (registry.Address, error) {
	for range 1000 {
		s := streets[g.rng.IntN(len(streets))]
		a := registry.Address{
			Toponym:    s.toponym,
			Street:     s.name,
			Number:     strconv.Itoa(1 + g.rng.IntN(s.maxNumber)),
			PostalCode: g.postalCode,
		}
		if g.rng.IntN(100) < 5 {
			a.Number += "/" + string(rune('A'+g.rng.IntN(3)))
		}
		if g.rng.IntN(100) < 45 {
			a.Internal = strconv.Itoa(1 + g.rng.IntN(24))
		}
		if !g.addresses[a] {
			g.addresses[a] = true
			return a, nil
		}
	}
	return registry.Address{}, errors.New("synth: no free address left")
}

func (g *generator) sex() registry.Sex {
	if g.rng.IntN(2) == 0 {
		return registry.Male
	}
	return registry.Female
}

// pick returns one of values with the given relative weights.
func (g *generator) pick(values, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	r := g.rng.IntN(total)
	for i, w := range weights {
		if r < w {
			return values[i]
		}
		r -= w
	}
	return values[len(values)-1]
}

// birthForAge returns a birth date for someone minAge to maxAge years old
// today.
func (g *generator) birthForAge(minAge, maxAge int) time.Time {
	return g.between(g.today.AddDate(-maxAge-1, 0, 1), g.today.AddDate(-minAge, 0, 0))
}

// near returns a date from minYears to maxYears years after t (negative:
// before), not after today.
func (g *generator) near(t time.Time, minYears, maxYears int) time.Time {
	return g.between(t.AddDate(minYears, 0, 0), earlier(t.AddDate(maxYears, 0, 0), g.today))
}

// between returns a uniformly drawn date from a to b inclusive; a if b is
// before a.
func (g *generator) between(a, b time.Time) time.Time {
	days := int(b.Sub(a).Hours() / 24)
	if days <= 0 {
		return a
	}
	return a.AddDate(0, 0, g.rng.IntN(days+1))
}

// age returns the age in whole years today of someone born on birth.
func (g *generator) age(birth time.Time) int {
	return age(birth, g.today)
}

func age(birth, on time.Time) int {
	a := on.Year() - birth.Year()
	if on.Month() < birth.Month() || on.Month() == birth.Month() && on.Day() < birth.Day() {
		a--
	}
	return a
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func digits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Package synth generates a deterministic synthetic anagrafe: the
// registered households of one comune, for demos, tests and load runs.
//
// The same arguments give the same households on any machine: the
// generator draws only from a PCG source seeded with seed and reads the
// time only from now. The output changes when this package or the embedded
// comuni data change. Households come one after the other from one stream:
// Generate(seed, …, n, now) is the first n households of Stream(seed, …).
//
// What it models, roughly after ISTAT's household statistics:
//   - household kinds with realistic shares: single persons, elderly
//     widow(er)s, couples with and without children, single parents,
//     couples living with a parent, civil unions and cohabiting couples;
//   - ages that fit: spouses of similar age, children born when both
//     parents were 20 to 45, nobody 100 or older (so that the two-digit year
//     of a fiscal code is unambiguous), nobody born after now;
//   - civil status by kinship (ANPR table 1) and kinship to the head
//     (ANPR table 5), with the civil-status history behind it
//     (Person.CivilEvents, oldest first): spouses share a marriage (same
//     date, place and act) and name each other; widow(er)s have a marriage
//     and the spouse's death, divorced people a marriage and its ending
//     (ANPR table 31: cessazione degli effetti civili for religious
//     marriages, scioglimento for civil ones, the D.L. 132/2014 kinds since
//     2014, delibazione for divorces abroad), civil partners a union on or
//     after 2016-06-05 (L. 76/2016); a few had an earlier marriage, a few
//     singles an annulled one. Former and deceased partners who are not
//     residents get a fiscal code of their own (reserved, so no resident
//     has it), except foreigners who never lived in Italy;
//   - cohabiting partners (kinship 23), about a fifth of them with a
//     contratto di convivenza (L. 76/2016) registered since 2016-06-05;
//   - acts: a birth act (part 1, series A) for everyone born in Italy,
//     marriage acts in part 1 (civil rite) or part 2 series A (religious
//     rite, more common the older the marriage), transcriptions from
//     abroad in part 2 series C, death acts in part 1; numbers run per
//     comune and year;
//   - citizenship: Italian ("100", ITALIANA); about 10% of households
//     foreign, from the largest communities in Italy, born abroad if born
//     before the family arrived, with the ISTAT code of their state (ANPR
//     table 2, e.g. Romania 235); some of those resident for more than ten
//     years naturalised (Italian first, then the old citizenship, except
//     for China which does not keep it); Italians born abroad to
//     emigrants, some with the citizenship of a ius soli state too; a
//     handful stateless (999), being determined (997) or not attributable
//     (998) — children born in Italy of stateless parents are Italian;
//   - residence histories (Person.Residences, oldest first): periods are
//     half-open, [From, To), each one starting the day the previous one
//     ends, the last one open at the household's address; people born in
//     the comune are registered from birth, others arrived from another
//     comune (FromComune, its cadastral code on that date) or from abroad
//     (the state's Z-code); households moved within the comune; spouses
//     and children share the household's addresses, children born before
//     the household was formed lived with the head before;
//   - addresses in a town plan of 491 streets with houses, small
//     buildings and condominiums (see address.go), each dwelling given to
//     one live household only;
//   - fiscal codes computed from the data, unique in the population: on a
//     clash the next omocodia level is used, as the Agenzia does.
//
// Special cases, about 5.5% of households together (rates in special.go;
// the shares below are of households, measured on a million persons):
//   - AIRE households, 1.5% (Household.AIRE, Person.AIRE): Italians who
//     emigrated from the comune since 1990, registered at an address
//     abroad (Country, Locality, StateCode, a foreign postal code, no
//     toponym) with their consulate; their residences in the comune all
//     end on the day they left, which is their AIRE Since; children born
//     abroad have none, are registered from birth, and hold the local
//     citizenship too where birth gives it;
//   - removed persons (Person.Removal, ANPR table 15), 2.5%: households
//     that moved to another comune (3) or, if foreign, abroad (5), 1.1%;
//     elderly people living alone who died (1, with DeathPlace), 0.5%;
//     untraceable people (6), 0.1%; and late spouses of widowed residents
//     who died living with them since 2000 (1), 0.9%. A removed person is
//     never a member of a live household: each removed household is a
//     record of its own, all of whose members are removed on the same
//     date, at their last address in the comune (which may be someone
//     else's now), with residences closed on the removal date and the
//     kinship they had; a late spouse is a one-member record, as its head,
//     right after the widow(er)'s household, married, their marriage
//     naming the widow(er);
//   - convivenze, 0.15% (Household.Kind = convivenza): religious
//     communities (3 to 10 members) and care homes (8 to 20), with a
//     responsible (ANPR table 6 code 1) first and members (code 2),
//     CohabitationName and CohabitationKind (table 27: 1 or 3);
//   - blocked records, 1.4%: a member not certifiable (table 42 code 0),
//     interdicted (4, an adult) or partially certifiable (1), 0.25%,
//     0.25% and 0.1%; an open administrative procedure, 0.4%; people
//     without a fixed abode, 0.2%, living alone and registered at the
//     fictitious VIA DELLA CASA COMUNALE 1, which they share; households
//     whose composition is incomplete, 0.25%.
//
// Everyone else is a plain resident: Certifiability CertFull, no removal,
// no AIRE, no procedure, in a famiglia.
//
// Caveats:
//   - The people are fictitious; a match with a real person, fiscal code
//     included, is chance.
//   - Women keep their own surname; children take the father's.
//   - Histories are plausible, not exhaustive: nobody moved more than
//     twice before joining their household (some arrived as children,
//     without a family here), a couple's addresses before the household
//     was formed are each their own, and the comune of birth of people who
//     arrived as adults is not tied to where they came from.
//   - AIRE members have no Removal: their cancellation from the resident
//     register (table 15 code 8) is implied by Person.AIRE.
//   - Births abroad have no BirthRecord (transcriptions of birth acts are
//     not modelled); marriages of foreigners abroad have no act; divorces
//     have no act of their own (they are annotations on the marriage act).
//   - Household IDs are "F" and eight digits, a seeded permutation of the
//     household's rank in the stream: unique within a stream, and
//     unlikely to clash between seeds.
package synth

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"certa.example/certa/internal/codicefiscale"
	"certa.example/certa/internal/comuni"
	"certa.example/certa/internal/registry"
)

// MaxHouseholds is the largest number of households Generate makes: it
// returns them all at once. Use Stream for larger populations.
const MaxHouseholds = 20000

// Citizenship of Italian residents, as printed: anpr.CitizenshipText of
// "100".
const Italian = "ITALIANA"

// Generate returns the first households of the seed's stream (see Stream)
// registered in comune on the date of now, at addresses with the given
// postal code (CAP, five digits). comune must be in force on that date.
func Generate(seed int64, comune comuni.Comune, postalCode string, households int, now time.Time) ([]registry.Household, error) {
	if households < 0 || households > MaxHouseholds {
		return nil, fmt.Errorf("synth: households must be between 0 and %d", MaxHouseholds)
	}
	g, err := newGenerator(seed, comune, postalCode, now, 3*households)
	if err != nil {
		return nil, err
	}
	out := make([]registry.Household, 0, households)
	for range households {
		h, err := g.next()
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

// Stream generates the households of the seed's stream, as Generate does,
// until they have at least persons members in all (removed persons and
// AIRE members included), and passes them to emit in order, batch
// households at a time (the last batch may be smaller). emit may keep the
// slices it is given. Stream stops at the first error of emit and returns
// it. Memory stays bounded by the batch and by the set of fiscal codes
// issued (about 20 bytes a person), besides small tables (acts by comune
// and year, name parts of fiscal codes); the town plan holds about 7.5
// million persons, beyond which Stream fails.
func Stream(seed int64, comune comuni.Comune, postalCode string, persons int, now time.Time, batch int, emit func([]registry.Household) error) error {
	switch {
	case persons < 0:
		return errors.New("synth: persons must not be negative")
	case batch < 1:
		return errors.New("synth: batch must be at least 1")
	case emit == nil:
		return errors.New("synth: emit is nil")
	}
	g, err := newGenerator(seed, comune, postalCode, now, persons+persons/5)
	if err != nil {
		return err
	}
	buf := make([]registry.Household, 0, batch)
	for n := 0; n < persons; {
		h, err := g.next()
		if err != nil {
			return err
		}
		buf = append(buf, h)
		n += len(h.Members)
		if len(buf) == batch {
			if err := emit(buf); err != nil {
				return err
			}
			buf = make([]registry.Household, 0, batch)
		}
	}
	if len(buf) > 0 {
		return emit(buf)
	}
	return nil
}

type generator struct {
	rng        *rand.Rand
	today      time.Time // date of now, midnight UTC
	home       comuni.Comune
	postalCode string
	province   []string // codes of the other comuni of home's province today
	states     map[string]comuni.State

	fiscalCodes *codeSet
	nameCodes   map[[2]string][6]byte // surname and name parts of fiscal codes
	acts        map[actKey]int        // last act number by comune, year and register

	idPerm         permutation
	records        uint64 // households returned
	dwellingPerm   [2]permutation
	dwellingsTaken uint64

	pending []registry.Household // drawn, not yet returned
}

// newGenerator starts the stream; codes is the expected number of fiscal
// codes, to size their set.
func newGenerator(seed int64, home comuni.Comune, postalCode string, now time.Time, codes int) (*generator, error) {
	switch {
	case len(postalCode) != 5 || !digits(postalCode):
		return nil, errors.New("synth: postal code must be five digits")
	case home.Cadastral == "" || !home.ValidOn(now):
		return nil, errors.New("synth: comune must be in force on the date of now")
	}
	y, m, d := now.Date()
	p := plan()
	g := &generator{
		// The second PCG word is fixed: seed alone picks the stream.
		rng:         rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15)),
		today:       time.Date(y, m, d, 0, 0, 0, 0, time.UTC),
		home:        home,
		postalCode:  postalCode,
		states:      map[string]comuni.State{},
		fiscalCodes: newCodeSet(codes),
		nameCodes:   map[[2]string][6]byte{},
		acts:        map[actKey]int{},
		idPerm:      newPermutation(idSpace, uint64(seed)^0x1d5),
		dwellingPerm: [2]permutation{
			newPermutation(p.tiers[0].dwellings(), uint64(seed)^0xad1),
			newPermutation(p.tiers[1].dwellings(), uint64(seed)^0xad2),
		},
	}
	for _, c := range comuni.InProvince(home.Province, g.today) {
		if c.Cadastral != home.Cadastral {
			g.province = append(g.province, c.Cadastral)
		}
	}
	check := func(code, istat string) error {
		s, ok := comuni.StateByCadastral(code)
		if !ok {
			return fmt.Errorf("synth: no foreign state with code %s", code)
		}
		if s.ISTAT != istat {
			return fmt.Errorf("synth: state %s has ISTAT code %s, not %s", code, s.ISTAT, istat)
		}
		g.states[code] = s
		return nil
	}
	for _, n := range nationalities {
		if err := check(n.state, n.istat); err != nil {
			return nil, err
		}
	}
	for _, c := range countries {
		if err := check(c.state, c.istat); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// next returns the next household of the stream.
func (g *generator) next() (registry.Household, error) {
	for len(g.pending) == 0 {
		if err := g.draw(); err != nil {
			return registry.Household{}, err
		}
	}
	h := g.pending[0]
	g.pending[0] = registry.Household{}
	g.pending = g.pending[1:]
	if len(g.pending) == 0 {
		g.pending = g.pending[:0:0]
	}
	id, err := g.householdID()
	if err != nil {
		return registry.Household{}, err
	}
	h.ID = id
	for i := range h.Members {
		h.Members[i].HouseholdID = id
	}
	return h, nil
}

// codeSet is the set of fiscal codes issued, kept as 64-bit hashes in an
// open-addressing table: 8 to 16 bytes a code, one memory access a lookup.
// A hash clash can only make a free code look taken, and then the next
// omocodia variant is used: codes stay unique.
type codeSet struct {
	slots []uint64 // 0 is free
	n     int
}

func newCodeSet(hint int) *codeSet {
	size := 1024
	for size*3 < hint*4 {
		size *= 2
	}
	return &codeSet{slots: make([]uint64, size)}
}

// add records c, reporting false if it was taken.
func (s *codeSet) add(c *[16]byte) bool {
	h := splitmix(binary.LittleEndian.Uint64(c[:8]) ^ splitmix(binary.LittleEndian.Uint64(c[8:])))
	if h == 0 {
		h = 1
	}
	if (s.n+1)*4 > len(s.slots)*3 {
		old := s.slots
		s.slots, s.n = make([]uint64, 2*len(old)), 0
		for _, v := range old {
			if v != 0 {
				s.insert(v)
			}
		}
	}
	return s.insert(h)
}

func (s *codeSet) insert(h uint64) bool {
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case 0:
			s.slots[i] = h
			s.n++
			return true
		case h:
			return false
		}
	}
}

// Omocodia: the digit positions, right to left, and their letters.
var (
	omocodiaPos     = [...]int{14, 13, 12, 10, 9, 7, 6}
	omocodiaLetters = "LMNPQRSTUV"
)

// fiscalCode returns the code of the data, made unique with omocodia. It
// gives what codicefiscale.Compute gives (the tests check it on every
// person), but computes only the name part with it, once per name: Compute
// takes most of the time of a large run otherwise.
func (g *generator) fiscalCode(surname, name string, sex registry.Sex, birth time.Time, placeCode string) (string, error) {
	k := [2]string{surname, name}
	pre, ok := g.nameCodes[k]
	if !ok || len(placeCode) != 4 {
		cf, err := codicefiscale.Compute(surname, name, sex, birth, placeCode)
		if err != nil {
			return "", fmt.Errorf("synth: %w", err)
		}
		copy(pre[:], cf[:6])
		g.nameCodes[k] = pre
	}
	var b [16]byte
	copy(b[:6], pre[:])
	y, m, d := birth.Date()
	if sex == registry.Female {
		d += 40
	}
	b[6], b[7] = byte('0'+y%100/10), byte('0'+y%10)
	b[8] = "ABCDEHLMPRST"[m-1]
	b[9], b[10] = byte('0'+d/10), byte('0'+d%10)
	copy(b[11:15], placeCode)
	for level := range len(omocodiaPos) + 1 {
		if level > 0 {
			i := omocodiaPos[level-1]
			b[i] = omocodiaLetters[b[i]-'0']
		}
		b[15] = checkChar(&b)
		if g.fiscalCodes.add(&b) {
			return string(b[:]), nil
		}
	}
	return "", errors.New("synth: every omocodia variant of a fiscal code is taken")
}

// checkChar computes the check character of the first 15 characters.
func checkChar(b *[16]byte) byte {
	// Values of the characters in odd positions (1st, 3rd, ...), for
	// 0-9 and A-Z alike.
	odd := [26]byte{1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23}
	sum := 0
	for i := range 15 {
		c := b[i]
		v := int(c - 'A')
		if c <= '9' {
			v = int(c - '0')
		}
		if i%2 == 0 {
			v = int(odd[v])
		}
		sum += v
	}
	return byte('A' + sum%26)
}

// actKey names a register: acts of one kind, in one comune, in one year.
type actKey struct {
	comune string
	year   int
	kind   byte // 'N' birth, 'M' marriage, 'U' civil union, 'D' death, 'T' transcription
}

// act returns the next act of a register: numbers grow with gaps, for the
// acts of people not in this population.
func (g *generator) act(comune string, on time.Time, kind byte, part, series string) *registry.CivilRecord {
	k := actKey{comune, on.Year(), kind}
	gap := 40
	if comune == g.home.Cadastral {
		gap = 3
	}
	n := g.acts[k] + 1 + g.rng.IntN(gap)
	g.acts[k] = n
	return &registry.CivilRecord{ComuneCode: comune, Year: on.Year(), Part: part, Series: series, Number: strconv.Itoa(n)}
}

func (g *generator) sex() registry.Sex {
	if g.rng.IntN(2) == 0 {
		return registry.Male
	}
	return registry.Female
}

func opposite(s registry.Sex) registry.Sex {
	if s == registry.Male {
		return registry.Female
	}
	return registry.Male
}

// chance reports true with probability percent/100.
func (g *generator) chance(percent int) bool { return g.rng.IntN(100) < percent }

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

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func digits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

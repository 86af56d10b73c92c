package synth

import (
	"errors"
	"math/bits"
	"sort"
	"strconv"
	"strings"
	"sync"

	"certa.example/certa/internal/registry"
)

// The town plan: streets, civic numbers and the dwellings (interiors) of
// each building. It is the same for every seed and comune, derived from a
// fixed hash, so that it costs no memory per household: a household's
// address is dwelling number k of the plan, where k is a seeded
// permutation of the household's rank. Dwellings are taken without
// repetition and without any set of the addresses taken.
//
// The plan has two tiers. The first, the 491 named streets of names.go, is
// used until it is full (about 800,000 dwellings, enough for about 1.9
// million persons); the second adds 1,600 streets named after people (VIA
// GIUSEPPE ROSSI, ...) for larger runs, up to about 3.3 million dwellings
// (7.5 million persons) in all. Beyond that the generator fails with
// errNoAddress.

// permutation is a keyed bijection of [0, n): a few invertible mixing
// rounds on the smallest power of two that holds n, and cycle walking
// back into [0, n).
type permutation struct {
	n    uint64
	bits uint
	mask uint64
	keys [4]uint64
}

func newPermutation(n, key uint64) permutation {
	b := max(uint(bits.Len64(n-1)), 8)
	p := permutation{n: n, bits: b, mask: 1<<b - 1}
	for i := range p.keys {
		key = splitmix(key)
		p.keys[i] = key
	}
	return p
}

// at returns the image of i, which must be below n.
func (p permutation) at(i uint64) uint64 {
	x := i
	for {
		for _, k := range p.keys {
			// Each step is a bijection of [0, 2^bits): xor, multiplication
			// by an odd number, xorshift.
			x = (x ^ k) & p.mask
			x = (x * (k | 1)) & p.mask
			x ^= x >> (p.bits / 2)
		}
		if x < p.n {
			return x
		}
	}
}

// splitmix is SplitMix64's finaliser: a fixed, well-mixed hash.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// planStreet is a street of the plan.
type planStreet struct {
	toponym, name string
}

// tier is a list of buildings and their dwellings: building i has the
// dwellings start[i] to start[i+1]-1.
type tier struct {
	street []uint16 // index into townPlan.streets
	number []uint16 // civic number × 4 + suffix (0 none, 1 "/A", 2 "/B")
	start  []uint32 // len(street)+1 cumulative dwelling counts
	// index[j] is the building of dwelling j×indexStep, to narrow the
	// search.
	index []uint32
}

const indexStep = 256

func (t *tier) dwellings() uint64 { return uint64(t.start[len(t.start)-1]) }

type townPlan struct {
	streets []planStreet
	tiers   [2]tier
}

var plan = sync.OnceValue(buildPlan)

func buildPlan() *townPlan {
	p := &townPlan{}
	seen := map[planStreet]bool{}
	add := func(t int, s planStreet) {
		if seen[s] {
			return
		}
		seen[s] = true
		p.streets = append(p.streets, s)
		p.addBuildings(t, len(p.streets)-1)
	}
	for line := range strings.Lines(streetNames) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		top, name, _ := strings.Cut(line, " ")
		add(0, planStreet{top, name})
	}
	for _, first := range [][]string{maleOlder, femaleOlder} {
		for _, f := range first {
			for _, s := range surnames {
				add(1, planStreet{"VIA", f + " " + s})
			}
		}
	}
	for i := range p.tiers {
		p.tiers[i].start = append(p.tiers[i].start, 0)
		// start was built as counts; make it cumulative.
		t := &p.tiers[i]
		c := t.start
		sum := uint32(0)
		for j := range len(c) - 1 {
			n := c[j]
			c[j] = sum
			sum += n
		}
		c[len(c)-1] = sum
		for b := range len(t.street) {
			for uint32(len(t.index))*indexStep < c[b+1] {
				t.index = append(t.index, uint32(b))
			}
		}
	}
	return p
}

// addBuildings appends the buildings of street s to tier t; start holds
// dwelling counts until buildPlan makes it cumulative.
func (p *townPlan) addBuildings(t, s int) {
	tr := &p.tiers[t]
	st := p.streets[s]
	h := splitmix(uint64(t)<<48 | uint64(s)<<20)
	lo, hi := 20, 200 // highest civic number
	switch st.toponym {
	case "VIALE":
		lo, hi = 40, 240
	case "CORSO":
		lo, hi = 60, 280
	case "PIAZZA":
		lo, hi = 8, 40
	case "PIAZZALE":
		lo, hi = 6, 24
	case "LARGO":
		lo, hi = 4, 18
	case "VICOLO":
		lo, hi = 3, 20
	case "STRADA":
		lo, hi = 10, 120
	}
	maxNumber := lo + int(h%uint64(hi-lo+1))
	for n := 1; n <= maxNumber; n++ {
		for suffix := range 3 {
			hb := splitmix(h ^ uint64(n)<<2 ^ uint64(suffix))
			// A few civic numbers have a second and third building,
			// "12/A" and "12/B".
			if suffix == 1 && hb%100 >= 6 || suffix == 2 && hb%100 >= 2 {
				break
			}
			tr.street = append(tr.street, uint16(s))
			tr.number = append(tr.number, uint16(n<<2|suffix))
			tr.start = append(tr.start, uint32(dwellings(st.toponym, hb>>8)))
		}
	}
}

// dwellings returns the number of dwellings of a building from a hash:
// detached houses, small buildings, condominiums and large blocks, with
// shares by kind of street.
func dwellings(toponym string, h uint64) int {
	r := int(h % 100)
	h /= 100
	span := func(lo, hi int) int { return lo + int(h%uint64(hi-lo+1)) }
	var house, small, condo int // cumulative percent thresholds
	bigMax := 60
	switch toponym {
	case "VICOLO", "LARGO":
		house, small, condo, bigMax = 50, 85, 100, 14
	case "PIAZZA", "PIAZZALE":
		house, small, condo, bigMax = 15, 45, 85, 40
	case "VIALE", "CORSO":
		house, small, condo, bigMax = 10, 35, 80, 72
	case "STRADA":
		house, small, condo, bigMax = 60, 90, 100, 20
	default:
		house, small, condo = 25, 55, 88
	}
	switch {
	case r < house:
		return 1
	case r < small:
		return span(2, 8)
	case r < condo:
		return span(9, min(30, bigMax))
	default:
		return span(31, max(31, bigMax))
	}
}

// capacity is the number of dwellings of the plan.
func (p *townPlan) capacity() uint64 {
	return p.tiers[0].dwellings() + p.tiers[1].dwellings()
}

// address returns dwelling k of tier t, in a comune with postal code cap.
func (p *townPlan) address(t int, k uint64, cap string) registry.Address {
	tr := &p.tiers[t]
	j := k / indexStep
	lo, hi := int(tr.index[j]), len(tr.street)-1
	if j+1 < uint64(len(tr.index)) {
		hi = int(tr.index[j+1])
	}
	b := lo + sort.Search(hi-lo, func(i int) bool { return uint64(tr.start[lo+i+1]) > k })
	s := p.streets[tr.street[b]]
	num := tr.number[b]
	a := registry.Address{
		Toponym:    s.toponym,
		Street:     s.name,
		Number:     strconv.Itoa(int(num >> 2)),
		PostalCode: cap,
	}
	switch num & 3 {
	case 1:
		a.Number += "/A"
	case 2:
		a.Number += "/B"
	}
	if n := tr.start[b+1] - tr.start[b]; n > 1 {
		a.Internal = strconv.Itoa(int(k-uint64(tr.start[b])) + 1)
	}
	return a
}

var errNoAddress = errors.New("synth: no free address left in the town plan")

// allocAddress returns a dwelling no household of this generator has
// been given: the next one of the generator's permutation of the plan.
func (g *generator) allocAddress() (registry.Address, error) {
	p := plan()
	k := g.dwellingsTaken
	g.dwellingsTaken++
	if n := p.tiers[0].dwellings(); k < n {
		return p.address(0, g.dwellingPerm[0].at(k), g.postalCode), nil
	} else if k-n < p.tiers[1].dwellings() {
		return p.address(1, g.dwellingPerm[1].at(k-n), g.postalCode), nil
	}
	return registry.Address{}, errNoAddress
}

// anyAddress returns a random dwelling of the first tier: a former address
// of someone, which may be anyone's today.
func (g *generator) anyAddress() registry.Address {
	p := plan()
	return p.address(0, g.rng.Uint64N(p.tiers[0].dwellings()), g.postalCode)
}

// Household IDs are "F" and eight digits: a seeded permutation of the
// household's rank, so that they look random, never repeat within a run,
// and seldom clash between runs with different seeds.
const idSpace = 100_000_000

func (g *generator) householdID() (string, error) {
	if g.records >= idSpace {
		return "", errors.New("synth: household IDs exhausted")
	}
	n := g.idPerm.at(g.records)
	g.records++
	var b [9]byte
	b[0] = 'F'
	for i := 8; i >= 1; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[:]), nil
}

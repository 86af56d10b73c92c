package synth

import (
	"slices"
	"time"

	"certa.example/certa/internal/registry"
)

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
// children born in Italy and the Italians born abroad it makes about 8%
// of residents born abroad.
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

// member is a person being planned: first the facts compose draws, then
// what the later steps add.
type member struct {
	sex     registry.Sex
	birth   time.Time
	surname string
	status  int
	kin     int

	childOf  int      // for a parent of the head or spouse: the index of that child
	name     string   // first name
	returnee *country // an Italian born abroad to emigrants
	bonds    []*bond  // marriages and civil unions, oldest first
	// The day the member joined the household's addresses, and whether
	// they formed it (with the head) or were born into it or came later.
	join     time.Time
	founding bool
	// Residence before joining, and where they came from when they
	// joined if they had none.
	prior []registry.Residence
	from  string

	p *registry.Person // in fam.persons, from people on
}

func newMember(sex registry.Sex, birth time.Time, surname string, status, kin int) member {
	return member{sex: sex, birth: birth, surname: surname, status: status, kin: kin, childOf: -1}
}

// compose plans the members of a household of kind k, head first. It
// returns nil when the draw does not fit (e.g. no room for children), for
// the caller to draw again.
func (g *generator) compose(k kind, nat *nationality) []member {
	switch k {
	case single:
		sex := g.sex()
		birth := g.birthForAge(22, 64)
		status := g.pick([]int{registry.CivilSingle, registry.CivilDivorced, registry.CivilWidowed,
			registry.CivilUnionDissolv, registry.CivilUnionDeadPar}, []int{620, 320, 40, 15, 5})
		return []member{newMember(sex, birth, g.surname(nat), status, registry.KinHead)}
	case widow:
		sex := registry.Female
		if g.rng.IntN(100) < 28 {
			sex = registry.Male
		}
		return []member{newMember(sex, g.birthForAge(65, 98), g.surname(nat), registry.CivilWidowed, registry.KinHead)}
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
		parent := newMember(sex, g.birthForAge(25, 60), g.surname(nat), status, registry.KinHead)
		family := parent.surname
		if sex == registry.Female && (status != registry.CivilSingle || g.rng.IntN(2) == 0) {
			family = g.surname(nat) // the absent father's
		}
		ms := make([]member, 1, 3)
		ms[0] = parent
		return g.withChildren(ms, 1+g.rng.IntN(2), 30, family)
	case coupleWithParent:
		ms := g.married(40, 68, nat)
		if ms == nil {
			return nil
		}
		// The elder is the parent of the head or of the spouse.
		ci := g.rng.IntN(2)
		child := ms[ci]
		birth := g.between(child.birth.AddDate(-40, 0, 0), child.birth.AddDate(-20, 0, 0))
		if g.age(birth) > 98 {
			return nil
		}
		elder := newMember(registry.Female, birth, g.surname(nat), registry.CivilWidowed, registry.KinParent)
		elder.childOf = ci
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
			newMember(sex, a, g.surname(nat), registry.CivilUnited, registry.KinHead),
			newMember(sex, b, g.surname(nat), registry.CivilUnited, registry.KinCivilPartner),
		}
	case cohabiting:
		man := g.birthForAge(22, 55)
		woman := g.near(man, -3, 6)
		if g.age(woman) < 20 {
			return nil
		}
		statuses := []int{registry.CivilSingle, registry.CivilDivorced}
		ms := make([]member, 2, 3)
		ms[0] = newMember(registry.Male, man, g.surname(nat), g.pick(statuses, []int{75, 25}), registry.KinHead)
		ms[1] = newMember(registry.Female, woman, g.surname(nat), g.pick(statuses, []int{75, 25}), registry.KinCohabitant)
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
	h := newMember(registry.Male, husband, g.surname(nat), registry.CivilMarried, registry.KinHead)
	w := newMember(registry.Female, wife, g.surname(nat), registry.CivilMarried, registry.KinSpouse)
	// Room for children and a parent.
	ms := make([]member, 2, 6)
	ms[0], ms[1] = h, w
	if g.rng.IntN(100) < 30 {
		ms[0], ms[1] = w, h
		ms[0].kin, ms[1].kin = registry.KinHead, registry.KinSpouse
	}
	return ms
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
	var births [3]time.Time
	for range 20 {
		bs := births[:n]
		for i := range bs {
			bs[i] = g.between(lo, hi)
		}
		slices.SortFunc(bs, func(a, b time.Time) int { return a.Compare(b) })
		ok := true
		for i := 1; i < n; i++ {
			if bs[i].Sub(bs[i-1]) < 300*24*time.Hour {
				ok = false
			}
		}
		if !ok {
			continue
		}
		for _, b := range bs {
			ms = append(ms, newMember(g.sex(), b, family, registry.CivilSingle, registry.KinChild))
		}
		return ms
	}
	return nil
}

func (g *generator) firstName(sex registry.Sex, birth time.Time, nat *nationality, taken []member) string {
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
	// The lists are longer than any family: a name not taken comes soon.
	// Convivenze may repeat a name after many tries.
	for try := 0; ; try++ {
		n := list[g.rng.IntN(len(list))]
		if try >= 64 || !nameTaken(taken, n) {
			return n
		}
	}
}

func nameTaken(ms []member, name string) bool {
	for i := range ms {
		if ms[i].name == name {
			return true
		}
	}
	return false
}

func (g *generator) surname(nat *nationality) string {
	if nat != nil {
		return nat.surnames[g.rng.IntN(len(nat.surnames))]
	}
	return surnames[g.rng.IntN(len(surnames))]
}

package synth

import (
	"time"

	"certa.example/certa/internal/registry"
)

// special is what sets a household apart from plain residents.
type special int

const (
	plain special = iota
	aire
	movedOut      // removed: moved to another comune (or, foreigners, abroad)
	deceasedAlone // removed: an elderly person living alone who died
	untraceable   // removed: irreperibile
	convivenza
	noFixedAbode
	certNone
	interdicted
	certPartial
	openProcedure
	incomplete
)

// specialRates are the shares of the special cases among the units drawn,
// per ten thousand; the rest are plain households. Besides, some widowed
// heads of plain households come with their late spouse's record (see
// lateSpouseShare): about 0.9% of households more.
var specialRates = []struct {
	special special
	per10k  int
}{
	{aire, 150},
	{movedOut, 110},
	{deceasedAlone, 45},
	{untraceable, 10},
	{convivenza, 15},
	{noFixedAbode, 20},
	{certNone, 25},
	{interdicted, 25},
	{certPartial, 10},
	{openProcedure, 40},
	{incomplete, 25},
}

func (g *generator) special() special {
	r := g.rng.IntN(10000)
	for _, s := range specialRates {
		if r < s.per10k {
			return s.special
		}
		r -= s.per10k
	}
	return plain
}

// live reports whether the household lives at an address of the comune.
func (s special) live() bool {
	switch s {
	case aire, movedOut, deceasedAlone, untraceable:
		return false
	}
	return true
}

func (s special) removed() bool {
	return s == movedOut || s == deceasedAlone || s == untraceable
}

// foreignAllowed reports whether the case fits a foreign household: AIRE
// is for Italians, and the elderly who die alone here are Italians.
func (s special) foreignAllowed() bool {
	return s != aire && s != deceasedAlone
}

// kindFor draws a household kind that fits the case.
func (g *generator) kindFor(s special) kind {
	switch s {
	case aire:
		return kind(g.pick([]int{int(single), int(couple), int(coupleWithChildren), int(cohabiting)}, []int{30, 25, 35, 10}))
	case deceasedAlone:
		return widow
	case untraceable, noFixedAbode:
		return single
	}
	return g.kind()
}

// convivenza plans an institutional cohabitation: a religious community
// or a care home, its responsible first.
func (g *generator) convivenza() error {
	cn := convivenzaNames[g.rng.IntN(len(convivenzaNames))]
	f := &fam{sp: convivenza, kind: kindConvivenza, citizenship: -1, cohabName: cn.name, cohabKind: cn.kind}
	f.h0 = g.between(date(1950, time.January, 1), date(2010, time.December, 31))
	var n int
	if cn.kind == cohabReligious {
		n = 3 + g.rng.IntN(8)
	} else {
		n = 8 + g.rng.IntN(13)
	}
	for i := range n {
		var m member
		switch {
		case cn.kind == cohabReligious:
			sex := registry.Sex(cn.sex)
			birth := g.birthForAge(25, 95)
			if i == 0 {
				birth = g.birthForAge(45, 80)
			}
			m = newMember(sex, birth, g.surname(nil), registry.CivilSingle, registry.CohabMember)
			m.join = g.between(later(f.h0, birth.AddDate(22, 0, 0)), g.today)
		case i == 0:
			m = newMember(g.sex(), g.birthForAge(35, 65), g.surname(nil),
				g.pick([]int{registry.CivilSingle, registry.CivilDivorced}, []int{65, 35}), registry.CohabMember)
			m.join = g.between(later(f.h0, g.today.AddDate(-15, 0, 0)), g.today)
		default:
			sex := registry.Female
			if g.chance(30) {
				sex = registry.Male
			}
			birth := g.birthForAge(75, 98)
			m = newMember(sex, birth, g.surname(nil), g.pick(
				[]int{registry.CivilWidowed, registry.CivilSingle, registry.CivilDivorced, registry.CivilMarried},
				[]int{65, 20, 7, 8}), registry.CohabMember)
			m.join = g.between(later(f.h0, later(birth.AddDate(70, 0, 0), g.today.AddDate(-12, 0, 0))), g.today)
		}
		if i == 0 {
			m.kin = registry.CohabResponsible
		}
		m.name = g.firstName(m.sex, m.birth, nil, f.ms)
		f.ms = append(f.ms, m)
	}
	g.planBonds(f)
	if err := g.people(f); err != nil {
		return err
	}
	g.events(f)
	if err := g.residences(f); err != nil {
		return err
	}
	h := registry.Household{
		Kind:             registry.KindCohabitation,
		Address:          f.address,
		CohabitationName: f.cohabName,
		CohabitationKind: f.cohabKind,
		Members:          f.persons,
	}
	g.pending = append(g.pending, h)
	return nil
}

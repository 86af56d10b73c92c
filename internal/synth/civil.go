package synth

import (
	"slices"
	"time"

	"certa.example/certa/internal/comuni"
	"certa.example/certa/internal/registry"
)

// Dates of the laws the civil-status history depends on.
var (
	divorceLaw = date(1970, time.December, 18) // L. 898/1970 in force
	dl2014     = date(2014, time.December, 11) // L. 162/2014: divorce by agreement
	unionLaw   = date(2016, time.June, 5)      // L. 76/2016 in force
)

// bond is a marriage or civil union, between two members or a member and
// a ghost, and how it ended.
type bond struct {
	kind    registry.CivilEventKind // EventMarriage or EventCivilUnion
	date    time.Time
	end     registry.CivilEventKind // "" while in force
	endDate time.Time
	a, b    int    // members; b < 0 when the partner is the ghost
	ghost   *ghost // a partner who is not a member

	// Set by events.
	place     registry.Place
	record    *registry.CivilRecord
	religious bool
	endPlace  registry.Place
	endRecord *registry.CivilRecord
	endType   int // ANPR table 31
}

// ghost is a former or late partner who is not a member of the household.
type ghost struct {
	sex     registry.Sex
	birth   time.Time
	surname string
	nat     *nationality

	name       string
	place      registry.Place
	placeCode  string
	fiscalCode string // empty for a foreigner who never lived in Italy
}

func (b *bond) partnerOf(i int) int {
	if b.a == i {
		return b.b
	}
	return b.a
}

func (f *fam) bind(b *bond) {
	f.bonds = append(f.bonds, b)
	f.ms[b.a].bonds = append(f.ms[b.a].bonds, b)
	if b.b >= 0 {
		f.ms[b.b].bonds = append(f.ms[b.b].bonds, b)
	}
}

// planBonds draws the marriages and unions behind the members' civil
// status. A status that cannot be given a history (a divorce too young
// to fit) falls back to single.
func (g *generator) planBonds(f *fam) {
	if len(f.ms) > 1 && f.kind != kindConvivenza {
		switch f.ms[1].kin {
		case registry.KinSpouse:
			g.coupleBond(f, 0, 1, registry.EventMarriage)
		case registry.KinCivilPartner:
			g.coupleBond(f, 0, 1, registry.EventCivilUnion)
		}
	}
	for i := range f.ms {
		if len(f.ms[i].bonds) == 0 {
			g.soloBonds(f, i)
		}
	}
	for i := range f.ms {
		slices.SortStableFunc(f.ms[i].bonds, func(x, y *bond) int { return x.date.Compare(y.date) })
	}
}

// coupleBond marries or unites members i and j, and sometimes gives one
// of them an earlier marriage that ended in divorce.
func (g *generator) coupleBond(f *fam, i, j int, k registry.CivilEventKind) {
	a, b := &f.ms[i], &f.ms[j]
	lo := later(a.birth, b.birth).AddDate(18, 0, 0)
	var when time.Time
	if k == registry.EventCivilUnion {
		when = g.between(later(lo, unionLaw), g.today)
	} else {
		wife := a
		if b.sex == registry.Female {
			wife = b
		}
		plo := later(lo, wife.birth.AddDate(20, 0, 0))
		phi := earlier(g.today, wife.birth.AddDate(40, 0, 0))
		first, _, kids := f.children(-1)
		if kids && g.chance(85) {
			phi = earlier(phi, first)
		}
		if plo.After(phi) {
			plo, phi = lo, g.today
			if kids && !lo.After(first) {
				phi = first
			}
		}
		when = g.between(plo, phi)
	}
	f.bind(&bond{kind: k, date: when, a: i, b: j})

	share := 8
	if k == registry.EventCivilUnion {
		share = 12
	}
	if !g.chance(share) {
		return
	}
	x := i
	if g.rng.IntN(2) == 0 {
		x = j
	}
	m := &f.ms[x]
	tlo, thi := m.birth.AddDate(20, 0, 0), when.AddDate(-3, 0, 0)
	if tlo.After(thi) {
		return
	}
	t := g.between(tlo, thi)
	dlo, dhi := later(t.AddDate(1, 0, 0), divorceLaw), when.AddDate(-1, 0, 0)
	if dlo.After(dhi) {
		return
	}
	gh := g.newGhost(opposite(m.sex), m, t, "", f.nat)
	f.bind(&bond{kind: registry.EventMarriage, date: t, end: registry.EventDivorce, endDate: g.between(dlo, dhi), a: x, b: -1, ghost: gh})
}

// children returns the first and last birth of the children of member i
// in the household (i < 0: of the head's couple).
func (f *fam) children(i int) (first, last time.Time, ok bool) {
	for _, c := range f.ms {
		if c.kin != registry.KinChild {
			continue
		}
		if !ok {
			first, ok = c.birth, true
		}
		last = c.birth
	}
	return first, last, ok
}

// soloBonds gives member i, who has no partner in the household, the
// history of their civil status with ghosts.
func (g *generator) soloBonds(f *fam, i int) {
	m := &f.ms[i]
	var (
		kidsFirst, kidsLast time.Time
		kids                bool
		kidsSurname         string
	)
	switch {
	case m.childOf >= 0:
		c := f.ms[m.childOf]
		kidsFirst, kidsLast, kids, kidsSurname = c.birth, c.birth, true, c.surname
	case m.kin == registry.KinHead && f.kind == singleParent:
		kidsFirst, kidsLast, kids = f.children(i)
		kidsSurname = f.ms[len(f.ms)-1].surname
	}
	// The surname of the other parent of the member's children, if the
	// children carry it.
	ghostSurname := ""
	if kids && m.sex == registry.Female && kidsSurname != m.surname {
		ghostSurname = kidsSurname
	}
	adult := m.birth.AddDate(20, 0, 0)
	switch m.status {
	case registry.CivilDivorced:
		hi := g.today.AddDate(-1, 0, 0)
		if kids && g.chance(80) && !adult.After(kidsFirst) {
			hi = earlier(hi, kidsFirst)
		}
		lo := adult
		if lo.After(hi) {
			lo = m.birth.AddDate(18, 0, 0)
		}
		if lo.After(hi) {
			m.status = registry.CivilSingle
			return
		}
		t := g.between(lo, hi)
		dlo := later(t.AddDate(1, 0, 0), divorceLaw)
		if dlo.After(g.today) {
			m.status = registry.CivilSingle
			return
		}
		gh := g.newGhost(opposite(m.sex), m, t, ghostSurname, f.nat)
		f.bind(&bond{kind: registry.EventMarriage, date: t, end: registry.EventDivorce, endDate: g.between(dlo, g.today), a: i, b: -1, ghost: gh})
	case registry.CivilWidowed:
		hi := g.today.AddDate(-1, 0, 0)
		if g.age(m.birth) >= 60 {
			hi = earlier(hi, m.birth.AddDate(38, 0, 0))
		}
		if kids {
			hi = earlier(hi, kidsFirst)
		}
		lo := adult
		if lo.After(hi) {
			lo = m.birth.AddDate(18, 0, 0)
		}
		t := g.between(lo, hi)
		gh := g.newGhost(opposite(m.sex), m, t, ghostSurname, f.nat)
		wlo := t.AddDate(0, 6, 0)
		if kids {
			wlo = later(wlo, kidsLast)
		}
		whi := earlier(g.today, gh.birth.AddDate(99, 0, 0))
		if w := later(wlo, gh.birth.AddDate(55, 0, 0)); g.age(m.birth) >= 65 && !w.After(whi) {
			wlo = w
		}
		w := earlier(g.between(wlo, whi), g.today)
		if !w.After(t) {
			w = t.AddDate(0, 0, 1)
		}
		f.bind(&bond{kind: registry.EventMarriage, date: t, end: registry.EventWidowhood, endDate: w, a: i, b: -1, ghost: gh})
	case registry.CivilUnionDissolv, registry.CivilUnionDeadPar:
		lo, hi := later(unionLaw, adult), g.today.AddDate(0, -3, 0)
		if lo.After(hi) {
			m.status = registry.CivilSingle
			return
		}
		u := g.between(lo, hi)
		end := registry.EventUnionDissolution
		if m.status == registry.CivilUnionDeadPar {
			end = registry.EventPartnerDeath
		}
		gh := g.newGhost(m.sex, m, u, "", f.nat)
		f.bind(&bond{kind: registry.EventCivilUnion, date: u, end: end, endDate: g.between(u.AddDate(0, 3, 0), g.today), a: i, b: -1, ghost: gh})
	case registry.CivilMarried:
		// Married, the spouse living elsewhere (in a convivenza).
		t := g.between(adult, earlier(m.birth.AddDate(40, 0, 0), g.today))
		gh := g.newGhost(opposite(m.sex), m, t, "", f.nat)
		f.bind(&bond{kind: registry.EventMarriage, date: t, a: i, b: -1, ghost: gh})
	case registry.CivilSingle:
		// An annulled marriage leaves one single (stato libero).
		if m.kin == registry.KinChild || g.age(m.birth) < 30 || !g.chance(1) {
			return
		}
		t := g.between(adult, g.today.AddDate(-2, 0, 0))
		gh := g.newGhost(opposite(m.sex), m, t, "", f.nat)
		f.bind(&bond{kind: registry.EventMarriage, date: t, end: registry.EventAnnulment, endDate: g.between(t.AddDate(1, 0, 0), g.today), a: i, b: -1, ghost: gh})
	}
}

// newGhost plans a partner of m from the date on: of similar age (a
// husband a little older), at least 18 then.
func (g *generator) newGhost(sex registry.Sex, m *member, on time.Time, surname string, nat *nationality) *ghost {
	var birth time.Time
	switch {
	case sex == registry.Male && m.sex == registry.Female:
		birth = g.near(m.birth, -8, 2)
	case sex == registry.Female && m.sex == registry.Male:
		birth = g.near(m.birth, -2, 8)
	default:
		birth = g.near(m.birth, -6, 6)
	}
	if birth.AddDate(18, 0, 0).After(on) {
		birth = g.between(on.AddDate(-28, 0, 0), on.AddDate(-18, 0, 0))
	}
	if surname == "" {
		surname = g.surname(nat)
	}
	return &ghost{sex: sex, birth: birth, surname: surname, nat: nat}
}

// ghostCodes names the ghosts and gives them a birthplace and, unless
// they are foreigners who never lived in Italy, a fiscal code.
func (g *generator) ghostCodes(f *fam) error {
	for _, b := range f.bonds {
		gh := b.ghost
		if gh == nil {
			continue
		}
		gh.name = g.firstName(gh.sex, gh.birth, gh.nat, f.ms)
		if gh.nat != nil {
			s := g.states[gh.nat.state]
			gh.place = registry.Place{Name: s.Name, StateCode: s.Cadastral, Country: s.Name}
			gh.placeCode = s.Cadastral
			if !g.chance(30) {
				continue
			}
		} else {
			c := g.italianBirthplace(gh.birth, false)
			gh.place = comunePlace(c)
			gh.placeCode = c.Cadastral
		}
		cf, err := g.fiscalCode(gh.surname, gh.name, gh.sex, gh.birth, gh.placeCode)
		if err != nil {
			return err
		}
		gh.fiscalCode = cf
	}
	return nil
}

// religiousShare is the share of religious marriages by year, in percent.
func religiousShare(year int) int {
	switch {
	case year < 1970:
		return 95
	case year < 1990:
		return 82
	case year < 2008:
		return 65
	default:
		return 45
	}
}

// abroadOn returns where an event of the household on the date happened
// if it was abroad: before a foreign family arrived, or after an AIRE
// family left.
func (g *generator) abroadOn(f *fam, on time.Time) (registry.Place, bool) {
	switch {
	case f.nat != nil && on.Before(f.arrival):
		s := g.states[f.nat.state]
		return registry.Place{Name: s.Name, StateCode: s.Cadastral, Country: s.Name}, true
	case f.ctry != nil && !on.Before(f.emig):
		s := g.states[f.ctry.state]
		return registry.Place{Name: f.cty.name, StateCode: s.Cadastral, Country: s.Name}, true
	}
	return registry.Place{}, false
}

// placeBond draws where the bond's acts were made.
func (g *generator) placeBond(f *fam, b *bond) {
	if pl, ok := g.abroadOn(f, b.date); ok {
		b.place = pl
		if f.ctry != nil {
			// Italians abroad have their acts transcribed at home.
			b.record = g.act(g.home.Cadastral, b.date, 'T', "2", "C")
		}
	} else if b.kind == registry.EventMarriage {
		var c comuni.Comune
		found := false
		if r := g.rng.IntN(100); r >= 55 && r < 85 {
			// In the bride's comune of birth.
			if code := f.brideBirthComune(b); code != "" {
				c, found = comuni.ByCadastral(code, b.date)
			}
		}
		if !found {
			c = g.comuneOn(b.date, 65)
		}
		b.place = comunePlace(c)
		share := religiousShare(b.date.Year())
		if f.nat != nil {
			share = 10
		}
		if b.religious = g.chance(share); b.religious {
			b.record = g.act(c.Cadastral, b.date, 'M', "2", "A")
		} else {
			b.record = g.act(c.Cadastral, b.date, 'M', "1", "A")
		}
	} else {
		c := g.comuneOn(b.date, 85)
		b.place = comunePlace(c)
		b.record = g.act(c.Cadastral, b.date, 'U', "1", "A")
	}
	switch b.end {
	case registry.EventDivorce:
		b.endPlace = b.place
		switch {
		case b.place.Abroad():
			b.endType = 9 // delibazione (estero)
		case b.religious && !b.endDate.Before(dl2014) && g.chance(25):
			b.endType = 6 // cessazione effetti civili, D.L. 132/2014
		case b.religious:
			b.endType = 1 // cessazione effetti civili
		case !b.endDate.Before(dl2014) && g.chance(25):
			b.endType = 7 // scioglimento, D.L. 132/2014
		default:
			b.endType = 3 // scioglimento
		}
	case registry.EventAnnulment:
		b.endPlace = b.place
		if b.religious {
			b.endType = 4 // nullità
		} else {
			b.endType = 2 // annullamento
		}
	case registry.EventWidowhood, registry.EventPartnerDeath:
		if pl, ok := g.abroadOn(f, b.endDate); ok {
			b.endPlace = pl
		} else {
			c := g.comuneOn(b.endDate, 70)
			b.endPlace = comunePlace(c)
			b.endRecord = g.act(c.Cadastral, b.endDate, 'D', "1", "A")
		}
	case registry.EventUnionDissolution:
		b.endPlace = b.place
	}
}

// brideBirthComune returns the cadastral code of the comune of birth of
// the woman of a marriage, if she was born in Italy.
func (f *fam) brideBirthComune(b *bond) string {
	for _, i := range []int{b.a, b.b} {
		if i >= 0 && f.ms[i].sex == registry.Female {
			return f.ms[i].p.BirthPlace.ComuneCode
		}
	}
	if b.ghost != nil && b.ghost.sex == registry.Female {
		return b.ghost.place.ComuneCode
	}
	return ""
}

// events writes the bonds into the members' civil events, each partner
// naming the other.
func (g *generator) events(f *fam) {
	for _, b := range f.bonds {
		g.placeBond(f, b)
	}
	for i := range f.ms {
		m := &f.ms[i]
		for _, b := range m.bonds {
			var fc, name string
			if j := b.partnerOf(i); j >= 0 {
				fc, name = f.ms[j].p.FiscalCode, f.ms[j].p.Surname+" "+f.ms[j].p.Name
			} else {
				fc, name = b.ghost.fiscalCode, b.ghost.surname+" "+b.ghost.name
			}
			m.p.CivilEvents = append(m.p.CivilEvents, registry.CivilEvent{
				Kind: b.kind, Date: b.date, Place: b.place, Record: copyRecord(b.record),
				PartnerFiscalCode: fc, PartnerName: name,
			})
			if b.end != "" {
				m.p.CivilEvents = append(m.p.CivilEvents, registry.CivilEvent{
					Kind: b.end, Date: b.endDate, Place: b.endPlace, Record: copyRecord(b.endRecord),
					PartnerFiscalCode: fc, PartnerName: name, EndingType: b.endType,
				})
			}
		}
	}
}

func copyRecord(r *registry.CivilRecord) *registry.CivilRecord {
	if r == nil {
		return nil
	}
	c := *r
	return &c
}

// contractShare is the share of cohabiting couples with a contratto di
// convivenza, in percent, where the dates allow one.
const contractShare = 20

// contracts gives some cohabiting couples a contract, registered in the
// anagrafe, on or after the day they moved in together.
func (g *generator) contracts(f *fam) {
	if len(f.ms) < 2 || f.ms[1].kin != registry.KinCohabitant || !g.chance(contractShare) {
		return
	}
	a, b := &f.ms[0], &f.ms[1]
	lo := later(later(unionLaw, f.h0), later(a.birth, b.birth).AddDate(18, 0, 0))
	if lo.After(g.today) {
		return
	}
	d := g.between(lo, g.today)
	reg := g.between(d, earlier(d.AddDate(0, 0, 10), g.today))
	title := "NOTAIO "
	if g.chance(35) {
		title = "AVV. "
	}
	sex := g.sex()
	birth := g.birthForAge(30, 70)
	prof := title + g.firstName(sex, birth, nil, nil) + " " + g.surname(nil)
	a.p.Contracts = append(a.p.Contracts, registry.CohabitationContract{
		PartnerFiscalCode: b.p.FiscalCode, PartnerName: b.p.Surname + " " + b.p.Name,
		Date: d, Registered: reg, Professional: prof,
	})
	b.p.Contracts = append(b.p.Contracts, registry.CohabitationContract{
		PartnerFiscalCode: a.p.FiscalCode, PartnerName: a.p.Surname + " " + a.p.Name,
		Date: d, Registered: reg, Professional: prof,
	})
}

func comunePlace(c comuni.Comune) registry.Place {
	return registry.Place{ComuneCode: c.Cadastral, Name: c.Name, Province: c.Province}
}

// comuneOn returns a comune in force on the date: the home comune with
// probability homeShare percent, else one of its province or a big city.
func (g *generator) comuneOn(on time.Time, homeShare int) comuni.Comune {
	if g.chance(homeShare) {
		if c, ok := comuni.ByCadastral(g.home.Cadastral, on); ok {
			return c
		}
	}
	for range 3 {
		var code string
		if len(g.province) > 0 && g.chance(75) {
			code = g.province[g.rng.IntN(len(g.province))]
		} else {
			code = bigCities[g.rng.IntN(len(bigCities))]
		}
		if c, ok := comuni.ByCadastral(code, on); ok {
			return c
		}
	}
	if c, ok := comuni.ByCadastral(g.home.Cadastral, on); ok {
		return c
	}
	// Roma has a record from 1884, before anyone alive was born.
	c, _ := comuni.ByCadastral("H501", on)
	return c
}

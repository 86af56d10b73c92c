package synth

import (
	"strconv"
	"time"

	"certa.example/certa/internal/comuni"
	"certa.example/certa/internal/registry"
)

// kindConvivenza marks a fam that is an institutional cohabitation.
const kindConvivenza kind = 100

// fam is a household being planned.
type fam struct {
	kind  kind
	sp    special
	nat   *nationality
	ms    []member
	bonds []*bond

	arrival time.Time // a foreign family's arrival in the comune
	// origin is where the founding members came from when the household
	// was formed (a cadastral code or Z-code), or "" if they lived in the
	// comune already.
	origin string
	h0, s  time.Time // formed at a first address; moved to the current one (zero: never)

	emig time.Time // AIRE: left for abroad
	ctry *country
	cty  *city

	citizenship int       // foreign: index in specialCitizenships, or -1
	naturalised time.Time // foreign: became Italian, zero if not

	removal     int // ANPR table 15 reason, for the removed kinds
	removalDate time.Time

	cohabName string
	cohabKind int

	address registry.Address
	spans   []hspan
	persons []registry.Person // the members as they are written, from people on
}

// hspan is the household at an address, from a date to the next span.
type hspan struct {
	from time.Time
	addr registry.Address
}

// draw plans one unit of the stream: one household, and for some widowed
// residents the record of their late spouse.
func (g *generator) draw() error {
	sp := g.special()
	if sp == convivenza {
		return g.convivenza()
	}
	f := &fam{sp: sp, citizenship: -1}
	for {
		f.nat = nil
		if sp.foreignAllowed() {
			f.nat = g.nationality()
		}
		f.kind = g.kindFor(sp)
		if f.ms = g.compose(f.kind, f.nat); f.ms != nil {
			break
		}
	}
	for i := range f.ms {
		f.ms[i].name = g.firstName(f.ms[i].sex, f.ms[i].birth, f.nat, f.ms[:i])
	}
	g.planBonds(f)
	g.settle(f)
	g.planCitizenship(f)
	if err := g.people(f); err != nil {
		return err
	}
	g.events(f)
	if f.sp != aire {
		g.contracts(f)
	}
	if f.sp.removed() && !g.planRemoval(f) {
		f.sp = plain
	}
	if err := g.residences(f); err != nil {
		return err
	}
	return g.finish(f)
}

// settle draws when and how the household came to be: a foreign family's
// arrival, the day it was formed, a later move, the members' joining
// dates, and an AIRE family's departure.
func (g *generator) settle(f *fam) {
	head := &f.ms[0]
	if f.nat != nil {
		youngestAdult := head.birth
		for _, m := range f.ms {
			if m.kin != registry.KinChild && m.birth.After(youngestAdult) {
				youngestAdult = m.birth
			}
		}
		f.arrival = g.between(youngestAdult.AddDate(18, 0, 0), g.today)
		f.h0 = f.arrival
		if g.chance(80) {
			f.origin = f.nat.state
		} else {
			// They lived elsewhere in Italy first.
			f.origin = g.otherComune(f.h0)
		}
	} else {
		f.h0 = earlier(g.formation(f), g.today)
		if g.chance(20) {
			f.origin = g.otherComune(f.h0)
		}
	}
	if f.sp == aire {
		lo := later(later(f.h0.AddDate(0, 1, 0), date(1990, time.January, 1)), head.birth.AddDate(20, 0, 0))
		hi := g.today.AddDate(0, -1, 0)
		if lo.After(hi) {
			f.sp = plain
		} else {
			f.emig = g.between(lo, hi)
			f.ctry = g.country()
			f.cty = &f.ctry.cities[g.rng.IntN(len(f.ctry.cities))]
		}
	}
	moveShare := 35
	if f.h0.Before(g.today.AddDate(-15, 0, 0)) {
		moveShare = 55
	}
	if f.h0.Before(g.today.AddDate(-3, 0, 0)) && g.chance(moveShare) {
		f.s = g.between(f.h0.AddDate(1, 0, 0), g.today)
	}
	for i := range f.ms {
		m := &f.ms[i]
		switch {
		case m.childOf >= 0:
			// A parent who came to live with the family.
			m.join = g.between(f.h0, g.today)
		case !m.birth.Before(f.h0):
			m.join = m.birth
		default:
			m.join, m.founding = f.h0, true
		}
	}
}

// formation returns the day an Italian household was formed at its first
// address in the comune.
func (g *generator) formation(f *fam) time.Time {
	head := f.ms[0]
	adult := head.birth.AddDate(20, 0, 0)
	partner := len(f.ms) > 1 && (f.ms[1].kin == registry.KinSpouse || f.ms[1].kin == registry.KinCivilPartner || f.ms[1].kin == registry.KinCohabitant)
	if partner {
		adult = later(adult, f.ms[1].birth.AddDate(20, 0, 0))
	}
	for _, b := range head.bonds {
		if b.partnerOf(0) < 0 {
			continue
		}
		if b.kind == registry.EventCivilUnion {
			// They lived together before the union, after any earlier
			// marriage ended.
			lo := later(adult, b.date.AddDate(-12, 0, 0))
			for i := range 2 {
				for _, x := range f.ms[i].bonds {
					if x.end != "" {
						lo = later(lo, x.endDate)
					}
				}
			}
			return g.between(earlier(lo, b.date), b.date)
		}
		// Married couples set up home when they married; a later move
		// is a move of the household (settle draws it).
		return b.date
	}
	lo := adult
	for i := range min(len(f.ms), 2) {
		if i == 1 && !partner {
			break
		}
		for _, b := range f.ms[i].bonds {
			switch b.end {
			case registry.EventDivorce, registry.EventAnnulment, registry.EventUnionDissolution:
				lo = later(lo, b.endDate.AddDate(-1, 0, 0))
			case registry.EventWidowhood, registry.EventPartnerDeath:
				// The home they shared.
				if i == 0 && g.chance(40) {
					return b.date
				}
				lo = later(lo, b.date)
			}
		}
	}
	return g.between(earlier(lo, g.today), g.today)
}

// otherComune returns the code of a comune other than home in force on
// the date: mostly of the province, else a big city.
func (g *generator) otherComune(on time.Time) string {
	for range 4 {
		var code string
		if len(g.province) > 0 && g.chance(75) {
			code = g.province[g.rng.IntN(len(g.province))]
		} else {
			code = bigCities[g.rng.IntN(len(bigCities))]
		}
		if _, ok := comuni.ByCadastral(code, on); ok && code != g.home.Cadastral {
			return code
		}
	}
	if g.home.Cadastral != "H501" {
		return "H501"
	}
	return "F205"
}

func (g *generator) country() *country {
	total := 0
	for _, c := range countries {
		total += c.weight
	}
	r := g.rng.IntN(total)
	for i := range countries {
		if r < countries[i].weight {
			return &countries[i]
		}
		r -= countries[i].weight
	}
	return &countries[0]
}

// Shares of citizenship cases, in percent.
const (
	specialCitizenshipShare = 2  // of foreign households: 997, 998, 999
	naturalisedShare        = 30 // of foreign households here for more than 11 years
	returneeShare           = 2  // of Italian adults: born abroad to emigrants
)

// planCitizenship draws the citizenship cases of the household.
func (g *generator) planCitizenship(f *fam) {
	switch {
	case f.nat != nil:
		if g.chance(specialCitizenshipShare) {
			total := 0
			for _, s := range specialCitizenships {
				total += s.weight
			}
			r := g.rng.IntN(total)
			for i, s := range specialCitizenships {
				if r < s.weight {
					f.citizenship = i
					break
				}
				r -= s.weight
			}
		} else if y := f.arrival.AddDate(11, 0, 0); !y.After(g.today) && g.chance(naturalisedShare) {
			f.naturalised = g.between(y, earlier(f.arrival.AddDate(16, 0, 0), g.today))
		}
	case f.ctry == nil:
		for i := range f.ms {
			if m := &f.ms[i]; m.founding && m.kin != registry.KinChild && g.chance(returneeShare) {
				m.returnee = g.country()
			}
		}
	}
}

// people gives the members their place and act of birth, citizenships
// and fiscal codes, and the ghosts theirs.
func (g *generator) people(f *fam) error {
	f.persons = make([]registry.Person, len(f.ms))
	for i := range f.ms {
		m := &f.ms[i]
		m.p = &f.persons[i]
		p := m.p
		var placeCode string
		switch {
		case f.nat != nil && m.birth.Before(f.arrival):
			s := g.states[f.nat.state]
			p.BirthPlace = registry.Place{Name: s.Name, StateCode: s.Cadastral, Country: s.Name}
		case f.ctry != nil && !m.birth.Before(f.emig):
			s := g.states[f.ctry.state]
			p.BirthPlace = registry.Place{Name: f.cty.name, StateCode: s.Cadastral, Country: s.Name}
		case m.returnee != nil:
			s := g.states[m.returnee.state]
			p.BirthPlace = registry.Place{Name: s.Name, StateCode: s.Cadastral, Country: s.Name}
		default:
			var c comuni.Comune
			found := false
			switch {
			case f.kind == kindConvivenza:
			case !m.birth.Before(f.h0):
				// Born while the household lived here.
				c, found = g.italianBirthplace(m.birth, true), true
			case m.kin == registry.KinChild && f.origin != "" && !comuni.IsForeign(f.origin):
				// Born where the family came from.
				c, found = comuni.ByCadastral(f.origin, m.birth)
			}
			if !found {
				c = g.italianBirthplace(m.birth, f.nat != nil)
			}
			p.BirthPlace = comunePlace(c)
			p.BirthRecord = g.act(c.Cadastral, m.birth, 'N', "1", "A")
		}
		if p.BirthPlace.Abroad() {
			placeCode = p.BirthPlace.StateCode
		} else {
			placeCode = p.BirthPlace.ComuneCode
		}
		p.Citizenships = g.citizenships(f, m)
		p.Surname, p.Name, p.Sex, p.BirthDate = m.surname, m.name, m.sex, m.birth
		p.CivilStatus, p.Kinship = m.status, m.kin
		p.Certifiability = registry.CertFull
		cf, err := g.fiscalCode(p.Surname, p.Name, p.Sex, p.BirthDate, placeCode)
		if err != nil {
			return err
		}
		p.FiscalCode = cf
	}
	return g.ghostCodes(f)
}

// italianCitizenship is the citizenship of Italians; its Name is Italian.
var italianCitizenship = registry.Citizenship{StateCode: registry.StateItaly, Name: citizenshipText(registry.StateItaly)}

// citizenships returns the member's citizenships, the main one first.
func (g *generator) citizenships(f *fam, m *member) []registry.Citizenship {
	bornAbroad := m.p.BirthPlace.Abroad()
	switch {
	case f.nat != nil:
		own := registry.Citizenship{StateCode: f.nat.istat, Name: f.nat.citizenship}
		switch {
		case f.citizenship >= 0:
			s := specialCitizenships[f.citizenship]
			if s.code == registry.StateStateless && !bornAbroad {
				// Born in Italy of stateless parents: Italian (L. 91/1992).
				return []registry.Citizenship{italianCitizenship}
			}
			return []registry.Citizenship{{StateCode: s.code, Name: s.name}}
		case !f.naturalised.IsZero():
			ita := italianCitizenship
			if m.birth.Before(f.naturalised) {
				ita.Since = f.naturalised
			}
			if f.nat.noDual {
				return []registry.Citizenship{ita}
			}
			return []registry.Citizenship{ita, own}
		}
		return []registry.Citizenship{own}
	case m.returnee != nil:
		share := 25
		if m.returnee.iusSoli {
			share = 60
		}
		if g.chance(share) {
			return []registry.Citizenship{italianCitizenship, {StateCode: m.returnee.istat, Name: m.returnee.citizenship}}
		}
	case f.ctry != nil:
		local := registry.Citizenship{StateCode: f.ctry.istat, Name: f.ctry.citizenship}
		if bornAbroad {
			if f.ctry.iusSoli || g.chance(20) {
				return []registry.Citizenship{italianCitizenship, local}
			}
		} else if since := g.between(f.emig.AddDate(5, 0, 0), f.emig.AddDate(10, 0, 0)); g.chance(10) && !since.After(g.today) {
			local.Since = since
			return []registry.Citizenship{italianCitizenship, local}
		}
	}
	return []registry.Citizenship{italianCitizenship}
}

// italianBirthplace returns the record of an Italian comune in force on
// birth: mostly the home comune, else one of its province or a big city.
// Children of families living here are born closer to home.
func (g *generator) italianBirthplace(birth time.Time, local bool) comuni.Comune {
	homeShare, provinceShare := 62, 25
	if local {
		homeShare, provinceShare = 85, 15
	}
	var first string
	switch r := g.rng.IntN(100); {
	case r < homeShare:
		first = g.home.Cadastral
	case r < homeShare+provinceShare && len(g.province) > 0:
		first = g.province[g.rng.IntN(len(g.province))]
	default:
		first = bigCities[g.rng.IntN(len(bigCities))]
	}
	if c, ok := comuni.ByCadastral(first, birth); ok {
		return c
	}
	// Fallbacks for comuni that did not exist yet on that date.
	if c, ok := comuni.ByCadastral(g.home.Cadastral, birth); ok {
		return c
	}
	for range min(5, len(g.province)) {
		if c, ok := comuni.ByCadastral(g.province[g.rng.IntN(len(g.province))], birth); ok {
			return c
		}
	}
	for _, code := range bigCities {
		if c, ok := comuni.ByCadastral(code, birth); ok {
			return c
		}
	}
	// Roma has a record from 1884, before anyone alive was born.
	c, _ := comuni.ByCadastral("H501", birth)
	return c
}

// residences gives the household its addresses and the members their
// residence histories.
func (g *generator) residences(f *fam) error {
	var err error
	switch {
	case f.sp == noFixedAbode:
		f.address = registry.Address{Toponym: noFixedAbodeStreet[0], Street: noFixedAbodeStreet[1], Number: "1", PostalCode: g.postalCode}
	case f.sp.live():
		if f.address, err = g.allocAddress(); err != nil {
			return err
		}
	default:
		// Removed or gone abroad: the last address here, someone else's
		// now perhaps.
		f.address = g.anyAddress()
	}
	f.spans = []hspan{{f.h0, f.address}}
	if !f.s.IsZero() {
		f.spans = []hspan{{f.h0, g.anyAddress()}, {f.s, f.address}}
	}
	head := &f.ms[0]
	for i := range f.ms {
		m := &f.ms[i]
		switch {
		case f.kind == kindConvivenza || m.childOf >= 0:
			m.prior, m.from = g.prior(m, m.join)
		case !m.founding:
			// Born into the household.
		case f.origin != "":
			m.from = f.origin
		case i > 0 && m.kin == registry.KinChild:
			// Born before the household was formed: with the head.
			m.prior, m.from = childPrior(head.prior, head.from, m.birth)
		default:
			m.prior, m.from = g.prior(m, m.join)
		}
		m.p.Residences = periods(m.prior, f.spans, m.join, m.from)
	}
	return nil
}

// prior returns the residences of m in the comune before joining the
// household on join, or none and where they came from.
func (g *generator) prior(m *member, join time.Time) ([]registry.Residence, string) {
	bp := m.p.BirthPlace
	origin := func(on time.Time) string {
		switch {
		case bp.Abroad():
			return bp.StateCode
		case bp.ComuneCode != g.home.Cadastral:
			if _, ok := comuni.ByCadastral(bp.ComuneCode, on); ok {
				return bp.ComuneCode
			}
		}
		return g.otherComune(on)
	}
	if !join.After(m.birth) {
		return nil, ""
	}
	if !bp.Abroad() && (bp.ComuneCode == g.home.Cadastral || g.inProvince(bp.ComuneCode)) && g.chance(80) {
		// Registered here since birth.
		return g.stays(m.birth, join, ""), ""
	}
	if g.chance(40) {
		return nil, origin(join)
	}
	a := g.between(later(m.birth.AddDate(0, 0, 1), join.AddDate(-30, 0, 0)), join.AddDate(0, 0, -1))
	if !a.Before(join) {
		return nil, origin(join)
	}
	return g.stays(a, join, origin(a)), ""
}

func (g *generator) inProvince(code string) bool {
	for _, c := range g.province {
		if c == code {
			return true
		}
	}
	return false
}

// stays returns one or two periods at former addresses from start to end.
func (g *generator) stays(start, end time.Time, from string) []registry.Residence {
	out := make([]registry.Residence, 1, 2)
	out[0] = registry.Residence{From: start, To: end, Address: g.anyAddress(), FromComune: from}
	if end.Sub(start) > 4*365*24*time.Hour && g.chance(40) {
		mid := g.between(start.AddDate(1, 0, 0), end.AddDate(-1, 0, 0))
		out[0].To = mid
		out = append(out, registry.Residence{From: mid, To: end, Address: g.anyAddress()})
	}
	return out
}

// childPrior returns the residences of a child born on birth before the
// household was formed: the head's, from birth.
func childPrior(headPrior []registry.Residence, headFrom string, birth time.Time) ([]registry.Residence, string) {
	var out []registry.Residence
	for _, r := range headPrior {
		if !r.To.After(birth) {
			continue
		}
		if !r.From.After(birth) {
			// Registered at birth.
			r.From, r.FromComune = birth, ""
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, headFrom
	}
	return out, ""
}

// periods joins the residences before joining to the household's spans
// from join on; the first period gets from if there were none before.
func periods(prior []registry.Residence, spans []hspan, join time.Time, from string) []registry.Residence {
	out := make([]registry.Residence, 0, len(prior)+len(spans))
	out = append(out, prior...)
	first := true
	for i, s := range spans {
		var end time.Time
		if i+1 < len(spans) {
			end = spans[i+1].from
			if !end.After(join) {
				continue
			}
		}
		r := registry.Residence{From: later(s.from, join), To: end, Address: s.addr}
		if first && len(prior) == 0 {
			r.FromComune = from
		}
		first = false
		out = append(out, r)
	}
	return out
}

// clip ends the residences on the date: periods starting then or later
// are dropped.
func clip(rs []registry.Residence, at time.Time) []registry.Residence {
	n := 0
	for _, r := range rs {
		if r.From.Before(at) {
			rs[n] = r
			n++
		}
	}
	if n == 0 {
		return nil
	}
	rs = rs[:n]
	if rs[n-1].To.IsZero() || rs[n-1].To.After(at) {
		rs[n-1].To = at
	}
	return rs
}

// lastDate returns the latest date the household's plan holds.
func (f *fam) lastDate() time.Time {
	t := later(f.h0, f.s)
	for _, m := range f.ms {
		t = later(t, later(m.birth, m.join))
		for _, c := range m.p.Citizenships {
			t = later(t, c.Since)
		}
		for _, c := range m.p.Contracts {
			t = later(t, later(c.Date, c.Registered))
		}
	}
	for _, b := range f.bonds {
		t = later(t, later(b.date, b.endDate))
	}
	return t
}

// planRemoval draws when a removed household left the register, after
// everything else it holds; false if there is no room left.
func (g *generator) planRemoval(f *fam) bool {
	lo := f.lastDate().AddDate(0, 0, 1)
	if lo.After(g.today) {
		return false
	}
	f.removalDate = g.between(later(lo, g.today.AddDate(-10, 0, 0)), g.today)
	switch f.sp {
	case movedOut:
		f.removal = registry.RemovalMovedOut
		if f.nat != nil && f.naturalised.IsZero() && g.chance(50) {
			f.removal = 5 // a foreigner's transfer abroad
		}
	case deceasedAlone:
		f.removal = registry.RemovalDeath
	case untraceable:
		f.removal = registry.RemovalUntraceable
	}
	return true
}

// finish writes the household (and a late spouse's record) to pending.
func (g *generator) finish(f *fam) error {
	h := registry.Household{Kind: registry.KindFamily, Address: f.address}
	switch f.sp {
	case aire:
		h.AIRE = true
		s := g.states[f.ctry.state]
		h.Address = registry.Address{
			Street:     f.cty.streets[g.rng.IntN(len(f.cty.streets))],
			Number:     strconv.Itoa(1 + g.rng.IntN(180)),
			PostalCode: f.cty.postcodes[g.rng.IntN(len(f.cty.postcodes))],
			Locality:   f.cty.name,
			Country:    s.Name,
			StateCode:  s.Cadastral,
		}
		for i := range f.ms {
			p := f.ms[i].p
			p.Residences = clip(p.Residences, f.emig)
			since := f.emig
			if !p.BirthDate.Before(f.emig) {
				since = p.BirthDate
			}
			p.AIRE = &registry.AIRE{Since: since, Consulate: f.cty.consulate}
		}
	case movedOut, deceasedAlone, untraceable:
		var place registry.Place
		if f.removal == registry.RemovalDeath {
			place = comunePlace(g.comuneOn(f.removalDate, 70))
		}
		for i := range f.ms {
			p := f.ms[i].p
			p.Residences = clip(p.Residences, f.removalDate)
			p.Removal = &registry.Removal{Reason: f.removal, Date: f.removalDate, DeathPlace: place}
		}
	case noFixedAbode:
		f.ms[0].p.NoFixedAbode = true
	case certNone:
		f.ms[g.rng.IntN(len(f.ms))].p.Certifiability = registry.CertNone
	case certPartial:
		f.ms[g.rng.IntN(len(f.ms))].p.Certifiability = registry.CertPartial
	case interdicted:
		// An adult: the head, the partner or a grown-up child.
		var adults []int
		for i := range f.ms {
			if g.age(f.ms[i].birth) >= 18 {
				adults = append(adults, i)
			}
		}
		f.ms[adults[g.rng.IntN(len(adults))]].p.Certifiability = registry.CertInterdicted
	case openProcedure:
		f.ms[g.rng.IntN(len(f.ms))].p.OpenProcedure = true
	case incomplete:
		h.Incomplete = true
	}
	h.Members = f.persons
	g.pending = append(g.pending, h)
	if f.sp == plain {
		g.lateSpouse(f)
	}
	return nil
}

// lateSpouseShare is the share, in percent, of widowed heads who lost
// their spouse since 2000 in this household whose spouse is in the
// register, as a removed person.
const lateSpouseShare = 10

// lateSpouse adds the record of the late spouse of a widowed head, if the
// spouse died living with them.
func (g *generator) lateSpouse(f *fam) {
	if f.nat != nil || f.ms[0].status != registry.CivilWidowed {
		return
	}
	head := &f.ms[0]
	var b *bond
	for _, x := range head.bonds {
		if x.end == registry.EventWidowhood {
			b = x
		}
	}
	if b == nil {
		return
	}
	gh := b.ghost
	w := b.endDate
	if w.Before(date(2000, time.January, 1)) || !w.After(f.h0) || gh.fiscalCode == "" ||
		!gh.birth.AddDate(100, 0, 0).After(g.today) || !g.chance(lateSpouseShare) {
		return
	}
	m := newMember(gh.sex, gh.birth, gh.surname, registry.CivilMarried, registry.KinHead)
	m.name = gh.name
	m.p = &registry.Person{
		FiscalCode:     gh.fiscalCode,
		Surname:        gh.surname,
		Name:           gh.name,
		Sex:            gh.sex,
		BirthDate:      gh.birth,
		BirthPlace:     gh.place,
		Citizenships:   []registry.Citizenship{italianCitizenship},
		CivilStatus:    registry.CivilMarried,
		Kinship:        registry.KinHead,
		Certifiability: registry.CertFull,
		CivilEvents: []registry.CivilEvent{{
			Kind: b.kind, Date: b.date, Place: b.place, Record: copyRecord(b.record),
			PartnerFiscalCode: head.p.FiscalCode, PartnerName: head.p.Surname + " " + head.p.Name,
		}},
		Removal: &registry.Removal{Reason: registry.RemovalDeath, Date: w, DeathPlace: b.endPlace},
	}
	p := m.p
	if !gh.place.Abroad() {
		p.BirthRecord = g.act(gh.place.ComuneCode, gh.birth, 'N', "1", "A")
	}
	var prior []registry.Residence
	from := f.origin
	if from == "" {
		prior, from = g.prior(&m, f.h0)
	}
	p.Residences = clip(periods(prior, f.spans, f.h0, from), w)
	h := registry.Household{Kind: registry.KindFamily, Members: []registry.Person{*p}}
	if n := len(p.Residences); n > 0 {
		h.Address = p.Residences[n-1].Address
	}
	g.pending = append(g.pending, h)
}

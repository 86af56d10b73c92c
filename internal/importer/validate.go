package importer

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"certa.example/certa/internal/anpr"
	"certa.example/certa/internal/civildate"
	"certa.example/certa/internal/codicefiscale"
	"certa.example/certa/internal/comuni"
	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/registry"
)

// Length limits of text fields, in characters.
const (
	maxID      = 64
	maxName    = 150 // surname, name, partner name, convivenza name
	maxStreet  = 150
	maxShort   = 20 // civic number, interior, postcode, act parts
	maxToponym = 40
	maxLong    = 200 // locality, consulate, professional
)

// minDate is the earliest date the format accepts.
var minDate = time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC)

// validator converts wire records to the model, checking each on its own.
// When cross is set, it records in checks the checks across records, for
// seen to run them in line order.
type validator struct {
	today  time.Time
	c      *collector
	cross  bool
	checks []crossCheck
}

func newValidator(now time.Time, cross bool) *validator {
	return &validator{today: dateOf(now), cross: cross}
}

func (v *validator) add(path, msg string) { v.c.add(path, msg) }

// later records a check across records, with the number of the line's
// errors so far: where its error, if any, belongs.
func (v *validator) later(k crossCheck) {
	k.at = v.c.count
	v.checks = append(v.checks, k)
}

// seen holds, for the checks across records, the household IDs and the
// fiscal codes (packed) of the lines checked so far. Only the sequencer
// uses it, in line order.
type seen struct {
	ids   map[string]uint32
	codes map[[12]byte]where
}

// where is the first place a fiscal code was seen.
type where struct {
	line   uint32
	member uint32
}

func newSeen() *seen {
	return &seen{ids: make(map[string]uint32), codes: make(map[[12]byte]where)}
}

// check runs a check of line recorded by validator.later: the household
// ID or the fiscal code must be new; it is then remembered. Otherwise
// check returns the error message.
func (s *seen) check(line int, k *crossCheck) (msg string, dup bool) {
	if k.member < 0 {
		if first, dup := s.ids[k.id]; dup {
			return fmt.Sprintf("is already used by the household on line %d", first), true
		}
		s.ids[k.id] = uint32(line)
		return "", false
	}
	if first, dup := s.codes[k.code]; dup {
		if int(first.line) == line {
			return fmt.Sprintf("is already used by members[%d] of this household", first.member), true
		}
		return fmt.Sprintf("is already used on line %d, members[%d]", first.line, first.member), true
	}
	s.codes[k.code] = where{line: uint32(line), member: uint32(k.member)}
	return "", false
}

func (v *validator) household(in *jsonHousehold) registry.Household {
	h := registry.Household{
		ID:               in.ID,
		AIRE:             in.AIRE,
		Incomplete:       in.Incomplete,
		CohabitationName: in.ConvivenzaName,
		CohabitationKind: in.ConvivenzaKind,
	}
	if v.id("id", in.ID) && v.cross {
		v.later(crossCheck{path: "id", member: -1, id: in.ID})
	}
	switch in.Kind {
	case "", string(registry.KindFamily):
		h.Kind = registry.KindFamily
	case string(registry.KindCohabitation):
		h.Kind = registry.KindCohabitation
	default:
		v.add("kind", `must be "famiglia" or "convivenza"`)
	}
	if h.Kind == registry.KindCohabitation {
		if in.ConvivenzaName == "" {
			v.add("convivenza_name", "is required for a convivenza")
		} else {
			v.text("convivenza_name", in.ConvivenzaName, maxName)
		}
		if in.ConvivenzaKind == 0 {
			v.add("convivenza_kind", "is required for a convivenza (ANPR table 27)")
		} else if _, ok := anpr.CohabitationKind(in.ConvivenzaKind); !ok {
			v.add("convivenza_kind", "is not a code of ANPR table 27 (specie della convivenza)")
		}
	} else {
		if in.ConvivenzaName != "" {
			v.add("convivenza_name", "is only for a convivenza")
		}
		if in.ConvivenzaKind != 0 {
			v.add("convivenza_kind", "is only for a convivenza")
		}
	}
	h.Address = v.address("address", in.Address, in.AIRE)
	if len(in.Members) == 0 {
		v.add("members", "must have at least one member")
		return h
	}
	h.Members = make([]registry.Person, len(in.Members))
	heads, spouses := 0, 0
	for i := range in.Members {
		path := "members[" + strconv.Itoa(i) + "]"
		p := v.person(path, i, &in.Members[i], h.Kind, in.AIRE)
		p.HouseholdID = h.ID
		h.Members[i] = p
		switch {
		case p.Kinship == registry.KinHead:
			heads++
			if heads > 1 {
				v.add(path+".kinship", "is a second head of household; a household has exactly one (kinship 1)")
			} else if i != 0 {
				v.add(path+".kinship", "the head of household (kinship 1) must be the first member")
			}
		case h.Kind == registry.KindFamily && (p.Kinship == registry.KinSpouse || p.Kinship == registry.KinCivilPartner):
			spouses++
			if spouses > 1 {
				v.add(path+".kinship", "is a second spouse or civil partner of the head (kinship 2 or 28); there can be one")
			}
		}
		// The current residence is the household's address.
		if n := len(p.Residences); n > 0 && in.Members[i].Residences[n-1].To == "" {
			rpath := path + ".residences[" + strconv.Itoa(n-1) + "]"
			switch {
			case in.AIRE:
				v.add(rpath+".to", "a member of an AIRE household cannot have an open residence in the comune")
			case p.Residences[n-1].Address != h.Address:
				v.add(rpath+".address", "the current residence (without to) must be at the household's address")
			}
		}
	}
	if head := headIndex(h.Members); head >= 0 && h.Members[head].Removal != nil {
		for _, m := range h.Members {
			if m.Removal == nil {
				v.add("members["+strconv.Itoa(head)+"].removal",
					"the head of household is removed from the register while other members are not: one of them must be the head")
				break
			}
		}
	}
	if heads == 0 {
		if h.Kind == registry.KindCohabitation {
			v.add("members", "has no responsible of the convivenza (bond 1); there must be exactly one")
		} else {
			v.add("members", "has no head of household (kinship 1); there must be exactly one")
		}
	}
	return h
}

// headIndex returns the index of the first member with kinship 1, or -1.
func headIndex(ms []registry.Person) int {
	for i, m := range ms {
		if m.Kinship == registry.KinHead {
			return i
		}
	}
	return -1
}

func (v *validator) person(path string, index int, in *jsonPerson, kind registry.HouseholdKind, aireHousehold bool) registry.Person {
	p := registry.Person{
		Surname:       in.Surname,
		Name:          in.Name,
		CivilStatus:   in.CivilStatus,
		Kinship:       in.Kinship,
		OpenProcedure: in.OpenProcedure,
		NoFixedAbode:  in.NoFixedAbode,
	}
	at := func(f string) string { return path + "." + f }

	okSurname := v.text(at("surname"), in.Surname, maxName)
	okName := v.text(at("name"), in.Name, maxName)
	okSex := true
	switch in.Sex {
	case "M":
		p.Sex = registry.Male
	case "F":
		p.Sex = registry.Female
	default:
		okSex = false
		v.add(at("sex"), `must be "M" or "F"`)
	}
	birth, okBirth := v.date(at("birth_date"), in.BirthDate, time.Time{}, "")
	p.BirthDate = birth
	var okPlace bool
	p.BirthPlace, okPlace = v.place(at("birth_place"), &in.BirthPlace, birth, okBirth)
	v.fiscalCode(at("fiscal_code"), index, in, &p, okSurname && okName && okSex && okBirth && okPlace)
	p.BirthRecord = v.record(at("birth_record"), in.BirthRecord, birth, okBirth)

	// after checks a date that must not be before the birth.
	after := func(path, s string) (time.Time, bool) {
		if !okBirth {
			return v.date(path, s, time.Time{}, "")
		}
		return v.date(path, s, birth, "must not be before the birth date")
	}

	// Citizenships.
	if len(in.Citizenships) == 0 {
		v.add(at("citizenships"), "must have at least one citizenship (997 while it is being determined)")
	}
	p.Citizenships = make([]registry.Citizenship, 0, len(in.Citizenships))
	special := false
	for i, c := range in.Citizenships {
		cpath := at("citizenships[" + strconv.Itoa(i) + "]")
		if _, ok := anpr.CitizenshipState(c.StateCode); !ok {
			v.add(cpath+".state_code", "is not an ISTAT code of a citizenship in ANPR table 2 (three digits, 100 for Italy)")
		}
		for _, prev := range in.Citizenships[:i] {
			if prev.StateCode == c.StateCode {
				v.add(cpath+".state_code", "appears twice")
				break
			}
		}
		switch c.StateCode {
		case registry.StateBeingDetermined, registry.StateNotAttributable, registry.StateStateless:
			special = true
		}
		// The adjective as printed ("ROMENA"), or the state's name when
		// there is none; empty for an invalid code, reported above.
		name, _ := anpr.CitizenshipText(c.StateCode)
		cz := registry.Citizenship{StateCode: c.StateCode, Name: name}
		if c.Since != "" {
			cz.Since, _ = after(cpath+".since", c.Since)
		}
		p.Citizenships = append(p.Citizenships, cz)
	}
	if special && len(in.Citizenships) > 1 {
		v.add(at("citizenships"), "a citizenship being determined, not attributable or stateless (997, 998, 999) must be the only one")
	}

	// Civil status and events.
	statusLabel, okStatus := anpr.CivilStatus(in.CivilStatus)
	if !okStatus {
		v.add(at("civil_status"), "is not a code of ANPR table 1 (stato civile)")
	}
	p.CivilEvents = make([]registry.CivilEvent, 0, len(in.CivilEvents))
	var prev time.Time
	var open registry.CivilEventKind // the marriage or union in force
	for i, e := range in.CivilEvents {
		epath := at("civil_events[" + strconv.Itoa(i) + "]")
		ev := registry.CivilEvent{Kind: registry.CivilEventKind(e.Kind), PartnerName: e.PartnerName, EndingType: e.EndingType}
		d, okDate := after(epath+".date", e.Date)
		ev.Date = d
		if okDate && !prev.IsZero() && d.Before(prev) {
			v.add(epath+".date", "must not be before the previous civil event's: events are oldest first")
		}
		if okDate {
			prev = d
		}
		switch ev.Kind {
		case registry.EventMarriage, registry.EventCivilUnion:
			if open != "" {
				v.add(epath+".kind", "a marriage or civil union cannot start while another is in force: record its end first")
			}
			open = ev.Kind
		case registry.EventDivorce, registry.EventAnnulment, registry.EventWidowhood:
			if open != registry.EventMarriage {
				v.add(epath+".kind", "must follow a marriage")
			}
			open = ""
		case registry.EventUnionDissolution, registry.EventPartnerDeath:
			if open != registry.EventCivilUnion {
				v.add(epath+".kind", "must follow a civil union")
			}
			open = ""
		default:
			v.add(epath+".kind", "must be one of marriage, civil_union, divorce, annulment, widowhood, union_dissolution, partner_death")
		}
		if e.Place != nil {
			ev.Place, _ = v.place(epath+".place", e.Place, d, okDate)
		}
		ev.Record = v.record(epath+".record", e.Record, d, okDate)
		ev.PartnerFiscalCode = v.partner(epath+".partner_fiscal_code", e.PartnerFiscalCode, p.FiscalCode)
		if e.PartnerName != "" {
			v.text(epath+".partner_name", e.PartnerName, maxName)
		}
		if e.EndingType != 0 {
			if ev.Kind != registry.EventDivorce && ev.Kind != registry.EventAnnulment {
				v.add(epath+".ending_type", "is only for divorce and annulment events")
			} else if _, ok := anpr.MarriageEnding(e.EndingType); !ok {
				v.add(epath+".ending_type", "is not a code of ANPR table 31 (tipo cessazione matrimonio)")
			}
		}
		p.CivilEvents = append(p.CivilEvents, ev)
	}
	if okStatus && len(in.CivilEvents) > 0 && in.CivilStatus != registry.CivilNotKnown {
		last := registry.CivilEventKind(in.CivilEvents[len(in.CivilEvents)-1].Kind)
		if need, ok := statusNeeds[in.CivilStatus]; ok && eventKinds[last] && !need.accepts(last) {
			v.add(at("civil_status"), fmt.Sprintf("%d (%s) needs %s", in.CivilStatus, statusLabel, need.text))
		}
	}

	// Cohabitation contracts.
	p.Contracts = make([]registry.CohabitationContract, 0, len(in.Contracts))
	inForce := 0
	for i, k := range in.Contracts {
		kpath := at("contracts[" + strconv.Itoa(i) + "]")
		ct := registry.CohabitationContract{PartnerName: k.PartnerName, Professional: k.Professional}
		d, okDate := after(kpath+".date", k.Date)
		ct.Date = d
		for _, f := range []struct {
			name, s string
			dst     *time.Time
		}{{"registered", k.Registered, &ct.Registered}, {"ended", k.Ended, &ct.Ended}} {
			if f.s == "" {
				continue
			}
			if okDate {
				*f.dst, _ = v.date(kpath+"."+f.name, f.s, d, "must not be before the contract's date")
			} else {
				*f.dst, _ = after(kpath+"."+f.name, f.s)
			}
		}
		if k.Ended == "" {
			inForce++
			if inForce > 1 {
				v.add(kpath+".ended", "is required: only one cohabitation contract can be in force")
			}
		}
		ct.PartnerFiscalCode = v.partner(kpath+".partner_fiscal_code", k.PartnerFiscalCode, p.FiscalCode)
		if k.PartnerName != "" {
			v.text(kpath+".partner_name", k.PartnerName, maxName)
		}
		if k.PartnerName == "" && k.PartnerFiscalCode == "" {
			v.add(kpath+".partner_name", "is required when the partner's fiscal code is not given")
		}
		if k.Professional != "" {
			v.text(kpath+".professional", k.Professional, maxLong)
		}
		p.Contracts = append(p.Contracts, ct)
	}

	// Kinship: table 5 in a famiglia, table 6 in a convivenza. The table 5
	// codes usable only at takeover are accepted: an import is one.
	if kind == registry.KindCohabitation {
		if _, ok := anpr.CohabitationBond(in.Kinship); !ok {
			v.add(at("kinship"), "is not a code of ANPR table 6 (legame nella convivenza)")
		}
	} else if _, ok := anpr.Kinship(in.Kinship); !ok {
		v.add(at("kinship"), "is not a code of ANPR table 5 (relazione di parentela)")
	}

	// Residences in the comune, oldest first; only the last may be open.
	p.Residences = make([]registry.Residence, 0, len(in.Residences))
	var prevRes *registry.Residence
	for i, r := range in.Residences {
		rpath := at("residences[" + strconv.Itoa(i) + "]")
		res := registry.Residence{FromComune: r.FromComune}
		from, okFrom := after(rpath+".from", r.From)
		res.From = from
		if r.To != "" {
			if okFrom {
				res.To, _ = v.date(rpath+".to", r.To, from, "must not be before from")
			} else {
				res.To, _ = after(rpath+".to", r.To)
			}
		}
		if prevRes != nil && okFrom {
			switch {
			case prevRes.To.IsZero():
				v.add(rpath+".from", "follows an open residence: only the last residence can be without to")
			case from.Before(prevRes.From):
				v.add(rpath+".from", "is before the previous residence's: residences are oldest first")
			case from.Before(prevRes.To):
				v.add(rpath+".from", "overlaps the previous residence")
			}
		}
		res.Address = v.address(rpath+".address", r.Address, false)
		if r.FromComune != "" {
			v.fromComune(rpath+".from_comune", r.FromComune, from, okFrom)
		}
		p.Residences = append(p.Residences, res)
		if okFrom {
			prevRes = &p.Residences[len(p.Residences)-1]
		} else {
			prevRes = nil
		}
	}

	// AIRE registration.
	if in.AIRE != nil {
		p.AIRE = &registry.AIRE{Consulate: in.AIRE.Consulate}
		p.AIRE.Since, _ = after(at("aire.since"), in.AIRE.Since)
		if in.AIRE.Consulate != "" {
			v.text(at("aire.consulate"), in.AIRE.Consulate, maxLong)
		}
		if !p.Italian() && len(in.Citizenships) > 0 {
			v.add(at("aire"), "only an Italian citizen (citizenship 100) can be registered in the AIRE")
		}
	}
	switch {
	case aireHousehold && in.AIRE == nil:
		v.add(at("aire"), "is required for a member of an AIRE household")
	case !aireHousehold && in.AIRE != nil:
		v.add(at("aire"), "is only for members of an AIRE household (aire: true)")
	}

	// Removal from the register.
	if in.Removal != nil {
		rm := in.Removal
		p.Removal = &registry.Removal{Reason: rm.Reason}
		var okDate bool
		p.Removal.Date, okDate = after(at("removal.date"), rm.Date)
		if _, ok := anpr.RemovalReason(rm.Reason); !ok {
			v.add(at("removal.reason"), "is not a code of ANPR table 15 (motivi di cancellazione)")
		}
		death := rm.Reason == registry.RemovalDeath || rm.Reason == registry.RemovalPresumedDeath
		switch {
		case rm.DeathPlace != nil && !death:
			v.add(at("removal.death_place"), "is only for a removal for death (reason 1 or 2)")
		case rm.DeathPlace == nil && rm.Reason == registry.RemovalDeath:
			v.add(at("removal.death_place"), "is required for a removal for death (reason 1)")
		case rm.DeathPlace != nil:
			p.Removal.DeathPlace, _ = v.place(at("removal.death_place"), rm.DeathPlace, p.Removal.Date, okDate)
		}
		if okDate {
			v.afterRemoval(path, &p, p.Removal.Date, death)
		}
	}

	// Certifiability: full unless the file says otherwise.
	p.Certifiability = registry.CertFull
	if in.Certifiability != nil {
		p.Certifiability = *in.Certifiability
		if _, ok := anpr.Certifiability(p.Certifiability); !ok {
			v.add(at("certifiability"), "is not a code of ANPR table 42 (certificabilità)")
		}
	}
	return p
}

// afterRemoval checks that nothing of a removed person happens after the
// removal: residences end by then, and after a death no event follows.
func (v *validator) afterRemoval(path string, p *registry.Person, date time.Time, death bool) {
	for i, r := range p.Residences {
		rpath := path + ".residences[" + strconv.Itoa(i) + "]"
		switch {
		case r.To.IsZero() && !r.From.IsZero():
			v.add(rpath+".to", "is required: a person removed from the register has no open residence")
		case r.To.After(date):
			v.add(rpath+".to", "must not be after the removal date")
		}
	}
	if !death {
		return
	}
	const msg = "must not be after the death (removal date)"
	for i, e := range p.CivilEvents {
		if e.Date.After(date) {
			v.add(path+".civil_events["+strconv.Itoa(i)+"].date", msg)
		}
	}
	for i, k := range p.Contracts {
		kpath := path + ".contracts[" + strconv.Itoa(i) + "]"
		if k.Date.After(date) {
			v.add(kpath+".date", msg)
		}
		if k.Ended.After(date) {
			v.add(kpath+".ended", msg)
		}
	}
	if p.AIRE != nil && p.AIRE.Since.After(date) {
		v.add(path+".aire.since", msg)
	}
	for i, c := range p.Citizenships {
		if c.Since.After(date) {
			v.add(path+".citizenships["+strconv.Itoa(i)+"].since", msg)
		}
	}
}

var eventKinds = map[registry.CivilEventKind]bool{
	registry.EventMarriage: true, registry.EventCivilUnion: true, registry.EventDivorce: true,
	registry.EventAnnulment: true, registry.EventWidowhood: true, registry.EventUnionDissolution: true,
	registry.EventPartnerDeath: true,
}

// need says which last civil events a civil status accepts.
type need struct {
	kinds []registry.CivilEventKind
	text  string
}

func (n need) accepts(k registry.CivilEventKind) bool {
	for _, x := range n.kinds {
		if x == k {
			return true
		}
	}
	return false
}

// statusNeeds maps a civil status (ANPR table 1) to the last civil event it
// requires when the person has events. 9 (not known) accepts anything.
var statusNeeds = map[int]need{
	registry.CivilSingle:       {[]registry.CivilEventKind{registry.EventAnnulment}, "no civil event, or an annulment as the last one"},
	registry.CivilMarried:      {[]registry.CivilEventKind{registry.EventMarriage}, "a marriage as the last civil event"},
	registry.CivilWidowed:      {[]registry.CivilEventKind{registry.EventWidowhood}, "a widowhood as the last civil event"},
	registry.CivilDivorced:     {[]registry.CivilEventKind{registry.EventDivorce}, "a divorce as the last civil event"},
	registry.CivilUnited:       {[]registry.CivilEventKind{registry.EventCivilUnion}, "a civil_union as the last civil event"},
	registry.CivilUnionDeadPar: {[]registry.CivilEventKind{registry.EventPartnerDeath}, "a partner_death as the last civil event"},
	registry.CivilUnionDissolv: {[]registry.CivilEventKind{registry.EventUnionDissolution}, "a union_dissolution as the last civil event"},
}

// fiscalCode checks the person's code and, when the data it encodes are
// valid (full), that it agrees with them, omocodia undone.
func (v *validator) fiscalCode(path string, index int, in *jsonPerson, p *registry.Person, full bool) {
	code, err := codicefiscale.Parse(in.FiscalCode)
	if err != nil {
		v.add(path, errs.PublicOf(err))
		return
	}
	p.FiscalCode = code.String()
	if v.cross {
		v.later(crossCheck{path: path, member: index, code: pack(p.FiscalCode)})
	}
	if !full {
		return
	}
	want, err := codicefiscale.Compute(p.Surname, p.Name, p.Sex, p.BirthDate, p.BirthPlace.ComuneCode+p.BirthPlace.StateCode)
	if err != nil {
		// The surname or name has no letter that counts, or a letter
		// outside the Latin script.
		v.add(path, "cannot be checked: "+errs.PublicOf(err))
		return
	}
	got := string(codicefiscale.Omocodia(code, 0))
	w := string(want)
	if got[0:3] != w[0:3] {
		v.add(path, "does not match the surname")
	}
	if got[3:6] != w[3:6] {
		v.add(path, "does not match the name")
	}
	if got[6:9] != w[6:9] {
		v.add(path, "does not match the birth date")
	} else if gd, wd := atoi(got[9:11]), atoi(w[9:11]); gd != wd {
		if gd%40 == wd%40 {
			v.add(path, "does not match the sex")
		} else {
			v.add(path, "does not match the birth date")
		}
	}
	if got[11:15] != w[11:15] {
		v.add(path, "does not match the birth place")
	}
}

// partner checks an optional partner's fiscal code.
func (v *validator) partner(path, s, own string) string {
	if s == "" {
		return ""
	}
	code, err := codicefiscale.Parse(s)
	if err != nil {
		v.add(path, errs.PublicOf(err))
		return s
	}
	if own != "" && code.String() == own {
		v.add(path, "must not be the person's own fiscal code")
	}
	return code.String()
}

// place resolves a comune valid on the date, or a foreign state. dateOK
// false means the date is not known: the comune's code is then only
// checked to exist.
func (v *validator) place(path string, in *jsonPlace, on time.Time, dateOK bool) (registry.Place, bool) {
	code := in.Code
	if comuni.IsForeign(code) {
		st, ok := comuni.StateByCadastral(code)
		if !ok {
			v.add(path+".code", "is not the code of a foreign state of ANPR table 2")
			return registry.Place{}, false
		}
		pl := registry.Place{StateCode: code, Country: st.Name, Name: st.Name}
		if in.Locality != "" {
			if !v.text(path+".locality", in.Locality, maxLong) {
				return pl, false
			}
			pl.Name = in.Locality
		}
		return pl, true
	}
	if !cadastral(code) {
		v.add(path+".code", "must be a cadastral code: a capital letter and three digits, e.g. F205 (Z and three digits abroad)")
		return registry.Place{}, false
	}
	if in.Locality != "" {
		v.add(path+".locality", "is only for a place abroad: a comune's name comes from the archive")
	}
	var c comuni.Comune
	ok := false
	if dateOK {
		c, ok = comuni.ByCadastral(code, on)
	}
	switch {
	case ok:
	case len(comuni.History(code)) == 0:
		v.add(path+".code", "is not the code of a comune in the ANPR archive")
		return registry.Place{}, false
	case !dateOK:
		return registry.Place{ComuneCode: code}, false
	default:
		v.add(path+".code", "is not the code of a comune in force on that date")
		return registry.Place{}, false
	}
	return registry.Place{ComuneCode: code, Name: c.Name, Province: c.Province}, in.Locality == ""
}

// fromComune checks the comune or state a residence came from.
func (v *validator) fromComune(path, code string, on time.Time, dateOK bool) {
	switch {
	case comuni.IsForeign(code):
		if _, ok := comuni.StateByCadastral(code); !ok {
			v.add(path, "is not the code of a foreign state of ANPR table 2")
		}
	case !cadastral(code):
		v.add(path, "must be a cadastral code: a capital letter and three digits (Z and three digits abroad)")
	case dateOK:
		// The person left that comune when the period began.
		_, ok := comuni.ByCadastral(code, on)
		if !ok {
			_, ok = comuni.ByCadastral(code, on.AddDate(0, 0, -1))
		}
		if !ok && len(comuni.History(code)) == 0 {
			v.add(path, "is not the code of a comune in the ANPR archive")
		} else if !ok {
			v.add(path, "is not the code of a comune in force when the residence began")
		}
	case len(comuni.History(code)) == 0:
		v.add(path, "is not the code of a comune in the ANPR archive")
	}
}

// record checks a reference to a civil-status act registered in an
// Italian comune, for an event on date (when dateOK).
func (v *validator) record(path string, in *jsonRecord, date time.Time, dateOK bool) *registry.CivilRecord {
	if in == nil {
		return nil
	}
	r := &registry.CivilRecord{ComuneCode: in.ComuneCode, Year: in.Year, Part: in.Part,
		Series: in.Series, Number: in.Number, Volume: in.Volume}
	switch {
	case comuni.IsForeign(in.ComuneCode):
		v.add(path+".comune_code", "must be an Italian comune, where the act is registered or transcribed")
	case !cadastral(in.ComuneCode):
		v.add(path+".comune_code", "must be a cadastral code: a capital letter and three digits, e.g. F205")
	case len(comuni.History(in.ComuneCode)) == 0:
		v.add(path+".comune_code", "is not the code of a comune in the ANPR archive")
	case !inForceIn(in.ComuneCode, in.Year):
		v.add(path+".comune_code", "is not the code of a comune in force in the act's year")
	}
	switch {
	case in.Year > v.today.Year():
		v.add(path+".year", "must not be in the future")
	case dateOK && in.Year < date.Year():
		v.add(path+".year", "must not be before the event's year")
	case in.Year < minDate.Year():
		v.add(path+".year", "must not be before 1800")
	}
	v.text(path+".number", in.Number, maxShort)
	for _, f := range []struct{ name, s string }{{"part", in.Part}, {"series", in.Series}, {"volume", in.Volume}} {
		if f.s != "" {
			v.text(path+"."+f.name, f.s, maxShort)
		}
	}
	return r
}

func inForceIn(code string, year int) bool {
	for _, c := range comuni.History(code) {
		if c.ValidFrom.Year() <= year && year <= c.ValidTo.Year() {
			return true
		}
	}
	return false
}

// address checks an address: abroad (an AIRE household's) it needs the
// state and the locality; in the comune it needs the street and must not
// have them.
func (v *validator) address(path string, in jsonAddress, abroad bool) registry.Address {
	a := registry.Address{Toponym: in.Toponym, Street: in.Street, Number: in.Number, Internal: in.Internal,
		PostalCode: in.PostalCode, Locality: in.Locality, StateCode: in.StateCode}
	for _, f := range []struct {
		name, s string
		max     int
	}{
		{"toponym", in.Toponym, maxToponym}, {"street", in.Street, maxStreet}, {"number", in.Number, maxShort},
		{"internal", in.Internal, maxShort}, {"postal_code", in.PostalCode, maxShort}, {"locality", in.Locality, maxLong},
	} {
		if f.s != "" {
			v.text(path+"."+f.name, f.s, f.max)
		}
	}
	if abroad {
		switch {
		case in.StateCode == "":
			v.add(path+".state_code", "is required for an AIRE household's address abroad")
		case !comuni.IsForeign(in.StateCode):
			v.add(path+".state_code", "must be the Z code of a foreign state, e.g. Z112")
		default:
			if st, ok := comuni.StateByCadastral(in.StateCode); ok {
				a.Country = st.Name
			} else {
				v.add(path+".state_code", "is not the code of a foreign state of ANPR table 2")
			}
		}
		if in.Locality == "" {
			v.add(path+".locality", "is required for an address abroad")
		}
		return a
	}
	if in.Street == "" {
		v.add(path+".street", "is required")
	}
	if in.StateCode != "" {
		v.add(path+".state_code", "is only for an address abroad (an AIRE household)")
	}
	if in.Locality != "" {
		v.add(path+".locality", "is only for an address abroad (an AIRE household)")
	}
	return a
}

// date parses a required YYYY-MM-DD date between 1800 and today, not
// before notBefore when that is set (then msg says why).
func (v *validator) date(path, s string, notBefore time.Time, msg string) (time.Time, bool) {
	t, ok := parseDate(s)
	switch {
	case s == "":
		v.add(path, "must not be empty")
	case !ok:
		v.add(path, "must be a date written YYYY-MM-DD")
	case t.Before(minDate):
		v.add(path, "must not be before 1800-01-01")
	case t.After(v.today):
		v.add(path, "must not be in the future")
	case !notBefore.IsZero() && t.Before(notBefore):
		v.add(path, msg)
	default:
		return t, true
	}
	if ok {
		return t, false
	}
	return time.Time{}, false
}

// text checks a text field: not empty, no invisible characters, no space
// at either end, at most max characters.
func (v *validator) text(path, s string, max int) bool {
	switch {
	case s == "":
		v.add(path, "must not be empty")
	case strings.IndexFunc(s, invisible) >= 0:
		v.add(path, "must not contain control, formatting or replacement characters")
	case strings.TrimSpace(s) != s:
		v.add(path, "must not start or end with a space")
	case utf8.RuneCountInString(s) > max:
		v.add(path, fmt.Sprintf("must be at most %d characters", max))
	default:
		return true
	}
	return false
}

// invisible reports the characters a text field must not have: controls,
// formatting characters (bidirectional overrides, zero-width joiners, soft
// hyphens), private-use characters, and U+FFFD, left where bytes could not
// be decoded upstream.
func invisible(r rune) bool {
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co) || r == utf8.RuneError
}

// id checks a household ID: 1 to maxID printable characters, no spaces.
func (v *validator) id(path, s string) bool {
	switch {
	case s == "":
		v.add(path, "must not be empty")
	case len(s) > maxID:
		v.add(path, fmt.Sprintf("must be at most %d bytes", maxID))
	case strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) || unicode.IsSpace(r) }) >= 0:
		v.add(path, "must be printable characters without spaces")
	default:
		return true
	}
	return false
}

// cadastral reports whether s is a capital letter and three digits.
func cadastral(s string) bool {
	return len(s) == 4 && 'A' <= s[0] && s[0] <= 'Z' && isDigits(s[1:])
}

func parseDate(s string) (time.Time, bool) { return civildate.Parse(s) }

func isDigits(s string) bool { return civildate.Digits(s) }

func atoi(s string) int { return civildate.Atoi(s) }

func dateOf(t time.Time) time.Time { return civildate.Of(t) }

// pack stores a valid fiscal code (16 characters of 0-9A-Z) in 12 bytes,
// six bits a character.
func pack(code string) [12]byte {
	var k [12]byte
	var acc uint32
	bits, j := 0, 0
	for i := range len(code) {
		c := code[i]
		var x uint32
		if c <= '9' {
			x = uint32(c - '0')
		} else {
			x = uint32(c-'A') + 10
		}
		acc = acc<<6 | x
		bits += 6
		for bits >= 8 {
			bits -= 8
			k[j] = byte(acc >> bits)
			j++
		}
	}
	return k
}

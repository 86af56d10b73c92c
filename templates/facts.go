package templates

import (
	"sort"
	"strconv"
	"strings"

	"certa.example/certa/internal/registry"
	"certa.example/certa/templates/i18n"
)

// Fact keys of a QR seal (internal/seal Claims.Facts). They are part of the
// seal format (docs/seal.md): append-only, never renamed.
const (
	FactAddress      = "address"      // residence in the comune
	FactAbroad       = "abroad"       // AIRE address abroad
	FactBirthPlace   = "birth_place"  // place of birth
	FactCitizenship  = "citizenship"  // citizenships, as printed
	FactCivilStatus  = "civil_status" // ANPR table 1 label
	FactPartner      = "partner"      // spouse, civil partner or cohabitant
	FactEventDate    = "event_date"   // marriage, union or contract date
	FactDeathDate    = "death_date"   // date of death
	FactRemovalDate  = "removal_date" // date of removal from the register
	FactMembers      = "members"      // household members (names), or their count
	FactCohabitation = "cohabitation" // convivenza's name
	FactAlive        = "alive_on"     // date existence was certified
	FactAt           = "at"           // the date a storico certificate refers to
	FactResidentAt   = "resident_at"  // address on that date, "-" when none
	FactResidences   = "residences"   // number of residences on record
)

// maxFact is the longest fact value SealFacts writes (internal/seal
// accepts 256 bytes); a longer list becomes a count.
const maxFact = 200

// SealFacts returns the certified facts of d in short form, in Italian,
// for the QR seal. Every type contributes the facts its body certifies; a
// contestuale certificate the union of its types' facts.
func SealFacts(d *Document) map[string]string {
	f := map[string]string{}
	types := append([]*Type{d.Type}, d.Also...)
	for _, t := range types {
		addFacts(f, t.Name, d)
	}
	return f
}

func addFacts(f map[string]string, typ string, d *Document) {
	per, h := d.Subject.Person, d.Subject.Household
	switch typ {
	case "residenza":
		f[FactAddress] = address(h.Address)
	case "residenza_convivenza":
		f[FactAddress] = address(h.Address)
		f[FactCohabitation] = orDash(h.CohabitationName)
	case "residenza_aire":
		f[FactAbroad] = abroad(h.Address)
	case "nascita":
		f[FactBirthPlace] = birthPlace(per.BirthPlace)
	case "morte":
		if r := per.Removal; r != nil {
			f[FactDeathDate] = date(r.Date)
		}
	case "cancellazione":
		if r := per.Removal; r != nil {
			f[FactRemovalDate] = date(r.Date)
		}
	case "cittadinanza", "storico_cittadinanza":
		f[FactCitizenship] = orDash(per.CitizenshipNames())
	case "esistenza_in_vita":
		f[FactAlive] = date(d.IssuedAt)
	case "stato_civile", "stato_libero":
		f[FactCivilStatus] = civilStatus(per, i18n.IT)
	case "matrimonio":
		e := lastEvent(per, registry.EventMarriage)
		f[FactPartner], f[FactEventDate] = orDash(e.PartnerName), date(e.Date)
	case "unione_civile":
		e := lastEvent(per, registry.EventCivilUnion)
		f[FactPartner], f[FactEventDate] = orDash(e.PartnerName), date(e.Date)
	case "contratto_convivenza":
		var c registry.CohabitationContract
		for _, k := range per.Contracts {
			if k.Ended.IsZero() {
				c = k
			}
		}
		f[FactPartner], f[FactEventDate] = orDash(c.PartnerName), date(c.Date)
	case "stato_famiglia", "stato_famiglia_parentela", "stato_famiglia_stato_civile":
		f[FactAddress] = address(h.Address)
		f[FactMembers] = members(h)
	case "stato_famiglia_aire":
		f[FactAbroad] = abroad(h.Address)
		f[FactMembers] = members(h)
	case "storico_residenza":
		f[FactResidences] = strconv.Itoa(len(per.Residences))
	case "storico_residenza_data":
		f[FactAt] = date(d.At)
		f[FactResidentAt] = "-"
		for _, r := range per.Residences {
			if !r.From.After(d.At) && (r.To.IsZero() || d.At.Before(r.To)) {
				f[FactResidentAt] = address(r.Address)
			}
		}
	}
	for k, v := range f {
		if len(v) > maxFact {
			f[k] = v[:cutUTF8(v, maxFact-3)] + "..."
		}
	}
}

// members lists the registered members' names, or counts them when the
// list is too long for a seal.
func members(h registry.Household) string {
	var names []string
	for _, m := range h.Members {
		if m.Removal == nil {
			names = append(names, fullName(m))
		}
	}
	if s := strings.Join(names, ", "); len(s) <= maxFact {
		return s
	}
	return strconv.Itoa(len(names))
}

// cutUTF8 returns the largest index <= n that starts a UTF-8 character.
func cutUTF8(s string, n int) int {
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return n
}

// FactLabel returns the label of a seal fact key in lang ("it" or "en");
// an unknown key is returned as it is.
func FactLabel(key, lang string) string {
	l, ok := factLabels[key]
	if !ok {
		return key
	}
	if lang == "en" {
		return l[1]
	}
	return l[0]
}

var factLabels = map[string][2]string{
	FactAddress:      {"Indirizzo", "Address"},
	FactAbroad:       {"Indirizzo all'estero", "Address abroad"},
	FactBirthPlace:   {"Luogo di nascita", "Place of birth"},
	FactCitizenship:  {"Cittadinanza", "Citizenship"},
	FactCivilStatus:  {"Stato civile", "Civil status"},
	FactPartner:      {"Con", "With"},
	FactEventDate:    {"Data dell'atto", "Date"},
	FactDeathDate:    {"Data di morte", "Date of death"},
	FactRemovalDate:  {"Data di cancellazione", "Date of removal"},
	FactMembers:      {"Componenti della famiglia", "Household members"},
	FactCohabitation: {"Convivenza", "Institution"},
	FactAlive:        {"In vita alla data", "Alive on"},
	FactAt:           {"Alla data", "On the date"},
	FactResidentAt:   {"Residente in", "Resident at"},
	FactResidences:   {"Residenze registrate", "Residences on record"},
}

// FactKeys returns the keys of facts in a stable display order.
func FactKeys(facts map[string]string) []string {
	keys := make([]string, 0, len(facts))
	for k := range facts {
		keys = append(keys, k)
	}
	order := func(k string) int {
		for i, o := range factOrder {
			if o == k {
				return i
			}
		}
		return len(factOrder)
	}
	sort.Slice(keys, func(i, j int) bool {
		oi, oj := order(keys[i]), order(keys[j])
		if oi != oj {
			return oi < oj
		}
		return keys[i] < keys[j]
	})
	return keys
}

var factOrder = []string{FactAddress, FactAbroad, FactCohabitation, FactMembers, FactBirthPlace, FactCitizenship,
	FactCivilStatus, FactPartner, FactEventDate, FactDeathDate, FactRemovalDate, FactAlive, FactAt, FactResidentAt, FactResidences}

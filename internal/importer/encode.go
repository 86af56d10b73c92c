package importer

import (
	"bytes"
	"encoding/json"
	"io"
	"time"

	"certa.example/certa/internal/registry"
)

// Marshal returns a household as one line of the import format, without
// the line ending. Names that the importer fills from the archives (of
// places, states and citizenships) are not written: a place is written as
// its code, with the locality when it is abroad and differs from the
// state's name. Zero dates and empty optional fields are left out, and
// the kind and the certifiability are always written.
func Marshal(h registry.Household) ([]byte, error) {
	out := jsonHousehold{
		ID:             h.ID,
		Kind:           string(h.Kind),
		Address:        wireAddress(h.Address),
		AIRE:           h.AIRE,
		Incomplete:     h.Incomplete,
		ConvivenzaName: h.CohabitationName,
		ConvivenzaKind: h.CohabitationKind,
		Members:        make([]jsonPerson, len(h.Members)),
	}
	if out.Kind == "" {
		out.Kind = string(registry.KindFamily)
	}
	for i, p := range h.Members {
		out.Members[i] = wirePerson(p)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// Encode writes a household as one line of the import format.
func Encode(w io.Writer, h registry.Household) error {
	b, err := Marshal(h)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func wirePerson(p registry.Person) jsonPerson {
	cert := p.Certifiability
	out := jsonPerson{
		FiscalCode:     p.FiscalCode,
		Surname:        p.Surname,
		Name:           p.Name,
		Sex:            string(p.Sex),
		BirthDate:      wireDate(p.BirthDate),
		BirthPlace:     wirePlace(p.BirthPlace),
		BirthRecord:    wireRecord(p.BirthRecord),
		Citizenships:   make([]jsonCitizenship, len(p.Citizenships)),
		CivilStatus:    p.CivilStatus,
		Kinship:        p.Kinship,
		Certifiability: &cert,
		OpenProcedure:  p.OpenProcedure,
		NoFixedAbode:   p.NoFixedAbode,
	}
	for i, c := range p.Citizenships {
		out.Citizenships[i] = jsonCitizenship{StateCode: c.StateCode, Since: wireDate(c.Since)}
	}
	for _, e := range p.CivilEvents {
		je := jsonEvent{
			Kind:              string(e.Kind),
			Date:              wireDate(e.Date),
			Record:            wireRecord(e.Record),
			PartnerFiscalCode: e.PartnerFiscalCode,
			PartnerName:       e.PartnerName,
			EndingType:        e.EndingType,
		}
		if e.Place != (registry.Place{}) {
			pl := wirePlace(e.Place)
			je.Place = &pl
		}
		out.CivilEvents = append(out.CivilEvents, je)
	}
	for _, k := range p.Contracts {
		out.Contracts = append(out.Contracts, jsonContract{
			PartnerFiscalCode: k.PartnerFiscalCode,
			PartnerName:       k.PartnerName,
			Date:              wireDate(k.Date),
			Registered:        wireDate(k.Registered),
			Professional:      k.Professional,
			Ended:             wireDate(k.Ended),
		})
	}
	for _, r := range p.Residences {
		out.Residences = append(out.Residences, jsonResidence{
			From:       wireDate(r.From),
			To:         wireDate(r.To),
			Address:    wireAddress(r.Address),
			FromComune: r.FromComune,
		})
	}
	if p.AIRE != nil {
		out.AIRE = &jsonAIRE{Since: wireDate(p.AIRE.Since), Consulate: p.AIRE.Consulate}
	}
	if p.Removal != nil {
		out.Removal = &jsonRemoval{Reason: p.Removal.Reason, Date: wireDate(p.Removal.Date)}
		if p.Removal.DeathPlace != (registry.Place{}) {
			pl := wirePlace(p.Removal.DeathPlace)
			out.Removal.DeathPlace = &pl
		}
	}
	return out
}

func wirePlace(p registry.Place) jsonPlace {
	if p.StateCode != "" {
		out := jsonPlace{Code: p.StateCode}
		if p.Name != "" && p.Name != p.Country {
			out.Locality = p.Name
		}
		return out
	}
	return jsonPlace{Code: p.ComuneCode}
}

func wireAddress(a registry.Address) jsonAddress {
	return jsonAddress{Toponym: a.Toponym, Street: a.Street, Number: a.Number, Internal: a.Internal,
		PostalCode: a.PostalCode, Locality: a.Locality, StateCode: a.StateCode}
}

func wireRecord(r *registry.CivilRecord) *jsonRecord {
	if r == nil {
		return nil
	}
	return &jsonRecord{ComuneCode: r.ComuneCode, Year: r.Year, Part: r.Part, Series: r.Series,
		Number: r.Number, Volume: r.Volume}
}

func wireDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

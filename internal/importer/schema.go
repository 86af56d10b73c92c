package importer

import (
	"reflect"
	"strings"
)

// The wire format: one jsonHousehold per line. Field names are snake_case
// and mirror registry's model; docs/registry-import.md documents them. A
// field tagged imp:"required" must be present; the others may be omitted.
// Names of places, states and citizenships are not part of the format: the
// importer fills them from the embedded archives.

type jsonHousehold struct {
	ID             string       `json:"id" imp:"required"`
	Kind           string       `json:"kind,omitempty"`
	Address        jsonAddress  `json:"address" imp:"required"`
	AIRE           bool         `json:"aire,omitempty"`
	Incomplete     bool         `json:"incomplete,omitempty"`
	ConvivenzaName string       `json:"convivenza_name,omitempty"`
	ConvivenzaKind int          `json:"convivenza_kind,omitempty"`
	Members        []jsonPerson `json:"members" imp:"required"`
}

type jsonAddress struct {
	Toponym    string `json:"toponym,omitempty"`
	Street     string `json:"street,omitempty"`
	Number     string `json:"number,omitempty"`
	Internal   string `json:"internal,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
	Locality   string `json:"locality,omitempty"`
	StateCode  string `json:"state_code,omitempty"`
}

type jsonPlace struct {
	Code     string `json:"code" imp:"required"`
	Locality string `json:"locality,omitempty"`
}

type jsonRecord struct {
	ComuneCode string `json:"comune_code" imp:"required"`
	Year       int    `json:"year" imp:"required"`
	Part       string `json:"part,omitempty"`
	Series     string `json:"series,omitempty"`
	Number     string `json:"number" imp:"required"`
	Volume     string `json:"volume,omitempty"`
}

type jsonCitizenship struct {
	StateCode string `json:"state_code" imp:"required"`
	Since     string `json:"since,omitempty"`
}

type jsonEvent struct {
	Kind              string      `json:"kind" imp:"required"`
	Date              string      `json:"date" imp:"required"`
	Place             *jsonPlace  `json:"place,omitempty"`
	Record            *jsonRecord `json:"record,omitempty"`
	PartnerFiscalCode string      `json:"partner_fiscal_code,omitempty"`
	PartnerName       string      `json:"partner_name,omitempty"`
	EndingType        int         `json:"ending_type,omitempty"`
}

type jsonContract struct {
	PartnerFiscalCode string `json:"partner_fiscal_code,omitempty"`
	PartnerName       string `json:"partner_name,omitempty"`
	Date              string `json:"date" imp:"required"`
	Registered        string `json:"registered,omitempty"`
	Professional      string `json:"professional,omitempty"`
	Ended             string `json:"ended,omitempty"`
}

type jsonResidence struct {
	From       string      `json:"from" imp:"required"`
	To         string      `json:"to,omitempty"`
	Address    jsonAddress `json:"address" imp:"required"`
	FromComune string      `json:"from_comune,omitempty"`
}

type jsonAIRE struct {
	Since     string `json:"since" imp:"required"`
	Consulate string `json:"consulate,omitempty"`
}

type jsonRemoval struct {
	Reason     int        `json:"reason" imp:"required"`
	Date       string     `json:"date" imp:"required"`
	DeathPlace *jsonPlace `json:"death_place,omitempty"`
}

type jsonPerson struct {
	FiscalCode     string            `json:"fiscal_code" imp:"required"`
	Surname        string            `json:"surname" imp:"required"`
	Name           string            `json:"name" imp:"required"`
	Sex            string            `json:"sex" imp:"required"`
	BirthDate      string            `json:"birth_date" imp:"required"`
	BirthPlace     jsonPlace         `json:"birth_place" imp:"required"`
	BirthRecord    *jsonRecord       `json:"birth_record,omitempty"`
	Citizenships   []jsonCitizenship `json:"citizenships" imp:"required"`
	CivilStatus    int               `json:"civil_status" imp:"required"`
	CivilEvents    []jsonEvent       `json:"civil_events,omitempty"`
	Contracts      []jsonContract    `json:"contracts,omitempty"`
	Kinship        int               `json:"kinship" imp:"required"`
	Residences     []jsonResidence   `json:"residences,omitempty"`
	AIRE           *jsonAIRE         `json:"aire,omitempty"`
	Removal        *jsonRemoval      `json:"removal,omitempty"`
	Certifiability *int              `json:"certifiability,omitempty"`
	OpenProcedure  bool              `json:"open_procedure,omitempty"`
	NoFixedAbode   bool              `json:"no_fixed_abode,omitempty"`
}

// nodeKind is the JSON type a schema node accepts.
type nodeKind uint8

const (
	kString nodeKind = iota
	kInt
	kBool
	kObject
	kArray
)

// node describes the JSON value a Go type of the wire format accepts.
type node struct {
	kind     nodeKind
	nullable bool // a pointer or a slice: null means absent
	fields   []field
	elem     *node // array element
}

type field struct {
	name     string
	required bool
	node     *node
}

// lookup returns the index of the field with exactly that name, or -1.
func (n *node) lookup(name string) int {
	for i := range n.fields {
		if n.fields[i].name == name {
			return i
		}
	}
	return -1
}

// schema is the tree of the wire format, built once from the types.
var schema = build(reflect.TypeFor[jsonHousehold]())

func build(t reflect.Type) *node {
	n := &node{}
	if t.Kind() == reflect.Pointer {
		n.nullable = true
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		n.kind = kString
	case reflect.Int:
		n.kind = kInt
	case reflect.Bool:
		n.kind = kBool
	case reflect.Slice:
		n.kind = kArray
		n.nullable = true
		n.elem = build(t.Elem())
	case reflect.Struct:
		n.kind = kObject
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			n.fields = append(n.fields, field{name: name, required: f.Tag.Get("imp") == "required", node: build(f.Type)})
		}
		if len(n.fields) > 64 {
			panic("importer: a wire type has more than 64 fields")
		}
	default:
		panic("importer: unsupported wire type " + t.String())
	}
	return n
}

// fieldNames returns every field name of the schema, for suggestions.
func (n *node) names() []string {
	out := make([]string, len(n.fields))
	for i, f := range n.fields {
		out[i] = f.name
	}
	return out
}

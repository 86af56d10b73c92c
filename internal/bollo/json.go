package bollo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// ParseJSON decodes a Request strictly and checks it on its own, as
// Validate does before looking at the destination of use. It accepts one
// JSON object with exactly one of the members "paid", "pagopa" and
// "exempt", each an object with exactly its fields ("marca"; "iuv"; "code"
// and optionally "note"); names match exactly. It refuses anything else:
// unknown or repeated names, a null or wrongly typed value, a code that is
// not an integer, trailing data. JSON null and {} are bollo-mancante, two
// or three members bollo-ambiguo, any other shape bollo-malformato; a
// well-formed request with a bad value gets that value's slug. On error
// the Request is zero.
//
// A Request that ParseJSON returns marshals back with encoding/json to a
// document ParseJSON parses to the same Request.
func ParseJSON(b []byte) (Request, error) {
	r, err := parseShape(b)
	if err == nil {
		err = r.check()
	}
	if err != nil {
		return Request{}, err
	}
	return r, nil
}

// UnmarshalJSON decodes the request with ParseJSON, so that a Request
// embedded in a larger document is just as strict, whatever the outer
// decoder's settings. JSON null leaves r unchanged, by encoding/json's
// convention: an absent or null "bollo" is left for Validate to refuse.
func (r *Request) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		return nil
	}
	v, err := ParseJSON(b)
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// malformed is a bollo-malformato refusal with a detail.
func malformed(format string, args ...any) error {
	return refuse(SlugMalformed, fmt.Sprintf(format, args...))
}

// name quotes a field name from the input for a message, shortened.
func name(s string) string {
	const maxRunes = 40
	if utf8.RuneCountInString(s) > maxRunes {
		s = string([]rune(s)[:maxRunes]) + "…"
	}
	return strconv.Quote(s)
}

var errSyntax = malformed("il bollo non è JSON valido")

// parseShape decodes the JSON shape of a Request, without checking values.
func parseShape(b []byte) (Request, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return Request{}, errSyntax
	}
	var r Request
	switch tok {
	case nil: // null: nothing stated
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return Request{}, errSyntax
			}
			key, _ := tok.(string)
			if seen[key] {
				return Request{}, malformed("il campo %s è ripetuto", name(key))
			}
			seen[key] = true
			switch key {
			case "paid":
				r.Paid = new(Paid)
				err = parseMember(dec, key, []field{{name: "marca", str: &r.Paid.Marca}})
			case "pagopa":
				r.PagoPA = new(PagoPA)
				err = parseMember(dec, key, []field{{name: "iuv", str: &r.PagoPA.IUV}})
			case "exempt":
				r.Exempt = new(Exempt)
				err = parseMember(dec, key, []field{{name: "code", num: &r.Exempt.Code}, {name: "note", str: &r.Exempt.Note, optional: true}})
			default:
				err = malformed(`campo sconosciuto %s: sono ammessi "paid", "pagopa" o "exempt"`, name(key))
			}
			if err != nil {
				return Request{}, err
			}
		}
		if _, err := dec.Token(); err != nil { // '}'
			return Request{}, errSyntax
		}
	default:
		return Request{}, malformed("")
	}
	if _, err := dec.Token(); err != io.EOF {
		return Request{}, malformed("dopo il bollo non possono seguire altri dati")
	}
	return r, nil
}

// field is a field of a member: a string or an integer.
type field struct {
	name     string
	str      *string
	num      *int
	optional bool
}

// parseMember decodes the object that is the value of member into fields.
func parseMember(dec *json.Decoder, member string, fields []field) error {
	tok, err := dec.Token()
	if err != nil {
		return errSyntax
	}
	if tok != json.Delim('{') {
		return malformed("il campo %s deve essere un oggetto", name(member))
	}
	seen := make([]bool, len(fields))
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return errSyntax
		}
		key, _ := tok.(string)
		i := -1
		for j := range fields {
			if fields[j].name == key {
				i = j
			}
		}
		switch {
		case i < 0:
			return malformed("campo sconosciuto %s in %s", name(key), name(member))
		case seen[i]:
			return malformed("il campo %s è ripetuto in %s", name(key), name(member))
		}
		seen[i] = true
		f := fields[i]
		v, err := dec.Token()
		if err != nil {
			return errSyntax
		}
		if f.str != nil {
			s, ok := v.(string)
			if !ok {
				return malformed("il campo %s di %s deve essere una stringa", name(key), name(member))
			}
			*f.str = s
			continue
		}
		n, ok := v.(json.Number)
		c, err := strconv.Atoi(string(n))
		if !ok || err != nil {
			return malformed("il campo %s di %s deve essere un numero intero", name(key), name(member))
		}
		*f.num = c
	}
	if _, err := dec.Token(); err != nil { // '}'
		return errSyntax
	}
	for i, f := range fields {
		if !seen[i] && !f.optional {
			return malformed("manca il campo %s in %s", name(f.name), name(member))
		}
	}
	return nil
}

package bollo

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"certa.example/certa/internal/errs"
)

// FuzzParseJSON checks that ParseJSON never panics; that every refusal is
// an errs.InvalidRequest with one of Slugs and returns the zero Request;
// and that every Request it accepts is valid for generic use, has a line,
// and round-trips through encoding/json to the same Request.
func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{
		`{"paid":{"marca":"01234567890123"}}`,
		`{"pagopa":{"iuv":"RF18539007547034"}}`,
		`{"pagopa":{"iuv":"98000000000012345"}}`,
		`{"pagopa":{"iuv":"RF45w9"}}`,
		`{"exempt":{"code":3}}`,
		`{"exempt":{"code":99,"note":"Reg. CE 883/2004, art. 80"}}`,
		`{"exempt":{"note":"d\u00e8","code":99}}`,
		`{"exempt":{"code":99,"note":""}}`,
		`{"paid":{"marca":"01234567890123"},"exempt":{"code":3}}`,
		`{"paid":{"marca":"0123"}}`,
		`{"paid":{"marca":"01234567890123","x":1}}`,
		`{"paid":{"marca":"01234567890123"}}{}`,
		`{"paid":null}`,
		`{"exempt":{"code":3.5}}`,
		`{"exempt":{"code":-0}}`,
		`{}`, `null`, ``, `[]`, `"x"`, `{"a":`, "\xff",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseJSON(b)
		if err != nil {
			if errs.KindOf(err) != errs.InvalidRequest || !slices.Contains(Slugs(), SlugOf(err)) {
				t.Fatalf("refusal %v: kind %v, slug %q", err, errs.KindOf(err), SlugOf(err))
			}
			if !strings.HasPrefix(errs.PublicOf(err), SlugOf(err)+": ") {
				t.Fatalf("public detail %q", errs.PublicOf(err))
			}
			if !reflect.DeepEqual(r, Request{}) {
				t.Fatalf("ParseJSON returned %+v with an error", r)
			}
			return
		}
		if err := r.Validate(UseGeneric); err != nil {
			t.Fatalf("ParseJSON accepted %+v that Validate refuses: %v", r, err)
		}
		if r.Line() == "" {
			t.Fatalf("no line for %+v", r)
		}
		if r.Exempt != nil && r.Exempt.Note != "" && strings.Contains(r.Line(), r.Exempt.Note) && !strings.Contains(lineExempt, r.Exempt.Note) {
			t.Fatalf("the note %q is printed", r.Exempt.Note)
		}
		out, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		again, err := ParseJSON(out)
		if err != nil || !reflect.DeepEqual(again, r) {
			t.Fatalf("%s: ParseJSON = %+v, %v; want %+v", out, again, err, r)
		}
		var embedded struct{ Bollo Request }
		if err := json.Unmarshal(append(append([]byte(`{"Bollo":`), b...), '}'), &embedded); err != nil || !reflect.DeepEqual(embedded.Bollo, r) {
			t.Fatalf("embedded: %+v, %v; want %+v", embedded.Bollo, err, r)
		}
	})
}

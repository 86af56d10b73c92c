package bollo

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"certa.example/certa/internal/errs"
)

func TestParseJSON(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want Request
		slug string
	}{
		{"paid", `{"paid":{"marca":"01234567890123"}}`, paid("01234567890123"), ""},
		{"pagopa", `{"pagopa":{"iuv":"RF18539007547034"}}`, pagopa("RF18539007547034"), ""},
		{"exempt", `{"exempt":{"code":3}}`, exempt(3, ""), ""},
		{"exempt with note", `{"exempt":{"code":99,"note":"Reg. CE 883/2004, art. 80"}}`, exempt(99, "Reg. CE 883/2004, art. 80"), ""},
		{"note before code", `{"exempt":{"note":"motivo","code":99}}`, exempt(99, "motivo"), ""},
		{"white space", " \n{ \"paid\" : { \"marca\" : \"01234567890123\" } }\t\n", paid("01234567890123"), ""},
		{"escaped note", `{"exempt":{"code":99,"note":"d\u00e8 \"x\""}}`, exempt(99, `dè "x"`), ""},
		{"empty note for 1", `{"exempt":{"code":1,"note":""}}`, exempt(1, ""), ""},

		{"null", `null`, Request{}, SlugMissing},
		{"empty object", `{}`, Request{}, SlugMissing},
		{"paid and pagopa", `{"paid":{"marca":"01234567890123"},"pagopa":{"iuv":"123"}}`, Request{}, SlugAmbiguous},
		{"all three", `{"paid":{"marca":"01234567890123"},"pagopa":{"iuv":"123"},"exempt":{"code":3}}`, Request{}, SlugAmbiguous},

		{"empty", ``, Request{}, SlugMalformed},
		{"not JSON", `bollo`, Request{}, SlugMalformed},
		{"truncated", `{"paid":{"marca":"01234567890123"}`, Request{}, SlugMalformed},
		{"array", `[{"paid":{"marca":"01234567890123"}}]`, Request{}, SlugMalformed},
		{"string", `"01234567890123"`, Request{}, SlugMalformed},
		{"number", `16`, Request{}, SlugMalformed},
		{"true", `true`, Request{}, SlugMalformed},
		{"trailing object", `{"paid":{"marca":"01234567890123"}}{}`, Request{}, SlugMalformed},
		{"trailing garbage", `{"paid":{"marca":"01234567890123"}} x`, Request{}, SlugMalformed},
		{"trailing comma", `{"paid":{"marca":"01234567890123"},}`, Request{}, SlugMalformed},
		{"null then more", `null null`, Request{}, SlugMalformed},
		{"unknown member", `{"stamp":{"marca":"01234567890123"}}`, Request{}, SlugMalformed},
		{"member in other case", `{"Paid":{"marca":"01234567890123"}}`, Request{}, SlugMalformed},
		{"repeated member", `{"paid":{"marca":"01234567890123"},"paid":{"marca":"01234567890123"}}`, Request{}, SlugMalformed},
		{"member null", `{"paid":null}`, Request{}, SlugMalformed},
		{"member string", `{"paid":"01234567890123"}`, Request{}, SlugMalformed},
		{"member array", `{"exempt":[3]}`, Request{}, SlugMalformed},
		{"unknown field", `{"paid":{"marca":"01234567890123","importo":1600}}`, Request{}, SlugMalformed},
		{"field in other case", `{"paid":{"Marca":"01234567890123"}}`, Request{}, SlugMalformed},
		{"repeated field", `{"pagopa":{"iuv":"123","iuv":"456"}}`, Request{}, SlugMalformed},
		{"missing marca", `{"paid":{}}`, Request{}, SlugMalformed},
		{"missing iuv", `{"pagopa":{}}`, Request{}, SlugMalformed},
		{"missing code", `{"exempt":{"note":"x"}}`, Request{}, SlugMalformed},
		{"marca as number", `{"paid":{"marca":1234567890123}}`, Request{}, SlugMalformed},
		{"marca null", `{"paid":{"marca":null}}`, Request{}, SlugMalformed},
		{"code as string", `{"exempt":{"code":"3"}}`, Request{}, SlugMalformed},
		{"code fractional", `{"exempt":{"code":3.0}}`, Request{}, SlugMalformed},
		{"code exponent", `{"exempt":{"code":3e0}}`, Request{}, SlugMalformed},
		{"code huge", `{"exempt":{"code":99999999999999999999999}}`, Request{}, SlugMalformed},
		{"code null", `{"exempt":{"code":null}}`, Request{}, SlugMalformed},
		{"note as number", `{"exempt":{"code":99,"note":5}}`, Request{}, SlugMalformed},
		{"note as object", `{"exempt":{"code":99,"note":{"x":1}}}`, Request{}, SlugMalformed},

		{"bad marca", `{"paid":{"marca":"0123"}}`, Request{}, SlugMarca},
		{"bad IUV", `{"pagopa":{"iuv":"RF00539007547034"}}`, Request{}, SlugIUV},
		{"code 0", `{"exempt":{"code":0}}`, Request{}, SlugUnknownExemption},
		{"code -1", `{"exempt":{"code":-1}}`, Request{}, SlugUnknownExemption},
		{"99 without note", `{"exempt":{"code":99}}`, Request{}, SlugNoteMissing},
		{"note too long", `{"exempt":{"code":99,"note":"` + strings.Repeat("è", 257) + `"}}`, Request{}, SlugNoteTooLong},
		{"note with NUL", `{"exempt":{"code":99,"note":"a\u0000b"}}`, Request{}, SlugNoteInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseJSON([]byte(tc.in))
			wantSlug(t, err, tc.slug)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseJSON = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestParseJSONNamesLongKeysShortly(t *testing.T) {
	key := strings.Repeat("k", 1000)
	_, err := ParseJSON([]byte(`{"` + key + `":1}`))
	wantSlug(t, err, SlugMalformed)
	if p := errs.PublicOf(err); len(p) > 300 {
		t.Errorf("public detail of %d bytes", len(p))
	}
}

// TestRoundTrip: what ParseJSON accepts marshals back to what it parses
// the same.
func TestRoundTrip(t *testing.T) {
	for _, r := range []Request{
		paid("01234567890123"), pagopa("RF45w9"), exempt(1, ""), exempt(4, "incarico n. 12/2026"),
		exempt(99, "<Reg. CE> & \"883/2004\"\u2028"),
	} {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseJSON(b)
		if err != nil || !reflect.DeepEqual(got, r) {
			t.Errorf("%s: ParseJSON = %+v, %v; want %+v", b, got, err, r)
		}
	}
	b, _ := json.Marshal(exempt(3, ""))
	if string(b) != `{"exempt":{"code":3}}` {
		t.Errorf("Marshal = %s", b)
	}
}

// TestEmbedded: a Request inside an issuance request decodes just as
// strictly, whatever the outer decoder does; null and absence are left to
// Validate.
func TestEmbedded(t *testing.T) {
	type issue struct {
		Type  string  `json:"type"`
		Bollo Request `json:"bollo"`
		Use   Use     `json:"use"`
	}
	for _, tc := range []struct {
		name string
		in   string
		want issue
		slug string // of the decoding error
	}{
		{"paid", `{"type":"residenza","bollo":{"paid":{"marca":"01234567890123"}},"use":"abroad"}`,
			issue{"residenza", paid("01234567890123"), UseAbroad}, ""},
		{"absent", `{"type":"residenza"}`, issue{Type: "residenza"}, ""},
		{"null", `{"type":"residenza","bollo":null}`, issue{Type: "residenza"}, ""},
		{"nested unknown field", `{"bollo":{"paid":{"marca":"01234567890123","x":1}}}`, issue{}, SlugMalformed},
		{"nested field in other case", `{"bollo":{"PAID":{"marca":"01234567890123"}}}`, issue{}, SlugMalformed},
		{"ambiguous", `{"bollo":{"paid":{"marca":"01234567890123"},"exempt":{"code":3}}}`, issue{}, SlugAmbiguous},
		{"99 without note", `{"bollo":{"exempt":{"code":99}}}`, issue{}, SlugNoteMissing},
		{"unknown use", `{"use":"estero"}`, issue{}, SlugUnknownUse},
		{"empty use", `{"use":""}`, issue{Use: UseGeneric}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got issue
			err := json.Unmarshal([]byte(tc.in), &got)
			if tc.slug != "" {
				if SlugOf(err) != tc.slug {
					t.Fatalf("Unmarshal error %v, want slug %s", err, tc.slug)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
	var v issue
	if err := json.Unmarshal([]byte(`{"type":"residenza"}`), &v); err != nil {
		t.Fatal(err)
	}
	wantSlug(t, v.Bollo.Validate(v.Use), SlugMissing)
}

package importer

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzImportLine feeds arbitrary input to the decoder. It must never
// panic, and whatever it accepts must encode to lines it accepts again,
// giving the same households.
func FuzzImportLine(f *testing.F) {
	for _, l := range exampleLines(f) {
		f.Add(l)
	}
	for _, s := range []string{
		``, "\n", `{}`, `[]`, `null`, `{"id":"F1"}`, `{"id":"F1","id":"F2"}`, `{"ID":"F1"}`,
		`{"id":"F1","address":{"street":"ROMA"},"members":null}`,
		`{"id":"F1","members":[{"fiscal_code":null,"kinship":1.5,"birth_place":{"code":"Z999","x":[{"y":{}}]}}]}`,
		`{"id":"\u0000"}`, "{\"id\":\"\xff\"}", `{"id":"F1"}{"id":"F2"}`, `{"a\u005fb":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		hs, rep, err := Decode(bytes.NewReader(data), testNow, Options{MaxLineBytes: 64 << 10})
		if err != nil {
			if rep.Valid() && err == ErrInvalid {
				t.Fatal("ErrInvalid without errors")
			}
			for _, e := range rep.Errors {
				if e.Msg == "" {
					t.Fatalf("empty message: %+v", e)
				}
			}
			return
		}
		var again bytes.Buffer
		for _, h := range hs {
			if err := Encode(&again, h); err != nil {
				t.Fatalf("Encode: %v", err)
			}
		}
		hs2, rep2, err := Decode(bytes.NewReader(again.Bytes()), testNow, Options{MaxLineBytes: 1 << 20})
		if err != nil {
			t.Fatalf("re-encoded households do not validate: %v\n%s\n%v", err, again.Bytes(), rep2.Errors)
		}
		if !reflect.DeepEqual(hs, hs2) {
			t.Fatalf("round trip changed the households:\n%+v\n%+v", hs, hs2)
		}
	})
}

package pkcs11

import (
	"reflect"
	"strings"
	"testing"
)

const softhsmModule = "/usr/lib/softhsm/libsofthsm2.so"

func intPtr(n int) *int { return &n }

func TestParseURI(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want URI
	}{
		{
			name: "full",
			in:   "pkcs11:token=Comune%20di%20Roma;object=seal;id=%01%02;type=private;serial=abc123;manufacturer=SoftHSM%20project;model=SoftHSM%20v2;slot-id=7?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/etc/certa/pin&max-sessions=4",
			want: URI{
				Token: "Comune di Roma", Object: "seal", ID: []byte{1, 2}, Type: "private",
				Serial: "abc123", Manufacturer: "SoftHSM project", Model: "SoftHSM v2", SlotID: intPtr(7),
				ModulePath: softhsmModule, PINSource: "file:/etc/certa/pin", MaxSessions: 4,
			},
		},
		{
			name: "minimal with label",
			in:   "pkcs11:token=t;object=k?module-path=/m.so",
			want: URI{Token: "t", Object: "k", ModulePath: "/m.so"},
		},
		{
			name: "serial and id only",
			in:   "pkcs11:serial=0123;id=%AB%cd?module-path=/m.so",
			want: URI{Serial: "0123", ID: []byte{0xab, 0xcd}, ModulePath: "/m.so"},
		},
		{
			name: "slot-id zero",
			in:   "pkcs11:slot-id=0;object=k?module-path=/m.so",
			want: URI{SlotID: intPtr(0), Object: "k", ModulePath: "/m.so"},
		},
		{
			name: "scheme case-insensitive",
			in:   "PKCS11:token=t;object=k?module-path=/m.so",
			want: URI{Token: "t", Object: "k", ModulePath: "/m.so"},
		},
		{
			name: "unencoded sub-delims in path and slash in query",
			in:   "pkcs11:token=a:b@c&d;object=x(y)!?module-path=/opt/hsm/lib.so&pin-source=file:///run/secrets/pin",
			want: URI{Token: "a:b@c&d", Object: "x(y)!", ModulePath: "/opt/hsm/lib.so", PINSource: "file:///run/secrets/pin"},
		},
		{
			name: "encoded separators",
			in:   "pkcs11:token=a%3Bb;object=c%2Fd%3Fe?module-path=/m%26n.so",
			want: URI{Token: "a;b", Object: "c/d?e", ModulePath: "/m&n.so"},
		},
		{
			name: "env pin source",
			in:   "pkcs11:token=t;object=k?module-path=/m.so&pin-source=env:CERTA_HSM_PIN",
			want: URI{Token: "t", Object: "k", ModulePath: "/m.so", PINSource: "env:CERTA_HSM_PIN"},
		},
		{
			name: "UTF-8 label",
			in:   "pkcs11:token=Citt%C3%A0;object=sigillo?module-path=/m.so",
			want: URI{Token: "Città", Object: "sigillo", ModulePath: "/m.so"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseURI(tc.in)
			if err != nil {
				t.Fatalf("ParseURI: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v\nwant %+v", got, tc.want)
			}
			again, err := ParseURI(got.String())
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Fatalf("String %q does not round-trip: %+v, %v", got.String(), again, err)
			}
		})
	}
}

func TestParseURIErrors(t *testing.T) {
	const q = "?module-path=/m.so"
	tests := []struct {
		name, in, want string
	}{
		{"wrong scheme", "pkcs12:token=t;object=k" + q, `must start with "pkcs11:"`},
		{"empty", "", `must start with "pkcs11:"`},
		{"unknown path attribute", "pkcs11:token=t;object=k;color=red" + q, `unknown path attribute "color"`},
		{"attribute names are case-sensitive", "pkcs11:Token=t;object=k" + q, `unknown path attribute "Token"`},
		{"unsupported RFC attribute", "pkcs11:token=t;object=k;slot-description=x" + q, `"slot-description" is not supported`},
		{"unknown query attribute", "pkcs11:token=t;object=k" + q + "&pin_source=file:/p", `unknown query attribute "pin_source"`},
		{"duplicate path attribute", "pkcs11:token=t;token=u;object=k" + q, `"token" appears more than once`},
		{"duplicate query attribute", "pkcs11:token=t;object=k" + q + "&module-path=/n.so", `"module-path" appears more than once`},
		{"pin-value in query", "pkcs11:token=t;object=k" + q + "&pin-value=1234", "use pin-source"},
		{"pin-value in path", "pkcs11:token=t;object=k;pin-value=1234" + q, "use pin-source"},
		{"module-name", "pkcs11:token=t;object=k?module-name=softhsm2", "use module-path"},
		{"no module-path", "pkcs11:token=t;object=k", "needs module-path"},
		{"relative module-path", "pkcs11:token=t;object=k?module-path=lib.so", "absolute"},
		{"no token selector", "pkcs11:model=m;object=k" + q, "select a token"},
		{"no object or id", "pkcs11:token=t;type=private" + q, "object or id"},
		{"type cert", "pkcs11:token=t;object=k;type=cert" + q, "type must be private"},
		{"empty value", "pkcs11:token=;object=k" + q, `"token" has an empty value`},
		{"no equals", "pkcs11:token;object=k" + q, `has no '='`},
		{"stray separator", "pkcs11:token=t;;object=k" + q, "stray separator"},
		{"trailing separator", "pkcs11:token=t;object=k;" + q, "stray separator"},
		{"bad percent", "pkcs11:token=t%zz;object=k" + q, "invalid percent-encoding"},
		{"truncated percent", "pkcs11:token=t;object=k%4" + q, "truncated percent-encoding"},
		{"space must be encoded", "pkcs11:token=a b;object=k" + q, "must be percent-encoded"},
		{"slash in path must be encoded", "pkcs11:token=a/b;object=k" + q, "must be percent-encoded"},
		{"invalid UTF-8", "pkcs11:token=%FF;object=k" + q, "not valid UTF-8"},
		{"NUL", "pkcs11:token=a%00;object=k" + q, "not valid UTF-8"},
		{"slot-id not a number", "pkcs11:slot-id=x1;object=k" + q, "slot-id must be a decimal number"},
		{"slot-id signed", "pkcs11:slot-id=+1;object=k" + q, "slot-id must be a decimal number"},
		{"slot-id overflow", "pkcs11:slot-id=99999999999999999999999;object=k" + q, "slot-id is out of range"},
		{"max-sessions zero", "pkcs11:token=t;object=k" + q + "&max-sessions=0", "max-sessions must be an integer from 1"},
		{"max-sessions negative", "pkcs11:token=t;object=k" + q + "&max-sessions=-1", "max-sessions must be an integer from 1"},
		{"max-sessions huge", "pkcs11:token=t;object=k" + q + "&max-sessions=100000", "max-sessions must be an integer from 1"},
		{"pin-source relative file", "pkcs11:token=t;object=k" + q + "&pin-source=file:pin.txt", "must be absolute"},
		{"pin-source file host", "pkcs11:token=t;object=k" + q + "&pin-source=file://host/pin", "must not name a host"},
		{"pin-source bad env", "pkcs11:token=t;object=k" + q + "&pin-source=env:1X", "env:NAME"},
		{"pin-source command", "pkcs11:token=t;object=k" + q + "&pin-source=%7C/bin/pinentry", "file:/absolute/path or env:NAME"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseURI(tc.in)
			if err == nil {
				t.Fatalf("ParseURI(%q) succeeded", tc.in)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "1234") {
				t.Fatalf("error %q repeats the PIN", err)
			}
		})
	}
}

func TestURIString(t *testing.T) {
	u := URI{
		Token: "Comune di Roma", Object: "seal/1", ID: []byte{0, 'a', 0xff}, Type: "private",
		SlotID: intPtr(3), ModulePath: "/usr/lib/x.so", PINSource: "file:/etc/pin", MaxSessions: 2,
	}
	want := "pkcs11:token=Comune%20di%20Roma;slot-id=3;object=seal%2F1;id=%00%61%FF;type=private?module-path=/usr/lib/x.so&pin-source=file:/etc/pin&max-sessions=2"
	if got := u.String(); got != want {
		t.Fatalf("String() = %q\nwant        %q", got, want)
	}
}

func FuzzParseURI(f *testing.F) {
	for _, s := range []string{
		"pkcs11:token=t;object=k?module-path=/m.so",
		"pkcs11:token=Comune%20di%20Roma;object=seal;id=%01%02;type=private;serial=abc;manufacturer=m;model=x;slot-id=7?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/p&max-sessions=8",
		"pkcs11:serial=1;id=%ff?module-path=/a&pin-source=env:PIN",
		"pkcs11:slot-id=0;object=a:b@c&d?module-path=/m.so&pin-source=file:///run/pin",
		"pkcs11:token=%;object=k?module-path=/m.so",
		"pkcs11:?",
		"pkcs11:token=t;object=k?module-path=/m.so&pin-value=1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseURI(s)
		if err != nil {
			return
		}
		out := u.String()
		again, err := ParseURI(out)
		if err != nil {
			t.Fatalf("ParseURI(%q) = %+v, but its String %q does not parse: %v", s, u, out, err)
		}
		if !reflect.DeepEqual(again, u) {
			t.Fatalf("round trip of %q through %q: got %+v, want %+v", s, out, again, u)
		}
		if again.String() != out {
			t.Fatalf("String is not canonical: %q then %q", out, again.String())
		}
	})
}

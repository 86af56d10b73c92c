package pades

import (
	"bytes"
	"encoding/asn1"
	"testing"
	"time"
)

func TestAppendText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "()"},
		{"Comune di Lodi", "(Comune di Lodi)"},
		{`a(b)c\`, `(a\(b\)c\\)`},
		{"Forlì", "<FEFF0046006F0072006C00EC>"},
		{"€ 😀", "<FEFF20AC0020D83DDE00>"},
		{"a\nb", "<FEFF0061000A0062>"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := appendText(nil, tc.in)
			if err != nil || string(got) != tc.want {
				t.Fatalf("appendText(%q) = %s, %v; want %s", tc.in, got, err, tc.want)
			}
			k := kString
			if got[0] == '<' {
				k = kHex
			}
			raw, err := decodeString(got, k)
			if err != nil || textString(raw) != tc.in {
				t.Fatalf("round trip: %q, %v", textString(raw), err)
			}
		})
	}
	if _, err := appendText(nil, "\xc3"); err == nil {
		t.Error("invalid UTF-8 accepted")
	}
}

func TestDecodeString(t *testing.T) {
	for _, tc := range []struct {
		in   string
		k    kind
		want string
	}{
		{`(a\nb\)\\)`, kString, "a\nb)\\"},
		{`(\101\0\1234)`, kString, "A\x00S4"},
		{"(a\\\nb)", kString, "ab"},
		{"(a\r\nb)", kString, "a\nb"},
		{"(x(y)z)", kString, "x(y)z"},
		{`(\q)`, kString, "q"},
		{"<41 4 2>", kHex, "AB"},
		{"<414>", kHex, "A@"},
		{"<>", kHex, ""},
	} {
		got, err := decodeString([]byte(tc.in), tc.k)
		if err != nil || string(got) != tc.want {
			t.Errorf("decodeString(%s) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	if _, err := decodeString([]byte("<4G>"), kHex); err == nil {
		t.Error("bad hex accepted")
	}
}

func TestAppendDate(t *testing.T) {
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), "(D:20260102030405+00'00')"},
		{time.Date(2026, 7, 1, 12, 0, 0, 0, time.FixedZone("CEST", 2*3600)), "(D:20260701120000+02'00')"},
		{time.Date(2026, 7, 1, 12, 0, 0, 0, time.FixedZone("NST", -(3*3600+30*60))), "(D:20260701120000-03'30')"},
	} {
		got, err := appendDate(nil, tc.t)
		if err != nil || string(got) != tc.want {
			t.Errorf("appendDate(%v) = %s, %v; want %s", tc.t, got, err, tc.want)
		}
	}
	if _, err := appendDate(nil, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)); err == nil {
		t.Error("year 10000 accepted")
	}
}

func TestParseValue(t *testing.T) {
	for _, tc := range []struct {
		in  string
		k   kind
		end int // -1: error
	}{
		{"<< /A [1 2 0 R (x)] /B <00ff> /C << >> >>rest", kDict, 41},
		{"12 0 R]", kRef, 6},
		{"12 0 obj", kNumber, 2},
		{"12 0", kNumber, 2},
		{"-1.5 ", kNumber, 4},
		{"/Name#20x/Next", kName, 9},
		{"true/", kBool, 4},
		{"null", kNull, 4},
		{"(a(b)c) ", kString, 7},
		{"% comment\n /X", kName, 13},
		{"(unterminated", kNone, -1},
		{"<zz>", kNone, -1},
		{"]", kNone, -1},
		{"1x", kNone, -1},
		{"<< /A >>", kNone, -1},
		{"<< 1 2 >>", kNone, -1},
		{"[1 2", kNone, -1},
		{"endobj", kNone, -1},
		{"", kNone, -1},
	} {
		sp, k, err := parseValue([]byte(tc.in), 0, 0)
		if tc.end < 0 {
			if err == nil {
				t.Errorf("parseValue(%q) accepted: %v %v", tc.in, sp, k)
			}
			continue
		}
		if err != nil || k != tc.k || sp.e != tc.end {
			t.Errorf("parseValue(%q) = %v, %v, %v; want kind %v ending at %d", tc.in, sp, k, err, tc.k, tc.end)
		}
	}
}

func TestNameIs(t *testing.T) {
	for _, tc := range []struct {
		raw, name string
		want      bool
	}{
		{"/AcroForm", "AcroForm", true},
		{"/Acro#46orm", "AcroForm", true},
		{"/AcroForms", "AcroForm", false},
		{"/Acro", "AcroForm", false},
		{"AcroForm", "AcroForm", false},
		{"/A#", "A#", true},
	} {
		if got := nameIs([]byte(tc.raw), tc.name); got != tc.want {
			t.Errorf("nameIs(%s, %s) = %v", tc.raw, tc.name, got)
		}
	}
}

func TestAppendTL(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 255, 256, 65535, 65536, 1 << 20} {
		want, _ := asn1.Marshal(make([]byte, n))
		got := appendTL(nil, 0x04, n)
		if !bytes.Equal(got, want[:len(want)-n]) || tlv(n) != len(want) {
			t.Errorf("appendTL(%d) = %x, want %x", n, got, want[:len(want)-n])
		}
	}
}

func TestParseEntry(t *testing.T) {
	for _, tc := range []struct {
		in  string
		ok  bool
		off int
	}{
		{"0000001234 00000 n \n", true, 1234},
		{"0000001234 00000 n\r\n", true, 1234},
		{"0000001234 00000 n \r", true, 1234},
		{"0000001234 00000 n\n\n", false, 0},
		{"000000123X 00000 n \n", false, 0},
		{"0000001234 00000 n", false, 0},
	} {
		off, _, _, err := parseEntry([]byte(tc.in))
		if (err == nil) != tc.ok || off != tc.off {
			t.Errorf("parseEntry(%q) = %d, %v", tc.in, off, err)
		}
	}
}

func TestEncodedOIDs(t *testing.T) {
	for _, tc := range []struct {
		enc []byte
		oid asn1.ObjectIdentifier
	}{{encData, oidData}, {encSignedData, oidSignedData}, {encTimeStampToken, oidTimeStampToken}} {
		if want, _ := asn1.Marshal(tc.oid); !bytes.Equal(tc.enc, want) {
			t.Errorf("%v encoded as %x, want %x", tc.oid, tc.enc, want)
		}
	}
	if len(encTimeStampToken) != tsOIDLen || len(encData) != 11 {
		t.Error("encoded OID lengths")
	}
}

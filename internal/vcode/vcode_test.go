package vcode

import (
	"bytes"
	"strings"
	"testing"
)

func TestNewIsCanonicalAndUnique(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		c, err := New(nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(c) != 19 || strings.Count(c, "-") != 3 {
			t.Fatalf("bad shape %q", c)
		}
		p, err := Parse(c)
		if err != nil || p != c {
			t.Fatalf("Parse(%q) = %q, %v", c, p, err)
		}
		if seen[c] {
			t.Fatalf("duplicate %q", c)
		}
		seen[c] = true
	}
}

func TestNewEncodesAllBits(t *testing.T) {
	c, _ := New(bytes.NewReader(bytes.Repeat([]byte{0xff}, 10)))
	if c != "ZZZZ-ZZZZ-ZZZZ-ZZZZ" {
		t.Fatalf("got %q", c)
	}
	c, _ = New(bytes.NewReader(make([]byte, 10)))
	if c != "0000-0000-0000-0000" {
		t.Fatalf("got %q", c)
	}
	if _, err := New(bytes.NewReader(make([]byte, 3))); err == nil {
		t.Fatal("short random source accepted")
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"ABCD-EFGH-JKMN-PQRS", "ABCD-EFGH-JKMN-PQRS", true},
		{"abcdefghjkmnpqrs", "ABCD-EFGH-JKMN-PQRS", true},
		{" abcd efgh jkmn pqrs ", "ABCD-EFGH-JKMN-PQRS", true},
		{"OIL0-0000-0000-0000", "0110-0000-0000-0000", true},
		{"ABCD-EFGH-JKMN-PQR", "", false},
		{"ABCD-EFGH-JKMN-PQRST", "", false},
		{"ABCD-EFGH-JKMN-PQRU", "", false},
		{"ABCD/EFGH/JKMN/PQRS", "", false},
		{"", "", false},
		{strings.Repeat("A", 100), "", false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := Parse(tc.in)
			if (err == nil) != tc.ok || got != tc.want {
				t.Fatalf("Parse(%q) = %q, %v; want %q ok=%v", tc.in, got, err, tc.want, tc.ok)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add("ABCD-EFGH-JKMN-PQRS")
	f.Add("oil0 0000 0000 0000")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil {
			return
		}
		again, err := Parse(c)
		if err != nil || again != c {
			t.Fatalf("canonical form %q does not round-trip", c)
		}
	})
}

package civildate

import (
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"2024-02-29", true}, {"2023-02-29", false}, {"2024-13-01", false}, {"2024-1-01", false},
		{"2024/01/01", false}, {"", false}, {"+024-01-01", false}, {"0000-01-01", true}, {"2024-04-31", false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			d, ok := Parse(tc.in)
			if ok != tc.ok {
				t.Fatalf("Parse(%q) ok = %v", tc.in, ok)
			}
			if ok && d.Format("2006-01-02") != tc.in {
				t.Fatalf("Parse(%q) = %v", tc.in, d)
			}
		})
	}
	loc := time.FixedZone("x", -11*3600)
	if got := Of(time.Date(2024, 3, 1, 23, 0, 0, 0, loc)); !got.Equal(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("Of = %v", got)
	}
}

package registry

import (
	"testing"
	"time"
)

func TestPersonStatus(t *testing.T) {
	day := time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		p    Person
		want string
	}{
		{"resident", Person{}, "resident"},
		{"aire", Person{AIRE: &AIRE{Since: day}}, "aire"},
		{"removed", Person{Removal: &Removal{Reason: RemovalUntraceable, Date: day}}, "removed"},
		{"removed after aire", Person{AIRE: &AIRE{Since: day}, Removal: &Removal{Reason: RemovalUntraceable, Date: day}}, "removed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.Status(); got != tc.want {
				t.Errorf("Status() = %q, want %q", got, tc.want)
			}
		})
	}
}

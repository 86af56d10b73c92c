// Package civildate handles calendar dates as certa carries them: a
// time.Time at midnight UTC, written YYYY-MM-DD.
package civildate

import "time"

// Parse reads YYYY-MM-DD strictly (no other form, no impossible day); it is
// much faster than time.Parse, which matters when loading archives.
func Parse(s string) (time.Time, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' || !Digits(s[:4]) || !Digits(s[5:7]) || !Digits(s[8:]) {
		return time.Time{}, false
	}
	y, m, d := Atoi(s[:4]), Atoi(s[5:7]), Atoi(s[8:])
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}

// Of is the calendar date of t, in t's location, at midnight UTC.
func Of(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Digits reports whether s is non-empty ASCII digits only.
func Digits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Atoi reads ASCII digits; the caller has checked them with Digits.
func Atoi(s string) int {
	n := 0
	for i := range len(s) {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

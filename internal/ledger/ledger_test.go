package ledger

import (
	"strings"
	"testing"

	"certa.example/certa/internal/errs"
)

func TestParseReason(t *testing.T) {
	for _, r := range []Reason{ReasonIssuedInError, ReasonDataChanged, ReasonReplaced, ReasonOther} {
		got, err := ParseReason(string(r))
		if err != nil || got != r {
			t.Errorf("ParseReason(%q) = %q, %v", r, got, err)
		}
	}
	for _, s := range []string{"", "Replaced", " replaced", "lost", "issued_in_error", "RSSMRA80A01F205X"} {
		_, err := ParseReason(s)
		if errs.KindOf(err) != errs.InvalidRequest {
			t.Errorf("ParseReason(%q) = %v, want invalid request", s, err)
			continue
		}
		public := errs.PublicOf(err)
		for _, r := range reasons {
			if !strings.Contains(public, string(r)) {
				t.Errorf("ParseReason(%q): %q does not list %q", s, public, r)
			}
		}
		if strings.Contains(public, "lost") || strings.Contains(public, "RSSMRA") {
			t.Errorf("ParseReason(%q): %q echoes the input", s, public)
		}
	}
}

func TestRevocationCheck(t *testing.T) {
	ok := Revocation{Code: "AAAA-AAAA-AAAA-AAAA", Reason: ReasonOther, Actor: "admin"}
	tests := []struct {
		name   string
		mutate func(*Revocation)
		valid  bool
	}{
		{"valid", func(*Revocation) {}, true},
		{"replaced", func(r *Revocation) { r.Reason, r.ReplacedBy = ReasonReplaced, "BBBB-BBBB-BBBB-BBBB" }, true},
		{"no code", func(r *Revocation) { r.Code = "" }, false},
		{"no actor", func(r *Revocation) { r.Actor = "" }, false},
		{"no reason", func(r *Revocation) { r.Reason = "" }, false},
		{"unknown reason", func(r *Revocation) { r.Reason = "lost" }, false},
		{"replaced alone", func(r *Revocation) { r.Reason = ReasonReplaced }, false},
		{"replacement alone", func(r *Revocation) { r.ReplacedBy = "BBBB-BBBB-BBBB-BBBB" }, false},
		{"replaced by itself", func(r *Revocation) { r.Reason, r.ReplacedBy = ReasonReplaced, r.Code }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rv := ok
			tc.mutate(&rv)
			err := rv.Check()
			if tc.valid != (err == nil) || (err != nil && errs.KindOf(err) != errs.InvalidRequest) {
				t.Errorf("Check() = %v, want valid %v", err, tc.valid)
			}
		})
	}
}

func TestRecordCheckRevocation(t *testing.T) {
	tests := []struct {
		name  string
		rec   Record
		valid bool
	}{
		{"plain", Record{Code: "A"}, true},
		{"counted", Record{Code: "A", Verifications: 3}, true},
		{"legacy revoked", Record{Code: "A", Revoked: true}, true},
		{"revoked with reason", Record{Code: "A", Revoked: true, RevokedReason: ReasonDataChanged}, true},
		{"replaced", Record{Code: "A", Revoked: true, RevokedReason: ReasonReplaced, ReplacedBy: "B"}, true},
		{"reason, not revoked", Record{Code: "A", RevokedReason: ReasonOther}, false},
		{"unknown reason", Record{Code: "A", Revoked: true, RevokedReason: "lost"}, false},
		{"replaced alone", Record{Code: "A", Revoked: true, RevokedReason: ReasonReplaced}, false},
		{"replacement alone", Record{Code: "A", Revoked: true, ReplacedBy: "B"}, false},
		{"replaced by itself", Record{Code: "A", Revoked: true, RevokedReason: ReasonReplaced, ReplacedBy: "A"}, false},
		{"negative count", Record{Code: "A", Verifications: -1}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.rec.CheckRevocation()
			if tc.valid != (err == nil) || (err != nil && errs.KindOf(err) != errs.InvalidRequest) {
				t.Errorf("CheckRevocation() = %v, want valid %v", err, tc.valid)
			}
		})
	}
}

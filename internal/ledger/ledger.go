// Package ledger defines the record of one issued certificate and the read
// interface that verification uses. The store packages implement it; the
// ledger row and its audit event are written in one transaction by the
// engine's Recorder (see internal/store).
//
// # Revocation
//
// A certificate is revoked at most once, for good: a Revocation sets
// Record.Revoked, RevokedAt, RevokedReason and ReplacedBy together, and
// none of them changes afterwards (a second revocation is refused). The
// Reason is one of the Reason constants; ReplacedBy is set only with
// ReasonReplaced, and then names another certificate of the ledger (by its
// canonical verification code) that was not revoked when this one was.
// Records revoked before reasons were recorded have an empty
// RevokedReason.
//
// # Verifications
//
// Record.Verifications counts how many times the certificate was checked
// (its page, the verification API). Counts are batched in memory and
// added to the ledger in the background, so the number may lag by a few
// seconds, and lose the last batch when a process stops abruptly. It never
// decreases.
package ledger

import (
	"context"
	"strings"
	"time"

	"certa.example/certa/internal/errs"
)

// Status of a recorded certificate as seen by a verifier.
type Status string

const (
	StatusValid   Status = "valid"
	StatusRevoked Status = "revoked"
	StatusExpired Status = "expired"
	StatusUnknown Status = "unknown"
)

// Reason says why a certificate was revoked. Its values are stored and
// published: the list is append-only, never rename or reuse one.
type Reason string

const (
	ReasonIssuedInError Reason = "issued-in-error" // it should not have been issued
	ReasonDataChanged   Reason = "data-changed"    // the registry data it states changed
	ReasonReplaced      Reason = "replaced"        // another certificate replaces it (Revocation.ReplacedBy)
	ReasonOther         Reason = "other"
)

// reasons lists every Reason, in the order of the constants.
var reasons = []Reason{ReasonIssuedInError, ReasonDataChanged, ReasonReplaced, ReasonOther}

// reasonsText is the public text of ParseReason's error.
var reasonsText = func() string {
	s := make([]string, len(reasons))
	for i, r := range reasons {
		s[i] = string(r)
	}
	return "revocation reason must be one of: " + strings.Join(s, ", ")
}()

// Valid reports whether r is one of the Reason constants.
func (r Reason) Valid() bool {
	for _, v := range reasons {
		if r == v {
			return true
		}
	}
	return false
}

// ParseReason returns the Reason spelled s, exactly as the constants are.
// Anything else is errs.InvalidRequest, with a fixed text listing the
// allowed values (s is not echoed).
func ParseReason(s string) (Reason, error) {
	if r := Reason(s); r.Valid() {
		return r, nil
	}
	return "", errs.New(errs.InvalidRequest, reasonsText)
}

// Record is one issuance.
type Record struct {
	Code      string // verification code, canonical form XXXX-XXXX-XXXX-XXXX
	Type      string // certificate type name, e.g. "residenza"
	Subject   string // holder's codice fiscale (personal data: never log)
	Holder    string // holder's full name as printed (personal data)
	Comune    string // issuing comune's name as printed
	IssuedAt  time.Time
	ExpiresAt time.Time
	SHA256    [32]byte // of the signed PDF as delivered
	Requester string   // API client (or the CLI) that asked
	Channel   string   // "online" or "counter" (older rows: "api", "cli")
	// Citizen is the codice fiscale of the citizen an online request was
	// made for; Operator, IDDocType and IDDocNum record who issued a
	// counter request and the identification document shown (personal
	// data: never log).
	Citizen   string
	Operator  string
	IDDocType string
	IDDocNum  string
	RevokedAt time.Time
	Revoked   bool
	// RevokedReason is why it was revoked; empty when it is not (or was
	// revoked before reasons were recorded).
	RevokedReason Reason
	// ReplacedBy is the canonical code of the certificate that replaces
	// this one, only with ReasonReplaced.
	ReplacedBy string
	// Verifications counts the checks of this certificate (see the
	// package documentation).
	Verifications int64
}

// StatusAt returns the record's status at time now.
func (r Record) StatusAt(now time.Time) Status {
	switch {
	case r.Revoked:
		return StatusRevoked
	case !now.Before(r.ExpiresAt):
		return StatusExpired
	}
	return StatusValid
}

// CheckRevocation returns an errs.InvalidRequest error when r's revocation
// fields and counter disagree with the package's rules, which stores apply
// to the records they are given: a RevokedReason only on a revoked
// record, and a valid one; ReplacedBy, another code, exactly with
// ReasonReplaced; Verifications not negative.
func (r Record) CheckRevocation() error {
	switch {
	case r.RevokedReason != "" && (!r.Revoked || !r.RevokedReason.Valid()):
		return errs.New(errs.InvalidRequest, "a revocation reason needs a revoked certificate and a known reason")
	case (r.RevokedReason == ReasonReplaced) != (r.ReplacedBy != ""):
		return errs.New(errs.InvalidRequest, "a replacing certificate goes exactly with reason replaced")
	case r.ReplacedBy != "" && r.ReplacedBy == r.Code:
		return errs.New(errs.InvalidRequest, "a certificate cannot replace itself")
	case r.Verifications < 0:
		return errs.New(errs.InvalidRequest, "verification count cannot be negative")
	}
	return nil
}

// Revocation is the revocation of one certificate.
type Revocation struct {
	Code       string // canonical verification code of the revoked certificate
	Reason     Reason
	ReplacedBy string    // canonical code of the replacing certificate, only with ReasonReplaced
	At         time.Time // when it was revoked
	// Actor is the API client or operator that revoked it (recorded in the
	// audit trail). Lists of revocations may leave it empty.
	Actor string
}

// Check returns the errs.InvalidRequest error that a store gives rv
// before it looks at the ledger, or nil: a Code and an Actor are
// required, the Reason must be valid, and ReplacedBy must be set, and
// differ from Code, exactly when the reason is ReasonReplaced.
func (rv Revocation) Check() error {
	switch {
	case rv.Code == "":
		return errs.New(errs.InvalidRequest, "certificate code is required")
	case rv.Actor == "":
		return errs.New(errs.InvalidRequest, "the revoking client or operator is required")
	case !rv.Reason.Valid():
		return errs.New(errs.InvalidRequest, reasonsText)
	case rv.Reason == ReasonReplaced && rv.ReplacedBy == "":
		return errs.New(errs.InvalidRequest, "reason replaced needs the code of the replacing certificate")
	case rv.Reason != ReasonReplaced && rv.ReplacedBy != "":
		return errs.New(errs.InvalidRequest, "a replacing certificate goes only with reason replaced")
	case rv.ReplacedBy == rv.Code:
		return errs.New(errs.InvalidRequest, "a certificate cannot replace itself")
	}
	return nil
}

// Reader looks up issued certificates. Both methods return an error of kind
// errs.NotFound when nothing matches.
type Reader interface {
	ByCode(ctx context.Context, code string) (Record, error)
	BySHA256(ctx context.Context, sum [32]byte) (Record, error)
}

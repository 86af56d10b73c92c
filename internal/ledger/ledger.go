// Package ledger defines the record of one issued certificate and the read
// interface that verification uses. The store packages implement it; the
// ledger row and its audit event are written in one transaction by the
// engine's Recorder (see internal/store).
package ledger

import (
	"context"
	"time"
)

// Status of a recorded certificate as seen by a verifier.
type Status string

const (
	StatusValid   Status = "valid"
	StatusRevoked Status = "revoked"
	StatusExpired Status = "expired"
	StatusUnknown Status = "unknown"
)

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
	Requester string   // API client or operator that asked
	Channel   string   // "api", "cli", ...
	RevokedAt time.Time
	Revoked   bool
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

// Reader looks up issued certificates. Both methods return an error of kind
// errs.NotFound when nothing matches.
type Reader interface {
	ByCode(ctx context.Context, code string) (Record, error)
	BySHA256(ctx context.Context, sum [32]byte) (Record, error)
}

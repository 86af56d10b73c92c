// Package store defines what the engine needs from persistence: the
// registry it reads, the ledger of issued certificates, and the append-only,
// hash-chained audit trail. Implementations: internal/store/sqlite (the
// embedded default, a single file) and internal/store/postgres
// (production); both pass the conformance suite in internal/store/storetest.
//
// Contract: Record writes the ledger row and its audit event in one
// transaction; either both are durable when it returns nil, or neither is
// visible. A code that already exists is refused (errs.Conflict), never
// overwritten.
package store

import (
	"context"

	"certa.example/certa/internal/ledger"
	"certa.example/certa/internal/registry"
)

// Store is the persistence the engine and the HTTP layer use.
type Store interface {
	registry.Reader
	ledger.Reader

	// Record stores an issuance and its audit event atomically.
	Record(ctx context.Context, rec ledger.Record) error

	// PutHouseholds inserts households and their members in one
	// transaction (used to seed the synthetic registry). Existing fiscal
	// codes or household IDs are an error; nothing is written then.
	PutHouseholds(ctx context.Context, hs []registry.Household) error

	// CountResidents returns the number of residents.
	CountResidents(ctx context.Context) (int, error)

	// Ready reports whether the store can serve now (backs /readyz); an
	// error has kind errs.Unavailable when a retry could succeed.
	Ready(ctx context.Context) error

	// AuditVerify walks the audit chain and returns the number of events
	// checked, or an error naming the first broken link.
	AuditVerify(ctx context.Context) (int, error)

	Close() error
}

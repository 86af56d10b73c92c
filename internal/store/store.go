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
//
// # Revocations and verification counts
//
// Revoke changes the certificate's row (Revoked, RevokedAt, RevokedReason,
// ReplacedBy) and appends its audit event (ActionCertificateRevoke, by the
// revoking actor, object the code, outcome RevokeOutcome: no personal
// data) in one transaction, like Record. A revocation is final: revoking
// a revoked certificate is errs.Conflict and changes nothing. Concurrent
// revocations of one certificate, from any number of handles, have
// exactly one winner.
//
// Revocations lists the revoked certificates for the offline revocation
// list, and RevocationsVersion says cheaply whether that list changed:
// since revocations are never undone nor altered and certificates are
// never deleted, the list only grows, and the number of revoked
// certificates, which is the version, changes exactly when the list does.
//
// AddVerifications adds batched counts to the certificates' counters in
// one transaction; it is meant for a background flusher, and concurrent
// flushers (several processes) add up without losing counts or
// deadlocking.
//
// # Stored documents and idempotency keys
//
// RecordIssue writes an issuance as Record does and, in the same
// transaction, the signed PDF (Issuance.PDF, when not nil) and the
// idempotency entry (Issuance.Idempotency, when not nil): all of it is
// committed, or nothing. An idempotency entry is unique per (Client, Key):
// when another transaction, in this process or another, has recorded the
// same pair, RecordIssue fails with an errs.Conflict error that wraps
// ErrIdempotencyKeyTaken and writes nothing, so that the caller can read
// the winner's entry (Idempotency) and answer with its certificate.
//
// Documents are deleted only by PurgeDocuments, never with their ledger
// row, which stays for good. An idempotency entry keeps its document: the
// purge deletes the entries created before keysBefore first, and then only
// the documents stored before storedBefore that no remaining entry names.
//
// The registry is written in two ways: PutHouseholds inserts new
// households (seeding a demo registry), ImportHouseholds inserts or
// replaces them (loading an export of the anagrafe, again and again).
// Neither touches the ledger or the audit trail.
//
// # Registry representation
//
// Every store keeps the whole registry.Person and registry.Household and
// reads back exactly what was written, with these normalisations (checked
// by storetest): a member's HouseholdID is its household's ID; an empty
// Household.Kind reads back as registry.KindFamily; dates are calendar
// dates, read back at midnight UTC, and a zero time.Time (an absent date)
// reads back as zero; nil pointers (BirthRecord, AIRE, Removal,
// CivilEvent.Record) read back as nil and non-nil ones as non-nil, even
// when they point at a zero value; empty lists (Citizenships, CivilEvents,
// Contracts, Residences) read back as nil, whether written nil or empty.
// Text must be valid UTF-8 without NUL characters, codes (civil status,
// kinship, certifiability, removal reason, convivenza kind) must lie in
// 0..32767 and dates in the years 1 to 9999: other values are
// errs.InvalidRequest. The persons on record include AIRE registrants and
// removed (e.g. deceased) persons: Subject, Residents and CountResidents
// see them all, and rules decide what to certify.
//
// # Batches
//
// BatchStore (batch.go) keeps batch jobs: a batch row and its items,
// created in one transaction from a streaming source, claimed by one
// worker at a time under a lease, finished item by item, and resumed by
// another worker when the lease expires (docs/batches.md).
package store

import (
	"context"
	"time"

	"certa.example/certa/internal/ledger"
	"certa.example/certa/internal/registry"
)

// ActionCertificateRevoke is the audit action of Revoke.
const ActionCertificateRevoke = "certificate.revoke"

// RevokeOutcome is the outcome of Revoke's audit event:
// "ok reason=<reason>", followed by " replaced-by=<code>" with
// ledger.ReasonReplaced.
func RevokeOutcome(reason ledger.Reason, replacedBy string) string {
	s := "ok reason=" + string(reason)
	if replacedBy != "" {
		s += " replaced-by=" + replacedBy
	}
	return s
}

// Store is the persistence the engine and the HTTP layer use.
type Store interface {
	registry.Reader
	ledger.Reader
	Clients

	// Record stores an issuance and its audit event atomically. The
	// revocation fields and Verifications are stored as given: a
	// RevokedReason needs Revoked and a valid reason, a ReplacedBy needs
	// ReasonReplaced (and the reverse), and Verifications cannot be
	// negative, else errs.InvalidRequest.
	Record(ctx context.Context, rec ledger.Record) error

	// RecordIssue is Record plus, in the same transaction, the signed PDF
	// and the idempotency entry of iss (see documents.go): all or nothing.
	RecordIssue(ctx context.Context, iss Issuance) error
	// Document returns the stored PDF of code: errs.NotFound when none is
	// stored (never was, or purged), whether or not the ledger has code.
	Document(ctx context.Context, code string) ([]byte, error)
	// Idempotency returns the entry of client's key, or errs.NotFound.
	Idempotency(ctx context.Context, client, key string) (IdempotencyEntry, error)
	// ListBySubject returns up to limit (1..MaxListLimit) certificates of
	// the holder subject, newest first (IssuedAt, then Code, descending),
	// after the cursor when it is not nil; nil when there are none.
	ListBySubject(ctx context.Context, subject string, after *ListCursor, limit int) ([]ledger.Record, error)
	// PurgeDocuments deletes, in one transaction, the idempotency entries
	// created before keysBefore, then the stored documents stored before
	// storedBefore that no remaining entry names, and the batches that
	// finished (done or cancelled) before storedBefore with their items
	// (whose request lines hold personal data, and whose results need the
	// documents). Ledger rows and audit events stay.
	PurgeDocuments(ctx context.Context, storedBefore, keysBefore time.Time) (PurgeResult, error)

	// Revoke revokes rev.Code for rev.Reason at rev.At (the store's clock
	// when zero) and appends the audit event, in one transaction, and
	// returns the updated record. Whatever rev.Check refuses, or a
	// ReplacedBy that is not a recorded, unrevoked certificate, is
	// errs.InvalidRequest; an unknown code is errs.NotFound; a certificate
	// revoked already is errs.Conflict. On any error nothing is written.
	Revoke(ctx context.Context, rev ledger.Revocation) (ledger.Record, error)

	// Revocations returns every revoked certificate, ordered by code (byte
	// order), with its reason, replacement and time (each may be empty
	// for a certificate revoked before reasons were recorded); Actor is
	// empty (the audit trail has it). Nil when none is revoked.
	Revocations(ctx context.Context) ([]ledger.Revocation, error)

	// RevocationsVersion returns the number of revoked certificates: it
	// changes exactly when Revocations' answer does (see the package
	// documentation), and costs a count over an index of the revoked
	// certificates only.
	RevocationsVersion(ctx context.Context) (int64, error)

	// AddVerifications adds counts[code] to the verification counter of
	// each certificate, in one transaction. Unknown codes are ignored, and
	// so are zero counts; a negative count is errs.InvalidRequest and
	// nothing is written.
	AddVerifications(ctx context.Context, counts map[string]int64) error

	// PutHouseholds inserts households and their members in one
	// transaction (used to seed the synthetic registry). Existing fiscal
	// codes or household IDs are an error; nothing is written then.
	PutHouseholds(ctx context.Context, hs []registry.Household) error

	// ImportHouseholds inserts or replaces hs and their members in one
	// transaction: all of it is written, or nothing.
	//
	// A household whose ID is stored already is replaced as a whole: its
	// row takes the new values, its members become exactly hs's list, in
	// that order. A previous member missing from the list is deleted from
	// the registry, unless the batch puts them in another household, where
	// they move. A person whose fiscal code is stored in a household
	// outside the batch moves to their household in the batch; a household
	// outside the batch that such moves leave without members is deleted.
	// Households outside the batch are otherwise untouched, and so are the
	// ledger and the audit trail.
	//
	// Each row is compared with the stored one: rows that hold exactly
	// the imported values already (as they read back, see Registry
	// representation) are counted in ImportResult.Unchanged and not
	// written again, so that importing the same export twice changes
	// nothing and costs little. A household ID or a fiscal code twice in
	// hs is errs.InvalidRequest, and so is whatever PutHouseholds refuses
	// as invalid (an empty ID or fiscal code, a member linked to another
	// household, unstorable values); nothing is written then.
	ImportHouseholds(ctx context.Context, hs []registry.Household) (ImportResult, error)

	// BeginImport starts an import that takes its households in batches,
	// all in one transaction, for files too large to hold: Add each batch,
	// then Commit. The batches together have exactly the effect
	// ImportHouseholds would have with all of them in one slice (members
	// may move between households of different batches; a household ID or
	// fiscal code in two batches is refused), and nothing is visible to
	// readers before Commit. An import holds one connection for its whole
	// life, and on the embedded store the write lock too (issuance waits).
	BeginImport(ctx context.Context) (Import, error)

	// CountResidents returns the number of persons on record.
	CountResidents(ctx context.Context) (int, error)

	// Ready reports whether the store can serve now (backs /readyz); an
	// error has kind errs.Unavailable when a retry could succeed.
	Ready(ctx context.Context) error

	// Batches: see BatchStore and docs/batches.md.
	BatchStore

	// AuditVerify walks the audit chain and returns the number of events
	// checked, or an error naming the first broken link.
	AuditVerify(ctx context.Context) (int, error)

	Close() error
}

// Import is an import in progress (see Store.BeginImport). It is not safe
// for concurrent use.
type Import interface {
	// Add applies a batch within the import's transaction. After an error
	// the import can only be rolled back.
	Add(ctx context.Context, hs []registry.Household) error
	// Commit ends the import and returns what it did.
	Commit(ctx context.Context) (ImportResult, error)
	// Rollback abandons the import, writing nothing; after Commit it does
	// nothing, so it can be deferred.
	Rollback() error
}

// ImportResult counts what ImportHouseholds did, by row. Households +
// Persons + Unchanged is the number of households in the batch plus the
// number of their members; a re-import of what is stored has Unchanged
// equal to that number, and the other counts zero.
type ImportResult struct {
	// Households and Persons count the household and person rows inserted
	// or changed (a person who moves, or whose position in the household
	// changes, is changed).
	Households, Persons int
	// Unchanged counts the household and person rows of the batch that
	// were stored already with the same values, and were left alone.
	Unchanged int
	// Removed counts the persons deleted because they left a household of
	// the batch and are in no household of it.
	Removed int
}

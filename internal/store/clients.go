package store

import (
	"context"
	"time"

	"certa.example/certa/internal/apiclient"
)

// Audit actions of the client store.
const (
	ActionClientCreate = "client.create"
	ActionClientRevoke = "client.revoke"
)

// ClientCreateOutcome is the outcome of CreateClient's audit event: "ok "
// and the client's settings (apiclient.Record.Describe), never its key.
func ClientCreateOutcome(c apiclient.Record) string { return "ok " + c.Describe() }

// Clients is the store of API clients (see docs/clients.md).
//
// CreateClient and RevokeClient append their audit event (ActionClientCreate
// or ActionClientRevoke, by actor, the operator; object the client ID) in
// the same transaction as the change: both are durable or neither. A
// revocation is final: clients are never deleted, and a revoked client
// cannot be revoked again nor un-revoked.
//
// UseClientQuota is atomic across handles and processes: of concurrent
// calls for one client and day, exactly min(calls, quota - used) succeed.
type Clients interface {
	// CreateClient stores c with CreatedAt at the store's clock (c's
	// CreatedAt and RevokedAt are ignored) and returns it as stored. A
	// client that fails c.Check, or an actor that is not storable text, is
	// errs.InvalidRequest; an ID or key hash stored already is
	// errs.Conflict. On any error nothing is written.
	CreateClient(ctx context.Context, c apiclient.Record, actor string) (apiclient.Record, error)

	// ListClients returns every client, revoked ones too, ordered by ID;
	// nil when there is none.
	ListClients(ctx context.Context) ([]apiclient.Record, error)

	// RevokeClient revokes the client with id at the store's clock and
	// returns it. An unknown id is errs.NotFound, a revoked client
	// errs.Conflict; nothing is written then.
	RevokeClient(ctx context.Context, id, actor string) (apiclient.Record, error)

	// ClientByKeyHash returns the client whose key has SHA-256 sum,
	// revoked or not, or errs.NotFound.
	ClientByKeyHash(ctx context.Context, sum [32]byte) (apiclient.Record, error)

	// UseClientQuota counts one issuance for client id on the calendar
	// day of day (in day's location), provided fewer than quota are
	// counted for that day already. It returns the count after the call
	// and whether it counted. A quota below 1 is errs.InvalidRequest; an
	// unknown client errs.NotFound.
	UseClientQuota(ctx context.Context, id string, day time.Time, quota int64) (used int64, ok bool, err error)

	// ReturnClientQuota takes back one count of UseClientQuota (the
	// issuance failed); it never goes below zero, and does nothing when
	// there is no count.
	ReturnClientQuota(ctx context.Context, id string, day time.Time) error
}

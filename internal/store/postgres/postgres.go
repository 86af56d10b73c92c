// Package postgres implements store.Store on PostgreSQL (11 or later,
// tested with 15), certa's production store, with github.com/jackc/pgx/v5
// and a pgxpool connection pool. Several certa processes may share one
// database.
//
// # Contract
//
// The same as internal/store/sqlite's, checked by the same conformance
// suite (internal/store/storetest). Record writes the certificate row and
// its audit event in one transaction: when it returns nil both are
// committed, otherwise neither is visible — except in one case every
// client-server database has: if the connection is lost while the commit
// is in flight, Record returns errs.Unavailable without knowing whether
// the commit happened. Retrying the same record then either succeeds or
// finds it (errs.Conflict); it never duplicates it. A code or a PDF digest
// that is already recorded is refused with errs.Conflict and nothing is
// written. PutHouseholds and ImportHouseholds are all or nothing.
//
// Errors carry an errs.Kind. Failures a retry could fix — the server is
// unreachable, shutting down, out of connections or resources, a
// serialization failure, a timeout or a cancelled context — are
// errs.Unavailable ("storage unavailable"); other unexpected errors are
// errs.Internal ("storage error"). Public texts never contain personal
// data, and the server's DETAIL (which quotes key values such as fiscal
// codes) is stripped from the logged cause too.
//
// # Schema and migrations
//
// The schema is created and upgraded by Migrate, from numbered SQL
// migrations embedded in this package: forward only, each in its own
// transaction, recorded in schema_migrations, serialised across processes
// with a transaction-level advisory lock. Open does not migrate: it refuses
// a database that is not at SchemaVersion, with ErrNotMigrated (run
// `certa migrate`) or ErrSchemaTooNew (upgrade certa). OpenAndMigrate does
// both, for tests, demos and single-instance deployments. Tables live in
// the first existing schema of the connection's search_path, which can be
// set in the URL (…&search_path=certa).
//
// # Representation
//
// Instants are timestamptz, which keeps microseconds: ledger times and
// audit event times are truncated to the microsecond (toward the past) and
// read back in UTC. An event's time is truncated before it is hashed, so
// the chain verifies from the stored rows. Instants must lie between the
// years 1678 and 2262, as on SQLite. Calendar dates are date; an absent
// one (the zero time.Time) is NULL, except the birth date. Text must be
// valid UTF-8 without NUL characters (errs.InvalidRequest otherwise). Key
// columns (fiscal codes, household IDs, certificate codes) use the "C"
// collation: they sort by bytes, as on SQLite, whatever the database's
// locale, and their indexes do not depend on the C library's collation
// rules.
//
// The registry's scalar facts are columns; a person's lists (citizenships,
// civil events, contracts, residences) and records (birth act, death
// place) are json documents, NULL when absent or empty, in the canonical
// form that internal/store/internal/regrow writes and describes. They are
// json rather than jsonb: the text is kept as written, so it compares as
// text and reads back as is, and writing it costs half as much (parsing
// into jsonb was most of the server's work in a COPY of persons). Subject
// reads a person's whole household, every member with all their data, in
// one query.
//
// # Imports
//
// ImportHouseholds takes a transaction-level advisory lock, so imports
// into one schema run one at a time, and defers the unique member order
// (persons_household) to the commit, so that members may be reordered and
// moved freely. It looks up in one query which households and persons of
// the batch are stored; copies new ones (COPY) straight into their tables;
// copies stored ones into temporary tables and merges them with INSERT …
// ON CONFLICT … DO UPDATE, after a join that leaves out the rows that are
// IS NOT DISTINCT FROM the stored ones, which are therefore neither locked
// nor written; and deletes departed members and the households moves leave
// empty. A re-import of an unchanged export writes nothing.
//
// # Concurrency
//
// Reads run on any pooled connection and see the last committed state.
// Record appends to the audit trail under a row lock on the one-row table
// audit_head (SELECT … FOR UPDATE), held from the moment the event is
// chained until the commit; the clock is read under that lock, so event
// times follow seq order whenever the writers' clocks agree. Records
// therefore commit one at a time per database, whatever the number of
// processes: the commit latency (one fsync) bounds records per second.
// Revoke locks the certificate rows it reads (the revoked one and its
// replacement, in code order) and then the audit head, so that one of
// concurrent revocations wins and crossed replacements do not deadlock.
// AddVerifications locks its rows in code order too, so that flushers of
// several processes queue instead of deadlocking; the table's fillfactor
// (90) lets those frequent counter updates stay HOT (no index writes).
//
// # Connections
//
// Open uses the URL's pool settings (pool_max_conns, …) when present,
// otherwise at most max(4, 2×GOMAXPROCS) connections, and a connect
// timeout of DefaultConnectTimeout unless the URL has connect_timeout. The
// pool reconnects by itself after the server restarts; calls that meet a
// dead connection fail with errs.Unavailable. Every call honours its
// context's deadline; there is no statement_timeout unless the URL sets
// one. Statements are prepared and cached per connection (pgx's default);
// behind PgBouncer in transaction mode, add default_query_exec_mode=exec
// to the URL.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/store"
)

// DefaultConnectTimeout bounds each connection attempt when the URL sets
// no connect_timeout.
const DefaultConnectTimeout = 5 * time.Second

// Store is a store.Store backed by a PostgreSQL database. It is safe for
// concurrent use.
type Store struct {
	pool  *pgxpool.Pool
	now   func() time.Time
	parts store.PartStore
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at databaseURL (a postgres:// URL or a
// keyword/value string) and checks that its schema is at SchemaVersion; it
// does not migrate (see Migrate). now is the clock for audit events; nil
// means time.Now. An unreachable server is errs.Unavailable. The caller
// must Close the store.
func Open(ctx context.Context, databaseURL string, now func() time.Time) (*Store, error) {
	cfg, err := parseConfig(databaseURL)
	if err != nil {
		return nil, err
	}
	return openConfig(ctx, cfg, now)
}

// OpenAndMigrate is Migrate followed by Open.
func OpenAndMigrate(ctx context.Context, databaseURL string, now func() time.Time) (*Store, error) {
	if err := Migrate(ctx, databaseURL, now); err != nil {
		return nil, err
	}
	return Open(ctx, databaseURL, now)
}

// parseConfig parses databaseURL and fills in certa's defaults.
func parseConfig(databaseURL string) (*pgxpool.Config, error) {
	if strings.TrimSpace(databaseURL) == "" {
		// pgx would fall back to PG* environment variables and a local
		// socket; certa wants the database named explicitly.
		return nil, errs.Wrap(errs.Internal, publicError, errors.New("postgres: empty database URL"))
	}
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		// Not wrapped: pgx's error keeps the whole connection string, password
		// included, in a field. Its text masks the password.
		return nil, errs.Wrap(errs.Internal, publicError, fmt.Errorf("postgres: %s", err.Error()))
	}
	if !strings.Contains(databaseURL, "pool_max_conns") {
		cfg.MaxConns = int32(max(4, 2*runtime.GOMAXPROCS(0)))
	}
	cc := cfg.ConnConfig
	if cc.ConnectTimeout == 0 {
		cc.ConnectTimeout = DefaultConnectTimeout
	}
	if _, ok := cc.RuntimeParams["application_name"]; !ok {
		cc.RuntimeParams["application_name"] = "certa"
	}
	return cfg, nil
}

// openConfig opens a store on cfg; tests use it to add a tracer.
func openConfig(ctx context.Context, cfg *pgxpool.Config, now func() time.Time) (*Store, error) {
	if now == nil {
		now = time.Now
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, storageErr(err)
	}
	s := &Store{pool: pool, now: now}
	if err := s.checkSchema(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// checkSchema refuses a database that is not at SchemaVersion. It is also
// the first round trip to the server.
func (s *Store) checkSchema(ctx context.Context) error {
	var v int
	err := s.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v)
	switch {
	case undefinedTable(err):
		v = 0
	case err != nil:
		return storageErr(err)
	}
	return versionErr(v)
}

// versionErr says why a database at version v cannot be used, or nil.
func versionErr(v int) error {
	switch {
	case v > SchemaVersion:
		return errs.Wrap(errs.Internal, publicError, fmt.Errorf(
			"postgres: %w: database is at version %d, this code knows up to %d; upgrade certa", ErrSchemaTooNew, v, SchemaVersion))
	case v < SchemaVersion:
		return errs.Wrap(errs.Internal, publicError, fmt.Errorf(
			"postgres: %w: database is at version %d, this code needs %d", ErrNotMigrated, v, SchemaVersion))
	}
	return nil
}

// Ready reports whether the database answers, within ctx: nil, or an
// errs.Unavailable error. Use it for readiness probes.
func (s *Store) Ready(ctx context.Context) error {
	return storageErr(s.pool.Ping(ctx))
}

// Close closes the pool, waiting for connections in use to be released.
// Calls made after Close fail.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

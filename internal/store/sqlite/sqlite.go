// Package sqlite implements store.Store on a single SQLite file, certa's
// embedded default store. It uses modernc.org/sqlite (pure Go, no cgo).
//
// # Contract
//
// Record writes the certificate row and its audit event in one
// transaction: when it returns nil both are committed, otherwise neither is
// visible. A code or a PDF digest that is already recorded is refused with
// errs.Conflict and nothing is written. Revoke likewise changes the
// certificate row and appends its audit event in one transaction, and
// AddVerifications adds a whole batch of counts or none. PutHouseholds and
// ImportHouseholds are likewise all or nothing. Errors carry an errs.Kind; their public text never contains
// personal data (fiscal codes, names, birth dates). Unexpected database
// errors are errs.Internal, or errs.Unavailable when a retry could succeed
// (busy, locked, I/O, disk full, cancelled).
//
// # Durability
//
// The database runs in WAL mode with synchronous=NORMAL: a committed
// transaction survives a crash of the process, but a power loss or an
// operating-system crash may lose the last transactions committed before
// it (never corrupting the file). Take backups with the SQLite backup API or
// VACUUM INTO, not by copying the file while it is open.
//
// # Concurrency
//
// Writes go through one connection (SetMaxOpenConns(1)), which serialises
// the writers of one process; each write transaction starts with BEGIN
// IMMEDIATE, so writers in different processes queue on the file lock
// (busy_timeout 5 s) instead of deadlocking on a lock upgrade. Reads use a
// separate pool of query_only connections and, thanks to WAL, never wait
// for the writer: each read statement sees the last committed state. A
// third connection checkpoints the WAL into the database file in the
// background, ten times a second, so that writers do not (see
// checkpointEvery).
//
// # Files
//
// Open creates the database file with mode 0600 when it is missing; SQLite
// gives the -wal and -shm files beside it the same mode. The directory must
// exist. The schema is created and upgraded by the numbered migrations
// embedded in this package, each in its own transaction and recorded in
// schema_migrations. Open refuses a database whose schema is newer than
// this code (ErrSchemaTooNew), rather than risk misreading it.
//
// # Representation
//
// Instants are stored as Unix nanoseconds (INTEGER) and read back in UTC:
// the instant is kept to the nanosecond, the location is not. Calendar
// dates are TEXT 'YYYY-MM-DD'; an absent one (the zero time.Time) is NULL,
// except the birth date. Instants must therefore lie between the years
// 1678 and 2262. Booleans are INTEGER 0 or 1.
//
// The registry's scalar facts are columns; a person's lists (citizenships,
// civil events, contracts, residences) and records (birth act, death
// place) are JSON documents in TEXT columns, NULL when absent or empty, in
// the canonical form that internal/store/internal/regrow writes and
// describes, so that equal values are equal text. Subject reads a person's
// whole household, every member with all their data, in one query.
// ImportHouseholds upserts a row at a time with prepared statements in one
// write transaction (INSERT … ON CONFLICT DO UPDATE … WHERE (…) IS NOT
// (…)), so that rows holding the imported values already are not written.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"certa.example/certa/internal/store"
)

// busyTimeout is how long a connection waits for a lock held by another
// connection (in this process or another) before failing with SQLITE_BUSY.
const busyTimeout = 5 * time.Second

// Store is a store.Store backed by one SQLite file. It is safe for
// concurrent use.
type Store struct {
	w   *sql.DB // one connection; every write
	r   *sql.DB // query_only pool; every read
	now func() time.Time

	// Prepared statements of the hot paths: Record and AddVerifications
	// on w, lookups on r (database/sql prepares those again on each pool
	// connection).
	insertCert       *sql.Stmt
	lastEvent        *sql.Stmt
	insertEvent      *sql.Stmt
	insertDoc        *sql.Stmt
	insertIdem       *sql.Stmt
	addVerifications *sql.Stmt
	subject          *sql.Stmt
	byCode           *sql.Stmt
	bySHA256         *sql.Stmt

	parts store.PartStore

	// ck checkpoints the WAL in the background (checkpointLoop).
	ck       *sql.DB
	stopCk   chan struct{}
	ckDone   chan struct{}
	stopOnce sync.Once
}

var _ store.Store = (*Store)(nil)

// Checkpoints. A write transaction that pushes the WAL past SQLite's
// threshold checkpoints it before it returns, holding the only write
// connection meanwhile: with a stored PDF per issuance that was a tenth of
// a batch's time, and every writer waited for it. A PASSIVE checkpoint
// every checkpointEvery on a connection of its own moves that work beside
// the writer; the writer's own threshold stays, raised to
// walBackstopPages, for a WAL that outgrows the background. The interval
// trades tail latency against throughput (each checkpoint syncs the
// file): under HTTP load with PDFs stored, 50 ms gave p99 14-20 ms and
// 1,100 documents/s, 100 ms 25-38 ms and 1,320/s, 250 ms 31-41 ms and
// 1,375/s, 2 s 98 ms and 503s at half load (issue-load.sh).
const (
	checkpointEvery  = 100 * time.Millisecond
	walBackstopPages = 16384 // 64 MiB of 4 KiB pages
)

func (s *Store) checkpointLoop() {
	defer close(s.ckDone)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stopCk:
			return
		case <-t.C:
			// Busy (another process's checkpoint) and other errors
			// leave the work to the next tick or the backstop.
			_, _ = s.ck.Exec("PRAGMA wal_checkpoint(PASSIVE)")
		}
	}
}

// Open opens or creates the database at path, applies pending migrations,
// and returns the store. now is the clock for audit events and migration
// records; nil means time.Now. The caller must Close the store.
func Open(path string, now func() time.Time) (*Store, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty database path")
	}
	if now == nil {
		now = time.Now
	}
	// Create the file ourselves so that it is 0600 from the start; SQLite
	// would create it with the process umask applied to 0644.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	uri, err := fileURI(path)
	if err != nil {
		return nil, err
	}

	s := &Store{now: now}
	ok := false
	defer func() {
		if !ok {
			s.Close()
		}
	}()

	s.w, err = sql.Open("sqlite", uri+"?"+writerParams())
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	s.w.SetConnMaxIdleTime(0)

	ctx := context.Background()
	var mode string
	if err := s.w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		return nil, fmt.Errorf("sqlite: open %s: journal mode is %q, want wal (is the file system local?)", path, mode)
	}
	if err := migrate(ctx, s.w, now); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	s.r, err = sql.Open("sqlite", uri+"?"+readerParams())
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	s.r.SetMaxOpenConns(n)
	s.r.SetMaxIdleConns(n)
	if err := s.prepare(ctx); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if s.ck, err = sql.Open("sqlite", uri+"?"+checkpointerParams()); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	s.ck.SetMaxOpenConns(1)
	s.stopCk, s.ckDone = make(chan struct{}), make(chan struct{})
	go s.checkpointLoop()
	ok = true
	return s, nil
}

// fileURI returns path as a SQLite URI, so that characters such as '?' or
// '#' in the path cannot be taken for parameters.
func fileURI(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("sqlite: %w", err)
	}
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // Windows: file:///C:/...
	}
	u := url.URL{Scheme: "file", Path: p}
	return u.String(), nil
}

// writerParams are the DSN parameters of the write connection. mode=rw:
// Open created the file, SQLite must not create another.
func writerParams() string {
	v := url.Values{}
	v.Set("mode", "rw")
	v.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	v.Add("_pragma", "journal_mode(WAL)")
	v.Add("_pragma", "synchronous(NORMAL)")
	v.Add("_pragma", "foreign_keys(ON)")
	v.Add("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", walBackstopPages))
	v.Set("_txlock", "immediate")
	return v.Encode()
}

// checkpointerParams are the DSN parameters of the checkpointing
// connection.
func checkpointerParams() string {
	v := url.Values{}
	v.Set("mode", "rw")
	v.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	return v.Encode()
}

// readerParams are the DSN parameters of the read pool. journal_mode is a
// property of the file, set by the writer; query_only makes any write on a
// read connection fail.
func readerParams() string {
	v := url.Values{}
	v.Set("mode", "rw")
	v.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	v.Add("_pragma", "foreign_keys(ON)")
	v.Add("_pragma", "query_only(1)")
	return v.Encode()
}

func (s *Store) prepare(ctx context.Context) error {
	var err error
	if s.insertCert, err = s.w.PrepareContext(ctx, `INSERT INTO certificates
		(code, type, subject, holder, comune, issued_at, expires_at, sha256,
		 requester, channel, revoked, revoked_at, revoked_reason, replaced_by,
		 verifications, citizen, operator, id_doc_type, id_doc_number)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`); err != nil {
		return err
	}
	if s.insertDoc, err = s.w.PrepareContext(ctx, `INSERT INTO documents (code, stored_at, pdf) VALUES (?, ?, ?)`); err != nil {
		return err
	}
	if s.insertIdem, err = s.w.PrepareContext(ctx, `INSERT INTO idempotency_keys
		(client, idem_key, request_hash, code, created_at) VALUES (?, ?, ?, ?, ?)`); err != nil {
		return err
	}
	if s.addVerifications, err = s.w.PrepareContext(ctx, addVerificationsSQL); err != nil {
		return err
	}
	if s.lastEvent, err = s.w.PrepareContext(ctx,
		`SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1`); err != nil {
		return err
	}
	if s.insertEvent, err = s.w.PrepareContext(ctx, `INSERT INTO audit_events
		(seq, at, actor, action, object, outcome, prev, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`); err != nil {
		return err
	}
	if s.subject, err = s.r.PrepareContext(ctx, subjectQuery); err != nil {
		return err
	}
	if s.byCode, err = s.r.PrepareContext(ctx,
		`SELECT `+certCols+` FROM certificates WHERE code = ?`); err != nil {
		return err
	}
	if s.bySHA256, err = s.r.PrepareContext(ctx,
		`SELECT `+certCols+` FROM certificates WHERE sha256 = ?`); err != nil {
		return err
	}
	return nil
}

// Ready checks that the database file answers a read and takes writes.
func (s *Store) Ready(ctx context.Context) error {
	if err := s.r.PingContext(ctx); err != nil {
		return storageErr(err)
	}
	if err := s.w.PingContext(ctx); err != nil {
		return storageErr(err)
	}
	return nil
}

// Close closes the store. Operations in flight may fail.
func (s *Store) Close() error {
	if s.ckDone != nil {
		s.stopOnce.Do(func() { close(s.stopCk) })
		<-s.ckDone
	}
	var errList []error
	for _, st := range []*sql.Stmt{s.insertCert, s.lastEvent, s.insertEvent, s.insertDoc, s.insertIdem, s.addVerifications, s.subject, s.byCode, s.bySHA256} {
		if st != nil {
			errList = append(errList, st.Close())
		}
	}
	for _, db := range []*sql.DB{s.ck, s.r, s.w} {
		if db != nil {
			errList = append(errList, db.Close())
		}
	}
	return errors.Join(errList...)
}

package sqlite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"certa.example/certa/internal/audit"
	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/store"
	"certa.example/certa/internal/store/storetest"
)

// cert returns a distinct certificate for each i.
var cert = storetest.Cert

func openAt(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(path, storetest.NewClock(storetest.T0).Now)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func newStore(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "certa.db")
	return openAt(t, path), path
}

// rawDB opens the file directly, as an attacker or an operator would.
func rawDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func kindOf(t *testing.T, err error, want errs.Kind) {
	t.Helper()
	if got := errs.KindOf(err); err == nil || got != want {
		t.Fatalf("error %v (kind %v), want kind %v", err, got, want)
	}
}

// TestConformance runs the behaviour shared by every store.
func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		NewDB:         newDB,
		TimePrecision: time.Nanosecond,
		MaxResidents:  MaxResidents,
	})
}

// tamperSQL changes one event, the seq as the only parameter.
var tamperSQL = map[storetest.Tampering]string{
	storetest.TamperActor:    `UPDATE audit_events SET actor = 'mallory' WHERE seq = ?`,
	storetest.TamperObject:   `UPDATE audit_events SET object = 'ZZZZ-ZZZZ-ZZZZ-ZZZZ' WHERE seq = ?`,
	storetest.TamperOutcome:  `UPDATE audit_events SET outcome = 'denied' WHERE seq = ?`,
	storetest.TamperAt:       `UPDATE audit_events SET at = at + 1 WHERE seq = ?`,
	storetest.TamperPrev:     `UPDATE audit_events SET prev = zeroblob(32) WHERE seq = ?`,
	storetest.TamperHash:     `UPDATE audit_events SET hash = zeroblob(32) WHERE seq = ?`,
	storetest.TamperDelete:   `DELETE FROM audit_events WHERE seq = ?`,
	storetest.TamperRenumber: `UPDATE audit_events SET seq = seq + 1000 WHERE seq = ?`,
}

// newDB is a file in a fresh temporary directory.
func newDB(t *testing.T) storetest.DB {
	path := filepath.Join(t.TempDir(), "certa.db")
	return storetest.DB{
		Open: func(now func() time.Time) (store.Store, error) {
			s, err := Open(path, now)
			if err != nil {
				return nil, err // not a typed nil in the interface
			}
			return s, nil
		},
		Events: func() ([]audit.Event, error) {
			db := rawDB(t, path)
			defer db.Close()
			return readEvents(db)
		},
		RowVersions: func() (map[string]string, error) {
			db := rawDB(t, path)
			defer db.Close()
			return rowVersions(db)
		},
		Tamper: func(seq int64, tm storetest.Tampering) error {
			q, ok := tamperSQL[tm]
			if !ok {
				return fmt.Errorf("no SQL for %v", tm)
			}
			db := rawDB(t, path)
			defer db.Close()
			for _, q := range []string{
				`DROP TRIGGER IF EXISTS audit_events_no_update`,
				`DROP TRIGGER IF EXISTS audit_events_no_delete`,
			} {
				if _, err := db.Exec(q); err != nil {
					return err
				}
			}
			_, err := db.Exec(q, seq)
			return err
		},
	}
}

// rowWrites counts the writes of each registry row, from the first call
// of rowVersions on: SQLite keeps no row versions of its own.
var rowWrites = []string{
	`CREATE TABLE IF NOT EXISTS test_row_writes (key TEXT PRIMARY KEY, n INTEGER NOT NULL) STRICT`,
}

func init() {
	for _, tc := range []struct{ table, key string }{{"households", "'h:' || new.id"}, {"persons", "'p:' || new.fiscal_code"}} {
		for _, op := range []string{"INSERT", "UPDATE"} {
			rowWrites = append(rowWrites, fmt.Sprintf(`CREATE TRIGGER IF NOT EXISTS test_%[1]s_%[2]s AFTER %[2]s ON %[1]s
				BEGIN
					INSERT INTO test_row_writes (key, n) VALUES (%[3]s, 1)
					ON CONFLICT (key) DO UPDATE SET n = n + 1;
				END`, tc.table, op, tc.key))
		}
	}
}

// rowVersions returns each registry row's write count (see rowWrites).
func rowVersions(db *sql.DB) (map[string]string, error) {
	for _, q := range rowWrites {
		if _, err := db.Exec(q); err != nil {
			return nil, err
		}
	}
	rows, err := db.Query(`
		SELECT 'h:' || id, coalesce((SELECT n FROM test_row_writes WHERE key = 'h:' || id), 0) FROM households
		UNION ALL
		SELECT 'p:' || fiscal_code, coalesce((SELECT n FROM test_row_writes WHERE key = 'p:' || fiscal_code), 0) FROM persons`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

func readEvents(db *sql.DB) ([]audit.Event, error) {
	rows, err := db.Query(`SELECT seq, at, actor, action, object, outcome, prev, hash FROM audit_events ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []audit.Event
	for rows.Next() {
		var (
			e          audit.Event
			at         int64
			prev, hash []byte
		)
		if err := rows.Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.Object, &e.Outcome, &prev, &hash); err != nil {
			return nil, err
		}
		e.At = time.Unix(0, at).UTC()
		copy(e.Prev[:], prev)
		copy(e.Hash[:], hash)
		out = append(out, e)
	}
	return out, rows.Err()
}

func TestOpenCreatesPrivateFile(t *testing.T) {
	s, path := newStore(t)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("database mode %o, want 600", perm)
	}
	// SQLite gives the WAL the database's mode.
	if err := s.Record(context.Background(), cert(1)); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path + "-wal"); err != nil {
		t.Errorf("no WAL file: %v", err)
	} else if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("WAL mode %o, want 600", perm)
	}
}

func TestOpenPathNeedingEscapes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a dir?x=1#frag%20", "certa.db")
	if err := os.Mkdir(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	s := openAt(t, path)
	if err := s.PutHouseholds(context.Background(), storetest.Households()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database not at the given path: %v", err)
	}
}

func TestOpenMissingDirectory(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "missing", "certa.db"), nil)
	if err == nil {
		t.Fatal("Open in a missing directory succeeded")
	}
}

func TestPragmas(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	for _, tc := range []struct {
		db    *sql.DB
		name  string
		pragm string
		want  string
	}{
		{s.w, "writer", "journal_mode", "wal"},
		{s.w, "writer", "synchronous", "1"}, // NORMAL
		{s.w, "writer", "busy_timeout", "5000"},
		{s.w, "writer", "foreign_keys", "1"},
		{s.w, "writer", "query_only", "0"},
		{s.r, "reader", "journal_mode", "wal"},
		{s.r, "reader", "busy_timeout", "5000"},
		{s.r, "reader", "query_only", "1"},
	} {
		t.Run(tc.name+"/"+tc.pragm, func(t *testing.T) {
			var got string
			if err := tc.db.QueryRowContext(ctx, "PRAGMA "+tc.pragm).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("%s = %s, want %s", tc.pragm, got, tc.want)
			}
		})
	}
	if _, err := s.r.ExecContext(ctx, `INSERT INTO households (id, toponym, street, number, postal_code)
		VALUES ('X', 'VIA', 'ROMA', '1', '00100')`); err == nil {
		t.Error("a read connection accepted a write")
	}
}

func TestAuditTriggersRefuseChanges(t *testing.T) {
	s, path := newStore(t)
	if err := s.Record(context.Background(), cert(1)); err != nil {
		t.Fatal(err)
	}
	db := rawDB(t, path)
	for _, q := range []string{
		`UPDATE audit_events SET actor = 'mallory' WHERE seq = 1`,
		`DELETE FROM audit_events WHERE seq = 1`,
	} {
		if _, err := db.Exec(q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want append-only refusal", q, err)
		}
	}
}

func TestMigrationsRecorded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "certa.db")
	for range 2 { // the second Open finds nothing to do
		s, err := Open(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	var versions int
	if err := rawDB(t, path).QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if versions != SchemaVersion {
		t.Errorf("%d migrations recorded, want %d", versions, SchemaVersion)
	}
}

func TestSchemaTooNew(t *testing.T) {
	path := filepath.Join(t.TempDir(), "certa.db")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db := rawDB(t, path)
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)`, SchemaVersion+1); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err = Open(path, nil)
	if err == nil {
		s.Close()
		t.Fatal("Open accepted a newer schema")
	}
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Errorf("Open: %v, want ErrSchemaTooNew", err)
	}
	if want := fmt.Sprintf("version %d", SchemaVersion+1); !strings.Contains(err.Error(), want) {
		t.Errorf("Open: %q does not name the database's %s", err, want)
	}
}

func TestMigrations(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != SchemaVersion {
		t.Errorf("%d migrations, SchemaVersion %d", len(ms), SchemaVersion)
	}
}

func TestErrorKinds(t *testing.T) {
	tests := []struct {
		err  error
		kind errs.Kind
	}{
		{context.Canceled, errs.Unavailable},
		{context.DeadlineExceeded, errs.Unavailable},
		{errors.New("boom"), errs.Internal},
	}
	for _, tc := range tests {
		t.Run(tc.err.Error(), func(t *testing.T) {
			err := storageErr(tc.err)
			kindOf(t, err, tc.kind)
			if errs.PublicOf(err) != "storage error" {
				t.Errorf("public text %q", errs.PublicOf(err))
			}
		})
	}
}

func TestBusyIsUnavailable(t *testing.T) {
	s, path := newStore(t)
	db := rawDB(t, path)
	db.SetMaxOpenConns(1)
	// Hold the write lock from outside, as another process would.
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(context.Background(), `ROLLBACK`)
	if _, err := s.w.Exec(`PRAGMA busy_timeout = 50`); err != nil {
		t.Fatal(err)
	}
	kindOf(t, s.Record(context.Background(), cert(1)), errs.Unavailable)
}

// TestUpgradeFromVersion1: a file of schema version 1 with registry rows
// and a certificate upgrades in place when opened; its rows read back in
// the new model, in the very form an import of the same data writes.
func TestUpgradeFromVersion1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "certa.db")
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	db := rawDB(t, path)
	for _, q := range append([]string{ms[0].SQL,
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT`,
		`INSERT INTO schema_migrations VALUES (1, 0)`,
		`INSERT INTO certificates (code, type, subject, holder, comune, issued_at, expires_at, sha256, requester, channel)
			VALUES ('AAAA-AAAA-AAAA-AAAA', 'residenza', 'RSSMRA80A01F205X', 'MARIO ROSSI', 'MILANO', 1, 2,
			zeroblob(32), 'client-a', 'api')`,
		`INSERT INTO certificates (code, type, subject, holder, comune, issued_at, expires_at, sha256, requester, channel,
			revoked, revoked_at)
			VALUES ('BBBB-BBBB-BBBB-BBBB', 'residenza', 'RSSMRA80A01F205X', 'MARIO ROSSI', 'MILANO', 1, 2,
			X'0101010101010101010101010101010101010101010101010101010101010101', 'client-a', 'api', 1, 3)`,
	}, storetest.V1Rows...) {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	s := openAt(t, path)
	ctx := context.Background()
	var version int
	if err := rawDB(t, path).QueryRow(`SELECT max(version) FROM schema_migrations`).Scan(&version); err != nil || version != SchemaVersion {
		t.Errorf("schema at version %d, %v after Open", version, err)
	}
	want := storetest.V1Upgraded()
	for _, h := range want {
		for _, m := range h.Members {
			sub, err := s.Subject(ctx, m.FiscalCode)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(sub.Household, h) {
				t.Errorf("Subject(%s).Household after the upgrade:\n got %+v\nwant %+v", m.FiscalCode, sub.Household, h)
			}
		}
	}
	r, err := s.ImportHouseholds(ctx, want)
	if err != nil || r != (store.ImportResult{Unchanged: 5}) {
		t.Errorf("importing the upgraded rows = %+v, %v; want all 5 unchanged", r, err)
	}
	if _, err := s.ByCode(ctx, "AAAA-AAAA-AAAA-AAAA"); err != nil {
		t.Errorf("ByCode after the upgrade: %v", err)
	}
	if err := s.Record(ctx, cert(1)); err != nil {
		t.Fatal(err)
	}
	if n, err := s.AuditVerify(ctx); err != nil || n != 1 {
		t.Errorf("AuditVerify = %d, %v", n, err)
	}
	storetest.CheckUpgradedLedger(t, s, fromNanos(3))
}

// TestBackgroundCheckpoint: the WAL reaches the database file without any
// write transaction crossing SQLite's own threshold (raised to
// walBackstopPages), because the checkpointer copies it in the background.
func TestBackgroundCheckpoint(t *testing.T) {
	s, path := newStore(t)
	ctx := context.Background()
	pdf := make([]byte, 64<<10)
	for i := range 80 { // about 5 MiB of documents, far below the backstop
		pdf[0], pdf[1] = byte(i), byte(i>>8)
		rec := storetest.Cert(i)
		rec.SHA256 = sha256.Sum256(pdf)
		if err := s.RecordIssue(ctx, store.Issuance{Record: rec, PDF: pdf}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() > 4<<20 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("database file still %d bytes: the WAL was not checkpointed", fi.Size())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestDocumentPartsStoredOnce: a document's shared parts are stored once,
// not in its row.
func TestDocumentPartsStoredOnce(t *testing.T) {
	s, path := newStore(t)
	ctx := context.Background()
	font := store.NewSharedPart(bytes.Repeat([]byte("glyph outline data "), 700)) // 13 KB
	for i := range 3 {
		pdf := append(fmt.Appendf(nil, "%%PDF-1.7 %d\n", i), font.Body...)
		rec := storetest.Cert(i)
		rec.SHA256 = sha256.Sum256(pdf)
		if err := s.RecordIssue(ctx, store.Issuance{Record: rec, PDF: pdf, Parts: []store.SharedPart{font}}); err != nil {
			t.Fatal(err)
		}
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rows, biggest, parts, partBytes int
	if err := db.QueryRow(`SELECT count(*), max(length(pdf)) FROM documents`).Scan(&rows, &biggest); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT count(*), sum(length(body)) FROM document_parts`).Scan(&parts, &partBytes); err != nil {
		t.Fatal(err)
	}
	if rows != 3 || biggest > 100 || parts != 1 || partBytes != len(font.Body) {
		t.Fatalf("%d documents of at most %d bytes, %d parts of %d bytes", rows, biggest, parts, partBytes)
	}
}

// TestDocumentDigestChecked: a stored document that no longer matches its
// certificate's digest is an error, never served.
func TestDocumentDigestChecked(t *testing.T) {
	s, path := newStore(t)
	ctx := context.Background()
	rec := storetest.Cert(1)
	if err := s.RecordIssue(ctx, store.Issuance{Record: rec, PDF: storetest.PDF(1)}); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE documents SET pdf = ? WHERE code = ?`, []byte("pdf 2"), rec.Code); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Document(ctx, rec.Code); errs.KindOf(err) != errs.Internal {
		t.Fatalf("tampered document: %v, want an internal error", err)
	}
}

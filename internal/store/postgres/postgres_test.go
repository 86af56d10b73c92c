package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"certa.example/certa/internal/audit"
	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/store"
	"certa.example/certa/internal/store/storetest"
	"certa.example/certa/internal/testutil"
)

// The tests need a PostgreSQL server: CERTA_TEST_DATABASE_URL, or the
// local default below. Each test works in a schema of its own, created
// empty and dropped at the end, so tests run in parallel and leave nothing
// behind. When the server cannot be reached they are skipped, or fail
// under CERTA_REQUIRE_INTEGRATION.
func baseURL() string { return testutil.PostgresURL() }

// redacted returns u without its password, for messages.
func redacted(u string) string {
	if p, err := url.Parse(u); err == nil {
		return p.Redacted()
	}
	return "(unparsable URL)"
}

// withParams returns the URL u with query parameters kv (name, value, ...)
// set.
func withParams(t testing.TB, u string, kv ...string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil || p.Scheme == "" {
		t.Fatalf("CERTA_TEST_DATABASE_URL must be a postgres:// URL")
	}
	q := p.Query()
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	p.RawQuery = q.Encode()
	return p.String()
}

// connect opens a plain connection to u, as an operator's psql would.
func connect(t testing.TB, u string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, u)
	if err != nil {
		testutil.Unavailable(t, fmt.Sprintf("PostgreSQL not reachable at %s: %v", redacted(u), err))
	}
	return c
}

// exec runs statements on a fresh connection to u.
func exec(t testing.TB, u string, stmts ...string) {
	t.Helper()
	c := connect(t, u)
	defer c.Close(context.Background())
	for _, q := range stmts {
		if _, err := c.Exec(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// randomName returns prefix and 16 random hex digits.
func randomName(prefix string) string {
	var b [8]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// newSchema creates an empty schema, dropped when t ends, and returns a URL
// whose search_path selects it.
func newSchema(t testing.TB) string {
	t.Helper()
	return testutil.PostgresSchema(t)
}

// openStore migrates a new schema and opens a store on it, closed when t
// ends.
func openStore(t testing.TB) (*Store, string) {
	t.Helper()
	u := newSchema(t)
	s, err := OpenAndMigrate(context.Background(), u, storetest.NewClock(storetest.T0).Now)
	if err != nil {
		t.Fatalf("OpenAndMigrate: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, u
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
		TimePrecision: time.Microsecond,
		MaxResidents:  MaxResidents,
	})
}

// tamperSQL changes one event, the seq as the only parameter.
var tamperSQL = map[storetest.Tampering]string{
	storetest.TamperActor:    `UPDATE audit_events SET actor = 'mallory' WHERE seq = $1`,
	storetest.TamperObject:   `UPDATE audit_events SET object = 'ZZZZ-ZZZZ-ZZZZ-ZZZZ' WHERE seq = $1`,
	storetest.TamperOutcome:  `UPDATE audit_events SET outcome = 'denied' WHERE seq = $1`,
	storetest.TamperAt:       `UPDATE audit_events SET at = at + interval '1 microsecond' WHERE seq = $1`,
	storetest.TamperPrev:     `UPDATE audit_events SET prev = decode(repeat('00', 32), 'hex') WHERE seq = $1`,
	storetest.TamperHash:     `UPDATE audit_events SET hash = decode(repeat('00', 32), 'hex') WHERE seq = $1`,
	storetest.TamperDelete:   `DELETE FROM audit_events WHERE seq = $1`,
	storetest.TamperRenumber: `UPDATE audit_events SET seq = seq + 1000 WHERE seq = $1`,
}

// dropGuards removes the append-only triggers, as someone with the
// schema's owner rights could.
var dropGuards = []string{
	`DROP TRIGGER audit_events_no_update ON audit_events`,
	`DROP TRIGGER audit_events_no_delete ON audit_events`,
}

func newDB(t *testing.T) storetest.DB {
	u := newSchema(t)
	return storetest.DB{
		Open: func(now func() time.Time) (store.Store, error) {
			s, err := OpenAndMigrate(context.Background(), u, now)
			if err != nil {
				return nil, err
			}
			return s, nil
		},
		Events:      func() ([]audit.Event, error) { return readEvents(t, u) },
		RowVersions: func() (map[string]string, error) { return rowVersions(t, u) },
		Tamper: func(seq int64, tm storetest.Tampering) error {
			q, ok := tamperSQL[tm]
			if !ok {
				return fmt.Errorf("no SQL for %v", tm)
			}
			exec(t, u, dropGuards...)
			c := connect(t, u)
			defer c.Close(context.Background())
			_, err := c.Exec(context.Background(), q, seq)
			return err
		},
	}
}

// rowVersions identifies each registry row's current version by its
// xmin (the transaction that wrote it) and ctid (where it is).
func rowVersions(t testing.TB, u string) (map[string]string, error) {
	c := connect(t, u)
	defer c.Close(context.Background())
	rows, err := c.Query(context.Background(), `
		SELECT 'h:' || id, xmin::text || ctid::text FROM households
		UNION ALL
		SELECT 'p:' || fiscal_code, xmin::text || ctid::text FROM persons`)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	var k, v string
	_, err = pgx.ForEachRow(rows, []any{&k, &v}, func() error {
		out[k] = v
		return nil
	})
	return out, err
}

func readEvents(t testing.TB, u string) ([]audit.Event, error) {
	c := connect(t, u)
	defer c.Close(context.Background())
	rows, err := c.Query(context.Background(),
		`SELECT seq, at, actor, action, object, outcome, prev, hash FROM audit_events ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []audit.Event
	for rows.Next() {
		var (
			e          audit.Event
			prev, hash []byte
		)
		if err := rows.Scan(&e.Seq, &e.At, &e.Actor, &e.Action, &e.Object, &e.Outcome, &prev, &hash); err != nil {
			return nil, err
		}
		e.At = e.At.UTC()
		copy(e.Prev[:], prev)
		copy(e.Hash[:], hash)
		out = append(out, e)
	}
	return out, rows.Err()
}

func count(t *testing.T, u, query string) int {
	t.Helper()
	c := connect(t, u)
	defer c.Close(context.Background())
	var n int
	if err := c.QueryRow(context.Background(), query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestMigrateIdempotent(t *testing.T) {
	t.Parallel()
	u := newSchema(t)
	ctx := context.Background()
	for range 2 {
		if err := Migrate(ctx, u, nil); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
	}
	// Processes starting together queue on the advisory lock.
	var wg sync.WaitGroup
	errc := make(chan error, 4)
	for range 4 {
		wg.Go(func() { errc <- Migrate(ctx, u, nil) })
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Errorf("concurrent Migrate: %v", err)
		}
	}
	if n := count(t, u, `SELECT count(*) FROM schema_migrations`); n != SchemaVersion {
		t.Errorf("%d migrations recorded, want %d", n, SchemaVersion)
	}
	if n := count(t, u, `SELECT max(version) FROM schema_migrations`); n != SchemaVersion {
		t.Errorf("schema at version %d, want %d", n, SchemaVersion)
	}
}

func TestMigrationsConcurrentFromScratch(t *testing.T) {
	t.Parallel()
	u := newSchema(t)
	var wg sync.WaitGroup
	errc := make(chan error, 4)
	for range 4 {
		wg.Go(func() { errc <- Migrate(context.Background(), u, nil) })
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Errorf("concurrent Migrate: %v", err)
		}
	}
	if n := count(t, u, `SELECT count(*) FROM schema_migrations`); n != SchemaVersion {
		t.Errorf("%d migrations recorded, want %d", n, SchemaVersion)
	}
}

func TestOpenUnmigrated(t *testing.T) {
	t.Parallel()
	u := newSchema(t)
	s, err := Open(context.Background(), u, nil)
	if err == nil {
		s.Close()
		t.Fatal("Open accepted an empty schema")
	}
	if !errors.Is(err, ErrNotMigrated) || !strings.Contains(err.Error(), "certa migrate") {
		t.Errorf("Open: %v, want ErrNotMigrated telling to run certa migrate", err)
	}
	// Open did not migrate behind the caller's back.
	if n := count(t, u, `SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()`); n != 0 {
		t.Errorf("Open created %d tables", n)
	}
}

func TestSchemaTooNew(t *testing.T) {
	t.Parallel()
	u := newSchema(t)
	ctx := context.Background()
	if err := Migrate(ctx, u, nil); err != nil {
		t.Fatal(err)
	}
	exec(t, u, `INSERT INTO schema_migrations (version, applied_at) VALUES (999, now())`)
	for name, fn := range map[string]func() error{
		"Open": func() error {
			s, err := Open(ctx, u, nil)
			if err == nil {
				s.Close()
			}
			return err
		},
		"Migrate": func() error { return Migrate(ctx, u, nil) },
	} {
		t.Run(name, func(t *testing.T) {
			err := fn()
			if !errors.Is(err, ErrSchemaTooNew) {
				t.Fatalf("%s: %v, want ErrSchemaTooNew", name, err)
			}
			if !strings.Contains(err.Error(), "version 999") {
				t.Errorf("%s: %q does not name the database's version 999", name, err)
			}
		})
	}
	if n := count(t, u, `SELECT count(*) FROM schema_migrations`); n != SchemaVersion+1 {
		t.Errorf("Migrate changed schema_migrations: %d rows", n)
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

func TestAuditGuards(t *testing.T) {
	t.Parallel()
	s, u := openStore(t)
	ctx := context.Background()
	for i := range 2 {
		if err := s.Record(ctx, storetest.Cert(i)); err != nil {
			t.Fatal(err)
		}
	}
	c := connect(t, u)
	defer c.Close(ctx)
	tests := []struct{ sql, want string }{
		{`UPDATE audit_events SET actor = 'mallory' WHERE seq = 1`, "append-only"},
		{`DELETE FROM audit_events WHERE seq = 2`, "append-only"},
		{`TRUNCATE audit_events`, "append-only"},
		{`UPDATE audit_head SET seq = 1`, "advances by one"},
		{`UPDATE audit_head SET seq = 3`, "recorded event"},
		{`UPDATE audit_head SET seq = 3, hash = (SELECT hash FROM audit_events WHERE seq = 2)`, "recorded event"},
		{`DELETE FROM audit_head`, "advances by one"},
		{`TRUNCATE audit_head`, "advances by one"},
	}
	for _, tc := range tests {
		t.Run(tc.sql, func(t *testing.T) {
			if _, err := c.Exec(ctx, tc.sql); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%v, want a refusal saying %q", err, tc.want)
			}
		})
	}
	if n, err := s.AuditVerify(ctx); err != nil || n != 2 {
		t.Errorf("AuditVerify = %d, %v; want 2", n, err)
	}
}

// TestAuditVerifyDetectsTruncation: events cut off the end, or a last
// event replaced by a well-chained forgery, leave a valid chain that no
// longer ends at the head.
func TestAuditVerifyDetectsTruncation(t *testing.T) {
	t.Parallel()
	forge := func(t *testing.T, u string) {
		es, err := readEvents(t, u)
		if err != nil {
			t.Fatal(err)
		}
		f := audit.Chain(es[3], audit.Event{At: es[4].At, Actor: "mallory",
			Action: es[4].Action, Object: es[4].Object, Outcome: es[4].Outcome})
		exec(t, u, `DELETE FROM audit_events WHERE seq = 5`)
		c := connect(t, u)
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), insertEvent, f.Seq, f.At, f.Actor, f.Action,
			f.Object, f.Outcome, f.Prev[:], f.Hash[:]); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		tamper func(t *testing.T, u string)
		public string
		n      int
	}{
		{"last event deleted", func(t *testing.T, u string) { exec(t, u, `DELETE FROM audit_events WHERE seq = 5`) },
			"audit chain broken at seq 5", 4},
		{"all events deleted", func(t *testing.T, u string) { exec(t, u, `DELETE FROM audit_events`) },
			"audit chain broken at seq 1", 0},
		{"last event forged", forge, "audit chain broken at seq 5", 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, u := openStore(t)
			ctx := context.Background()
			for i := range 5 {
				if err := s.Record(ctx, storetest.Cert(i)); err != nil {
					t.Fatal(err)
				}
			}
			exec(t, u, dropGuards...)
			tc.tamper(t, u)
			n, err := s.AuditVerify(ctx)
			kindOf(t, err, errs.Internal)
			if errs.PublicOf(err) != tc.public {
				t.Errorf("public text %q, want %q (%v)", errs.PublicOf(err), tc.public, err)
			}
			if n != tc.n {
				t.Errorf("verified %d events, want %d", n, tc.n)
			}
		})
	}
}

func TestRecordRefusesUnstorableText(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	ctx := context.Background()
	rec := storetest.Cert(1)
	rec.Holder = "MARIO\x00ROSSI"
	kindOf(t, s.Record(ctx, rec), errs.InvalidRequest)
	rec = storetest.Cert(2)
	rec.Comune = "MILANO\xff"
	kindOf(t, s.Record(ctx, rec), errs.InvalidRequest)
	hs := storetest.Households()
	hs[0].Members[1].Surname = "BIANCHI\x00"
	kindOf(t, s.PutHouseholds(ctx, hs), errs.InvalidRequest)
	_, err := s.Subject(ctx, "RSSMRA80A01F205X\x00")
	kindOf(t, err, errs.SubjectNotFound)
	_, err = s.ByCode(ctx, "AAAA\x00")
	kindOf(t, err, errs.NotFound)
}

// TestRecordAtomic: when the audit event cannot be written, the
// certificate is not either.
func TestRecordAtomic(t *testing.T) {
	t.Parallel()
	s, u := openStore(t)
	ctx := context.Background()
	if err := s.Record(ctx, storetest.Cert(0)); err != nil {
		t.Fatal(err)
	}
	// Occupy the next seq behind the head's back.
	exec(t, u, `INSERT INTO audit_events SELECT 2, at, actor, action, object, outcome, hash, hash FROM audit_events WHERE seq = 1`)
	err := s.Record(ctx, storetest.Cert(1))
	kindOf(t, err, errs.Internal)
	if _, err := s.ByCode(ctx, storetest.Cert(1).Code); errs.KindOf(err) != errs.NotFound {
		t.Errorf("ByCode after the failed Record: %v, want not found", err)
	}
	if n := count(t, u, `SELECT count(*) FROM certificates`); n != 1 {
		t.Errorf("%d certificates, want 1", n)
	}
	if n := count(t, u, `SELECT seq FROM audit_head`); n != 1 {
		t.Errorf("audit head at seq %d, want 1", n)
	}
	// The connection went back to the pool clean: the store still works
	// for reads (the chain stays blocked by the stray event).
	if _, err := s.ByCode(ctx, storetest.Cert(0).Code); err != nil {
		t.Errorf("ByCode: %v", err)
	}
}

// TestQueryExecModes: the store works in pgx's other query modes, which
// PgBouncer in transaction mode needs (no prepared statements).
func TestQueryExecModes(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"exec", "simple_protocol"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			u := withParams(t, newSchema(t), "default_query_exec_mode", mode)
			ctx := context.Background()
			s, err := OpenAndMigrate(ctx, u, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.PutHouseholds(ctx, storetest.Households()); err != nil {
				t.Fatal(err)
			}
			if sub, err := s.Subject(ctx, "RSSGNN10C15F205Z"); err != nil || len(sub.Household.Members) != 3 {
				t.Errorf("Subject = %+v, %v", sub, err)
			}
			// Imports: identical, then with a change, a move and a departure.
			hs := storetest.Households()
			if r, err := s.ImportHouseholds(ctx, hs); err != nil || r.Unchanged != 17 {
				t.Errorf("ImportHouseholds = %+v, %v; want 17 unchanged", r, err)
			}
			hs[0].Members = hs[0].Members[:2]                       // Giovanni leaves
			hs[1].Members = append(hs[1].Members, hs[2].Members[2]) // Matteo moves
			hs[1].Members[1].HouseholdID = ""
			hs[2].Members = hs[2].Members[:2]
			hs[4].CohabitationKind = 1
			want := store.ImportResult{Households: 1, Persons: 1, Unchanged: 14, Removed: 1}
			for range 2 {
				if r, err := s.ImportHouseholds(ctx, hs); err != nil || r != want {
					t.Errorf("ImportHouseholds = %+v, %v; want %+v", r, err, want)
				}
				want = store.ImportResult{Unchanged: 16}
			}
			if sub, err := s.Subject(ctx, storetest.CodeMatteo); err != nil || sub.Household.ID != "H0002" ||
				!reflect.DeepEqual(sub.Household, storetest.Stored(hs[1])) {
				t.Errorf("Subject after the import = %+v, %v", sub, err)
			}
			for i := range 3 {
				if err := s.Record(ctx, storetest.Cert(i)); err != nil {
					t.Fatal(err)
				}
			}
			kindOf(t, s.Record(ctx, storetest.Cert(1)), errs.Conflict)
			rec, err := s.BySHA256(ctx, storetest.Cert(2).SHA256)
			if err != nil || !rec.IssuedAt.Equal(storetest.Cert(2).IssuedAt.Truncate(time.Microsecond)) {
				t.Errorf("BySHA256 = %+v, %v", rec, err)
			}
			if n, err := s.AuditVerify(ctx); err != nil || n != 3 {
				t.Errorf("AuditVerify = %d, %v; want 3", n, err)
			}
		})
	}
}

// TestUpgradeFromVersion1: a database of schema version 1 with registry
// rows and a certificate upgrades in place; its rows read back in the new
// model, in the very form an import of the same data writes.
func TestUpgradeFromVersion1(t *testing.T) {
	t.Parallel()
	u := newSchema(t)
	ctx := context.Background()
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	exec(t, u, append([]string{ms[0].SQL,
		`CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL)`,
		`INSERT INTO schema_migrations VALUES (1, now())`,
		`INSERT INTO certificates (code, type, subject, holder, comune, issued_at, expires_at, sha256, requester, channel)
			VALUES ('AAAA-AAAA-AAAA-AAAA', 'residenza', 'RSSMRA80A01F205X', 'MARIO ROSSI', 'MILANO', now(), now(),
			sha256('x'), 'client-a', 'api')`,
		`INSERT INTO certificates (code, type, subject, holder, comune, issued_at, expires_at, sha256, requester, channel,
			revoked, revoked_at)
			VALUES ('BBBB-BBBB-BBBB-BBBB', 'residenza', 'RSSMRA80A01F205X', 'MARIO ROSSI', 'MILANO', now(), now(),
			sha256('y'), 'client-a', 'api', true, '2026-01-02T03:04:05.123456Z')`}, storetest.V1Rows...)...)
	if s, err := Open(ctx, u, nil); !errors.Is(err, ErrNotMigrated) {
		if err == nil {
			s.Close()
		}
		t.Fatalf("Open at version 1: %v, want ErrNotMigrated", err)
	}
	s, err := OpenAndMigrate(ctx, u, storetest.NewClock(storetest.T0).Now)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n := count(t, u, `SELECT max(version) FROM schema_migrations`); n != SchemaVersion {
		t.Errorf("schema at version %d after Migrate", n)
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
	// The ledger is kept, and still works.
	if _, err := s.ByCode(ctx, "AAAA-AAAA-AAAA-AAAA"); err != nil {
		t.Errorf("ByCode after the upgrade: %v", err)
	}
	if err := s.Record(ctx, storetest.Cert(1)); err != nil {
		t.Fatal(err)
	}
	if n, err := s.AuditVerify(ctx); err != nil || n != 1 {
		t.Errorf("AuditVerify = %d, %v", n, err)
	}
	storetest.CheckUpgradedLedger(t, s, time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC))
}

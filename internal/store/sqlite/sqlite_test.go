package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"certa.example/certa/internal/audit"
	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/ledger"
	"certa.example/certa/internal/registry"
)

var t0 = time.Date(2026, 3, 14, 9, 26, 53, 589793238, time.UTC)

// clock is a fake clock that advances by a millisecond per reading.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

func openAt(t testing.TB, path string) *Store {
	t.Helper()
	c := &clock{t: t0}
	s, err := Open(path, c.Now)
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
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// Synthetic people: the fiscal codes are well-formed but invented.
func households() []registry.Household {
	return []registry.Household{
		{
			ID: "H0001",
			Address: registry.Address{Toponym: "VIA", Street: "GIUSEPPE GARIBALDI",
				Number: "12/A", Internal: "3", PostalCode: "20121"},
			Members: []registry.Person{
				{FiscalCode: "RSSMRA80A01F205X", Surname: "ROSSI", Name: "MARIO", Sex: registry.Male,
					BirthDate:   date(1980, 1, 1),
					BirthPlace:  registry.Place{ComuneCode: "F205", Name: "MILANO", Province: "MI"},
					Citizenship: "ITALIANA", CivilStatus: registry.CivilMarried, Kinship: registry.KinHead},
				{FiscalCode: "BNCLRA82M41Z129Y", Surname: "BIANCHI", Name: "LAURA", Sex: registry.Female,
					BirthDate:   date(1982, 8, 1),
					BirthPlace:  registry.Place{Name: "BUCAREST", Country: "ROMANIA"},
					Citizenship: "ROMENA", CivilStatus: registry.CivilMarried, Kinship: registry.KinSpouse},
				{FiscalCode: "RSSGNN10C15F205Z", Surname: "ROSSI", Name: "GIOVANNI", Sex: registry.Male,
					BirthDate:   date(2010, 3, 15),
					BirthPlace:  registry.Place{ComuneCode: "F205", Name: "MILANO", Province: "MI"},
					Citizenship: "ITALIANA", CivilStatus: registry.CivilSingle, Kinship: registry.KinChild},
			},
		},
		{
			ID: "H0002",
			Address: registry.Address{Toponym: "PIAZZA", Street: "DEL DUOMO",
				Number: "1", PostalCode: "20122"},
			Members: []registry.Person{
				{FiscalCode: "VRDNNA45T52H501W", Surname: "VERDI", Name: "ANNA", Sex: registry.Female,
					BirthDate:   date(1945, 12, 12),
					BirthPlace:  registry.Place{ComuneCode: "H501", Name: "ROMA", Province: "RM"},
					Citizenship: "ITALIANA", CivilStatus: registry.CivilWidowed, Kinship: registry.KinHead,
					HouseholdID: "H0002"},
			},
		},
	}
}

func kindOf(t *testing.T, err error, want errs.Kind) {
	t.Helper()
	if got := errs.KindOf(err); err == nil || got != want {
		t.Fatalf("error %v (kind %v), want kind %v", err, got, want)
	}
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
	if err := s.PutHouseholds(context.Background(), households()); err != nil {
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

func TestHouseholdsRoundTrip(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	hs := households()
	if err := s.PutHouseholds(ctx, hs); err != nil {
		t.Fatalf("PutHouseholds: %v", err)
	}
	for _, h := range hs {
		want := h
		want.Members = nil
		for _, m := range h.Members {
			m.HouseholdID = h.ID
			want.Members = append(want.Members, m)
		}
		for _, m := range want.Members {
			t.Run(m.FiscalCode, func(t *testing.T) {
				got, err := s.Subject(ctx, m.FiscalCode)
				if err != nil {
					t.Fatalf("Subject: %v", err)
				}
				if !reflect.DeepEqual(got.Person, m) {
					t.Errorf("Person:\n got %+v\nwant %+v", got.Person, m)
				}
				if !reflect.DeepEqual(got.Household, want) {
					t.Errorf("Household:\n got %+v\nwant %+v", got.Household, want)
				}
			})
		}
	}
	n, err := s.CountResidents(ctx)
	if err != nil || n != 4 {
		t.Errorf("CountResidents = %d, %v; want 4", n, err)
	}
}

func TestSubjectNotFound(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	if err := s.PutHouseholds(ctx, households()); err != nil {
		t.Fatal(err)
	}
	const code = "ZZZZZZ99Z99Z999Z"
	_, err := s.Subject(ctx, code)
	kindOf(t, err, errs.SubjectNotFound)
	if strings.Contains(err.Error(), code) {
		t.Errorf("error %q echoes the fiscal code", err)
	}
}

func TestResidents(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	if err := s.PutHouseholds(ctx, households()); err != nil {
		t.Fatal(err)
	}
	all := []string{"BNCLRA82M41Z129Y", "RSSGNN10C15F205Z", "RSSMRA80A01F205X", "VRDNNA45T52H501W"}
	tests := []struct {
		limit int
		want  []string
		kind  errs.Kind
	}{
		{limit: 1, want: all[:1]},
		{limit: 3, want: all[:3]},
		{limit: 4, want: all},
		{limit: MaxResidents, want: all},
		{limit: 0, kind: errs.InvalidRequest},
		{limit: -1, kind: errs.InvalidRequest},
		{limit: MaxResidents + 1, kind: errs.InvalidRequest},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.limit), func(t *testing.T) {
			ps, err := s.Residents(ctx, tc.limit)
			if tc.want == nil {
				kindOf(t, err, tc.kind)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range ps {
				got = append(got, p.FiscalCode)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Residents(%d) = %v, want %v", tc.limit, got, tc.want)
			}
		})
	}
	// Every field survives, as in Subject.
	ps, err := s.Residents(ctx, 4)
	if err != nil {
		t.Fatal(err)
	}
	want := households()[0].Members[1]
	want.HouseholdID = "H0001"
	if !reflect.DeepEqual(ps[0], want) {
		t.Errorf("Residents[0]:\n got %+v\nwant %+v", ps[0], want)
	}
}

func TestPutHouseholdsAtomic(t *testing.T) {
	person := func(cf string) registry.Person {
		return registry.Person{FiscalCode: cf, Surname: "NERI", Name: "LUCA", Sex: registry.Male,
			BirthDate: date(1990, 5, 5), BirthPlace: registry.Place{ComuneCode: "L219", Name: "TORINO", Province: "TO"},
			Citizenship: "ITALIANA", CivilStatus: registry.CivilSingle, Kinship: registry.KinHead}
	}
	fresh := registry.Household{ID: "H0100", Address: registry.Address{Toponym: "VIA", Street: "PO", Number: "2", PostalCode: "10123"},
		Members: []registry.Person{person("NRELCU90E05L219A")}}
	tests := []struct {
		name string
		hs   []registry.Household
		kind errs.Kind
	}{
		{"existing household id", []registry.Household{fresh, {ID: "H0001", Members: []registry.Person{person("NRELCU90E05L219B")}}}, errs.Conflict},
		{"existing fiscal code", []registry.Household{fresh, {ID: "H0101", Members: []registry.Person{person("RSSMRA80A01F205X")}}}, errs.Conflict},
		{"fiscal code twice in batch", []registry.Household{fresh, {ID: "H0101", Members: []registry.Person{person("NRELCU90E05L219A")}}}, errs.Conflict},
		{"household twice in batch", []registry.Household{fresh, fresh}, errs.Conflict},
		{"empty id", []registry.Household{fresh, {Members: []registry.Person{person("NRELCU90E05L219B")}}}, errs.InvalidRequest},
		{"empty fiscal code", []registry.Household{fresh, {ID: "H0101", Members: []registry.Person{person("")}}}, errs.InvalidRequest},
		{"member of another household", []registry.Household{{ID: "H0101", Members: []registry.Person{
			func() registry.Person { p := person("NRELCU90E05L219B"); p.HouseholdID = "H0001"; return p }()}}}, errs.InvalidRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newStore(t)
			ctx := context.Background()
			if err := s.PutHouseholds(ctx, households()); err != nil {
				t.Fatal(err)
			}
			err := s.PutHouseholds(ctx, tc.hs)
			kindOf(t, err, tc.kind)
			if strings.Contains(err.Error(), "NRELCU") || strings.Contains(err.Error(), "RSSMRA") {
				t.Errorf("error %q names a fiscal code", err)
			}
			if n, err := s.CountResidents(ctx); err != nil || n != 4 {
				t.Errorf("CountResidents = %d, %v; want 4 (nothing written)", n, err)
			}
			_, err = s.Subject(ctx, "NRELCU90E05L219A")
			kindOf(t, err, errs.SubjectNotFound)
		})
	}
}

func TestPutHouseholdsEmpty(t *testing.T) {
	s, _ := newStore(t)
	if err := s.PutHouseholds(context.Background(), nil); err != nil {
		t.Errorf("PutHouseholds(nil) = %v", err)
	}
}

// cert returns a distinct certificate for each i.
func cert(i int) ledger.Record {
	return ledger.Record{
		Code:      fmt.Sprintf("AAAA-BBBB-%04X-%04X", i>>16, i&0xffff),
		Type:      "residenza",
		Subject:   "RSSMRA80A01F205X",
		Holder:    "MARIO ROSSI",
		Comune:    "MILANO",
		IssuedAt:  t0.Add(time.Duration(i) * time.Second),
		ExpiresAt: t0.AddDate(0, 6, 0),
		SHA256:    sha256.Sum256(fmt.Appendf(nil, "pdf %d", i)),
		Requester: "client-a",
		Channel:   "api",
	}
}

func auditLen(t *testing.T, s *Store) int {
	t.Helper()
	n, err := s.AuditVerify(context.Background())
	if err != nil {
		t.Fatalf("AuditVerify: %v", err)
	}
	return n
}

func TestRecordRoundTrip(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Skipf("no tzdata: %v", err)
	}
	plain := cert(1)
	plain.IssuedAt = plain.IssuedAt.In(rome) // location is not kept, the instant is
	revoked := cert(2)
	revoked.Revoked = true
	revoked.RevokedAt = t0.Add(time.Hour + time.Nanosecond)
	for _, rec := range []ledger.Record{plain, revoked} {
		t.Run(rec.Code, func(t *testing.T) {
			if err := s.Record(ctx, rec); err != nil {
				t.Fatalf("Record: %v", err)
			}
			byCode, err := s.ByCode(ctx, rec.Code)
			if err != nil {
				t.Fatalf("ByCode: %v", err)
			}
			bySum, err := s.BySHA256(ctx, rec.SHA256)
			if err != nil {
				t.Fatalf("BySHA256: %v", err)
			}
			want := rec
			want.IssuedAt = rec.IssuedAt.UTC()
			want.ExpiresAt = rec.ExpiresAt.UTC()
			if !rec.RevokedAt.IsZero() {
				want.RevokedAt = rec.RevokedAt.UTC()
			}
			for name, got := range map[string]ledger.Record{"ByCode": byCode, "BySHA256": bySum} {
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s:\n got %+v\nwant %+v", name, got, want)
				}
				if !got.IssuedAt.Equal(rec.IssuedAt) {
					t.Errorf("%s: IssuedAt %v, want %v", name, got.IssuedAt, rec.IssuedAt)
				}
			}
		})
	}
}

func TestLedgerNotFound(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	if err := s.Record(ctx, cert(1)); err != nil {
		t.Fatal(err)
	}
	_, err := s.ByCode(ctx, cert(2).Code)
	kindOf(t, err, errs.NotFound)
	_, err = s.BySHA256(ctx, cert(2).SHA256)
	kindOf(t, err, errs.NotFound)
}

func TestRecordRejected(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*ledger.Record)
		kind   errs.Kind
	}{
		{"duplicate code", func(r *ledger.Record) { r.Code = cert(1).Code }, errs.Conflict},
		{"duplicate sha256", func(r *ledger.Record) { r.SHA256 = cert(1).SHA256 }, errs.Conflict},
		{"no code", func(r *ledger.Record) { r.Code = "" }, errs.InvalidRequest},
		{"no requester", func(r *ledger.Record) { r.Requester = "" }, errs.InvalidRequest},
		{"no issue time", func(r *ledger.Record) { r.IssuedAt = time.Time{} }, errs.InvalidRequest},
		{"expiry out of range", func(r *ledger.Record) { r.ExpiresAt = date(2300, 1, 1) }, errs.InvalidRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newStore(t)
			ctx := context.Background()
			if err := s.Record(ctx, cert(1)); err != nil {
				t.Fatal(err)
			}
			rec := cert(2)
			tc.mutate(&rec)
			err := s.Record(ctx, rec)
			kindOf(t, err, tc.kind)
			if strings.Contains(errs.PublicOf(err), rec.Subject) || strings.Contains(err.Error(), rec.Holder) {
				t.Errorf("error %q carries personal data", err)
			}
			if n := auditLen(t, s); n != 1 {
				t.Errorf("audit chain has %d events, want 1", n)
			}
			if rec.Code != "" && rec.Code != cert(1).Code {
				_, err := s.ByCode(ctx, rec.Code)
				kindOf(t, err, errs.NotFound)
			}
			if rec.SHA256 != cert(1).SHA256 {
				_, err := s.BySHA256(ctx, rec.SHA256)
				kindOf(t, err, errs.NotFound)
			}
		})
	}
}

func TestRecordCancelled(t *testing.T) {
	s, _ := newStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	kindOf(t, s.Record(ctx, cert(1)), errs.Unavailable)
	if n := auditLen(t, s); n != 0 {
		t.Errorf("audit chain has %d events, want 0", n)
	}
}

func readEvents(t *testing.T, db *sql.DB) []audit.Event {
	t.Helper()
	rows, err := db.Query(`SELECT seq, at, actor, action, object, outcome, prev, hash FROM audit_events ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
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
			t.Fatal(err)
		}
		e.At = time.Unix(0, at).UTC()
		copy(e.Prev[:], prev)
		copy(e.Hash[:], hash)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAuditEvents(t *testing.T) {
	s, path := newStore(t)
	ctx := context.Background()
	const n = 20
	for i := range n {
		if err := s.Record(ctx, cert(i)); err != nil {
			t.Fatal(err)
		}
	}
	if got := auditLen(t, s); got != n {
		t.Errorf("AuditVerify = %d, want %d", got, n)
	}
	es := readEvents(t, rawDB(t, path))
	if len(es) != n {
		t.Fatalf("%d events, want %d", len(es), n)
	}
	if err := audit.VerifyChain(es); err != nil {
		t.Errorf("VerifyChain: %v", err)
	}
	for i, e := range es {
		want := audit.Event{Seq: int64(i + 1), Actor: "client-a", Action: audit.ActionCertificateIssue,
			Object: cert(i).Code, Outcome: audit.OutcomeOK, Prev: e.Prev, Hash: e.Hash,
			// The fake clock ticks once per Record, after Open's migration.
			At: t0.Add(time.Duration(i+2) * time.Millisecond)}
		if e != want {
			t.Errorf("event %d:\n got %+v\nwant %+v", i+1, e, want)
		}
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

func TestAuditVerifyDetectsTampering(t *testing.T) {
	tests := []struct {
		name    string
		sql     string
		seq     int64
		problem audit.Problem
	}{
		{"actor", `UPDATE audit_events SET actor = 'mallory' WHERE seq = 3`, 3, audit.BadHash},
		{"object", `UPDATE audit_events SET object = 'ZZZZ-ZZZZ-ZZZZ-ZZZZ' WHERE seq = 3`, 3, audit.BadHash},
		{"at", `UPDATE audit_events SET at = at + 1 WHERE seq = 3`, 3, audit.BadHash},
		{"hash", `UPDATE audit_events SET hash = zeroblob(32) WHERE seq = 3`, 3, audit.BadHash},
		{"prev", `UPDATE audit_events SET prev = zeroblob(32) WHERE seq = 3`, 3, audit.BadPrev},
		{"delete", `DELETE FROM audit_events WHERE seq = 3`, 3, audit.BadSeq},
		{"renumber", `UPDATE audit_events SET seq = 100 WHERE seq = 3`, 3, audit.BadSeq},
		{"genesis", `UPDATE audit_events SET outcome = 'denied' WHERE seq = 1`, 1, audit.BadHash},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, path := newStore(t)
			ctx := context.Background()
			for i := range 5 {
				if err := s.Record(ctx, cert(i)); err != nil {
					t.Fatal(err)
				}
			}
			db := rawDB(t, path)
			for _, q := range []string{
				`DROP TRIGGER audit_events_no_update`,
				`DROP TRIGGER audit_events_no_delete`,
				tc.sql,
			} {
				if _, err := db.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			n, err := s.AuditVerify(ctx)
			kindOf(t, err, errs.Internal)
			var ce *audit.ChainError
			if !errors.As(err, &ce) {
				t.Fatalf("AuditVerify: %v, want an *audit.ChainError inside", err)
			}
			if ce.Seq != tc.seq || ce.Problem != tc.problem {
				t.Errorf("broken at seq %d (%v), want seq %d (%v)", ce.Seq, ce.Problem, tc.seq, tc.problem)
			}
			if want := fmt.Sprintf("audit chain broken at seq %d", tc.seq); errs.PublicOf(err) != want {
				t.Errorf("public text %q, want %q", errs.PublicOf(err), want)
			}
			if n != int(tc.seq-1) {
				t.Errorf("verified %d events before the break, want %d", n, tc.seq-1)
			}
		})
	}
}

func TestConcurrentRecord(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	const workers, each = 8, 50
	var wg sync.WaitGroup
	errc := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				if err := s.Record(ctx, cert(w*each+i)); err != nil {
					errc <- err
				}
				// Reads interleave with the writers.
				if _, err := s.ByCode(ctx, cert(w*each).Code); err != nil {
					errc <- err
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	var rows int
	if err := s.r.QueryRow(`SELECT count(*) FROM certificates`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != workers*each {
		t.Errorf("%d certificates, want %d", rows, workers*each)
	}
	if n := auditLen(t, s); n != workers*each {
		t.Errorf("AuditVerify = %d, want %d", n, workers*each)
	}
}

// TestTwoStoresOneFile stands in for two processes on the same file: the
// stores share nothing but the file and its locks.
func TestTwoStoresOneFile(t *testing.T) {
	a, path := newStore(t)
	b := openAt(t, path)
	ctx := context.Background()
	const each = 100
	var wg sync.WaitGroup
	errc := make(chan error, 2*each)
	for j, s := range []*Store{a, b} {
		wg.Go(func() {
			for i := range each {
				if err := s.Record(ctx, cert(j*each+i)); err != nil {
					errc <- err
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	if n := auditLen(t, b); n != 2*each {
		t.Errorf("AuditVerify = %d, want %d", n, 2*each)
	}
}

func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "certa.db")
	ctx := context.Background()
	s, err := Open(path, (&clock{t: t0}).Now)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutHouseholds(ctx, households()); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := s.Record(ctx, cert(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openAt(t, path)
	if n, err := s.CountResidents(ctx); err != nil || n != 4 {
		t.Errorf("CountResidents = %d, %v; want 4", n, err)
	}
	if _, err := s.ByCode(ctx, cert(2).Code); err != nil {
		t.Errorf("ByCode after reopen: %v", err)
	}
	// The chain continues across the reopen.
	if err := s.Record(ctx, cert(3)); err != nil {
		t.Fatal(err)
	}
	if n := auditLen(t, s); n != 4 {
		t.Errorf("AuditVerify = %d, want 4", n)
	}
	var versions int
	if err := s.r.QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&versions); err != nil {
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

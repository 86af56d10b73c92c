package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"certa.example/certa/internal/store/storetest"
)

// TestHotQueryPlans checks, on an analyzed registry of realistic size, that
// the queries on the issue and verification paths use their indexes and
// never scan a table: the registry read for one certificate (Subject), the
// two ledger look-ups, the revocation list and its version, and a flush of
// verification counts. The plans are printed with -v for the docs.
func TestHotQueryPlans(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 20,000 persons")
	}
	s, u := openStore(t)
	ctx := context.Background()
	pop := storetest.PopulationOf(20000)
	if err := s.PutHouseholds(ctx, pop); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if err := s.Record(ctx, storetest.Cert(i)); err != nil {
			t.Fatal(err)
		}
	}
	conn := connect(t, u)
	defer conn.Close(ctx)
	// A ledger of realistic size, written directly: the plans, not the
	// audit chain, are under test here.
	if _, err := conn.Exec(ctx, `INSERT INTO certificates (code, type, subject, holder, comune, issued_at, expires_at, sha256, requester, channel)
		SELECT 'ZZZZ-' || lpad(i::text, 14, '0'), 'residenza', 'X', 'X', 'LODI', now(), now() + interval '6 months',
		       sha256(i::text::bytea), 'bench', 'test'
		FROM generate_series(1, 50000) AS i`); err != nil {
		t.Fatal(err)
	}
	// One in a hundred revoked.
	if _, err := conn.Exec(ctx, `UPDATE certificates SET revoked = true, revoked_at = now(), revoked_reason = 'other'
		WHERE code LIKE 'ZZZZ-%00'`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	cf := pop[len(pop)/2].Members[0].FiscalCode
	cert := storetest.Cert(7)
	// A flush of verification counts: 200 codes, a few unknown. (Against
	// a ledger this small, a flush of thousands of codes is rightly one
	// sequential pass, cheaper than the probes; on a ledger of 200,000 it
	// is probes again: see BenchmarkAddVerifications.)
	var (
		codes []string
		ns    []int64
	)
	for i := range 200 {
		codes = append(codes, fmt.Sprintf("ZZZZ-%014d", 1+i*271))
		ns = append(ns, 1)
	}
	slices.Sort(codes)
	for _, tc := range []struct {
		name  string
		query string
		args  []any
		index []string
	}{
		{"Subject", subjectQuery, []any{cf}, []string{"persons_pkey", "persons_household", "households_pkey"}},
		{"ByCode", `SELECT ` + certCols + ` FROM certificates WHERE code = $1`, []any{cert.Code}, []string{"certificates_pkey"}},
		{"BySHA256", `SELECT ` + certCols + ` FROM certificates WHERE sha256 = $1`, []any{cert.SHA256[:]}, []string{"certificates_sha256_key"}},
		{"Revocations", revocationsQuery, nil, []string{"certificates_revoked"}},
		{"RevocationsVersion", revocationsVersionQuery, nil, []string{"certificates_revoked"}},
		{"LockCertificates", lockCertificates, []any{codes}, []string{"certificates_pkey"}},
		{"AddVerifications", addVerifications, []any{codes, ns}, []string{"certificates_pkey"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := conn.Query(ctx, "EXPLAIN "+tc.query, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			var plan []string
			for rows.Next() {
				var line string
				if err := rows.Scan(&line); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, line)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			text := strings.Join(plan, "\n")
			t.Logf("plan:\n%s", text)
			if strings.Contains(text, "Seq Scan") {
				t.Errorf("plan scans a table:\n%s", text)
			}
			for _, ix := range tc.index {
				if !strings.Contains(text, ix) {
					t.Errorf("plan does not use %s:\n%s", ix, text)
				}
			}
		})
	}
}

// TestLargeImportAnalyzes: an import that writes many rows leaves the
// registry tables analyzed, and analyzes them on the way (within its
// transaction), so that the look-ups of later batches are planned with
// the tables' real size.
func TestLargeImportAnalyzes(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 12,000 persons")
	}
	s, u := openStore(t)
	ctx := context.Background()
	conn := connect(t, u)
	defer conn.Close(ctx)
	reltuples := func() float64 {
		var n float64
		if err := conn.QueryRow(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'persons'::regclass`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := reltuples(); n > 0 {
		t.Fatalf("a fresh persons table has reltuples %v", n)
	}
	pop := storetest.PopulationOf(12000)
	im, err := s.BeginImport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer im.Rollback()
	for i := 0; i < len(pop); i += 500 {
		if err := im.Add(ctx, pop[i:min(i+500, len(pop))]); err != nil {
			t.Fatal(err)
		}
	}
	pim := im.(*pgImport)
	if pim.atAnalyze == 0 {
		t.Error("no ANALYZE ran within the import")
	}
	if _, err := im.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if n := reltuples(); n < 11000 {
		t.Errorf("after the import persons has reltuples %v, want about 12000", n)
	}
}

// TestAuditAppendOnFreshTrail: on a new database, whose statistics say
// the trail is empty, appending events never scans the trail (the audit
// head's trigger looks the event up by key; migration 0008).
func TestAuditAppendOnFreshTrail(t *testing.T) {
	s, u := openStore(t)
	ctx := context.Background()
	conn := connect(t, u)
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "VACUUM ANALYZE audit_events"); err != nil {
		t.Fatal(err)
	}
	// Past the five calls after which PL/pgSQL caches a generic plan.
	for i := range 40 {
		if err := s.Record(ctx, storetest.Cert(i)); err != nil {
			t.Fatal(err)
		}
	}
	s.Close() // the backends exit and report their statistics
	deadline := time.Now().Add(10 * time.Second)
	for {
		var scans, appended int64
		if err := conn.QueryRow(ctx, `SELECT seq_scan, n_tup_ins FROM pg_stat_user_tables
			WHERE relid = 'audit_events'::regclass`).Scan(&scans, &appended); err != nil {
			t.Fatal(err)
		}
		if appended >= 40 {
			if scans > 1 { // VACUUM ANALYZE's own
				t.Fatalf("%d sequential scans of audit_events for %d appends", scans, appended)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("statistics not reported: %d inserts seen", appended)
		}
		time.Sleep(100 * time.Millisecond)
		conn.Exec(ctx, "SELECT pg_stat_clear_snapshot()")
	}
}

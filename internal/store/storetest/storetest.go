// Package storetest is the conformance suite for store.Store: the behaviour
// every store must share, written once and run by each implementation's
// tests against a real database (internal/store/sqlite,
// internal/store/postgres).
//
// A store's test calls Run with a Harness that makes one empty database per
// test. The suite opens handles on it with Harness.NewDB(t).Open, closes
// every handle it opens, and runs its tests in parallel, so NewDB must give
// each call a database of its own. Behaviour that only one store has (file
// modes, pragmas, migrations, connection handling) stays in that store's
// tests.
//
// # Time precision
//
// Stores may keep instants at a coarser resolution than Go's nanosecond:
// Harness.TimePrecision declares it, and the suite expects every instant
// read back (ledger times, audit event times) to be the instant written,
// truncated toward the past to that precision, in UTC. Audit hashes must
// verify all the same, so a store must truncate an event's time before it
// chains the event.
//
// # Registry
//
// Households returns fixtures that set every field of the registry model
// somewhere, with the edge cases of its representation (nil and zero
// pointers, empty lists, absent dates, a convivenza, an AIRE household
// abroad, removed persons). The suite checks that both writes
// (PutHouseholds, ImportHouseholds) read back exactly, as Stored
// normalises them, through Subject and Residents; and, for imports, what
// they count, what they change, and, when the harness can read row
// versions (DB.RowVersions), that they leave unchanged rows unwritten.
//
// # Personal data
//
// The fixtures are synthetic; the fiscal codes are well-formed but
// invented. The suite checks that no error text echoes a fiscal code or a
// name it was given.
package storetest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"certa.example/certa/internal/audit"
	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/ledger"
	"certa.example/certa/internal/registry"
	"certa.example/certa/internal/store"
)

// Harness tells the suite how to make databases of the store under test.
type Harness struct {
	// NewDB creates an empty database for one test; the harness removes it
	// when t ends (t.Cleanup). It is called from parallel tests.
	NewDB func(t *testing.T) DB
	// TimePrecision is the resolution at which the store keeps instants:
	// time.Nanosecond for SQLite, time.Microsecond for PostgreSQL.
	TimePrecision time.Duration
	// MaxResidents is the largest limit Residents accepts.
	MaxResidents int
}

// DB is one database under test.
type DB struct {
	// Open returns a new handle on the database with clock now, creating
	// or migrating the schema when needed. Handles are independent, as
	// those of two processes would be: they share only the database. The
	// suite closes every handle it opens.
	Open func(now func() time.Time) (store.Store, error)
	// Events reads the audit trail in seq order, bypassing the store.
	// Optional: the tests that need it are skipped when nil.
	Events func() ([]audit.Event, error)
	// Tamper alters the stored event with seq as tm says, bypassing the
	// store and its append-only guards (dropping triggers if need be).
	// Optional: the tests that need it are skipped when nil.
	Tamper func(seq int64, tm Tampering) error
	// RowVersions returns a version of every registry row, keyed
	// "h:"+household ID and "p:"+fiscal code, that changes whenever the
	// row is written (inserted, or updated even to the same values) after
	// the first call. Optional: without it the import tests check what
	// ImportHouseholds reports and reads back, but not that it left
	// unchanged rows unwritten.
	RowVersions func() (map[string]string, error)
}

// Tampering is a change to one stored audit event.
type Tampering int

const (
	TamperActor    Tampering = iota + 1 // set actor to "mallory"
	TamperObject                        // set object to "ZZZZ-ZZZZ-ZZZZ-ZZZZ"
	TamperOutcome                       // set outcome to "denied"
	TamperAt                            // move at later by the store's TimePrecision
	TamperPrev                          // set prev to 32 zero bytes
	TamperHash                          // set hash to 32 zero bytes
	TamperDelete                        // delete the event
	TamperRenumber                      // change seq to seq+1000
)

func (tm Tampering) String() string {
	names := map[Tampering]string{TamperActor: "actor", TamperObject: "object",
		TamperOutcome: "outcome", TamperAt: "at", TamperPrev: "prev", TamperHash: "hash",
		TamperDelete: "delete", TamperRenumber: "renumber"}
	if n, ok := names[tm]; ok {
		return n
	}
	return fmt.Sprintf("tampering(%d)", int(tm))
}

// T0 is the instant the suite's clocks start from and its certificates are
// issued around. It has a nanosecond part, to exercise TimePrecision.
var T0 = time.Date(2026, 3, 14, 9, 26, 53, 589793238, time.UTC)

// Clock is a fake clock that advances by a millisecond per reading and
// remembers what it returned. It is safe for concurrent use.
type Clock struct {
	mu       sync.Mutex
	t        time.Time
	readings []time.Time
}

// NewClock returns a clock whose first reading is start plus a millisecond.
func NewClock(start time.Time) *Clock { return &Clock{t: start} }

// Now returns the next reading.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	c.readings = append(c.readings, c.t)
	return c.t
}

// Readings returns every value Now has returned, in order.
func (c *Clock) Readings() []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.readings)
}

// Cert returns a distinct certificate for each i >= 0, issued i seconds
// after T0.
func Cert(i int) ledger.Record {
	return ledger.Record{
		Code:      fmt.Sprintf("AAAA-BBBB-%04X-%04X", i>>16, i&0xffff),
		Type:      "residenza",
		Subject:   "RSSMRA80A01F205X",
		Holder:    "MARIO ROSSI",
		Comune:    "MILANO",
		IssuedAt:  T0.Add(time.Duration(i) * time.Second),
		ExpiresAt: T0.AddDate(0, 6, 0),
		SHA256:    sha256.Sum256(fmt.Appendf(nil, "pdf %d", i)),
		Requester: "client-a",
		Channel:   "api",
	}
}

// Run runs the suite. Every test gets a database of its own and runs in
// parallel with the others.
func Run(t *testing.T, h Harness) {
	if h.NewDB == nil || h.TimePrecision <= 0 || h.MaxResidents <= 0 {
		t.Fatal("storetest: Harness needs NewDB, TimePrecision and MaxResidents")
	}
	tests := []struct {
		name string
		fn   func(*testing.T, Harness)
	}{
		{"HouseholdsRoundTrip", testHouseholdsRoundTrip},
		{"EmptyIsNil", testEmptyIsNil},
		{"Unstorable", testUnstorable},
		{"SubjectNotFound", testSubjectNotFound},
		{"Residents", testResidents},
		{"PutHouseholdsAtomic", testPutHouseholdsAtomic},
		{"PutHouseholdsEmpty", testPutHouseholdsEmpty},
		{"ImportFresh", testImportFresh},
		{"ImportIdentical", testImportIdentical},
		{"ImportChanges", testImportChanges},
		{"ImportMemberLeaves", testImportMemberLeaves},
		{"ImportMoves", testImportMoves},
		{"ImportRefused", testImportRefused},
		{"ImportKeepsLedger", testImportKeepsLedger},
		{"ImportCancelled", testImportCancelled},
		{"ImportEmpty", testImportEmpty},
		{"ImportConcurrent", testImportConcurrent},
		{"ImportBatches", testImportBatches},
		{"RecordRoundTrip", testRecordRoundTrip},
		{"LedgerNotFound", testLedgerNotFound},
		{"RecordRejected", testRecordRejected},
		{"RecordCancelled", testRecordCancelled},
		{"AuditEmpty", testAuditEmpty},
		{"AuditEvents", testAuditEvents},
		{"AuditVerifyDetectsTampering", testAuditVerifyDetectsTampering},
		{"ConcurrentRecord", testConcurrentRecord},
		{"Revoke", testRevoke},
		{"RevokeAtClock", testRevokeAtClock},
		{"RevokeRefused", testRevokeRefused},
		{"RevokeCancelled", testRevokeCancelled},
		{"RevokeConcurrent", testRevokeConcurrent},
		{"RevokeCrossed", testRevokeCrossed},
		{"Revocations", testRevocations},
		{"AddVerifications", testAddVerifications},
		{"AddVerificationsConcurrent", testAddVerificationsConcurrent},
		{"ClientCreate", testClientCreate},
		{"ClientCreateRefused", testClientCreateRefused},
		{"ClientRevoke", testClientRevoke},
		{"ClientRevokeConcurrent", testClientRevokeConcurrent},
		{"ClientQuota", testClientQuota},
		{"ClientQuotaConcurrent", testClientQuotaConcurrent},
		{"BatchCreate", testBatchCreate},
		{"BatchCreateRefused", testBatchCreateRefused},
		{"BatchLifecycle", testBatchLifecycle},
		{"BatchLeaseExpiry", testBatchLeaseExpiry},
		{"BatchClaimByID", testBatchClaimByID},
		{"BatchPurge", testBatchPurge},
		{"BatchCancel", testBatchCancel},
		{"BatchNotFound", testBatchNotFound},
		{"BatchClaimConcurrent", testBatchClaimConcurrent},
		{"BatchFinishRace", testBatchFinishRace},
		{"TwoHandles", testTwoHandles},
		{"RecordIssue", testRecordIssue},
		{"RecordIssueRefused", testRecordIssueRefused},
		{"IdempotencyConcurrent", testIdempotencyConcurrent},
		{"RecordIssuesGroup", testRecordIssuesGroup},
		{"GroupCommitConcurrent", testGroupCommitConcurrent},
		{"GroupCommitLinger", testGroupCommitLinger},
		{"DocumentParts", testDocumentParts},
		{"ListBySubject", testListBySubject},
		{"PurgeDocuments", testPurgeDocuments},
		{"Reopen", testReopen},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, h)
		})
	}
}

// env is one test's database, clock and first handle.
type env struct {
	db    DB
	clock *Clock
	s     store.Store
}

func newEnv(t *testing.T, h Harness) *env {
	t.Helper()
	e := &env{db: h.NewDB(t), clock: NewClock(T0)}
	e.s = e.open(t)
	return e
}

// open returns another handle on e's database, closed when t ends.
func (e *env) open(t *testing.T) store.Store {
	t.Helper()
	s, err := e.db.Open(e.clock.Now)
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

func wantKind(t *testing.T, err error, want errs.Kind) {
	t.Helper()
	if got := errs.KindOf(err); err == nil || got != want {
		t.Fatalf("error %v (kind %v), want kind %v", err, got, want)
	}
}

func auditLen(t *testing.T, s store.Store) int {
	t.Helper()
	n, err := s.AuditVerify(context.Background())
	if err != nil {
		t.Fatalf("AuditVerify: %v", err)
	}
	return n
}

func testHouseholdsRoundTrip(t *testing.T, h Harness) {
	s := newEnv(t, h).s
	ctx := context.Background()
	hs := Households()
	if err := s.PutHouseholds(ctx, hs); err != nil {
		t.Fatalf("PutHouseholds: %v", err)
	}
	checkHouseholds(t, s, hs)
	n, err := s.CountResidents(ctx)
	if want := len(FixtureCodes()); err != nil || n != want {
		t.Errorf("CountResidents = %d, %v; want %d", n, err, want)
	}
}

// checkHouseholds checks that Subject reads every member of hs back, with
// their household, as Stored says.
func checkHouseholds(t *testing.T, s store.Store, hs []registry.Household) {
	t.Helper()
	for _, hh := range hs {
		want := Stored(hh)
		for _, m := range want.Members {
			got, err := s.Subject(context.Background(), m.FiscalCode)
			if err != nil {
				t.Errorf("Subject(%s): %v", m.FiscalCode, err)
				continue
			}
			if !reflect.DeepEqual(got.Person, m) {
				t.Errorf("Subject(%s).Person:\n got %+v\nwant %+v", m.FiscalCode, got.Person, m)
			}
			if !reflect.DeepEqual(got.Household, want) {
				t.Errorf("Subject(%s).Household:\n got %+v\nwant %+v", m.FiscalCode, got.Household, want)
			}
		}
	}
}

// testEmptyIsNil: empty lists, written empty or nil, read back as nil;
// pointers to zero values read back as such, nil ones as nil.
func testEmptyIsNil(t *testing.T, h Harness) {
	s := newEnv(t, h).s
	ctx := context.Background()
	p := registry.Person{FiscalCode: "ZRAZRA00A01F205A", Surname: "ZERO", Sex: registry.Female,
		Citizenships: []registry.Citizenship{}, CivilEvents: []registry.CivilEvent{},
		Contracts: []registry.CohabitationContract{}, Residences: []registry.Residence{}}
	q := registry.Person{FiscalCode: "ZRAZRA00A01F205B", BirthRecord: &registry.CivilRecord{},
		AIRE: &registry.AIRE{}, Removal: &registry.Removal{},
		CivilEvents: []registry.CivilEvent{{}, {Record: &registry.CivilRecord{}}},
		Contracts:   []registry.CohabitationContract{{}}, Residences: []registry.Residence{{}},
		Citizenships: []registry.Citizenship{{}}}
	hh := registry.Household{ID: "Z1", Members: []registry.Person{p, q}}
	if err := s.PutHouseholds(ctx, []registry.Household{hh}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Subject(ctx, p.FiscalCode)
	if err != nil {
		t.Fatal(err)
	}
	want := Stored(hh)
	if !reflect.DeepEqual(got.Household, want) {
		t.Errorf("Household:\n got %+v\nwant %+v", got.Household, want)
	}
	m := got.Household.Members[0]
	if m.Citizenships != nil || m.CivilEvents != nil || m.Contracts != nil || m.Residences != nil ||
		m.BirthRecord != nil || m.AIRE != nil || m.Removal != nil {
		t.Errorf("empty person read back as %+v", m)
	}
}

// testUnstorable: values a store cannot keep faithfully are refused,
// wherever they are in the model, by both writes, and nothing is written.
func testUnstorable(t *testing.T, h Harness) {
	tests := []struct {
		name   string
		mutate func(hs []registry.Household)
	}{
		{"NUL in a surname", func(hs []registry.Household) { hs[0].Members[1].Surname = "BIANCHI\x00" }},
		{"invalid UTF-8 in an address", func(hs []registry.Household) { hs[1].Address.Street = "DUOMO\xff" }},
		{"NUL in a partner's name", func(hs []registry.Household) { hs[2].Members[0].CivilEvents[1].PartnerName = "X\x00" }},
		{"invalid UTF-8 in a past address", func(hs []registry.Household) {
			hs[0].Members[0].Residences[0].Address.Locality = "\xc3"
		}},
		{"invalid UTF-8 in a death place", func(hs []registry.Household) {
			hs[4].Members[2].Removal.DeathPlace.Name = "\xff"
		}},
		{"NUL in a consulate", func(hs []registry.Household) { hs[3].Members[0].AIRE.Consulate = "\x00" }},
		{"unknown household kind", func(hs []registry.Household) { hs[1].Kind = "tribù" }},
		{"civil status out of range", func(hs []registry.Household) { hs[1].Members[0].CivilStatus = 1 << 16 }},
		{"negative certifiability", func(hs []registry.Household) { hs[1].Members[0].Certifiability = -1 }},
		{"date after 9999", func(hs []registry.Household) { hs[2].Members[1].Contracts[0].Ended = date(10000, 1, 1) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newEnv(t, h).s
			ctx := context.Background()
			hs := Households()
			tc.mutate(hs)
			wantKind(t, s.PutHouseholds(ctx, hs), errs.InvalidRequest)
			_, err := s.ImportHouseholds(ctx, hs)
			wantKind(t, err, errs.InvalidRequest)
			if n, err := s.CountResidents(ctx); err != nil || n != 0 {
				t.Errorf("CountResidents = %d, %v; want 0", n, err)
			}
		})
	}
}

func testSubjectNotFound(t *testing.T, h Harness) {
	s := newEnv(t, h).s
	ctx := context.Background()
	const code = "ZZZZZZ99Z99Z999Z"
	_, err := s.Subject(ctx, code)
	wantKind(t, err, errs.SubjectNotFound) // empty registry
	if err := s.PutHouseholds(ctx, Households()); err != nil {
		t.Fatal(err)
	}
	_, err = s.Subject(ctx, code)
	wantKind(t, err, errs.SubjectNotFound)
	if strings.Contains(err.Error(), code) {
		t.Errorf("error %q echoes the fiscal code", err)
	}
}

func testResidents(t *testing.T, h Harness) {
	s := newEnv(t, h).s
	ctx := context.Background()
	if ps, err := s.Residents(ctx, 10); err != nil || len(ps) != 0 {
		t.Errorf("Residents of an empty registry = %v, %v", ps, err)
	}
	if n, err := s.CountResidents(ctx); err != nil || n != 0 {
		t.Errorf("CountResidents of an empty registry = %d, %v", n, err)
	}
	if err := s.PutHouseholds(ctx, Households()); err != nil {
		t.Fatal(err)
	}
	all := FixtureCodes()
	tests := []struct {
		limit int
		want  []string
		kind  errs.Kind
	}{
		{limit: 1, want: all[:1]},
		{limit: 3, want: all[:3]},
		{limit: len(all), want: all},
		{limit: h.MaxResidents, want: all},
		{limit: 0, kind: errs.InvalidRequest},
		{limit: -1, kind: errs.InvalidRequest},
		{limit: h.MaxResidents + 1, kind: errs.InvalidRequest},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.limit), func(t *testing.T) {
			ps, err := s.Residents(ctx, tc.limit)
			if tc.want == nil {
				wantKind(t, err, tc.kind)
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
	ps, err := s.Residents(ctx, len(all))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]registry.Person{}
	for _, hh := range Households() {
		for _, m := range Stored(hh).Members {
			want[m.FiscalCode] = m
		}
	}
	for _, p := range ps {
		if !reflect.DeepEqual(p, want[p.FiscalCode]) {
			t.Errorf("Residents: %s:\n got %+v\nwant %+v", p.FiscalCode, p, want[p.FiscalCode])
		}
	}
}

func testPutHouseholdsAtomic(t *testing.T, h Harness) {
	person := func(cf string) registry.Person {
		return registry.Person{FiscalCode: cf, Surname: "NERI", Name: "LUCA", Sex: registry.Male,
			BirthDate: date(1990, 5, 5), BirthPlace: registry.Place{ComuneCode: "L219", Name: "TORINO", Province: "TO"},
			Citizenships: []registry.Citizenship{{StateCode: registry.StateItaly, Name: "ITALIANA"}},
			CivilStatus:  registry.CivilSingle, Kinship: registry.KinHead, Certifiability: registry.CertFull}
	}
	fresh := registry.Household{ID: "H0100", Address: registry.Address{Toponym: "VIA", Street: "PO", Number: "2", PostalCode: "10123"},
		Members: []registry.Person{person("NRELCU90E05L219A")}}
	other := func(id string, p registry.Person) registry.Household {
		return registry.Household{ID: id, Address: fresh.Address, Members: []registry.Person{p}}
	}
	elsewhere := person("NRELCU90E05L219B")
	elsewhere.HouseholdID = "H0001"
	tests := []struct {
		name string
		hs   []registry.Household
		kind errs.Kind
	}{
		{"existing household id", []registry.Household{fresh, other("H0001", person("NRELCU90E05L219B"))}, errs.Conflict},
		{"existing fiscal code", []registry.Household{fresh, other("H0101", person(CodeMario))}, errs.Conflict},
		{"fiscal code twice in batch", []registry.Household{fresh, other("H0101", person("NRELCU90E05L219A"))}, errs.Conflict},
		{"household twice in batch", []registry.Household{fresh, fresh}, errs.Conflict},
		{"empty id", []registry.Household{fresh, other("", person("NRELCU90E05L219B"))}, errs.InvalidRequest},
		{"empty fiscal code", []registry.Household{fresh, other("H0101", person(""))}, errs.InvalidRequest},
		{"member of another household", []registry.Household{other("H0101", elsewhere)}, errs.InvalidRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newEnv(t, h).s
			ctx := context.Background()
			if err := s.PutHouseholds(ctx, Households()); err != nil {
				t.Fatal(err)
			}
			before := dump(t, h, s)
			err := s.PutHouseholds(ctx, tc.hs)
			wantKind(t, err, tc.kind)
			if strings.Contains(err.Error(), "NRELCU") || strings.Contains(err.Error(), "RSSMRA") {
				t.Errorf("error %q names a fiscal code", err)
			}
			if after := dump(t, h, s); !reflect.DeepEqual(after, before) {
				t.Errorf("the refused batch changed the registry")
			}
			// The store is still usable, and the refused batch was not
			// half-applied: the fresh household goes in now.
			if err := s.PutHouseholds(ctx, []registry.Household{fresh}); err != nil {
				t.Errorf("PutHouseholds after the refusal: %v", err)
			}
		})
	}
}

func testPutHouseholdsEmpty(t *testing.T, h Harness) {
	s := newEnv(t, h).s
	if err := s.PutHouseholds(context.Background(), nil); err != nil {
		t.Errorf("PutHouseholds(nil) = %v", err)
	}
}

func testRecordRoundTrip(t *testing.T, h Harness) {
	s := newEnv(t, h).s
	ctx := context.Background()
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Skipf("no tzdata: %v", err)
	}
	plain := Cert(1)
	plain.IssuedAt = plain.IssuedAt.In(rome) // location is not kept, the instant is
	revoked := Cert(2)
	revoked.Revoked = true
	revoked.RevokedAt = T0.Add(time.Hour + time.Nanosecond)
	revoked.RevokedReason = ledger.ReasonReplaced
	revoked.ReplacedBy = Cert(1).Code
	revoked.Verifications = 42
	old := Cert(3) // before the Unix epoch, where truncation and division differ
	old.IssuedAt = time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC)
	online := Cert(4) // who asked is kept with the certificate
	online.Channel, online.Citizen = "online", "BNCLRA85M41F205Z"
	counter := Cert(5)
	counter.Channel, counter.Operator, counter.IDDocType, counter.IDDocNum = "counter", "sportello-1", "cie", "CA00000AA"
	for _, rec := range []ledger.Record{plain, revoked, old, online, counter} {
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
			p := h.TimePrecision
			want := rec
			want.IssuedAt = rec.IssuedAt.Truncate(p).UTC()
			want.ExpiresAt = rec.ExpiresAt.Truncate(p).UTC()
			if !rec.RevokedAt.IsZero() {
				want.RevokedAt = rec.RevokedAt.Truncate(p).UTC()
			}
			for name, got := range map[string]ledger.Record{"ByCode": byCode, "BySHA256": bySum} {
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s:\n got %+v\nwant %+v", name, got, want)
				}
			}
		})
	}
}

func testLedgerNotFound(t *testing.T, h Harness) {
	s := newEnv(t, h).s
	ctx := context.Background()
	if err := s.Record(ctx, Cert(1)); err != nil {
		t.Fatal(err)
	}
	_, err := s.ByCode(ctx, Cert(2).Code)
	wantKind(t, err, errs.NotFound)
	_, err = s.BySHA256(ctx, Cert(2).SHA256)
	wantKind(t, err, errs.NotFound)
}

func testRecordRejected(t *testing.T, h Harness) {
	tests := []struct {
		name   string
		mutate func(*ledger.Record)
		kind   errs.Kind
	}{
		{"duplicate code", func(r *ledger.Record) { r.Code = Cert(1).Code }, errs.Conflict},
		{"duplicate sha256", func(r *ledger.Record) { r.SHA256 = Cert(1).SHA256 }, errs.Conflict},
		{"no code", func(r *ledger.Record) { r.Code = "" }, errs.InvalidRequest},
		{"no requester", func(r *ledger.Record) { r.Requester = "" }, errs.InvalidRequest},
		{"no issue time", func(r *ledger.Record) { r.IssuedAt = time.Time{} }, errs.InvalidRequest},
		{"no expiry time", func(r *ledger.Record) { r.ExpiresAt = time.Time{} }, errs.InvalidRequest},
		{"expiry out of range", func(r *ledger.Record) { r.ExpiresAt = date(2300, 1, 1) }, errs.InvalidRequest},
		{"issue out of range", func(r *ledger.Record) { r.IssuedAt = date(1600, 1, 1) }, errs.InvalidRequest},
		{"reason without revocation", func(r *ledger.Record) { r.RevokedReason = ledger.ReasonOther }, errs.InvalidRequest},
		{"unknown reason", func(r *ledger.Record) { r.Revoked, r.RevokedReason = true, "lost" }, errs.InvalidRequest},
		{"replaced without replacement", func(r *ledger.Record) {
			r.Revoked, r.RevokedReason = true, ledger.ReasonReplaced
		}, errs.InvalidRequest},
		{"replacement without replaced", func(r *ledger.Record) {
			r.Revoked, r.RevokedReason, r.ReplacedBy = true, ledger.ReasonOther, Cert(1).Code
		}, errs.InvalidRequest},
		{"negative verifications", func(r *ledger.Record) { r.Verifications = -1 }, errs.InvalidRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newEnv(t, h).s
			ctx := context.Background()
			if err := s.Record(ctx, Cert(1)); err != nil {
				t.Fatal(err)
			}
			rec := Cert(2)
			tc.mutate(&rec)
			err := s.Record(ctx, rec)
			wantKind(t, err, tc.kind)
			if strings.Contains(err.Error(), rec.Subject) || strings.Contains(err.Error(), rec.Holder) {
				t.Errorf("error %q carries personal data", err)
			}
			if n := auditLen(t, s); n != 1 {
				t.Errorf("audit chain has %d events, want 1", n)
			}
			if rec.Code != "" && rec.Code != Cert(1).Code {
				_, err := s.ByCode(ctx, rec.Code)
				wantKind(t, err, errs.NotFound)
			}
			if rec.SHA256 != Cert(1).SHA256 {
				_, err := s.BySHA256(ctx, rec.SHA256)
				wantKind(t, err, errs.NotFound)
			}
			// The refusal left the store usable and the chain extendable.
			if err := s.Record(ctx, Cert(3)); err != nil {
				t.Errorf("Record after the refusal: %v", err)
			}
			if n := auditLen(t, s); n != 2 {
				t.Errorf("audit chain has %d events, want 2", n)
			}
		})
	}
}

func testRecordCancelled(t *testing.T, h Harness) {
	s := newEnv(t, h).s
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	wantKind(t, s.Record(ctx, Cert(1)), errs.Unavailable)
	if n := auditLen(t, s); n != 0 {
		t.Errorf("audit chain has %d events, want 0", n)
	}
	if _, err := s.ByCode(context.Background(), Cert(1).Code); errs.KindOf(err) != errs.NotFound {
		t.Errorf("ByCode after a cancelled Record: %v, want not found", err)
	}
}

func testAuditEmpty(t *testing.T, h Harness) {
	s := newEnv(t, h).s
	if n := auditLen(t, s); n != 0 {
		t.Errorf("AuditVerify of an empty trail = %d", n)
	}
}

func testAuditEvents(t *testing.T, h Harness) {
	e := newEnv(t, h)
	if e.db.Events == nil {
		t.Skip("harness cannot read events directly")
	}
	ctx := context.Background()
	const n = 20
	for i := range n {
		if err := e.s.Record(ctx, Cert(i)); err != nil {
			t.Fatal(err)
		}
	}
	if got := auditLen(t, e.s); got != n {
		t.Errorf("AuditVerify = %d, want %d", got, n)
	}
	es, err := e.db.Events()
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != n {
		t.Fatalf("%d events, want %d", len(es), n)
	}
	if err := audit.VerifyChain(es); err != nil {
		t.Errorf("VerifyChain: %v", err)
	}
	// Each event's time is a reading of the store's clock at the store's
	// precision, later than the one before.
	times := map[time.Time]bool{}
	for _, r := range e.clock.Readings() {
		times[r.Truncate(h.TimePrecision).UTC()] = true
	}
	for i, ev := range es {
		want := audit.Event{Seq: int64(i + 1), At: ev.At, Actor: "client-a",
			Action: audit.ActionCertificateIssue, Object: Cert(i).Code, Outcome: audit.OutcomeOK,
			Prev: ev.Prev, Hash: ev.Hash}
		if ev != want {
			t.Errorf("event %d:\n got %+v\nwant %+v", i+1, ev, want)
		}
		if !times[ev.At] {
			t.Errorf("event %d: time %v is not a reading of the clock at precision %v", i+1, ev.At, h.TimePrecision)
		}
		if i > 0 && !ev.At.After(es[i-1].At) {
			t.Errorf("event %d: time %v not after the previous event's %v", i+1, ev.At, es[i-1].At)
		}
	}
}

func testAuditVerifyDetectsTampering(t *testing.T, h Harness) {
	tests := []struct {
		tm      Tampering
		seq     int64
		problem audit.Problem
	}{
		{TamperActor, 3, audit.BadHash},
		{TamperObject, 3, audit.BadHash},
		{TamperAt, 3, audit.BadHash},
		{TamperHash, 3, audit.BadHash},
		{TamperPrev, 3, audit.BadPrev},
		{TamperDelete, 3, audit.BadSeq},
		{TamperRenumber, 3, audit.BadSeq},
		{TamperOutcome, 1, audit.BadHash}, // the genesis
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%v@%d", tc.tm, tc.seq), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, h)
			if e.db.Tamper == nil {
				t.Skip("harness cannot tamper")
			}
			ctx := context.Background()
			for i := range 5 {
				if err := e.s.Record(ctx, Cert(i)); err != nil {
					t.Fatal(err)
				}
			}
			if err := e.db.Tamper(tc.seq, tc.tm); err != nil {
				t.Fatalf("Tamper: %v", err)
			}
			n, err := e.s.AuditVerify(ctx)
			wantKind(t, err, errs.Internal)
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

// recordAll records certificates first..first+n-1 through s, sending
// errors to errc.
func recordAll(ctx context.Context, s store.Store, first, n int, errc chan<- error) {
	for i := first; i < first+n; i++ {
		if err := s.Record(ctx, Cert(i)); err != nil {
			errc <- fmt.Errorf("Record(%d): %w", i, err)
		}
	}
}

// checkRecorded checks that certificates 0..n-1 are all readable through s
// and that the chain has exactly n events.
func checkRecorded(t *testing.T, s store.Store, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		if _, err := s.ByCode(ctx, Cert(i).Code); err != nil {
			t.Fatalf("ByCode(%d): %v", i, err)
		}
	}
	if got := auditLen(t, s); got != n {
		t.Errorf("AuditVerify = %d, want %d", got, n)
	}
}

func testConcurrentRecord(t *testing.T, h Harness) {
	s := newEnv(t, h).s
	ctx := context.Background()
	const workers, each = 8, 50
	var wg sync.WaitGroup
	errc := make(chan error, 2*workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := w * each; i < (w+1)*each; i++ {
				if err := s.Record(ctx, Cert(i)); err != nil {
					errc <- fmt.Errorf("Record(%d): %w", i, err)
				}
				// Reads interleave with the writers.
				if _, err := s.ByCode(ctx, Cert(w*each).Code); err != nil {
					errc <- fmt.Errorf("ByCode: %w", err)
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	checkRecorded(t, s, workers*each)
}

// testTwoHandles stands in for two processes writing to one database: the
// handles share nothing but the database.
func testTwoHandles(t *testing.T, h Harness) {
	e := newEnv(t, h)
	a, b := e.s, e.open(t)
	ctx := context.Background()
	const each = 100
	var wg sync.WaitGroup
	errc := make(chan error, 2*each)
	for j, s := range []store.Store{a, b} {
		wg.Go(func() { recordAll(ctx, s, j*each, each, errc) })
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	checkRecorded(t, a, 2*each)
}

func testReopen(t *testing.T, h Harness) {
	e := newEnv(t, h)
	ctx := context.Background()
	// A handle the suite closes itself, before reopening.
	s, err := e.db.Open(e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutHouseholds(ctx, Households()); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := s.Record(ctx, Cert(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = e.open(t)
	if n, err := s.CountResidents(ctx); err != nil || n != len(FixtureCodes()) {
		t.Errorf("CountResidents = %d, %v; want %d", n, err, len(FixtureCodes()))
	}
	if _, err := s.Subject(ctx, CodeAnna); err != nil {
		t.Errorf("Subject after reopen: %v", err)
	}
	// The chain continues across the reopen.
	if err := s.Record(ctx, Cert(3)); err != nil {
		t.Fatal(err)
	}
	checkRecorded(t, s, 4)
}

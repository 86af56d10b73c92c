package storetest

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"certa.example/certa/internal/audit"
	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/ledger"
	"certa.example/certa/internal/store"
)

// Revocation tests: Revoke, Revocations, RevocationsVersion, and the
// verification counters (AddVerifications).

// RevokedAt is the revocation time the suite gives: an hour after T0,
// with a nanosecond part.
var RevokedAt = T0.Add(time.Hour + time.Nanosecond)

// revocation returns a revocation of Cert(i) by "admin-a" at RevokedAt.
func revocation(i int, reason ledger.Reason) ledger.Revocation {
	return ledger.Revocation{Code: Cert(i).Code, Reason: reason, At: RevokedAt, Actor: "admin-a"}
}

// recordN records Cert(0)..Cert(n-1).
func recordN(t *testing.T, s store.Store, n int) {
	t.Helper()
	for i := range n {
		if err := s.Record(context.Background(), Cert(i)); err != nil {
			t.Fatalf("Record(%d): %v", i, err)
		}
	}
}

// lastEvent returns the last audit event, or skips the check (ok false)
// when the harness cannot read events.
func lastEvent(t *testing.T, e *env) (audit.Event, bool) {
	t.Helper()
	if e.db.Events == nil {
		return audit.Event{}, false
	}
	es, err := e.db.Events()
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	if len(es) == 0 {
		t.Fatal("no audit events")
	}
	return es[len(es)-1], true
}

func testRevoke(t *testing.T, h Harness) {
	replaced := revocation(0, ledger.ReasonReplaced)
	replaced.ReplacedBy = Cert(1).Code
	tests := []struct {
		name string
		rev  ledger.Revocation
	}{
		{"issued in error", revocation(0, ledger.ReasonIssuedInError)},
		{"data changed", revocation(0, ledger.ReasonDataChanged)},
		{"replaced", replaced},
		{"other", revocation(0, ledger.ReasonOther)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, h)
			ctx := context.Background()
			recordN(t, e.s, 2)
			if err := e.s.AddVerifications(ctx, map[string]int64{tc.rev.Code: 7}); err != nil {
				t.Fatal(err)
			}
			got, err := e.s.Revoke(ctx, tc.rev)
			if err != nil {
				t.Fatalf("Revoke: %v", err)
			}
			want := Cert(0)
			want.IssuedAt = want.IssuedAt.Truncate(h.TimePrecision).UTC()
			want.ExpiresAt = want.ExpiresAt.Truncate(h.TimePrecision).UTC()
			want.Revoked = true
			want.RevokedAt = RevokedAt.Truncate(h.TimePrecision).UTC()
			want.RevokedReason = tc.rev.Reason
			want.ReplacedBy = tc.rev.ReplacedBy
			want.Verifications = 7 // the counter survives the revocation
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Revoke returned:\n got %+v\nwant %+v", got, want)
			}
			byCode, err := e.s.ByCode(ctx, want.Code)
			if err != nil || !reflect.DeepEqual(byCode, want) {
				t.Errorf("ByCode after Revoke:\n got %+v, %v\nwant %+v", byCode, err, want)
			}
			bySum, err := e.s.BySHA256(ctx, want.SHA256)
			if err != nil || !reflect.DeepEqual(bySum, want) {
				t.Errorf("BySHA256 after Revoke:\n got %+v, %v\nwant %+v", bySum, err, want)
			}
			if st := byCode.StatusAt(T0); st != ledger.StatusRevoked {
				t.Errorf("status %v, want revoked", st)
			}
			// The replacement, if any, is untouched.
			if other, err := e.s.ByCode(ctx, Cert(1).Code); err != nil || other.Revoked {
				t.Errorf("ByCode(replacement) = %+v, %v", other, err)
			}
			// The chain verifies and counts the revocation.
			if n := auditLen(t, e.s); n != 3 {
				t.Errorf("AuditVerify = %d, want 3", n)
			}
			if ev, ok := lastEvent(t, e); ok {
				wantEv := audit.Event{Seq: 3, At: ev.At, Actor: "admin-a", Action: store.ActionCertificateRevoke,
					Object: want.Code, Outcome: store.RevokeOutcome(tc.rev.Reason, tc.rev.ReplacedBy),
					Prev: ev.Prev, Hash: ev.Hash}
				if ev != wantEv {
					t.Errorf("revoke event:\n got %+v\nwant %+v", ev, wantEv)
				}
				if !strings.Contains(ev.Outcome, string(tc.rev.Reason)) {
					t.Errorf("outcome %q does not name the reason", ev.Outcome)
				}
				for _, pd := range []string{want.Subject, want.Holder} {
					if strings.Contains(fmt.Sprint(ev), pd) {
						t.Errorf("revoke event %+v carries personal data", ev)
					}
				}
			}
			// The chain goes on.
			if err := e.s.Record(ctx, Cert(2)); err != nil {
				t.Fatal(err)
			}
			if n := auditLen(t, e.s); n != 4 {
				t.Errorf("AuditVerify = %d, want 4", n)
			}
		})
	}
}

// testRevokeAtClock: a revocation without a time is at the store's clock,
// the time of its audit event.
func testRevokeAtClock(t *testing.T, h Harness) {
	e := newEnv(t, h)
	ctx := context.Background()
	recordN(t, e.s, 1)
	rev := revocation(0, ledger.ReasonOther)
	rev.At = time.Time{}
	rec, err := e.s.Revoke(ctx, rev)
	if err != nil {
		t.Fatal(err)
	}
	readings := map[time.Time]bool{}
	for _, r := range e.clock.Readings() {
		readings[r.Truncate(h.TimePrecision).UTC()] = true
	}
	if !readings[rec.RevokedAt] {
		t.Errorf("RevokedAt %v is not a reading of the store's clock", rec.RevokedAt)
	}
	if ev, ok := lastEvent(t, e); ok && !ev.At.Equal(rec.RevokedAt) {
		t.Errorf("RevokedAt %v, audit event at %v", rec.RevokedAt, ev.At)
	}
}

// ledgerState is what a refused call must leave unchanged.
type ledgerState struct {
	Records     []ledger.Record
	Events      int
	Revocations []ledger.Revocation
	Version     int64
}

// snapshot reads the ledger state of Cert(0)..Cert(n-1).
func snapshot(t *testing.T, s store.Store, n int) ledgerState {
	t.Helper()
	ctx := context.Background()
	var st ledgerState
	for i := range n {
		r, err := s.ByCode(ctx, Cert(i).Code)
		if err != nil {
			t.Fatalf("ByCode(%d): %v", i, err)
		}
		st.Records = append(st.Records, r)
	}
	st.Events = auditLen(t, s)
	var err error
	if st.Revocations, err = s.Revocations(ctx); err != nil {
		t.Fatalf("Revocations: %v", err)
	}
	if st.Version, err = s.RevocationsVersion(ctx); err != nil {
		t.Fatalf("RevocationsVersion: %v", err)
	}
	return st
}

// testRevokeRefused: a refused revocation writes nothing, audit event
// included, and leaves the store usable. Certificates 0..2 are recorded
// and 2 is revoked as data-changed.
func testRevokeRefused(t *testing.T, h Harness) {
	with := func(i int, reason ledger.Reason, mutate func(*ledger.Revocation)) ledger.Revocation {
		rv := revocation(i, reason)
		mutate(&rv)
		return rv
	}
	replacedBy := func(code string) func(*ledger.Revocation) {
		return func(rv *ledger.Revocation) { rv.ReplacedBy = code }
	}
	tests := []struct {
		name string
		rev  ledger.Revocation
		kind errs.Kind
	}{
		{"unknown code", revocation(9, ledger.ReasonOther), errs.NotFound},
		{"revoked already", revocation(2, ledger.ReasonOther), errs.Conflict},
		{"revoked already, replaced", with(2, ledger.ReasonReplaced, replacedBy(Cert(0).Code)), errs.Conflict},
		{"empty reason", revocation(0, ""), errs.InvalidRequest},
		{"unknown reason", revocation(0, "lost"), errs.InvalidRequest},
		{"replaced without replacement", revocation(0, ledger.ReasonReplaced), errs.InvalidRequest},
		{"replacement without replaced", with(0, ledger.ReasonOther, replacedBy(Cert(1).Code)), errs.InvalidRequest},
		{"replacement unknown", with(0, ledger.ReasonReplaced, replacedBy(Cert(9).Code)), errs.InvalidRequest},
		{"replacement revoked", with(0, ledger.ReasonReplaced, replacedBy(Cert(2).Code)), errs.InvalidRequest},
		{"replaced by itself", with(0, ledger.ReasonReplaced, replacedBy(Cert(0).Code)), errs.InvalidRequest},
		{"no code", with(0, ledger.ReasonOther, func(rv *ledger.Revocation) { rv.Code = "" }), errs.InvalidRequest},
		{"no actor", with(0, ledger.ReasonOther, func(rv *ledger.Revocation) { rv.Actor = "" }), errs.InvalidRequest},
		{"time out of range", with(0, ledger.ReasonOther, func(rv *ledger.Revocation) { rv.At = date(2300, 1, 1) }), errs.InvalidRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newEnv(t, h).s
			ctx := context.Background()
			recordN(t, s, 3)
			if _, err := s.Revoke(ctx, revocation(2, ledger.ReasonDataChanged)); err != nil {
				t.Fatal(err)
			}
			before := snapshot(t, s, 3)
			_, err := s.Revoke(ctx, tc.rev)
			wantKind(t, err, tc.kind)
			if strings.Contains(err.Error(), Cert(0).Subject) || strings.Contains(err.Error(), Cert(0).Holder) {
				t.Errorf("error %q carries personal data", err)
			}
			if after := snapshot(t, s, 3); !reflect.DeepEqual(after, before) {
				t.Errorf("the refused revocation changed the ledger:\n got %+v\nwant %+v", after, before)
			}
			// The store is still usable, and the chain extendable.
			if _, err := s.Revoke(ctx, revocation(1, ledger.ReasonOther)); err != nil {
				t.Errorf("Revoke after the refusal: %v", err)
			}
			if n := auditLen(t, s); n != before.Events+1 {
				t.Errorf("AuditVerify = %d, want %d", n, before.Events+1)
			}
		})
	}
}

func testRevokeCancelled(t *testing.T, h Harness) {
	s := newEnv(t, h).s
	recordN(t, s, 1)
	before := snapshot(t, s, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Revoke(ctx, revocation(0, ledger.ReasonOther))
	wantKind(t, err, errs.Unavailable)
	if after := snapshot(t, s, 1); !reflect.DeepEqual(after, before) {
		t.Errorf("the cancelled revocation changed the ledger:\n got %+v\nwant %+v", after, before)
	}
}

// testRevokeConcurrent: revocations of one certificate through two
// handles at once have exactly one winner, whose reason stays.
func testRevokeConcurrent(t *testing.T, h Harness) {
	e := newEnv(t, h)
	handles := []store.Store{e.s, e.open(t)}
	ctx := context.Background()
	recordN(t, e.s, 1)
	reasons := []ledger.Reason{ledger.ReasonIssuedInError, ledger.ReasonDataChanged, ledger.ReasonOther}
	const workers = 12
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		winners []ledger.Record
	)
	for w := range workers {
		wg.Go(func() {
			rev := revocation(0, reasons[w%len(reasons)])
			rev.Actor = fmt.Sprintf("admin-%d", w)
			rec, err := handles[w%len(handles)].Revoke(ctx, rev)
			switch {
			case err == nil:
				mu.Lock()
				winners = append(winners, rec)
				mu.Unlock()
			case errs.KindOf(err) != errs.Conflict:
				t.Errorf("Revoke(worker %d): %v, want success or conflict", w, err)
			}
		})
	}
	wg.Wait()
	if len(winners) != 1 {
		t.Fatalf("%d revocations succeeded, want 1", len(winners))
	}
	got, err := e.s.ByCode(ctx, Cert(0).Code)
	if err != nil || !reflect.DeepEqual(got, winners[0]) {
		t.Errorf("ByCode = %+v, %v; want the winner's %+v", got, err, winners[0])
	}
	if n := auditLen(t, e.s); n != 2 {
		t.Errorf("AuditVerify = %d, want 2", n)
	}
}

// testRevokeCrossed: "a replaced by b" and "b replaced by a" at once: one
// wins, the other finds its replacement revoked; neither deadlocks.
func testRevokeCrossed(t *testing.T, h Harness) {
	e := newEnv(t, h)
	a, b := e.s, e.open(t)
	ctx := context.Background()
	const pairs = 10
	recordN(t, e.s, 2*pairs)
	for p := range pairs {
		x, y := 2*p, 2*p+1
		revs := [2]ledger.Revocation{revocation(x, ledger.ReasonReplaced), revocation(y, ledger.ReasonReplaced)}
		revs[0].ReplacedBy, revs[1].ReplacedBy = Cert(y).Code, Cert(x).Code
		var (
			wg   sync.WaitGroup
			errv [2]error
		)
		for i, s := range []store.Store{a, b} {
			wg.Go(func() { _, errv[i] = s.Revoke(ctx, revs[i]) })
		}
		wg.Wait()
		ok, refused := 0, 0
		for _, err := range errv {
			switch {
			case err == nil:
				ok++
			case errs.KindOf(err) == errs.InvalidRequest:
				refused++
			default:
				t.Errorf("pair %d: Revoke: %v", p, err)
			}
		}
		if ok != 1 || refused != 1 {
			t.Errorf("pair %d: %d succeeded and %d refused, want one each (%v)", p, ok, refused, errv)
		}
	}
	if n := auditLen(t, a); n != 3*pairs {
		t.Errorf("AuditVerify = %d, want %d", n, 3*pairs)
	}
}

// testRevocations: the list, in code order, with legacy revocations
// (recorded revoked, without a reason), and its version.
func testRevocations(t *testing.T, h Harness) {
	s := newEnv(t, h).s
	ctx := context.Background()
	version := func() int64 {
		t.Helper()
		v, err := s.RevocationsVersion(ctx)
		if err != nil {
			t.Fatalf("RevocationsVersion: %v", err)
		}
		return v
	}
	if revs, err := s.Revocations(ctx); err != nil || len(revs) != 0 {
		t.Fatalf("Revocations of an empty ledger = %v, %v", revs, err)
	}
	v0 := version()
	recordN(t, s, 4)
	if v := version(); v != v0 {
		t.Errorf("version moved from %d to %d without a revocation", v0, v)
	}
	legacy := Cert(4)
	legacy.Revoked, legacy.RevokedAt = true, T0.Add(time.Minute)
	if err := s.Record(ctx, legacy); err != nil {
		t.Fatal(err)
	}
	versions := []int64{v0, version()}
	// Revoked out of code order.
	replaced := revocation(1, ledger.ReasonReplaced)
	replaced.ReplacedBy = Cert(0).Code
	for _, rev := range []ledger.Revocation{revocation(3, ledger.ReasonIssuedInError), replaced} {
		if _, err := s.Revoke(ctx, rev); err != nil {
			t.Fatal(err)
		}
		versions = append(versions, version())
	}
	// A refusal and the counters leave the version alone.
	if _, err := s.Revoke(ctx, revocation(3, ledger.ReasonOther)); errs.KindOf(err) != errs.Conflict {
		t.Fatalf("second Revoke: %v", err)
	}
	if err := s.AddVerifications(ctx, map[string]int64{Cert(3).Code: 1}); err != nil {
		t.Fatal(err)
	}
	if v := version(); v != versions[len(versions)-1] {
		t.Errorf("version moved from %d to %d without a revocation", versions[len(versions)-1], v)
	}
	for i := 1; i < len(versions); i++ {
		if versions[i] == versions[i-1] {
			t.Errorf("versions %v: a revocation did not change it", versions)
		}
	}
	at := RevokedAt.Truncate(h.TimePrecision).UTC()
	want := []ledger.Revocation{
		{Code: Cert(1).Code, Reason: ledger.ReasonReplaced, ReplacedBy: Cert(0).Code, At: at},
		{Code: Cert(3).Code, Reason: ledger.ReasonIssuedInError, At: at},
		{Code: Cert(4).Code, At: legacy.RevokedAt.Truncate(h.TimePrecision).UTC()},
	}
	revs, err := s.Revocations(ctx)
	if err != nil || !reflect.DeepEqual(revs, want) {
		t.Errorf("Revocations:\n got %+v, %v\nwant %+v", revs, err, want)
	}
}

func testAddVerifications(t *testing.T, h Harness) {
	e := newEnv(t, h)
	ctx := context.Background()
	recordN(t, e.s, 3)
	events := auditLen(t, e.s)
	counts := func() [3]int64 {
		t.Helper()
		var out [3]int64
		for i := range out {
			r, err := e.s.ByCode(ctx, Cert(i).Code)
			if err != nil {
				t.Fatal(err)
			}
			out[i] = r.Verifications
			if bs, err := e.s.BySHA256(ctx, Cert(i).SHA256); err != nil || bs.Verifications != r.Verifications {
				t.Errorf("BySHA256(%d).Verifications = %d, %v; ByCode says %d", i, bs.Verifications, err, r.Verifications)
			}
		}
		return out
	}
	unknown := Cert(99).Code
	steps := []struct {
		name  string
		batch map[string]int64
		kind  errs.Kind // 0: success
		want  [3]int64
	}{
		{"first", map[string]int64{Cert(0).Code: 3, Cert(1).Code: 1, unknown: 5}, 0, [3]int64{3, 1, 0}},
		{"accumulates", map[string]int64{Cert(0).Code: 2, Cert(2).Code: 0}, 0, [3]int64{5, 1, 0}},
		{"nil", nil, 0, [3]int64{5, 1, 0}},
		{"only unknown", map[string]int64{unknown: 1, "": 1, "not a code": 2, "\xff\x00": 3}, 0, [3]int64{5, 1, 0}},
		{"negative", map[string]int64{Cert(0).Code: 1, Cert(1).Code: -1}, errs.InvalidRequest, [3]int64{5, 1, 0}},
		{"after the refusal", map[string]int64{Cert(1).Code: 1, Cert(2).Code: 4}, 0, [3]int64{5, 2, 4}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			err := e.s.AddVerifications(ctx, st.batch)
			if st.kind == 0 && err != nil {
				t.Fatalf("AddVerifications: %v", err)
			}
			if st.kind != 0 {
				wantKind(t, err, st.kind)
			}
			if got := counts(); got != st.want {
				t.Errorf("counts %v, want %v", got, st.want)
			}
		})
	}
	if _, err := e.s.ByCode(ctx, unknown); errs.KindOf(err) != errs.NotFound {
		t.Errorf("ByCode(unknown) = %v, want not found", err)
	}
	if n := auditLen(t, e.s); n != events {
		t.Errorf("AuditVerify = %d, want %d: counting is not audited", n, events)
	}
}

// testAddVerificationsConcurrent: flushers of two handles, with batches
// of many codes that overlap, add up exactly and do not deadlock.
func testAddVerificationsConcurrent(t *testing.T, h Harness) {
	e := newEnv(t, h)
	handles := []store.Store{e.s, e.open(t)}
	ctx := context.Background()
	const certs, flushes, workers = 60, 6, 4
	recordN(t, e.s, certs)
	batch := make(map[string]int64, 2*certs)
	for i := range certs {
		batch[Cert(i).Code] = int64(i%3 + 1)
		batch[Cert(certs+i).Code] = 1 // unknown
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for range flushes {
				if err := handles[w%len(handles)].AddVerifications(ctx, batch); err != nil {
					t.Errorf("AddVerifications: %v", err)
					return
				}
			}
		})
	}
	// A revocation meanwhile neither blocks nor loses counts.
	wg.Go(func() {
		if _, err := e.s.Revoke(ctx, revocation(7, ledger.ReasonOther)); err != nil {
			t.Errorf("Revoke: %v", err)
		}
	})
	wg.Wait()
	for i := range certs {
		r, err := e.s.ByCode(ctx, Cert(i).Code)
		if err != nil {
			t.Fatal(err)
		}
		if want := int64(workers * flushes * (i%3 + 1)); r.Verifications != want {
			t.Errorf("certificate %d: %d verifications, want %d", i, r.Verifications, want)
		}
	}
}

// CheckUpgradedLedger checks a ledger upgraded from schema version 1 or 2
// by a store's upgrade test, which recorded there certificate
// "AAAA-AAAA-AAAA-AAAA", and "BBBB-BBBB-BBBB-BBBB" revoked at revokedAt;
// Cert(1) was recorded after the upgrade. Old rows have no reason, no
// replacement and no verifications, are listed, and take revocations and
// counts like new ones.
func CheckUpgradedLedger(t *testing.T, s store.Store, revokedAt time.Time) {
	t.Helper()
	ctx := context.Background()
	const active, revoked = "AAAA-AAAA-AAAA-AAAA", "BBBB-BBBB-BBBB-BBBB"
	for _, code := range []string{active, revoked} {
		r, err := s.ByCode(ctx, code)
		if err != nil || r.RevokedReason != "" || r.ReplacedBy != "" || r.Verifications != 0 || r.Revoked != (code == revoked) {
			t.Errorf("ByCode(%s) after the upgrade = %+v, %v", code, r, err)
		}
	}
	want := []ledger.Revocation{{Code: revoked, At: revokedAt}}
	if revs, err := s.Revocations(ctx); err != nil || !reflect.DeepEqual(revs, want) {
		t.Errorf("Revocations after the upgrade = %+v, %v; want %+v", revs, err, want)
	}
	if err := s.AddVerifications(ctx, map[string]int64{active: 2, revoked: 1}); err != nil {
		t.Fatal(err)
	}
	rev := ledger.Revocation{Code: active, Reason: ledger.ReasonReplaced, ReplacedBy: Cert(1).Code, At: RevokedAt, Actor: "admin-a"}
	r, err := s.Revoke(ctx, rev)
	if err != nil || r.Verifications != 2 || r.RevokedReason != ledger.ReasonReplaced {
		t.Errorf("Revoke after the upgrade = %+v, %v", r, err)
	}
	_, err = s.Revoke(ctx, ledger.Revocation{Code: revoked, Reason: ledger.ReasonOther, Actor: "admin-a"})
	wantKind(t, err, errs.Conflict)
	if v, err := s.RevocationsVersion(ctx); err != nil || v != 2 {
		t.Errorf("RevocationsVersion = %d, %v; want 2", v, err)
	}
}

package storetest

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"certa.example/certa/internal/apiclient"
	"certa.example/certa/internal/audit"
	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/store"
)

// API client tests: CreateClient, ListClients, RevokeClient,
// ClientByKeyHash, UseClientQuota and ReturnClientQuota.

// Client returns a distinct client for each i >= 0, with every setting.
func Client(i int) apiclient.Record {
	return apiclient.Record{
		ID:            fmt.Sprintf("portale-%d", i),
		KeyHash:       apiclient.HashKey(fmt.Sprintf("certa_key-%d", i)),
		Scopes:        apiclient.Scopes{apiclient.ScopeIssue, apiclient.ScopeRead},
		RateLimit:     2.5,
		RateBurst:     10,
		DailyQuota:    1000,
		TLSCertSHA256: apiclient.HashKey(fmt.Sprintf("cert-%d", i)),
	}
}

// createClient creates c by "operator-a" and returns it as stored.
func createClient(t *testing.T, s store.Store, c apiclient.Record) apiclient.Record {
	t.Helper()
	got, err := s.CreateClient(context.Background(), c, "operator-a")
	if err != nil {
		t.Fatalf("CreateClient(%s): %v", c.ID, err)
	}
	return got
}

func testClientCreate(t *testing.T, h Harness) {
	tests := []struct {
		name string
		c    apiclient.Record
	}{
		{"every setting", Client(0)},
		{"bare", apiclient.Record{ID: "b", KeyHash: apiclient.HashKey("k"), Scopes: apiclient.Scopes{apiclient.ScopeAdmin}}},
		{"rate without burst", apiclient.Record{ID: "r-1", KeyHash: apiclient.HashKey("k"), Scopes: apiclient.Scopes{apiclient.ScopeRead}, RateLimit: 0.5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, h)
			ctx := context.Background()
			in := tc.c
			in.CreatedAt = T0.Add(-time.Hour) // ignored
			in.RevokedAt = T0                 // ignored
			got := createClient(t, e.s, in)
			want := tc.c
			want.CreatedAt = got.CreatedAt
			if !reflect.DeepEqual(got, want) {
				t.Errorf("CreateClient returned\n got %+v\nwant %+v", got, want)
			}
			if got.CreatedAt.IsZero() || got.CreatedAt.Location() != time.UTC || got.Revoked() {
				t.Errorf("CreatedAt %v, RevokedAt %v", got.CreatedAt, got.RevokedAt)
			}
			if ev, ok := lastEvent(t, e); ok {
				wantEv := audit.Event{Seq: 1, At: got.CreatedAt, Actor: "operator-a", Action: store.ActionClientCreate,
					Object: tc.c.ID, Outcome: store.ClientCreateOutcome(tc.c), Prev: ev.Prev, Hash: ev.Hash}
				if ev != wantEv {
					t.Errorf("create event:\n got %+v\nwant %+v", ev, wantEv)
				}
			}
			for _, h := range []store.Store{e.s, e.open(t)} { // a second handle sees it too
				byKey, err := h.ClientByKeyHash(ctx, tc.c.KeyHash)
				if err != nil || !reflect.DeepEqual(byKey, got) {
					t.Errorf("ClientByKeyHash:\n got %+v, %v\nwant %+v", byKey, err, got)
				}
				list, err := h.ListClients(ctx)
				if err != nil || !reflect.DeepEqual(list, []apiclient.Record{got}) {
					t.Errorf("ListClients = %+v, %v", list, err)
				}
			}
			if n := auditLen(t, e.s); n != 1 {
				t.Errorf("AuditVerify = %d, want 1", n)
			}
		})
	}
}

func testClientCreateRefused(t *testing.T, h Harness) {
	e := newEnv(t, h)
	ctx := context.Background()
	first := createClient(t, e.s, Client(0))
	sameKey := Client(1)
	sameKey.KeyHash = first.KeyHash
	tests := []struct {
		name string
		c    apiclient.Record
		want errs.Kind
	}{
		{"same ID", func() apiclient.Record { c := Client(1); c.ID = first.ID; return c }(), errs.Conflict},
		{"same key", sameKey, errs.Conflict},
		{"empty ID", func() apiclient.Record { c := Client(1); c.ID = ""; return c }(), errs.InvalidRequest},
		{"upper-case ID", func() apiclient.Record { c := Client(1); c.ID = "Portale"; return c }(), errs.InvalidRequest},
		{"no scopes", func() apiclient.Record { c := Client(1); c.Scopes = nil; return c }(), errs.InvalidRequest},
		{"unknown scope", func() apiclient.Record { c := Client(1); c.Scopes = apiclient.Scopes{"write"}; return c }(), errs.InvalidRequest},
		{"negative quota", func() apiclient.Record { c := Client(1); c.DailyQuota = -1; return c }(), errs.InvalidRequest},
		{"burst without rate", func() apiclient.Record { c := Client(1); c.RateLimit = 0; return c }(), errs.InvalidRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.s.CreateClient(ctx, tc.c, "operator-a")
			wantKind(t, err, tc.want)
			if strings.Contains(err.Error(), "certa_key") {
				t.Errorf("error %q names a key", err)
			}
		})
	}
	list, err := e.s.ListClients(ctx)
	if err != nil || !reflect.DeepEqual(list, []apiclient.Record{first}) {
		t.Errorf("after refusals ListClients = %+v, %v", list, err)
	}
	if n := auditLen(t, e.s); n != 1 {
		t.Errorf("AuditVerify = %d, want 1: a refusal wrote an event", n)
	}
	if _, err := e.s.ClientByKeyHash(ctx, Client(9).KeyHash); errs.KindOf(err) != errs.NotFound {
		t.Errorf("ClientByKeyHash(unknown) = %v, want not-found", err)
	}
	if list, err := newEnv(t, h).s.ListClients(ctx); err != nil || list != nil {
		t.Errorf("ListClients on an empty store = %#v, %v; want nil", list, err)
	}
}

func testClientRevoke(t *testing.T, h Harness) {
	e := newEnv(t, h)
	ctx := context.Background()
	a := createClient(t, e.s, Client(0))
	b := createClient(t, e.s, Client(1))
	got, err := e.s.RevokeClient(ctx, a.ID, "operator-b")
	if err != nil {
		t.Fatalf("RevokeClient: %v", err)
	}
	if !got.Revoked() || got.RevokedAt.Location() != time.UTC || !got.RevokedAt.After(a.CreatedAt) {
		t.Errorf("RevokedAt %v after CreatedAt %v", got.RevokedAt, a.CreatedAt)
	}
	want := a
	want.RevokedAt = got.RevokedAt
	if !reflect.DeepEqual(got, want) {
		t.Errorf("RevokeClient returned\n got %+v\nwant %+v", got, want)
	}
	if ev, ok := lastEvent(t, e); ok {
		wantEv := audit.Event{Seq: 3, At: got.RevokedAt, Actor: "operator-b", Action: store.ActionClientRevoke,
			Object: a.ID, Outcome: audit.OutcomeOK, Prev: ev.Prev, Hash: ev.Hash}
		if ev != wantEv {
			t.Errorf("revoke event:\n got %+v\nwant %+v", ev, wantEv)
		}
	}
	other := e.open(t)
	if byKey, err := other.ClientByKeyHash(ctx, a.KeyHash); err != nil || !reflect.DeepEqual(byKey, got) {
		t.Errorf("ClientByKeyHash after revocation = %+v, %v", byKey, err)
	}
	// Final: a second revocation is refused and changes nothing.
	_, err = other.RevokeClient(ctx, a.ID, "operator-c")
	wantKind(t, err, errs.Conflict)
	_, err = e.s.RevokeClient(ctx, "nobody", "operator-c")
	wantKind(t, err, errs.NotFound)
	list, err := e.s.ListClients(ctx)
	if err != nil || !reflect.DeepEqual(list, []apiclient.Record{got, b}) {
		t.Errorf("ListClients = %+v, %v", list, err)
	}
	if n := auditLen(t, e.s); n != 3 {
		t.Errorf("AuditVerify = %d, want 3", n)
	}
}

// testClientRevokeConcurrent: revocations of one client through two
// handles at once have exactly one winner and one event.
func testClientRevokeConcurrent(t *testing.T, h Harness) {
	e := newEnv(t, h)
	handles := []store.Store{e.s, e.open(t)}
	ctx := context.Background()
	createClient(t, e.s, Client(0))
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins int
	)
	for w := range 10 {
		wg.Go(func() {
			_, err := handles[w%2].RevokeClient(ctx, Client(0).ID, fmt.Sprintf("op-%d", w))
			switch {
			case err == nil:
				mu.Lock()
				wins++
				mu.Unlock()
			case errs.KindOf(err) != errs.Conflict:
				t.Errorf("RevokeClient(worker %d): %v", w, err)
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d revocations succeeded, want 1", wins)
	}
	if n := auditLen(t, e.s); n != 2 {
		t.Errorf("AuditVerify = %d, want 2", n)
	}
}

func testClientQuota(t *testing.T, h Harness) {
	e := newEnv(t, h)
	ctx := context.Background()
	a := createClient(t, e.s, Client(0)).ID
	b := createClient(t, e.s, Client(1)).ID
	rome := time.FixedZone("CET", 3600)
	day := time.Date(2026, 3, 14, 23, 30, 0, 0, rome)
	next := day.Add(time.Hour) // 00:30 on the 15th in Rome, still the 14th in UTC
	use := func(id string, d time.Time, quota, wantUsed int64, wantOK bool) {
		t.Helper()
		used, ok, err := e.s.UseClientQuota(ctx, id, d, quota)
		if err != nil || used != wantUsed || ok != wantOK {
			t.Errorf("UseClientQuota(%s, %s, %d) = %d, %v, %v; want %d, %v", id, d, quota, used, ok, err, wantUsed, wantOK)
		}
	}
	use(a, day, 3, 1, true)
	use(a, day, 3, 2, true)
	use(a, day, 3, 3, true)
	use(a, day, 3, 3, false)
	use(a, day, 3, 3, false)
	use(a, next, 3, 1, true) // another day in the day's own zone
	use(b, day, 3, 1, true)  // another client
	use(a, day, 5, 4, true)  // a raised quota
	use(a, day, 2, 4, false) // a lowered one
	if err := e.s.ReturnClientQuota(ctx, a, day); err != nil {
		t.Fatal(err)
	}
	use(a, day, 4, 4, true)
	// Returning on a day without counts, or below zero, does nothing.
	for range 3 {
		if err := e.s.ReturnClientQuota(ctx, b, day); err != nil {
			t.Fatal(err)
		}
	}
	use(b, day, 1, 1, true)
	if err := e.s.ReturnClientQuota(ctx, b, day.AddDate(0, 0, 5)); err != nil {
		t.Fatal(err)
	}
	use(b, day.AddDate(0, 0, 5), 1, 1, true)
	// A new day with the quota used up elsewhere: nothing counted yet.
	use(b, day.AddDate(0, 0, 6), 1, 1, true)

	_, _, err := e.s.UseClientQuota(ctx, "nobody", day, 3)
	wantKind(t, err, errs.NotFound)
	_, _, err = e.s.UseClientQuota(ctx, a, day, 0)
	wantKind(t, err, errs.InvalidRequest)
	// A revoked client's counts stay (the handler refuses it before).
	if _, err := e.s.RevokeClient(ctx, a, "op"); err != nil {
		t.Fatal(err)
	}
	use(a, day, 4, 4, false)
	// Quotas write no audit event.
	if n := auditLen(t, e.s); n != 3 {
		t.Errorf("AuditVerify = %d, want 3", n)
	}
}

// testClientQuotaConcurrent: callers on several handles at once get
// exactly the quota.
func testClientQuotaConcurrent(t *testing.T, h Harness) {
	e := newEnv(t, h)
	handles := []store.Store{e.s, e.open(t), e.open(t)}
	ctx := context.Background()
	id := createClient(t, e.s, Client(0)).ID
	const (
		quota   = 25
		workers = 12
		each    = 5
	)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		oks  int
		seen = map[int64]bool{}
	)
	for w := range workers {
		wg.Go(func() {
			for range each {
				used, ok, err := handles[w%len(handles)].UseClientQuota(ctx, id, T0, quota)
				if err != nil {
					t.Errorf("UseClientQuota: %v", err)
					return
				}
				mu.Lock()
				if ok {
					oks++
					if seen[used] {
						t.Errorf("count %d handed out twice", used)
					}
					seen[used] = true
				} else if used != quota {
					t.Errorf("refused at count %d, want %d", used, quota)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if oks != quota {
		t.Errorf("%d uses counted, want %d", oks, quota)
	}
}

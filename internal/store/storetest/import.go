package storetest

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/registry"
	"certa.example/certa/internal/store"
)

// dump reads the whole registry through s: every person on record with
// their household, by fiscal code.
func dump(t *testing.T, h Harness, s store.Store) map[string]registry.Subject {
	t.Helper()
	ctx := context.Background()
	ps, err := s.Residents(ctx, h.MaxResidents)
	if err != nil {
		t.Fatalf("Residents: %v", err)
	}
	out := make(map[string]registry.Subject, len(ps))
	for _, p := range ps {
		sub, err := s.Subject(ctx, p.FiscalCode)
		if err != nil {
			t.Fatalf("Subject: %v", err)
		}
		if !reflect.DeepEqual(sub.Person, p) {
			t.Errorf("Residents and Subject disagree on %s:\n%+v\n%+v", p.FiscalCode, p, sub.Person)
		}
		out[p.FiscalCode] = sub
	}
	return out
}

// versions returns the database's row versions, or nil when the harness
// cannot read them.
func (e *env) versions(t *testing.T) map[string]string {
	t.Helper()
	if e.db.RowVersions == nil {
		return nil
	}
	v, err := e.db.RowVersions()
	if err != nil {
		t.Fatalf("RowVersions: %v", err)
	}
	return v
}

// written returns the keys whose versions differ between before and
// after, sorted; nil when the harness cannot tell.
func written(before, after map[string]string) []string {
	if before == nil {
		return nil
	}
	var out []string
	for k, v := range after {
		if before[k] != v {
			out = append(out, k)
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// rows is the number of household and person rows in hs.
func rows(hs []registry.Household) int {
	n := len(hs)
	for _, h := range hs {
		n += len(h.Members)
	}
	return n
}

func importOK(t *testing.T, s store.Store, hs []registry.Household, want store.ImportResult) {
	t.Helper()
	got, err := s.ImportHouseholds(context.Background(), hs)
	if err != nil {
		t.Fatalf("ImportHouseholds: %v", err)
	}
	if got != want {
		t.Errorf("ImportHouseholds = %+v, want %+v", got, want)
	}
}

// importBatches imports hs through BeginImport, size households per batch,
// rolling back on the first error.
func importBatches(ctx context.Context, s store.Store, hs []registry.Household, size int) (store.ImportResult, error) {
	im, err := s.BeginImport(ctx)
	if err != nil {
		return store.ImportResult{}, err
	}
	defer im.Rollback()
	for len(hs) > 0 {
		n := min(size, len(hs))
		if err := im.Add(ctx, hs[:n]); err != nil {
			return store.ImportResult{}, err
		}
		hs = hs[n:]
	}
	return im.Commit(ctx)
}

// importer is a way to import: in one call, or in batches.
type importer struct {
	name string
	run  func(ctx context.Context, s store.Store, hs []registry.Household) (store.ImportResult, error)
}

var importers = []importer{
	{"one call", func(ctx context.Context, s store.Store, hs []registry.Household) (store.ImportResult, error) {
		return s.ImportHouseholds(ctx, hs)
	}},
	{"a batch per household", func(ctx context.Context, s store.Store, hs []registry.Household) (store.ImportResult, error) {
		return importBatches(ctx, s, hs, 1)
	}},
}

func wantCount(t *testing.T, s store.Store, want int) {
	t.Helper()
	if n, err := s.CountResidents(context.Background()); err != nil || n != want {
		t.Errorf("CountResidents = %d, %v; want %d", n, err, want)
	}
}

// without returns h without the members with the given fiscal codes.
func without(h registry.Household, codes ...string) registry.Household {
	h.Members = slices.DeleteFunc(slices.Clone(h.Members), func(m registry.Person) bool {
		return slices.Contains(codes, m.FiscalCode)
	})
	return h
}

// member returns the fixture person with fiscal code, for a household
// other than theirs (HouseholdID cleared).
func member(code string) registry.Person {
	for _, h := range Households() {
		for _, m := range h.Members {
			if m.FiscalCode == code {
				m.HouseholdID = ""
				return m
			}
		}
	}
	panic("storetest: no fixture person " + code)
}

func testImportFresh(t *testing.T, h Harness) {
	s := newEnv(t, h).s
	hs := Households()
	importOK(t, s, hs, store.ImportResult{Households: len(hs), Persons: rows(hs) - len(hs)})
	checkHouseholds(t, s, hs)
	wantCount(t, s, len(FixtureCodes()))
	// The same households cannot be put again: they exist.
	wantKind(t, s.PutHouseholds(context.Background(), hs[:1]), errs.Conflict)
}

// testImportIdentical: importing what is stored, whether it was put or
// imported, counts every row unchanged and writes none.
func testImportIdentical(t *testing.T, h Harness) {
	for _, first := range []string{"put", "import"} {
		t.Run("after "+first, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, h)
			s := e.s
			ctx := context.Background()
			if first == "put" {
				if err := s.PutHouseholds(ctx, Households()); err != nil {
					t.Fatal(err)
				}
			} else if _, err := s.ImportHouseholds(ctx, Households()); err != nil {
				t.Fatal(err)
			}
			before, v0 := dump(t, h, s), e.versions(t)
			for range 2 {
				hs := Households()
				importOK(t, s, hs, store.ImportResult{Unchanged: rows(hs)})
			}
			if w := written(v0, e.versions(t)); len(w) != 0 {
				t.Errorf("an identical import wrote rows %v", w)
			}
			if after := dump(t, h, s); !reflect.DeepEqual(after, before) {
				t.Errorf("an identical import changed the registry")
			}
		})
	}
}

// testImportChanges: a change to one fact writes its row only.
func testImportChanges(t *testing.T, h Harness) {
	tests := []struct {
		name    string
		mutate  func(hs []registry.Household)
		written []string
	}{
		{"household address", func(hs []registry.Household) { hs[0].Address.Number = "14" }, []string{"h:H0001"}},
		{"civil status and event", func(hs []registry.Household) {
			m := &hs[1].Members[0]
			m.CivilStatus = registry.CivilMarried
			m.CivilEvents = append(m.CivilEvents, registry.CivilEvent{Kind: registry.EventMarriage,
				Date: date(2025, 5, 5), Place: registry.Place{ComuneCode: "F205", Name: "MILANO", Province: "MI"},
				PartnerName: "BRUNI LUIGI"})
		}, []string{"p:" + CodeAnna}},
		{"citizenship date", func(hs []registry.Household) {
			hs[0].Members[1].Citizenships[1].Since = date(2015, 6, 2)
		}, []string{"p:" + CodeLaura}},
		{"AIRE removed", func(hs []registry.Household) { hs[3].Members[1].AIRE = nil }, []string{"p:" + CodeSofia}},
		{"act details", func(hs []registry.Household) {
			hs[2].Members[0].CivilEvents[0].Record = &registry.CivilRecord{Number: "3"}
		}, []string{"p:" + CodePaolo}},
		{"residence origin", func(hs []registry.Household) {
			hs[0].Members[2].Residences[0].FromComune = "H501"
		}, []string{"p:" + CodeGiovanni}},
		{"convivenza kind", func(hs []registry.Household) { hs[4].CohabitationKind = 2 }, []string{"h:H0005"}},
		{"household settled", func(hs []registry.Household) { hs[2].Incomplete = false }, []string{"h:H0003"}},
		{"open procedure closed", func(hs []registry.Household) { hs[0].Members[2].OpenProcedure = false },
			[]string{"p:" + CodeGiovanni}},
		{"removal date", func(hs []registry.Household) { hs[2].Members[2].Removal.Date = date(2021, 9, 2) },
			[]string{"p:" + CodeMatteo}},
		{"death place removed", func(hs []registry.Household) {
			hs[4].Members[2].Removal.DeathPlace = registry.Place{}
		}, []string{"p:" + CodePietro}},
		{"certifiability", func(hs []registry.Household) { hs[2].Members[1].Certifiability = registry.CertFull },
			[]string{"p:" + CodeElena}},
		{"two at once", func(hs []registry.Household) {
			hs[0].Address.Number = "14"
			hs[1].Members[0].CivilStatus = registry.CivilMarried
		}, []string{"h:H0001", "p:" + CodeAnna}},
		// What reads back the same is the same.
		{"family kind spelled out", func(hs []registry.Household) { hs[0].Kind = registry.KindFamily }, nil},
		{"empty list for nil", func(hs []registry.Household) {
			hs[4].Members[2].Citizenships = []registry.Citizenship{}
		}, nil},
		{"preset household id", func(hs []registry.Household) { hs[0].Members[0].HouseholdID = "H0001" }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, h)
			s := e.s
			if err := s.PutHouseholds(context.Background(), Households()); err != nil {
				t.Fatal(err)
			}
			v0 := e.versions(t)
			hs := Households()
			tc.mutate(hs)
			var want store.ImportResult
			for _, k := range tc.written {
				if strings.HasPrefix(k, "h:") {
					want.Households++
				} else {
					want.Persons++
				}
			}
			want.Unchanged = rows(hs) - len(tc.written)
			importOK(t, s, hs, want)
			if w := written(v0, e.versions(t)); v0 != nil && !slices.Equal(w, tc.written) {
				t.Errorf("rows written %v, want %v", w, tc.written)
			}
			checkHouseholds(t, s, hs)
			wantCount(t, s, len(FixtureCodes()))
		})
	}
}

// testImportMemberLeaves: a member missing from their household's new list,
// and from every household of the batch, is removed from the registry.
func testImportMemberLeaves(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s := e.s
	ctx := context.Background()
	if err := s.PutHouseholds(ctx, Households()); err != nil {
		t.Fatal(err)
	}
	before, v0 := dump(t, h, s), e.versions(t)
	hs := []registry.Household{without(Households()[0], CodeGiovanni)}
	importOK(t, s, hs, store.ImportResult{Unchanged: 3, Removed: 1})
	_, err := s.Subject(ctx, CodeGiovanni)
	wantKind(t, err, errs.SubjectNotFound)
	checkHouseholds(t, s, hs)
	wantCount(t, s, len(FixtureCodes())-1)
	if w := written(v0, e.versions(t)); v0 != nil && !slices.Equal(w, []string{"p:" + CodeGiovanni}) {
		t.Errorf("rows written %v, want only the departed member's", w)
	}
	// Other households are untouched.
	after := dump(t, h, s)
	for code, sub := range before {
		if sub.Household.ID != "H0001" && !reflect.DeepEqual(after[code], sub) {
			t.Errorf("%s changed", code)
		}
	}
}

func testImportMoves(t *testing.T, h Harness) {
	hs := Households()
	h1, h2 := hs[0], hs[1]
	withMember := func(h registry.Household, codes ...string) registry.Household {
		h.Members = slices.Clone(h.Members)
		for _, c := range codes {
			m := member(c)
			m.Kinship = registry.KinGrandchild
			h.Members = append(h.Members, m)
		}
		return h
	}
	tests := []struct {
		name  string
		batch []registry.Household
		want  store.ImportResult
		// after lists the households as they must read back afterwards,
		// beyond the batch.
		after []registry.Household
		// gone lists the household IDs the import deletes.
		gone []string
	}{
		{"to a household of the batch",
			[]registry.Household{without(h1, CodeGiovanni), withMember(h2, CodeGiovanni)},
			store.ImportResult{Persons: 1, Unchanged: 5}, nil, nil},
		{"from a household outside the batch",
			[]registry.Household{withMember(h2, CodeGiovanni)},
			store.ImportResult{Persons: 1, Unchanged: 2},
			[]registry.Household{without(h1, CodeGiovanni)}, nil},
		{"leaving a household outside the batch empty",
			[]registry.Household{withMember(h1, CodeAnna)},
			store.ImportResult{Persons: 1, Unchanged: 4}, nil, []string{"H0002"}},
		{"reordered", []registry.Household{func() registry.Household {
			h := h1
			h.Members = []registry.Person{h1.Members[1], h1.Members[0], h1.Members[2]}
			return h
		}()}, store.ImportResult{Persons: 2, Unchanged: 2}, nil, nil},
		{"swapped between households", []registry.Household{
			withMember(without(h1, CodeGiovanni), CodeAnna),
			withMember(without(h2, CodeAnna), CodeGiovanni),
		}, store.ImportResult{Persons: 2, Unchanged: 4}, nil, nil},
	}
	for _, tc := range tests {
		for _, imp := range importers {
			t.Run(tc.name+"/"+imp.name, func(t *testing.T) {
				t.Parallel()
				s := newEnv(t, h).s
				ctx := context.Background()
				if err := s.PutHouseholds(ctx, Households()); err != nil {
					t.Fatal(err)
				}
				if got, err := imp.run(ctx, s, tc.batch); err != nil || got != tc.want {
					t.Fatalf("import = %+v, %v; want %+v", got, err, tc.want)
				}
				checkHouseholds(t, s, tc.batch)
				checkHouseholds(t, s, tc.after)
				wantCount(t, s, len(FixtureCodes()))
				for _, id := range tc.gone {
					// The ID is free again.
					if err := s.PutHouseholds(ctx, []registry.Household{{ID: id}}); err != nil {
						t.Errorf("household %s was not deleted: %v", id, err)
					}
				}
				// Households 3 to 5 are never touched.
				checkHouseholds(t, s, Households()[2:])
			})
		}
	}
}

// testImportRefused: a batch refused before it is written leaves the
// registry as it was.
func testImportRefused(t *testing.T, h Harness) {
	hs := Households()
	dupCode := hs[1]
	dupCode.Members = append(slices.Clone(dupCode.Members), member(CodeMario))
	linked := hs[1]
	linked.Members = slices.Clone(linked.Members)
	linked.Members[0].HouseholdID = "H0001"
	tests := []struct {
		name  string
		batch []registry.Household
	}{
		{"fiscal code twice", []registry.Household{hs[0], dupCode}},
		{"fiscal code twice in a household", []registry.Household{withDup(hs[2])}},
		{"household twice", []registry.Household{hs[0], hs[1], hs[0]}},
		{"member linked to another household", []registry.Household{hs[0], linked}},
		{"empty id", []registry.Household{hs[0], {Members: hs[1].Members}}},
		{"empty fiscal code", []registry.Household{{ID: "H0009", Members: []registry.Person{{Surname: "X"}}}}},
	}
	for _, tc := range tests {
		for _, imp := range importers {
			t.Run(tc.name+"/"+imp.name, func(t *testing.T) {
				t.Parallel()
				e := newEnv(t, h)
				s := e.s
				ctx := context.Background()
				if err := s.PutHouseholds(ctx, Households()); err != nil {
					t.Fatal(err)
				}
				before, v0 := dump(t, h, s), e.versions(t)
				_, err := imp.run(ctx, s, tc.batch)
				wantKind(t, err, errs.InvalidRequest)
				for _, code := range FixtureCodes() {
					if strings.Contains(err.Error(), code) {
						t.Errorf("error %q names a fiscal code", err)
					}
				}
				if w := written(v0, e.versions(t)); len(w) != 0 {
					t.Errorf("the refused import wrote rows %v", w)
				}
				if after := dump(t, h, s); !reflect.DeepEqual(after, before) {
					t.Errorf("the refused import changed the registry")
				}
			})
		}
	}
}

// testImportBatches: an import in batches is one transaction: nothing is
// visible before Commit, Rollback writes nothing, an error ends it, and
// the counts are those of one call.
func testImportBatches(t *testing.T, h Harness) {
	ctx := context.Background()
	pop := Population(0, 12)
	t.Run("same as one call", func(t *testing.T) {
		t.Parallel()
		one, batched := newEnv(t, h).s, newEnv(t, h).s
		for _, s := range []store.Store{one, batched} {
			if err := s.PutHouseholds(ctx, Households()); err != nil {
				t.Fatal(err)
			}
		}
		hs := append(Households(), pop...)
		hs[0] = without(hs[0], CodeGiovanni)
		want, err := one.ImportHouseholds(ctx, hs)
		if err != nil {
			t.Fatal(err)
		}
		got, err := importBatches(ctx, batched, hs, 4)
		if err != nil || got != want {
			t.Errorf("in batches = %+v, %v; in one call %+v", got, err, want)
		}
		if a, b := dump(t, h, one), dump(t, h, batched); !reflect.DeepEqual(a, b) {
			t.Errorf("the registries differ after the same import in one call and in batches")
		}
	})
	t.Run("invisible before commit", func(t *testing.T) {
		t.Parallel()
		s := newEnv(t, h).s
		im, err := s.BeginImport(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer im.Rollback()
		if err := im.Add(ctx, pop[:6]); err != nil {
			t.Fatal(err)
		}
		if err := im.Add(ctx, pop[6:]); err != nil {
			t.Fatal(err)
		}
		wantCount(t, s, 0)
		r, err := im.Commit(ctx)
		if err != nil || r != (store.ImportResult{Households: len(pop), Persons: rows(pop) - len(pop)}) {
			t.Errorf("Commit = %+v, %v", r, err)
		}
		wantCount(t, s, rows(pop)-len(pop))
		if _, err := im.Commit(ctx); err == nil {
			t.Error("a second Commit succeeded")
		}
		if err := im.Rollback(); err != nil {
			t.Errorf("Rollback after Commit: %v", err)
		}
	})
	t.Run("rollback", func(t *testing.T) {
		t.Parallel()
		s := newEnv(t, h).s
		im, err := s.BeginImport(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := im.Add(ctx, pop); err != nil {
			t.Fatal(err)
		}
		if err := im.Rollback(); err != nil {
			t.Fatal(err)
		}
		wantCount(t, s, 0)
		// The store is usable afterwards: the lock and connection are free.
		importOK(t, s, pop, store.ImportResult{Households: len(pop), Persons: rows(pop) - len(pop)})
	})
	t.Run("an error ends it", func(t *testing.T) {
		t.Parallel()
		s := newEnv(t, h).s
		im, err := s.BeginImport(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer im.Rollback()
		if err := im.Add(ctx, pop[:6]); err != nil {
			t.Fatal(err)
		}
		wantKind(t, im.Add(ctx, pop[5:7]), errs.InvalidRequest) // pop[5] again
		if err := im.Add(ctx, pop[7:]); err == nil {
			t.Error("Add after a failed Add succeeded")
		}
		if _, err := im.Commit(ctx); err == nil {
			t.Error("Commit after a failed Add succeeded")
		}
		im.Rollback()
		wantCount(t, s, 0)
	})
}

// withDup returns h with its first member twice.
func withDup(h registry.Household) registry.Household {
	h.Members = append(slices.Clone(h.Members), h.Members[0])
	return h
}

// testImportKeepsLedger: imports touch neither certificates nor the audit
// trail, which continues afterwards.
func testImportKeepsLedger(t *testing.T, h Harness) {
	s := newEnv(t, h).s
	ctx := context.Background()
	if err := s.PutHouseholds(ctx, Households()); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := s.Record(ctx, Cert(i)); err != nil {
			t.Fatal(err)
		}
	}
	hs := Households()
	hs[0] = without(hs[0], CodeGiovanni)
	hs[1].Address.Number = "2"
	importOK(t, s, append(hs, Population(0, 5)...), store.ImportResult{Households: 6, Persons: rows(Population(0, 5)) - 5,
		Unchanged: rows(hs) - 1, Removed: 1})
	if n := auditLen(t, s); n != 3 {
		t.Errorf("audit chain has %d events after the import, want 3", n)
	}
	for i := range 3 {
		if _, err := s.ByCode(ctx, Cert(i).Code); err != nil {
			t.Errorf("ByCode(%d) after the import: %v", i, err)
		}
	}
	if err := s.Record(ctx, Cert(3)); err != nil {
		t.Fatal(err)
	}
	checkRecorded(t, s, 4)
}

func testImportCancelled(t *testing.T, h Harness) {
	s := newEnv(t, h).s
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.ImportHouseholds(ctx, Households())
	wantKind(t, err, errs.Unavailable)
	wantCount(t, s, 0)
}

func testImportEmpty(t *testing.T, h Harness) {
	s := newEnv(t, h).s
	for _, hs := range [][]registry.Household{nil, {}} {
		if r, err := s.ImportHouseholds(context.Background(), hs); err != nil || r != (store.ImportResult{}) {
			t.Errorf("ImportHouseholds(%v) = %+v, %v", hs, r, err)
		}
	}
}

// testImportConcurrent: imports from several handles at once, overlapping
// on the fixtures, all succeed; each fixture row is written once.
func testImportConcurrent(t *testing.T, h Harness) {
	e := newEnv(t, h)
	const workers, each = 4, 20
	handles := []store.Store{e.s}
	for range workers - 1 {
		handles = append(handles, e.open(t))
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		total   store.ImportResult
		persons int
	)
	for w, s := range handles {
		pop := Population(w*each, each)
		persons += rows(pop) - len(pop)
		wg.Go(func() {
			r, err := s.ImportHouseholds(context.Background(), append(Households(), pop...))
			if err != nil {
				t.Errorf("ImportHouseholds: %v", err)
				return
			}
			mu.Lock()
			total.Households += r.Households
			total.Persons += r.Persons
			total.Unchanged += r.Unchanged
			mu.Unlock()
		})
	}
	wg.Wait()
	fixtures := Households()
	want := store.ImportResult{
		Households: len(fixtures) + workers*each,
		Persons:    rows(fixtures) - len(fixtures) + persons,
		Unchanged:  (workers - 1) * rows(fixtures),
	}
	if total != want {
		t.Errorf("imports add up to %+v, want %+v", total, want)
	}
	checkHouseholds(t, e.s, fixtures)
	wantCount(t, e.s, len(FixtureCodes())+persons)
}

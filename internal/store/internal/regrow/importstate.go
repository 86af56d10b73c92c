package regrow

import (
	"context"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/registry"
	"certa.example/certa/internal/store"
)

// ImportState is what an import keeps across its batches, the same in
// both stores: the households and persons seen (none twice), the members
// who left an imported household and were in no batch since (deleted at
// commit), the households outside the import that persons left (deleted
// at commit when empty), and whether the import failed or ended. The zero
// value is ready to use.
type ImportState struct {
	seen           Seen
	departed, left map[string]struct{}
	failed         error // the first error: the import can only be rolled back
	done           bool
}

// Add runs apply for a batch unless the import is over or failed, and
// remembers apply's error: after it, the import can only be rolled back.
func (s *ImportState) Add(apply func() error) error {
	if err := s.usable(); err != nil {
		return err
	}
	if err := apply(); err != nil {
		s.failed = err
		return err
	}
	return nil
}

func (s *ImportState) usable() error {
	switch {
	case s.done:
		return errs.New(errs.Internal, "the import is over")
	case s.failed != nil:
		return s.failed
	}
	return nil
}

// Prepare checks and indexes a batch, refuses a household or person of an
// earlier batch, and returns the batch's household IDs and fiscal codes,
// for the look-up of what is stored. An empty batch gives nothing.
func (s *ImportState) Prepare(hs []registry.Household) (b Batch, ids, codes []string, err error) {
	if err := CheckHouseholds(hs); err != nil {
		return Batch{}, nil, nil, err
	}
	if b, err = IndexBatch(hs); err != nil || len(hs) == 0 {
		return Batch{}, nil, nil, err
	}
	if err := s.seen.Add(b); err != nil {
		return Batch{}, nil, nil, err
	}
	ids = make([]string, 0, len(hs))
	codes = make([]string, 0, len(b.Persons))
	for _, h := range hs {
		ids = append(ids, h.ID)
		for _, m := range h.Members {
			codes = append(codes, m.FiscalCode)
		}
	}
	return b, ids, codes, nil
}

// Track notes, from stored (as Batch.Departed takes it), who left the
// batch's households and which outside households persons left; a person
// of the batch is back in a household of the import.
func (s *ImportState) Track(b Batch, stored map[string]string) {
	if s.departed == nil {
		s.departed, s.left = map[string]struct{}{}, map[string]struct{}{}
	}
	for code := range b.Persons {
		delete(s.departed, code)
	}
	for _, code := range b.Departed(stored) {
		s.departed[code] = struct{}{}
	}
	for _, id := range b.Left(stored) {
		s.left[id] = struct{}{}
	}
}

// End ends the import before its commit, unless it is over or failed,
// and returns the persons to delete and the households to delete if empty.
func (s *ImportState) End() (departed, left []string, err error) {
	if err := s.usable(); err != nil {
		return nil, nil, err
	}
	s.done = true
	return keys(s.departed), keys(s.left), nil
}

// Abandon ends the import for a rollback, reporting false when it was
// over already (committed or rolled back), so Rollback can be deferred.
func (s *ImportState) Abandon() bool {
	if s.done {
		return false
	}
	s.done = true
	return true
}

func keys(m map[string]struct{}) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// ImportOnce is ImportHouseholds for a store with BeginImport: an import
// of one batch, which an invalid batch refuses before any transaction.
func ImportOnce(ctx context.Context, hs []registry.Household, begin func(context.Context) (store.Import, error)) (store.ImportResult, error) {
	if err := CheckHouseholds(hs); err != nil {
		return store.ImportResult{}, err
	}
	if _, err := IndexBatch(hs); err != nil || len(hs) == 0 {
		return store.ImportResult{}, err
	}
	im, err := begin(ctx)
	if err != nil {
		return store.ImportResult{}, err
	}
	defer im.Rollback()
	if err := im.Add(ctx, hs); err != nil {
		return store.ImportResult{}, err
	}
	return im.Commit(ctx)
}

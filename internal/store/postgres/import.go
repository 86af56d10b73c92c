package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/registry"
	"certa.example/certa/internal/store"
	"certa.example/certa/internal/store/internal/regrow"
)

// importLockClass is the first key of the advisory lock that serialises
// imports into one schema ("impo"); the second is a hash of the schema's
// name, as for migrations.
const importLockClass = 0x696d706f

// upsert returns the statement that merges the rows of the table from
// into the table to: it inserts those whose key (the first column) is new,
// and updates those that differ from the stored row (IS DISTINCT FROM, so
// NULLs compare equal). Rows that hold the same values already are left
// out by the join, before the INSERT sees them, so that they are neither
// locked nor written. Its row count is the rows inserted or changed.
func upsert(to, from string, columns []string) string {
	key, rest := columns[0], columns[1:]
	return fmt.Sprintf(`INSERT INTO %[1]s AS t (%[2]s)
	SELECT %[3]s FROM %[4]s i LEFT JOIN %[1]s o ON o.%[5]s = i.%[5]s
	WHERE o.%[5]s IS NULL OR (%[6]s) IS DISTINCT FROM (%[7]s)
	ON CONFLICT (%[5]s) DO UPDATE SET (%[8]s) = ROW(%[9]s)
	WHERE (%[10]s) IS DISTINCT FROM (%[11]s)`,
		to, regrow.Cols("", columns), regrow.Cols("i", columns), from, key,
		values("o", rest), values("i", rest), regrow.Cols("", rest), regrow.Cols("EXCLUDED", rest), values("t", rest),
		values("EXCLUDED", rest))
}

// values returns columns qualified with alias as comparable values: json
// has no equality, its text is compared (certa writes it in a canonical
// form).
func values(alias string, columns []string) string {
	vs := make([]string, len(columns))
	for i, c := range columns {
		vs[i] = alias + "." + c
		if regrow.JSONColumns[c] {
			vs[i] += "::text"
		}
	}
	return strings.Join(vs, ", ")
}

var (
	upsertHouseholds = upsert("households", "import_households", regrow.HouseholdColumns)
	upsertPersons    = upsert("persons", "import_persons", regrow.PersonColumns)
)

// ImportHouseholds inserts or replaces hs, as store.Store documents, in
// one transaction. Imports into one schema run one at a time (a
// transaction-level advisory lock), and the members' order is checked at
// commit (the constraint persons_household is deferred), so that an import
// may reorder and move members freely.
//
// One query first finds which households and persons of hs are stored,
// and the stored members of hs's households. Then, set-based:
//
//   - new households and persons are copied (COPY) straight into their
//     tables, the fastest way in;
//   - stored ones are copied into temporary tables and merged with upsert's
//     statements, which leave identical rows alone, so that a re-import
//     writes only what changed;
//   - the members who leave hs's households for none of them are deleted,
//     and so are the households outside hs that the moves leave empty.
//
// A household or person that another transaction adds meanwhile (only
// PutHouseholds can, imports wait for each other) makes the COPY fail:
// errs.Conflict, and nothing is written.
func (s *Store) ImportHouseholds(ctx context.Context, hs []registry.Household) (store.ImportResult, error) {
	if err := regrow.CheckHouseholds(hs); err != nil {
		return store.ImportResult{}, err
	}
	batch, err := regrow.IndexBatch(hs)
	if err != nil || len(hs) == 0 {
		return store.ImportResult{}, err
	}

	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return store.ImportResult{}, storageErr(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))

	ids := make([]string, 0, len(hs))
	codes := make([]string, 0, len(batch.Persons))
	for _, h := range hs {
		ids = append(ids, h.ID)
		for _, m := range h.Members {
			codes = append(codes, m.FiscalCode)
		}
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT pg_advisory_xact_lock($1, hashtext(coalesce(current_schema(), '')))`, int32(importLockClass))
	b.Queue(`SET CONSTRAINTS persons_household DEFERRED`)
	// The merges' joins hash up to the whole batch: in memory.
	b.Queue(`SET LOCAL work_mem = '64MB'`)
	b.Queue(`SELECT id FROM households WHERE id = ANY($1)`, ids)
	b.Queue(`SELECT fiscal_code, household_id FROM persons
		WHERE fiscal_code = ANY($1) OR household_id = ANY($2)`, codes, ids)
	br := tx.SendBatch(ctx, b)
	storedHouseholds := map[string]bool{}
	stored := map[string]string{} // fiscal code → household, of persons stored
	err = func() error {
		for range 3 {
			if _, err := br.Exec(); err != nil {
				return err
			}
		}
		var id, code string
		rows, _ := br.Query()
		if _, err := pgx.ForEachRow(rows, []any{&id}, func() error {
			storedHouseholds[id] = true
			return nil
		}); err != nil {
			return err
		}
		rows, _ = br.Query()
		_, err := pgx.ForEachRow(rows, []any{&code, &id}, func() error {
			stored[code] = id
			return nil
		})
		return err
	}()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return store.ImportResult{}, storageErr(err)
	}

	// Sort the batch into what is new and what is stored.
	var (
		newHouseholds, oldHouseholds []*registry.Household
		newMembers, oldMembers       []member
	)
	for i := range hs {
		h := &hs[i]
		if storedHouseholds[h.ID] {
			oldHouseholds = append(oldHouseholds, h)
		} else {
			newHouseholds = append(newHouseholds, h)
		}
		for j := range h.Members {
			if _, ok := stored[h.Members[j].FiscalCode]; ok {
				oldMembers = append(oldMembers, member{h, j})
			} else {
				newMembers = append(newMembers, member{h, j})
			}
		}
	}
	departed, left := batch.Departed(stored), batch.Left(stored)

	var r store.ImportResult
	if len(newHouseholds) > 0 {
		if err := copyHouseholds(ctx, tx, "households", newHouseholds); err != nil {
			return store.ImportResult{}, importErr(err)
		}
		r.Households += len(newHouseholds)
	}
	if len(oldHouseholds) > 0 {
		n, err := merge(ctx, tx, `CREATE TEMP TABLE import_households (LIKE households) ON COMMIT DROP`,
			func() error { return copyHouseholds(ctx, tx, "import_households", oldHouseholds) }, upsertHouseholds)
		if err != nil {
			return store.ImportResult{}, importErr(err)
		}
		r.Households += n
	}
	if len(departed) > 0 {
		tag, err := tx.Exec(ctx, `DELETE FROM persons WHERE fiscal_code = ANY($1)`, departed)
		if err != nil {
			return store.ImportResult{}, importErr(err)
		}
		r.Removed = int(tag.RowsAffected())
	}
	if len(oldMembers) > 0 {
		n, err := merge(ctx, tx, `CREATE TEMP TABLE import_persons (LIKE persons) ON COMMIT DROP`,
			func() error { return copyMembers(ctx, tx, "import_persons", oldMembers) }, upsertPersons)
		if err != nil {
			return store.ImportResult{}, importErr(err)
		}
		r.Persons += n
	}
	if len(newMembers) > 0 {
		if err := copyMembers(ctx, tx, "persons", newMembers); err != nil {
			return store.ImportResult{}, importErr(err)
		}
		r.Persons += len(newMembers)
	}
	if len(left) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM households h WHERE h.id = ANY($1)
			AND NOT EXISTS (SELECT 1 FROM persons p WHERE p.household_id = h.id)`, left); err != nil {
			return store.ImportResult{}, importErr(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return store.ImportResult{}, importErr(err)
	}
	r.Unchanged = batch.Rows() - r.Households - r.Persons
	return r, nil
}

// merge creates a temporary table (create), fills it (fill) and runs the
// upsert statement that merges it, returning the rows that statement
// wrote.
func merge(ctx context.Context, tx pgx.Tx, create string, fill func() error, upsert string) (int, error) {
	if _, err := tx.Exec(ctx, create); err != nil {
		return 0, err
	}
	if err := fill(); err != nil {
		return 0, err
	}
	tag, err := tx.Exec(ctx, upsert)
	return int(tag.RowsAffected()), err
}

func importErr(err error) error {
	if _, ok := uniqueViolation(err); ok {
		return errs.Wrap(errs.Conflict, "the registry changed during the import: retry", redact(err))
	}
	return storageErr(err)
}

package postgres

import (
	"context"
	"errors"
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
// one transaction: an import with one batch.
func (s *Store) ImportHouseholds(ctx context.Context, hs []registry.Household) (store.ImportResult, error) {
	return regrow.ImportOnce(ctx, hs, s.BeginImport)
}

// analyzeAfter is the number of rows an import must write for its commit
// to be followed by ANALYZE of the registry tables: the planner's
// estimates of a freshly loaded table are otherwise wrong until
// autovacuum comes by.
const analyzeAfter = 10_000

// BeginImport starts an import: one transaction that batches are added
// to. Imports into one schema run one at a time (a transaction-level
// advisory lock, taken here), and the members' order is checked at commit
// (the constraint persons_household is deferred), so that an import may
// reorder and move members freely.
//
// For each batch, one query finds which households and persons of the
// batch are stored, and the stored members of its households. Then,
// set-based:
//
//   - new households and persons are copied (COPY) straight into their
//     tables, the fastest way in;
//   - stored ones are copied into temporary tables and merged with upsert's
//     statements, which leave identical rows alone, so that a re-import
//     writes only what changed.
//
// At commit, the members who left the imported households for none of
// them are deleted, and so are the households outside the import that
// the moves left empty: deciding that only at the end makes any division
// into batches equivalent to one. A household or person that another
// transaction adds meanwhile (only PutHouseholds can, imports wait for
// each other) makes the COPY fail: errs.Conflict, and nothing is written.
func (s *Store) BeginImport(ctx context.Context) (store.Import, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, storageErr(err)
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT pg_advisory_xact_lock($1, hashtext(coalesce(current_schema(), '')))`, int32(importLockClass))
	b.Queue(`SET CONSTRAINTS persons_household DEFERRED`)
	// The merges' joins hash up to a whole batch: in memory.
	b.Queue(`SET LOCAL work_mem = '64MB'`)
	// The look-ups run once per batch as the tables grow: a generic plan
	// made while they were small (a sequential scan) would stay. See also
	// analyzeIfGrown.
	b.Queue(`SET LOCAL plan_cache_mode = force_custom_plan`)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		tx.Rollback(context.WithoutCancel(ctx))
		return nil, storageErr(err)
	}
	return &pgImport{s: s, tx: tx}, nil
}

// pgImport is an import in progress; see BeginImport.
type pgImport struct {
	s     *Store
	tx    pgx.Tx
	state regrow.ImportState
	// tempHouseholds and tempPersons tell whether the merge tables exist.
	tempHouseholds, tempPersons bool
	// sinceAnalyze counts the rows written since the last ANALYZE, and
	// atAnalyze those written before it.
	sinceAnalyze, atAnalyze int
	res                     store.ImportResult
}

// Add applies hs within the import's transaction.
func (im *pgImport) Add(ctx context.Context, hs []registry.Household) error {
	return im.state.Add(func() error { return im.add(ctx, hs) })
}

func (im *pgImport) add(ctx context.Context, hs []registry.Household) error {
	batch, ids, codes, err := im.state.Prepare(hs)
	if err != nil || len(hs) == 0 {
		return err
	}
	tx := im.tx
	b := &pgx.Batch{}
	b.Queue(`SELECT id FROM households WHERE id = ANY($1)`, ids)
	b.Queue(`SELECT fiscal_code, household_id FROM persons
		WHERE fiscal_code = ANY($1) OR household_id = ANY($2)`, codes, ids)
	br := tx.SendBatch(ctx, b)
	storedHouseholds := map[string]bool{}
	stored := map[string]string{} // fiscal code → household, of persons stored
	err = func() error {
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
		return storageErr(err)
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
	im.state.Track(batch, stored)

	r := &im.res
	written := r.Households + r.Persons
	if len(newHouseholds) > 0 {
		if err := copyHouseholds(ctx, tx, "households", newHouseholds); err != nil {
			return importErr(err)
		}
		r.Households += len(newHouseholds)
	}
	if len(oldHouseholds) > 0 {
		n, err := merge(ctx, tx, &im.tempHouseholds, "import_households", "households",
			func() error { return copyHouseholds(ctx, tx, "import_households", oldHouseholds) }, upsertHouseholds)
		if err != nil {
			return importErr(err)
		}
		r.Households += n
	}
	if len(oldMembers) > 0 {
		n, err := merge(ctx, tx, &im.tempPersons, "import_persons", "persons",
			func() error { return copyMembers(ctx, tx, "import_persons", oldMembers) }, upsertPersons)
		if err != nil {
			return importErr(err)
		}
		r.Persons += n
	}
	if len(newMembers) > 0 {
		if err := copyMembers(ctx, tx, "persons", newMembers); err != nil {
			return importErr(err)
		}
		r.Persons += len(newMembers)
	}
	r.Unchanged += batch.Rows() - (r.Households + r.Persons - written)
	return im.analyzeIfGrown(ctx, r.Households+r.Persons-written)
}

// analyzeIfGrown runs ANALYZE within the import's transaction (which
// counts the rows it wrote) each time the import has written as many rows
// again as at the previous ANALYZE, at least analyzeAfter: without it,
// the look-ups of later batches are planned with the statistics of the
// tables before the import, which for a fresh load means no statistics,
// sequential scans, and an import quadratic in its size. A few ANALYZEs
// of a 30,000-row sample each keep it linear.
func (im *pgImport) analyzeIfGrown(ctx context.Context, written int) error {
	im.sinceAnalyze += written
	if im.sinceAnalyze < max(analyzeAfter, im.atAnalyze) {
		return nil
	}
	if _, err := im.tx.Exec(ctx, `ANALYZE households, persons`); err != nil {
		return storageErr(err)
	}
	im.atAnalyze += im.sinceAnalyze
	im.sinceAnalyze = 0
	return nil
}

// Commit deletes the departed members and the households left empty,
// commits, and returns what the import did.
func (im *pgImport) Commit(ctx context.Context) (store.ImportResult, error) {
	departed, left, err := im.state.End()
	if err != nil {
		return store.ImportResult{}, err
	}
	defer im.tx.Rollback(context.WithoutCancel(ctx))
	r := im.res
	if len(departed) > 0 {
		tag, err := im.tx.Exec(ctx, `DELETE FROM persons WHERE fiscal_code = ANY($1)`, departed)
		if err != nil {
			return store.ImportResult{}, importErr(err)
		}
		r.Removed = int(tag.RowsAffected())
	}
	if len(left) > 0 {
		if _, err := im.tx.Exec(ctx, `DELETE FROM households h WHERE h.id = ANY($1)
			AND NOT EXISTS (SELECT 1 FROM persons p WHERE p.household_id = h.id)`, left); err != nil {
			return store.ImportResult{}, importErr(err)
		}
	}
	if err := im.tx.Commit(ctx); err != nil {
		return store.ImportResult{}, importErr(err)
	}
	if r.Households+r.Persons+r.Removed >= analyzeAfter {
		// Best effort: the import is committed whatever happens here.
		im.s.pool.Exec(ctx, `ANALYZE households, persons`)
	}
	return r, nil
}

// Rollback abandons the import; it does nothing after Commit.
func (im *pgImport) Rollback() error {
	if !im.state.Abandon() {
		return nil
	}
	if err := im.tx.Rollback(context.Background()); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
		return storageErr(err)
	}
	return nil
}

// merge fills the temporary table temp, made like table on first use and
// emptied afterwards (fill), and runs the upsert statement that merges it,
// returning the rows that statement wrote.
func merge(ctx context.Context, tx pgx.Tx, created *bool, temp, table string, fill func() error, upsert string) (int, error) {
	stmt := "TRUNCATE " + temp
	if !*created {
		stmt = "CREATE TEMP TABLE " + temp + " (LIKE " + table + ") ON COMMIT DROP"
	}
	if _, err := tx.Exec(ctx, stmt); err != nil {
		return 0, err
	}
	*created = true
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

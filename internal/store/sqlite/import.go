package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"certa.example/certa/internal/errs"

	"certa.example/certa/internal/registry"
	"certa.example/certa/internal/store"
	"certa.example/certa/internal/store/internal/regrow"
)

// upsert returns the statement that inserts a row into table or, where
// its key (the first column) exists, updates the row unless it holds the
// same values already (IS NOT, so NULLs compare equal; documents are
// canonical text): it changes one row or none.
func upsert(table string, columns []string) string {
	key, rest := columns[0], columns[1:]
	old := make([]string, len(rest))
	excluded := make([]string, len(rest))
	for i, c := range rest {
		old[i] = table + "." + c
		excluded[i] = "excluded." + c
	}
	return `INSERT INTO ` + table + ` (` + regrow.Cols("", columns) + `) VALUES (` + params(len(columns)) + `)
	ON CONFLICT (` + key + `) DO UPDATE SET (` + regrow.Cols("", rest) + `) = (` + strings.Join(excluded, ", ") + `)
	WHERE (` + strings.Join(old, ", ") + `) IS NOT (` + strings.Join(excluded, ", ") + `)`
}

var (
	upsertHousehold = upsert("households", regrow.HouseholdColumns)
	upsertPerson    = upsert("persons", regrow.PersonColumns)
)

// storedQuery returns the household of each person on record that an
// import concerns: the batch's persons (?1, a JSON array of fiscal codes)
// and the members of its households (?2, a JSON array of IDs), in two
// index lookups per key.
const storedQuery = `SELECT p.fiscal_code, p.household_id FROM json_each(?1) j JOIN persons p ON p.fiscal_code = j.value
	UNION ALL
	SELECT p.fiscal_code, p.household_id FROM json_each(?2) j JOIN persons p ON p.household_id = j.value`

// ImportHouseholds inserts or replaces hs, as store.Store documents, in
// one write transaction: an import with one batch.
func (s *Store) ImportHouseholds(ctx context.Context, hs []registry.Household) (store.ImportResult, error) {
	if err := regrow.CheckHouseholds(hs); err != nil {
		return store.ImportResult{}, err
	}
	if _, err := regrow.IndexBatch(hs); err != nil || len(hs) == 0 {
		return store.ImportResult{}, err
	}
	im, err := s.BeginImport(ctx)
	if err != nil {
		return store.ImportResult{}, err
	}
	defer im.Rollback()
	if err := im.Add(ctx, hs); err != nil {
		return store.ImportResult{}, err
	}
	return im.Commit(ctx)
}

// BeginImport starts an import in one write transaction, which holds the
// database's write lock until Commit or Rollback: issuance waits (up to
// the busy timeout) meanwhile. For each batch, one query finds the stored
// households of the persons concerned, then prepared upserts write each
// household and person, leaving the rows that hold the imported values
// already untouched. At commit, prepared deletes remove the departed
// members and the households they left empty.
func (s *Store) BeginImport(ctx context.Context) (store.Import, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, storageErr(err)
	}
	im := &sqlImport{tx: tx, departed: map[string]struct{}{}, left: map[string]struct{}{}}
	if im.upsertH, err = tx.PrepareContext(ctx, upsertHousehold); err == nil {
		im.upsertP, err = tx.PrepareContext(ctx, upsertPerson)
	}
	if err != nil {
		tx.Rollback()
		return nil, storageErr(err)
	}
	return im, nil
}

// sqlImport is an import in progress; see BeginImport.
type sqlImport struct {
	tx               *sql.Tx
	upsertH, upsertP *sql.Stmt
	seen             regrow.Seen
	departed, left   map[string]struct{} // as in the PostgreSQL store
	res              store.ImportResult
	failed           error
	done             bool
	row              [27]any
	buf              []byte
}

func (im *sqlImport) usable() error {
	switch {
	case im.done:
		return errs.New(errs.Internal, "the import is over")
	case im.failed != nil:
		return im.failed
	}
	return nil
}

// Add applies hs within the import's transaction.
func (im *sqlImport) Add(ctx context.Context, hs []registry.Household) error {
	if err := im.usable(); err != nil {
		return err
	}
	if err := im.add(ctx, hs); err != nil {
		im.failed = err
		return err
	}
	return nil
}

func (im *sqlImport) add(ctx context.Context, hs []registry.Household) error {
	if err := regrow.CheckHouseholds(hs); err != nil {
		return err
	}
	batch, err := regrow.IndexBatch(hs)
	if err != nil || len(hs) == 0 {
		return err
	}
	if err := im.seen.Add(batch); err != nil {
		return err
	}
	var codes, ids []string
	for _, h := range hs {
		ids = append(ids, h.ID)
		for _, m := range h.Members {
			codes = append(codes, m.FiscalCode)
		}
	}
	stored := map[string]string{}
	rows, err := im.tx.QueryContext(ctx, storedQuery,
		string(regrow.AppendJSONArray(nil, codes)), string(regrow.AppendJSONArray(nil, ids)))
	if err != nil {
		return storageErr(err)
	}
	for rows.Next() {
		var code, id string
		if err := rows.Scan(&code, &id); err != nil {
			rows.Close()
			return storageErr(err)
		}
		stored[code] = id
	}
	if err := rows.Close(); err != nil {
		return storageErr(err)
	}
	for code := range batch.Persons {
		delete(im.departed, code)
	}
	for _, code := range batch.Departed(stored) {
		im.departed[code] = struct{}{}
	}
	for _, id := range batch.Left(stored) {
		im.left[id] = struct{}{}
	}

	written := 0
	for i := range hs {
		res, err := im.upsertH.ExecContext(ctx, regrow.HouseholdValues(&hs[i])...)
		if err != nil {
			return storageErr(err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			im.res.Households++
			written++
		}
	}
	for i := range hs {
		h := &hs[i]
		for j := range h.Members {
			res, err := im.upsertP.ExecContext(ctx, personValues(&im.row, &im.buf, &h.Members[j], h.ID, j)...)
			if err != nil {
				return storageErr(err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				im.res.Persons++
				written++
			}
		}
	}
	im.res.Unchanged += batch.Rows() - written
	return nil
}

// Commit deletes the departed members and the households left empty,
// commits, and returns what the import did.
func (im *sqlImport) Commit(ctx context.Context) (store.ImportResult, error) {
	if err := im.usable(); err != nil {
		return store.ImportResult{}, err
	}
	im.done = true
	defer im.tx.Rollback()
	r := im.res
	if len(im.departed) > 0 {
		del, err := im.tx.PrepareContext(ctx, `DELETE FROM persons WHERE fiscal_code = ?`)
		if err != nil {
			return store.ImportResult{}, storageErr(err)
		}
		defer del.Close()
		for code := range im.departed {
			if _, err := del.ExecContext(ctx, code); err != nil {
				return store.ImportResult{}, storageErr(err)
			}
		}
		r.Removed = len(im.departed)
	}
	if len(im.left) > 0 {
		del, err := im.tx.PrepareContext(ctx,
			`DELETE FROM households WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM persons WHERE household_id = ?1)`)
		if err != nil {
			return store.ImportResult{}, storageErr(err)
		}
		defer del.Close()
		for id := range im.left {
			if _, err := del.ExecContext(ctx, id); err != nil {
				return store.ImportResult{}, storageErr(err)
			}
		}
	}
	if err := im.tx.Commit(); err != nil {
		return store.ImportResult{}, storageErr(err)
	}
	return r, nil
}

// Rollback abandons the import; it does nothing after Commit.
func (im *sqlImport) Rollback() error {
	if im.done {
		return nil
	}
	im.done = true
	if err := im.tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return storageErr(err)
	}
	return nil
}

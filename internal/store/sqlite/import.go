package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"

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
	return regrow.ImportOnce(ctx, hs, s.BeginImport)
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
	im := &sqlImport{tx: tx}
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
	state            regrow.ImportState
	res              store.ImportResult
	row              [27]any
	buf              []byte
}

// Add applies hs within the import's transaction.
func (im *sqlImport) Add(ctx context.Context, hs []registry.Household) error {
	return im.state.Add(func() error { return im.add(ctx, hs) })
}

func (im *sqlImport) add(ctx context.Context, hs []registry.Household) error {
	batch, ids, codes, err := im.state.Prepare(hs)
	if err != nil || len(hs) == 0 {
		return err
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
	im.state.Track(batch, stored)

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
	departed, left, err := im.state.End()
	if err != nil {
		return store.ImportResult{}, err
	}
	defer im.tx.Rollback()
	r := im.res
	if err := execEach(ctx, im.tx, `DELETE FROM persons WHERE fiscal_code = ?`, departed); err != nil {
		return store.ImportResult{}, err
	}
	r.Removed = len(departed)
	if err := execEach(ctx, im.tx,
		`DELETE FROM households WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM persons WHERE household_id = ?1)`, left); err != nil {
		return store.ImportResult{}, err
	}
	if err := im.tx.Commit(); err != nil {
		return store.ImportResult{}, storageErr(err)
	}
	return r, nil
}

// execEach runs the one-parameter statement query once for each of args,
// prepared once.
func execEach(ctx context.Context, tx *sql.Tx, query string, args []string) error {
	if len(args) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, query)
	if err != nil {
		return storageErr(err)
	}
	defer stmt.Close()
	for _, a := range args {
		if _, err := stmt.ExecContext(ctx, a); err != nil {
			return storageErr(err)
		}
	}
	return nil
}

// Rollback abandons the import; it does nothing after Commit.
func (im *sqlImport) Rollback() error {
	if !im.state.Abandon() {
		return nil
	}
	if err := im.tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return storageErr(err)
	}
	return nil
}

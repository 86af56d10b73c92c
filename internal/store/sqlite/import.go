package sqlite

import (
	"context"
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
// one write transaction: one query finds the stored households of the
// persons concerned, then prepared upserts write each household and
// person, leaving the rows that hold the imported values already
// untouched, and prepared deletes remove the departed members and the
// households they left empty.
func (s *Store) ImportHouseholds(ctx context.Context, hs []registry.Household) (store.ImportResult, error) {
	if err := regrow.CheckHouseholds(hs); err != nil {
		return store.ImportResult{}, err
	}
	batch, err := regrow.IndexBatch(hs)
	if err != nil || len(hs) == 0 {
		return store.ImportResult{}, err
	}
	var codes, ids []string
	for _, h := range hs {
		ids = append(ids, h.ID)
		for _, m := range h.Members {
			codes = append(codes, m.FiscalCode)
		}
	}

	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return store.ImportResult{}, storageErr(err)
	}
	defer tx.Rollback()

	stored := map[string]string{}
	rows, err := tx.QueryContext(ctx, storedQuery,
		string(regrow.AppendJSONArray(nil, codes)), string(regrow.AppendJSONArray(nil, ids)))
	if err != nil {
		return store.ImportResult{}, storageErr(err)
	}
	for rows.Next() {
		var code, id string
		if err := rows.Scan(&code, &id); err != nil {
			rows.Close()
			return store.ImportResult{}, storageErr(err)
		}
		stored[code] = id
	}
	if err := rows.Close(); err != nil {
		return store.ImportResult{}, storageErr(err)
	}

	var r store.ImportResult
	upsertH, err := tx.PrepareContext(ctx, upsertHousehold)
	if err != nil {
		return store.ImportResult{}, storageErr(err)
	}
	defer upsertH.Close()
	for i := range hs {
		res, err := upsertH.ExecContext(ctx, regrow.HouseholdValues(&hs[i])...)
		if err != nil {
			return store.ImportResult{}, storageErr(err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			r.Households++
		}
	}
	if departed := batch.Departed(stored); len(departed) > 0 {
		del, err := tx.PrepareContext(ctx, `DELETE FROM persons WHERE fiscal_code = ?`)
		if err != nil {
			return store.ImportResult{}, storageErr(err)
		}
		defer del.Close()
		for _, code := range departed {
			if _, err := del.ExecContext(ctx, code); err != nil {
				return store.ImportResult{}, storageErr(err)
			}
		}
		r.Removed = len(departed)
	}
	upsertP, err := tx.PrepareContext(ctx, upsertPerson)
	if err != nil {
		return store.ImportResult{}, storageErr(err)
	}
	defer upsertP.Close()
	var (
		row [27]any
		buf []byte
	)
	for i := range hs {
		h := &hs[i]
		for j := range h.Members {
			res, err := upsertP.ExecContext(ctx, personValues(&row, &buf, &h.Members[j], h.ID, j)...)
			if err != nil {
				return store.ImportResult{}, storageErr(err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				r.Persons++
			}
		}
	}
	if left := batch.Left(stored); len(left) > 0 {
		del, err := tx.PrepareContext(ctx,
			`DELETE FROM households WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM persons WHERE household_id = ?1)`)
		if err != nil {
			return store.ImportResult{}, storageErr(err)
		}
		defer del.Close()
		for _, id := range left {
			if _, err := del.ExecContext(ctx, id); err != nil {
				return store.ImportResult{}, storageErr(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return store.ImportResult{}, storageErr(err)
	}
	r.Unchanged = batch.Rows() - r.Households - r.Persons
	return r, nil
}

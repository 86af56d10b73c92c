package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/ledger"
	"certa.example/certa/internal/store"
)

// insertDocument writes iss's document, with the shared parts the
// database lacks, and its idempotency entry within tx, at the store's clock
// reading at. It returns the parts the document uses, for
// store.PartStore.Committed once tx commits.
func (s *Store) insertDocument(ctx context.Context, tx *sql.Tx, iss store.Issuance, at time.Time) ([]store.SharedPart, error) {
	if !storable(at) {
		return nil, errs.Wrap(errs.Internal, "storage error", errors.New("clock out of range"))
	}
	if e := iss.Idempotency; e != nil {
		if _, err := tx.StmtContext(ctx, s.insertIdem).ExecContext(ctx,
			e.Client, e.Key, e.RequestHash[:], e.Code, at.UnixNano()); err != nil {
			if isDuplicate(err) {
				return nil, errs.Wrap(errs.Conflict, "this idempotency key is recorded already", store.ErrIdempotencyKeyTaken)
			}
			return nil, storageErr(err)
		}
	}
	if iss.PDF == nil {
		return nil, nil
	}
	stored, used, missing := s.parts.Split(iss)
	for _, p := range missing {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO document_parts (sha256, body) VALUES (?, ?)`,
			p.Sum[:], p.Body); err != nil {
			return nil, storageErr(err)
		}
	}
	if _, err := tx.StmtContext(ctx, s.insertDoc).ExecContext(ctx, iss.Record.Code, at.UnixNano(), stored); err != nil {
		return nil, storageErr(err)
	}
	return used, nil
}

// part loads a shared part's body, or errs.NotFound.
func (s *Store) part(ctx context.Context, sum [32]byte) ([]byte, error) {
	var body []byte
	err := s.r.QueryRowContext(ctx, `SELECT body FROM document_parts WHERE sha256 = ?`, sum[:]).Scan(&body)
	switch {
	case errNoRows(err):
		return nil, errs.New(errs.NotFound, "no such document part")
	case err != nil:
		return nil, storageErr(err)
	}
	return body, nil
}

// Document returns the stored PDF of code, or errs.NotFound.
func (s *Store) Document(ctx context.Context, code string) ([]byte, error) {
	var pdf, digest []byte
	err := s.r.QueryRowContext(ctx, `SELECT d.pdf, c.sha256 FROM documents d JOIN certificates c ON c.code = d.code
		WHERE d.code = ?`, code).Scan(&pdf, &digest)
	switch {
	case errNoRows(err):
		return nil, errs.New(errs.NotFound, "no document is stored for this certificate")
	case err != nil:
		return nil, storageErr(err)
	}
	return s.parts.Join(pdf, digest, func(sum [32]byte) ([]byte, error) { return s.part(ctx, sum) })
}

// Idempotency returns the entry of client's key, or errs.NotFound.
func (s *Store) Idempotency(ctx context.Context, client, key string) (store.IdempotencyEntry, error) {
	e := store.IdempotencyEntry{Client: client, Key: key}
	var (
		hash    []byte
		created int64
	)
	err := s.r.QueryRowContext(ctx, `SELECT request_hash, code, created_at FROM idempotency_keys
		WHERE client = ? AND idem_key = ?`, client, key).Scan(&hash, &e.Code, &created)
	switch {
	case errNoRows(err):
		return store.IdempotencyEntry{}, errs.New(errs.NotFound, "no request with this idempotency key")
	case err != nil:
		return store.IdempotencyEntry{}, storageErr(err)
	case len(hash) != len(e.RequestHash):
		return store.IdempotencyEntry{}, errs.Wrap(errs.Internal, "storage error", fmt.Errorf("request hash is %d bytes", len(hash)))
	}
	copy(e.RequestHash[:], hash)
	e.CreatedAt = fromNanos(created)
	return e, nil
}

// ListBySubject returns a page of subject's certificates, newest first
// (index certificates_subject).
func (s *Store) ListBySubject(ctx context.Context, subject string, after *store.ListCursor, limit int) ([]ledger.Record, error) {
	if err := store.CheckListLimit(limit); err != nil {
		return nil, err
	}
	var (
		rows *sql.Rows
		err  error
	)
	if after == nil {
		rows, err = s.r.QueryContext(ctx, `SELECT `+certCols+` FROM certificates
			WHERE subject = ? ORDER BY issued_at DESC, code DESC LIMIT ?`, subject, limit)
	} else {
		if !storable(after.IssuedAt) {
			return nil, errs.New(errs.InvalidRequest, "the cursor's time is out of range")
		}
		rows, err = s.r.QueryContext(ctx, `SELECT `+certCols+` FROM certificates
			WHERE subject = ? AND (issued_at, code) < (?, ?)
			ORDER BY issued_at DESC, code DESC LIMIT ?`, subject, after.IssuedAt.UnixNano(), after.Code, limit)
	}
	if err != nil {
		return nil, storageErr(err)
	}
	defer rows.Close()
	var out []ledger.Record
	for rows.Next() {
		r, err := scanCert(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, storageErr(err)
	}
	return out, nil
}

// PurgeDocuments deletes the idempotency entries created before keysBefore
// and then the documents stored before storedBefore that no remaining
// entry names, in one transaction.
func (s *Store) PurgeDocuments(ctx context.Context, storedBefore, keysBefore time.Time) (store.PurgeResult, error) {
	if !storable(storedBefore) || !storable(keysBefore) {
		return store.PurgeResult{}, errs.New(errs.InvalidRequest, "time out of range")
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return store.PurgeResult{}, storageErr(err)
	}
	defer tx.Rollback()
	var res store.PurgeResult
	r, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < ?`, keysBefore.UnixNano())
	if err != nil {
		return store.PurgeResult{}, storageErr(err)
	}
	if res.Keys, err = r.RowsAffected(); err != nil {
		return store.PurgeResult{}, storageErr(err)
	}
	r, err = tx.ExecContext(ctx, `DELETE FROM documents WHERE stored_at < ?
		AND NOT EXISTS (SELECT 1 FROM idempotency_keys k WHERE k.code = documents.code)`, storedBefore.UnixNano())
	if err != nil {
		return store.PurgeResult{}, storageErr(err)
	}
	if res.Documents, err = r.RowsAffected(); err != nil {
		return store.PurgeResult{}, storageErr(err)
	}
	if _, err = tx.ExecContext(ctx, `DELETE FROM batch_items WHERE batch_id IN
		(SELECT id FROM batches WHERE finished_at IS NOT NULL AND finished_at < ?)`, storedBefore.UnixNano()); err != nil {
		return store.PurgeResult{}, storageErr(err)
	}
	if r, err = tx.ExecContext(ctx, `DELETE FROM batches WHERE finished_at IS NOT NULL AND finished_at < ?`, storedBefore.UnixNano()); err != nil {
		return store.PurgeResult{}, storageErr(err)
	}
	if res.Batches, err = r.RowsAffected(); err != nil {
		return store.PurgeResult{}, storageErr(err)
	}
	if err := tx.Commit(); err != nil {
		return store.PurgeResult{}, storageErr(err)
	}
	return res, nil
}

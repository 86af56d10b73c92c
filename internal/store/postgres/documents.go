package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/ledger"
	"certa.example/certa/internal/store"
)

// queueDocument queues the inserts of iss's idempotency entry and
// document (with the shared parts the database may lack), stamped at, and
// returns how many it queued and the parts the document uses, for
// store.PartStore.Committed once the transaction commits.
func (s *Store) queueDocument(b *pgx.Batch, iss store.Issuance, at time.Time) (n int, used []store.SharedPart, err error) {
	at = instant(at)
	if !storable(at) {
		return 0, nil, errs.Wrap(errs.Internal, publicError, errors.New("clock out of range"))
	}
	if e := iss.Idempotency; e != nil {
		b.Queue(`INSERT INTO idempotency_keys (client, idem_key, request_hash, code, created_at)
			VALUES ($1, $2, $3, $4, $5)`, e.Client, e.Key, e.RequestHash[:], e.Code, at)
		n++
	}
	if iss.PDF != nil {
		stored, used, missing := s.parts.Split(iss)
		for _, p := range missing {
			b.Queue(`INSERT INTO document_parts (sha256, body) VALUES ($1, $2) ON CONFLICT DO NOTHING`, p.Sum[:], p.Body)
			n++
		}
		b.Queue(`INSERT INTO documents (code, stored_at, pdf) VALUES ($1, $2, $3)`, iss.Record.Code, at, stored)
		n++
		return n, used, nil
	}
	return n, nil, nil
}

// Document returns the stored PDF of code, or errs.NotFound.
func (s *Store) Document(ctx context.Context, code string) ([]byte, error) {
	if !validText(code) {
		return nil, errs.New(errs.NotFound, "no document is stored for this certificate")
	}
	var pdf, digest []byte
	err := s.pool.QueryRow(ctx, `SELECT d.pdf, c.sha256 FROM documents d JOIN certificates c ON c.code = d.code
		WHERE d.code = $1`, code).Scan(&pdf, &digest)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, errs.New(errs.NotFound, "no document is stored for this certificate")
	case err != nil:
		return nil, storageErr(err)
	}
	return s.parts.Join(pdf, digest, func(sum [32]byte) ([]byte, error) {
		var body []byte
		err := s.pool.QueryRow(ctx, `SELECT body FROM document_parts WHERE sha256 = $1`, sum[:]).Scan(&body)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return nil, errs.New(errs.NotFound, "no such document part")
		case err != nil:
			return nil, storageErr(err)
		}
		return body, nil
	})
}

// Idempotency returns the entry of client's key, or errs.NotFound.
func (s *Store) Idempotency(ctx context.Context, client, key string) (store.IdempotencyEntry, error) {
	if !validText(client, key) {
		return store.IdempotencyEntry{}, errs.New(errs.NotFound, "no request with this idempotency key")
	}
	e := store.IdempotencyEntry{Client: client, Key: key}
	var hash []byte
	err := s.pool.QueryRow(ctx, `SELECT request_hash, code, created_at FROM idempotency_keys
		WHERE client = $1 AND idem_key = $2`, client, key).Scan(&hash, &e.Code, &e.CreatedAt)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return store.IdempotencyEntry{}, errs.New(errs.NotFound, "no request with this idempotency key")
	case err != nil:
		return store.IdempotencyEntry{}, storageErr(err)
	case len(hash) != len(e.RequestHash):
		return store.IdempotencyEntry{}, errs.Wrap(errs.Internal, publicError, fmt.Errorf("request hash is %d bytes", len(hash)))
	}
	copy(e.RequestHash[:], hash)
	e.CreatedAt = e.CreatedAt.UTC()
	return e, nil
}

// ListBySubject returns a page of subject's certificates, newest first
// (index certificates_subject).
func (s *Store) ListBySubject(ctx context.Context, subject string, after *store.ListCursor, limit int) ([]ledger.Record, error) {
	if err := store.CheckListLimit(limit); err != nil {
		return nil, err
	}
	if !validText(subject) || (after != nil && !validText(after.Code)) {
		return nil, nil
	}
	var (
		rows pgx.Rows
		err  error
	)
	if after == nil {
		rows, err = s.pool.Query(ctx, `SELECT `+certCols+` FROM certificates
			WHERE subject = $1 ORDER BY issued_at DESC, code DESC LIMIT $2`, subject, limit)
	} else {
		if !storable(after.IssuedAt) {
			return nil, errs.New(errs.InvalidRequest, "the cursor's time is out of range")
		}
		rows, err = s.pool.Query(ctx, `SELECT `+certCols+` FROM certificates
			WHERE subject = $1 AND (issued_at, code) < ($2, $3)
			ORDER BY issued_at DESC, code DESC LIMIT $4`, subject, after.IssuedAt, after.Code, limit)
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
// entry names, in one transaction. Concurrent purges (several processes)
// delete each row once.
func (s *Store) PurgeDocuments(ctx context.Context, storedBefore, keysBefore time.Time) (store.PurgeResult, error) {
	if !storable(storedBefore) || !storable(keysBefore) {
		return store.PurgeResult{}, errs.New(errs.InvalidRequest, "time out of range")
	}
	var res store.PurgeResult
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`, keysBefore)
		if err != nil {
			return err
		}
		res.Keys = tag.RowsAffected()
		tag, err = tx.Exec(ctx, `DELETE FROM documents d WHERE stored_at < $1
			AND NOT EXISTS (SELECT 1 FROM idempotency_keys k WHERE k.code = d.code)`, storedBefore)
		if err != nil {
			return err
		}
		res.Documents = tag.RowsAffected()
		if _, err = tx.Exec(ctx, `DELETE FROM batch_items WHERE batch_id IN
			(SELECT id FROM batches WHERE finished_at IS NOT NULL AND finished_at < $1)`, storedBefore); err != nil {
			return err
		}
		tag, err = tx.Exec(ctx, `DELETE FROM batches WHERE finished_at IS NOT NULL AND finished_at < $1`, storedBefore)
		if err != nil {
			return err
		}
		res.Batches = tag.RowsAffected()
		return nil
	})
	if err != nil {
		return store.PurgeResult{}, storageErr(err)
	}
	return res, nil
}

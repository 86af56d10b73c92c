package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"time"

	"certa.example/certa/internal/audit"
	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/store"
)

// Batches (see store.BatchStore). Every write is one BEGIN IMMEDIATE
// transaction on the single write connection, so the checks of a lease and
// the writes they allow cannot interleave with another writer, in this
// process or another. Lease times are compared with the store's clock,
// read inside the transaction.

const batchCols = `id, client, created_at, status, total, issued, failed,
	lease_owner, lease_expires, input_sha256, finished_at`

// CreateBatch stores the batch, its items and its audit event in one write
// transaction, inserting the items one prepared INSERT at a time as the
// source yields them: memory stays flat, and the write lock is held until
// the source ends.
func (s *Store) CreateBatch(ctx context.Context, nb store.NewBatch, next store.BatchSource) (store.Batch, error) {
	if err := store.CheckNewBatch(nb); err != nil {
		return store.Batch{}, err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return store.Batch{}, storageErr(err)
	}
	defer tx.Rollback()

	now := s.now()
	if !storable(now) {
		return store.Batch{}, errs.Wrap(errs.Internal, "storage error", errors.New("clock out of range"))
	}
	id := store.NewBatchID()
	if _, err := tx.ExecContext(ctx, `INSERT INTO batches
		(id, client, created_at, status, total, input_sha256) VALUES (?, ?, ?, 'queued', 0, ?)`,
		id, nb.Client, now.UnixNano(), nb.InputSHA256[:]); err != nil {
		return store.Batch{}, storageErr(err)
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO batch_items (batch_id, seq, request) VALUES (?, ?, ?)`)
	if err != nil {
		return store.Batch{}, storageErr(err)
	}
	defer ins.Close()
	var n, prev int64
	for {
		it, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return store.Batch{}, fmt.Errorf("batch source: %w", err)
		}
		if err := store.CheckBatchItem(prev, it); err != nil {
			return store.Batch{}, err
		}
		if _, err := ins.ExecContext(ctx, id, it.Seq, string(it.Request)); err != nil {
			return store.Batch{}, storageErr(err)
		}
		prev = it.Seq
		n++
	}
	if n == 0 {
		return store.Batch{}, errs.New(errs.InvalidRequest, "a batch needs at least one item")
	}
	b, err := scanBatch(tx.QueryRowContext(ctx, `UPDATE batches SET total = ? WHERE id = ? RETURNING `+batchCols, n, id))
	if err != nil {
		return store.Batch{}, err
	}
	if err := s.appendEvent(ctx, tx, audit.Event{At: s.now(), Actor: nb.Client,
		Action: store.ActionBatchCreate, Object: id, Outcome: store.BatchCreateOutcome(n)}); err != nil {
		return store.Batch{}, err
	}
	if err := tx.Commit(); err != nil {
		return store.Batch{}, storageErr(err)
	}
	return b, nil
}

// ClaimBatch takes the oldest claimable batch in one write transaction.
func (s *Store) ClaimBatch(ctx context.Context, owner string, lease time.Duration) (store.Batch, bool, error) {
	if err := store.CheckLease(owner, lease); err != nil {
		return store.Batch{}, false, err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return store.Batch{}, false, storageErr(err)
	}
	defer tx.Rollback()
	now := s.now()
	var id string
	err = tx.QueryRowContext(ctx, `SELECT id FROM batches
		WHERE status IN ('queued', 'running') AND (lease_expires IS NULL OR lease_expires <= ?)
		ORDER BY created_at, id LIMIT 1`, now.UnixNano()).Scan(&id)
	switch {
	case errNoRows(err):
		return store.Batch{}, false, nil
	case err != nil:
		return store.Batch{}, false, storageErr(err)
	}
	b, err := scanBatch(tx.QueryRowContext(ctx, `UPDATE batches
		SET status = 'running', lease_owner = ?, lease_expires = ? WHERE id = ? RETURNING `+batchCols,
		owner, leaseEnd(now, lease), id))
	if err != nil {
		return store.Batch{}, false, err
	}
	if err := tx.Commit(); err != nil {
		return store.Batch{}, false, storageErr(err)
	}
	return b, true, nil
}

// ClaimBatchID takes batch id if it is claimable.
func (s *Store) ClaimBatchID(ctx context.Context, id, owner string, lease time.Duration) (store.Batch, bool, error) {
	if err := store.CheckLease(owner, lease); err != nil {
		return store.Batch{}, false, err
	}
	if !store.ValidBatchID(id) {
		return store.Batch{}, false, nil
	}
	now := s.now()
	b, err := scanBatch(s.w.QueryRowContext(ctx, `UPDATE batches
		SET status = 'running', lease_owner = ?, lease_expires = ?
		WHERE id = ? AND status IN ('queued', 'running') AND (lease_expires IS NULL OR lease_expires <= ?)
		RETURNING `+batchCols, owner, leaseEnd(now, lease), id, now.UnixNano()))
	if errs.KindOf(err) == errs.NotFound {
		return store.Batch{}, false, nil
	}
	if err != nil {
		return store.Batch{}, false, err
	}
	return b, true, nil
}

// leaseEnd is now plus lease in Unix nanoseconds, saturating.
func leaseEnd(now time.Time, lease time.Duration) int64 {
	end := now.Add(lease)
	if !storable(end) {
		return maxInstant.UnixNano()
	}
	return end.UnixNano()
}

// held reads batch id within tx and checks that owner holds its lease at
// the store's clock; it returns the batch and that reading.
func (s *Store) held(ctx context.Context, tx *sql.Tx, id, owner string) (store.Batch, time.Time, error) {
	if !store.ValidBatchID(id) {
		return store.Batch{}, time.Time{}, store.ErrBatchNotFound()
	}
	b, err := scanBatch(tx.QueryRowContext(ctx, `SELECT `+batchCols+` FROM batches WHERE id = ?`, id))
	if err != nil {
		return store.Batch{}, time.Time{}, err
	}
	now := s.now()
	if b.Status != store.BatchRunning || b.LeaseOwner != owner || !b.LeaseExpires.After(now) {
		return store.Batch{}, time.Time{}, store.ErrLeaseLost()
	}
	return b, now, nil
}

// RenewLease extends owner's lease.
func (s *Store) RenewLease(ctx context.Context, id, owner string, lease time.Duration) (store.Batch, error) {
	if err := store.CheckLease(owner, lease); err != nil {
		return store.Batch{}, err
	}
	return s.writeBatch(ctx, func(tx *sql.Tx) (store.Batch, error) {
		_, now, err := s.held(ctx, tx, id, owner)
		if err != nil {
			return store.Batch{}, err
		}
		return scanBatch(tx.QueryRowContext(ctx, `UPDATE batches SET lease_expires = ? WHERE id = ? RETURNING `+batchCols,
			leaseEnd(now, lease), id))
	})
}

// writeBatch runs fn in a write transaction and commits when it succeeds.
func (s *Store) writeBatch(ctx context.Context, fn func(tx *sql.Tx) (store.Batch, error)) (store.Batch, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return store.Batch{}, storageErr(err)
	}
	defer tx.Rollback()
	b, err := fn(tx)
	if err != nil {
		return store.Batch{}, err
	}
	if err := tx.Commit(); err != nil {
		return store.Batch{}, storageErr(err)
	}
	return b, nil
}

// FinishItems records results under owner's lease.
func (s *Store) FinishItems(ctx context.Context, id, owner string, results []store.ItemResult) (store.Batch, error) {
	if err := store.CheckItemResults(results); err != nil {
		return store.Batch{}, err
	}
	return s.writeBatch(ctx, func(tx *sql.Tx) (store.Batch, error) {
		b, _, err := s.held(ctx, tx, id, owner)
		if err != nil || len(results) == 0 {
			return b, err
		}
		st, err := tx.PrepareContext(ctx, `UPDATE batch_items
			SET status = ?, code = ?, problem_type = ?, problem_detail = ?
			WHERE batch_id = ? AND seq = ? AND status = 'pending'`)
		if err != nil {
			return store.Batch{}, storageErr(err)
		}
		defer st.Close()
		var issued, failed int64
		for _, r := range results {
			status := store.ItemIssued
			if r.Code == "" {
				status = store.ItemFailed
			}
			res, err := st.ExecContext(ctx, string(status), r.Code, r.ProblemType, r.ProblemDetail, id, r.Seq)
			if err != nil {
				return store.Batch{}, storageErr(err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return store.Batch{}, storageErr(err)
			}
			if n == 0 { // finished already, or not in the batch
				var exists bool
				if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM batch_items WHERE batch_id = ? AND seq = ?)`,
					id, r.Seq).Scan(&exists); err != nil {
					return store.Batch{}, storageErr(err)
				}
				if !exists {
					return store.Batch{}, errs.New(errs.InvalidRequest, fmt.Sprintf("batch item %d is not in the batch", r.Seq))
				}
				continue
			}
			if status == store.ItemIssued {
				issued++
			} else {
				failed++
			}
		}
		return scanBatch(tx.QueryRowContext(ctx, `UPDATE batches SET issued = issued + ?, failed = failed + ?
			WHERE id = ? RETURNING `+batchCols, issued, failed, id))
	})
}

// CompleteBatch marks the batch done under owner's lease.
func (s *Store) CompleteBatch(ctx context.Context, id, owner string) (store.Batch, error) {
	return s.writeBatch(ctx, func(tx *sql.Tx) (store.Batch, error) {
		b, now, err := s.held(ctx, tx, id, owner)
		if err != nil {
			return store.Batch{}, err
		}
		if b.Pending() != 0 {
			return store.Batch{}, errs.New(errs.Conflict, fmt.Sprintf("the batch has %d pending items", b.Pending()))
		}
		b, err = scanBatch(tx.QueryRowContext(ctx, `UPDATE batches SET status = 'done', finished_at = ?
			WHERE id = ? RETURNING `+batchCols, now.UnixNano(), id))
		if err != nil {
			return store.Batch{}, err
		}
		return b, s.appendEvent(ctx, tx, audit.Event{At: s.now(), Actor: b.Client,
			Action: store.ActionBatchComplete, Object: id, Outcome: store.BatchCompleteOutcome(b)})
	})
}

// CancelBatch cancels a queued or running batch.
func (s *Store) CancelBatch(ctx context.Context, id, actor string) (store.Batch, error) {
	if err := store.CheckActor(actor); err != nil {
		return store.Batch{}, err
	}
	if !store.ValidBatchID(id) {
		return store.Batch{}, store.ErrBatchNotFound()
	}
	return s.writeBatch(ctx, func(tx *sql.Tx) (store.Batch, error) {
		now := s.now()
		b, err := scanBatch(tx.QueryRowContext(ctx, `UPDATE batches SET status = 'cancelled', finished_at = ?
			WHERE id = ? AND status IN ('queued', 'running') RETURNING `+batchCols, now.UnixNano(), id))
		if errs.KindOf(err) == errs.NotFound {
			if _, err := scanBatch(tx.QueryRowContext(ctx, `SELECT `+batchCols+` FROM batches WHERE id = ?`, id)); err != nil {
				return store.Batch{}, err
			}
			return store.Batch{}, errs.New(errs.Conflict, "the batch is done or cancelled already")
		}
		if err != nil {
			return store.Batch{}, err
		}
		return b, s.appendEvent(ctx, tx, audit.Event{At: s.now(), Actor: actor,
			Action: store.ActionBatchCancel, Object: id, Outcome: store.BatchCancelOutcome(b)})
	})
}

// Batch returns batch id.
func (s *Store) Batch(ctx context.Context, id string) (store.Batch, error) {
	if !store.ValidBatchID(id) {
		return store.Batch{}, store.ErrBatchNotFound()
	}
	return scanBatch(s.r.QueryRowContext(ctx, `SELECT `+batchCols+` FROM batches WHERE id = ?`, id))
}

// PendingItems returns a page of pending items.
func (s *Store) PendingItems(ctx context.Context, id string, after int64, limit int) ([]store.BatchItem, error) {
	return s.items(ctx, id, after, limit, true)
}

// BatchItems returns a page of items.
func (s *Store) BatchItems(ctx context.Context, id string, after int64, limit int) ([]store.BatchItem, error) {
	return s.items(ctx, id, after, limit, false)
}

func (s *Store) items(ctx context.Context, id string, after int64, limit int, pendingOnly bool) ([]store.BatchItem, error) {
	if err := store.CheckPage(after, limit); err != nil {
		return nil, err
	}
	if !store.ValidBatchID(id) {
		return nil, store.ErrBatchNotFound()
	}
	// One read transaction: the existence check and the page see one
	// snapshot.
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, storageErr(err)
	}
	defer tx.Rollback()
	var one int
	if err := tx.QueryRowContext(ctx, `SELECT 1 FROM batches WHERE id = ?`, id).Scan(&one); errNoRows(err) {
		return nil, store.ErrBatchNotFound()
	} else if err != nil {
		return nil, storageErr(err)
	}
	q := `SELECT seq, request, status, code, problem_type, problem_detail FROM batch_items
		WHERE batch_id = ? AND seq > ? ORDER BY seq LIMIT ?`
	if pendingOnly {
		q = `SELECT seq, request, status, code, problem_type, problem_detail FROM batch_items
		WHERE batch_id = ? AND seq > ? AND status = 'pending' ORDER BY seq LIMIT ?`
	}
	rows, err := tx.QueryContext(ctx, q, id, after, limit)
	if err != nil {
		return nil, storageErr(err)
	}
	defer rows.Close()
	var out []store.BatchItem
	for rows.Next() {
		var (
			it  store.BatchItem
			req string
		)
		if err := rows.Scan(&it.Seq, &req, &it.Status, &it.Code, &it.ProblemType, &it.ProblemDetail); err != nil {
			return nil, storageErr(err)
		}
		it.Request = []byte(req)
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, storageErr(err)
	}
	return out, nil
}

// scanBatch reads a row of batchCols; errs.NotFound when there is none.
func scanBatch(row *sql.Row) (store.Batch, error) {
	var (
		b                 store.Batch
		created           int64
		owner             sql.NullString
		expires, finished sql.NullInt64
		sum               []byte
	)
	err := row.Scan(&b.ID, &b.Client, &created, &b.Status, &b.Total, &b.Issued, &b.Failed,
		&owner, &expires, &sum, &finished)
	switch {
	case errNoRows(err):
		return store.Batch{}, store.ErrBatchNotFound()
	case err != nil:
		return store.Batch{}, storageErr(err)
	case len(sum) != len(b.InputSHA256):
		return store.Batch{}, errs.Wrap(errs.Internal, "storage error", fmt.Errorf("batch input digest is %d bytes", len(sum)))
	}
	copy(b.InputSHA256[:], sum)
	b.CreatedAt = fromNanos(created)
	b.LeaseOwner = owner.String
	if expires.Valid {
		b.LeaseExpires = fromNanos(expires.Int64)
	}
	if finished.Valid {
		b.FinishedAt = fromNanos(finished.Int64)
	}
	return b, nil
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"

	"certa.example/certa/internal/audit"
	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/store"
)

// Batches (see store.BatchStore). Processes share batches through row
// locks: ClaimBatch picks a batch with SELECT … FOR UPDATE SKIP LOCKED
// (concurrent claimers skip each other's candidates instead of queueing),
// and every call that needs the lease locks the batch's row first (FOR
// UPDATE), so the check of the lease and the writes it allows are atomic
// with respect to claims, renewals, cancellations and other workers. Lease
// times are compared with the store's clock, not the server's.

const batchCols = `id, client, created_at, status, total, issued, failed,
	lease_owner, lease_expires, input_sha256, finished_at`

// inTx runs fn in a transaction on a pooled connection and commits when fn
// succeeds.
func (s *Store) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return s.onConn(ctx, func(c *pgx.Conn) error {
		tx, err := c.Begin(ctx)
		if err != nil {
			return storageErr(err)
		}
		if err := fn(tx); err != nil {
			return err // onConn rolls back
		}
		return commitErr(tx.Commit(ctx))
	})
}

// CreateBatch stores the batch, its items and its audit event in one
// transaction. The items go through COPY as the source yields them, so
// memory stays flat; the audit head is locked only after the COPY, for
// the event's two statements and the commit.
func (s *Store) CreateBatch(ctx context.Context, nb store.NewBatch, next store.BatchSource) (store.Batch, error) {
	if err := store.CheckNewBatch(nb); err != nil {
		return store.Batch{}, err
	}
	var b store.Batch
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		id := store.NewBatchID()
		if _, err := tx.Exec(ctx, `INSERT INTO batches (id, client, created_at, status, total, input_sha256)
			VALUES ($1, $2, $3, 'queued', 0, $4)`, id, nb.Client, instant(s.now()), nb.InputSHA256[:]); err != nil {
			return storageErr(err)
		}
		var (
			n, prev int64
			srcErr  error // the source's or an item's error, not the server's
			row     = make([]any, 3)
		)
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"batch_items"}, []string{"batch_id", "seq", "request"},
			pgx.CopyFromFunc(func() ([]any, error) {
				it, err := next()
				if err == io.EOF {
					return nil, nil
				}
				if err != nil {
					srcErr = fmt.Errorf("batch source: %w", err)
					return nil, srcErr
				}
				if err := store.CheckBatchItem(prev, it); err != nil {
					srcErr = err
					return nil, err
				}
				prev = it.Seq
				n++
				row[0], row[1], row[2] = id, it.Seq, string(it.Request)
				return row, nil
			}))
		switch {
		case srcErr != nil:
			return srcErr
		case err != nil:
			return storageErr(err)
		case n == 0:
			return errs.New(errs.InvalidRequest, "a batch needs at least one item")
		}
		if b, err = scanBatch(tx.QueryRow(ctx, `UPDATE batches SET total = $1 WHERE id = $2 RETURNING `+batchCols, n, id)); err != nil {
			return err
		}
		return s.appendInTx(ctx, tx, nb.Client, store.ActionBatchCreate, id, store.BatchCreateOutcome(n))
	})
	if err != nil {
		return store.Batch{}, err
	}
	return b, nil
}

// appendInTx appends an audit event within tx, locking the audit head
// until tx ends.
func (s *Store) appendInTx(ctx context.Context, tx pgx.Tx, actor, action, object, outcome string) error {
	var (
		headSeq  int64
		headHash []byte
	)
	err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE`).Scan(&headSeq, &headHash)
	if errors.Is(err, pgx.ErrNoRows) {
		return errs.Wrap(errs.Internal, publicError, errors.New("audit_head has no row"))
	}
	if err != nil {
		return storageErr(err)
	}
	ev, err := s.chainOnHead(headSeq, headHash, audit.Event{Actor: actor, Action: action, Object: object, Outcome: outcome})
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, insertEvent, ev.Seq, ev.At, ev.Actor, ev.Action, ev.Object, ev.Outcome, ev.Prev[:], ev.Hash[:]); err != nil {
		return storageErr(err)
	}
	if _, err := tx.Exec(ctx, `UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1`, ev.Seq, ev.Hash[:]); err != nil {
		return storageErr(err)
	}
	return nil
}

// claimBatch makes the oldest claimable batch running under a lease, in
// one statement. A candidate another transaction has locked is skipped; a
// candidate that another claim took meanwhile fails the recheck of the
// WHERE clause after the lock, and then the statement claims nothing
// (the caller may ask again).
const claimBatch = `UPDATE batches SET status = 'running', lease_owner = $1, lease_expires = $2
	WHERE id = (SELECT id FROM batches
		WHERE status IN ('queued', 'running') AND (lease_expires IS NULL OR lease_expires <= $3)
		ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
	RETURNING ` + batchCols

// ClaimBatch takes the oldest claimable batch.
func (s *Store) ClaimBatch(ctx context.Context, owner string, lease time.Duration) (store.Batch, bool, error) {
	if err := store.CheckLease(owner, lease); err != nil {
		return store.Batch{}, false, err
	}
	now := instant(s.now())
	b, err := scanBatch(s.pool.QueryRow(ctx, claimBatch, owner, leaseEnd(now, lease), now))
	if errs.KindOf(err) == errs.NotFound {
		return store.Batch{}, false, nil
	}
	if err != nil {
		return store.Batch{}, false, err
	}
	return b, true, nil
}

// ClaimBatchID takes batch id if it is claimable. One statement: a
// concurrent claim waits for the row and then finds the lease taken.
func (s *Store) ClaimBatchID(ctx context.Context, id, owner string, lease time.Duration) (store.Batch, bool, error) {
	if err := store.CheckLease(owner, lease); err != nil {
		return store.Batch{}, false, err
	}
	if !store.ValidBatchID(id) {
		return store.Batch{}, false, nil
	}
	now := instant(s.now())
	b, err := scanBatch(s.pool.QueryRow(ctx, `UPDATE batches SET status = 'running', lease_owner = $1, lease_expires = $2
		WHERE id = $4 AND status IN ('queued', 'running') AND (lease_expires IS NULL OR lease_expires <= $3)
		RETURNING `+batchCols, owner, leaseEnd(now, lease), now, id))
	if errs.KindOf(err) == errs.NotFound {
		return store.Batch{}, false, nil
	}
	if err != nil {
		return store.Batch{}, false, err
	}
	return b, true, nil
}

// leaseEnd is now plus lease, saturating at the last storable instant.
func leaseEnd(now time.Time, lease time.Duration) time.Time {
	end := now.Add(lease)
	if !storable(end) {
		return instant(maxInstant)
	}
	return instant(end)
}

// held locks batch id within tx and checks that owner holds its lease at
// the store's clock; it returns the batch and that reading.
func (s *Store) held(ctx context.Context, tx pgx.Tx, id, owner string) (store.Batch, time.Time, error) {
	if !store.ValidBatchID(id) {
		return store.Batch{}, time.Time{}, store.ErrBatchNotFound()
	}
	b, err := scanBatch(tx.QueryRow(ctx, `SELECT `+batchCols+` FROM batches WHERE id = $1 FOR UPDATE`, id))
	if err != nil {
		return store.Batch{}, time.Time{}, err
	}
	now := instant(s.now())
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
	var b store.Batch
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		_, now, err := s.held(ctx, tx, id, owner)
		if err != nil {
			return err
		}
		b, err = scanBatch(tx.QueryRow(ctx, `UPDATE batches SET lease_expires = $1 WHERE id = $2 RETURNING `+batchCols,
			leaseEnd(now, lease), id))
		return err
	})
	return b, err
}

// finishItems marks the pending items among the results ($2 seqs, $3
// codes, $4 problem types, $5 details) of batch $1 and counts what it
// marked.
const finishItems = `WITH r AS (
		SELECT * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[]) AS r(seq, code, ptype, pdetail)
	), u AS (
		UPDATE batch_items i
		SET status = CASE WHEN r.code <> '' THEN 'issued' ELSE 'failed' END,
			code = r.code, problem_type = r.ptype, problem_detail = r.pdetail
		FROM r WHERE i.batch_id = $1 AND i.seq = r.seq AND i.status = 'pending'
		RETURNING i.status
	)
	SELECT count(*) FILTER (WHERE status = 'issued'), count(*) FILTER (WHERE status = 'failed') FROM u`

// FinishItems records results under owner's lease, in one transaction:
// the batch's row lock, a check that every seq is in the batch, one UPDATE
// of the items joined to the unnested results, and the counts' UPDATE.
func (s *Store) FinishItems(ctx context.Context, id, owner string, results []store.ItemResult) (store.Batch, error) {
	if err := store.CheckItemResults(results); err != nil {
		return store.Batch{}, err
	}
	seqs := make([]int64, len(results))
	codes := make([]string, len(results))
	types := make([]string, len(results))
	details := make([]string, len(results))
	for i, r := range results {
		seqs[i], codes[i], types[i], details[i] = r.Seq, r.Code, r.ProblemType, r.ProblemDetail
	}
	var b store.Batch
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if b, _, err = s.held(ctx, tx, id, owner); err != nil || len(results) == 0 {
			return err
		}
		var missing *int64 // the least seq not in the batch, if any
		if err := tx.QueryRow(ctx, `SELECT min(s) FROM unnest($2::bigint[]) AS s
			WHERE NOT EXISTS (SELECT 1 FROM batch_items WHERE batch_id = $1 AND seq = s)`, id, seqs).Scan(&missing); err != nil {
			return storageErr(err)
		}
		if missing != nil {
			return errs.New(errs.InvalidRequest, fmt.Sprintf("batch item %d is not in the batch", *missing))
		}
		var issued, failed int64
		if err := tx.QueryRow(ctx, finishItems, id, seqs, codes, types, details).Scan(&issued, &failed); err != nil {
			return storageErr(err)
		}
		b, err = scanBatch(tx.QueryRow(ctx, `UPDATE batches SET issued = issued + $1, failed = failed + $2
			WHERE id = $3 RETURNING `+batchCols, issued, failed, id))
		return err
	})
	if err != nil {
		return store.Batch{}, err
	}
	return b, nil
}

// CompleteBatch marks the batch done under owner's lease.
func (s *Store) CompleteBatch(ctx context.Context, id, owner string) (store.Batch, error) {
	var b store.Batch
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		held, now, err := s.held(ctx, tx, id, owner)
		if err != nil {
			return err
		}
		if held.Pending() != 0 {
			return errs.New(errs.Conflict, fmt.Sprintf("the batch has %d pending items", held.Pending()))
		}
		if b, err = scanBatch(tx.QueryRow(ctx, `UPDATE batches SET status = 'done', finished_at = $1
			WHERE id = $2 RETURNING `+batchCols, now, id)); err != nil {
			return err
		}
		return s.appendInTx(ctx, tx, b.Client, store.ActionBatchComplete, id, store.BatchCompleteOutcome(b))
	})
	if err != nil {
		return store.Batch{}, err
	}
	return b, nil
}

// CancelBatch cancels a queued or running batch.
func (s *Store) CancelBatch(ctx context.Context, id, actor string) (store.Batch, error) {
	if err := store.CheckActor(actor); err != nil {
		return store.Batch{}, err
	}
	if !store.ValidBatchID(id) {
		return store.Batch{}, store.ErrBatchNotFound()
	}
	var b store.Batch
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		cur, err := scanBatch(tx.QueryRow(ctx, `SELECT `+batchCols+` FROM batches WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		if cur.Status != store.BatchQueued && cur.Status != store.BatchRunning {
			return errs.New(errs.Conflict, "the batch is done or cancelled already")
		}
		if b, err = scanBatch(tx.QueryRow(ctx, `UPDATE batches SET status = 'cancelled', finished_at = $1
			WHERE id = $2 RETURNING `+batchCols, instant(s.now()), id)); err != nil {
			return err
		}
		return s.appendInTx(ctx, tx, actor, store.ActionBatchCancel, id, store.BatchCancelOutcome(b))
	})
	if err != nil {
		return store.Batch{}, err
	}
	return b, nil
}

// Batch returns batch id.
func (s *Store) Batch(ctx context.Context, id string) (store.Batch, error) {
	if !store.ValidBatchID(id) {
		return store.Batch{}, store.ErrBatchNotFound()
	}
	return scanBatch(s.pool.QueryRow(ctx, `SELECT `+batchCols+` FROM batches WHERE id = $1`, id))
}

// PendingItems returns a page of pending items.
func (s *Store) PendingItems(ctx context.Context, id string, after int64, limit int) ([]store.BatchItem, error) {
	return s.items(ctx, id, after, limit, true)
}

// BatchItems returns a page of items.
func (s *Store) BatchItems(ctx context.Context, id string, after int64, limit int) ([]store.BatchItem, error) {
	return s.items(ctx, id, after, limit, false)
}

// items reads a page in one statement: the LEFT JOIN from the batch row
// tells an unknown batch (no row) from an empty page (one row of NULLs).
func (s *Store) items(ctx context.Context, id string, after int64, limit int, pendingOnly bool) ([]store.BatchItem, error) {
	if err := store.CheckPage(after, limit); err != nil {
		return nil, err
	}
	if !store.ValidBatchID(id) {
		return nil, store.ErrBatchNotFound()
	}
	rows, err := s.pool.Query(ctx, `SELECT i.seq, i.request, i.status, i.code, i.problem_type, i.problem_detail
		FROM batches b LEFT JOIN LATERAL (
			SELECT * FROM batch_items WHERE batch_id = b.id AND seq > $2 AND ($4 OR status = 'pending')
			ORDER BY seq LIMIT $3) i ON true
		WHERE b.id = $1 ORDER BY i.seq`, id, after, limit, !pendingOnly)
	if err != nil {
		return nil, storageErr(err)
	}
	var (
		out                               []store.BatchItem
		found                             bool
		seq                               *int64
		req, status, code, ptype, pdetail *string
	)
	_, err = pgx.ForEachRow(rows, []any{&seq, &req, &status, &code, &ptype, &pdetail}, func() error {
		found = true
		if seq == nil {
			return nil
		}
		out = append(out, store.BatchItem{Seq: *seq, Request: []byte(*req), Status: store.ItemStatus(*status),
			Code: *code, ProblemType: *ptype, ProblemDetail: *pdetail})
		return nil
	})
	if err != nil {
		return nil, storageErr(err)
	}
	if !found {
		return nil, store.ErrBatchNotFound()
	}
	return out, nil
}

// scanBatch reads a row of batchCols; errs.NotFound when there is none.
func scanBatch(row pgx.Row) (store.Batch, error) {
	var (
		b                 store.Batch
		owner             *string
		expires, finished *time.Time
		status            string
		sum               []byte
	)
	err := row.Scan(&b.ID, &b.Client, &b.CreatedAt, &status, &b.Total, &b.Issued, &b.Failed,
		&owner, &expires, &sum, &finished)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return store.Batch{}, store.ErrBatchNotFound()
	case err != nil:
		return store.Batch{}, storageErr(err)
	case len(sum) != len(b.InputSHA256):
		return store.Batch{}, errs.Wrap(errs.Internal, publicError, fmt.Errorf("batch input digest is %d bytes", len(sum)))
	}
	b.Status = store.BatchStatus(status)
	copy(b.InputSHA256[:], sum)
	b.CreatedAt = b.CreatedAt.UTC()
	if owner != nil {
		b.LeaseOwner = *owner
	}
	if expires != nil {
		b.LeaseExpires = expires.UTC()
	}
	if finished != nil {
		b.FinishedAt = finished.UTC()
	}
	return b, nil
}

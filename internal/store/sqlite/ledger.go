package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	sqlite3 "modernc.org/sqlite/lib"

	"certa.example/certa/internal/audit"
	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/ledger"
	"certa.example/certa/internal/store"
)

// Record stores rec (its revocation fields and verification count as
// given, see ledger.Record.CheckRevocation) and appends its "certificate.issue" audit event, by
// rec.Requester at the store's clock, in one transaction. rec needs a Code,
// a Requester and both IssuedAt and ExpiresAt, else errs.InvalidRequest. A
// code or SHA256 already recorded is errs.Conflict. On any error nothing is
// written.
//
// The clock is read inside the write transaction, so within one process
// event times follow seq order whenever the clock is monotonic.
func (s *Store) Record(ctx context.Context, rec ledger.Record) error {
	return s.RecordIssue(ctx, store.Issuance{Record: rec})
}

// RecordIssue is Record plus the document and the idempotency entry of
// iss, in the same transaction (see store.Issuance). An idempotency entry
// recorded already is errs.Conflict wrapping store.ErrIdempotencyKeyTaken.
func (s *Store) RecordIssue(ctx context.Context, iss store.Issuance) error {
	return s.RecordIssues(ctx, []store.Issuance{iss})
}

// RecordIssues records every issuance of group in one transaction, all or
// none (store.GroupCommit batches concurrent issuances this way).
func (s *Store) RecordIssues(ctx context.Context, group []store.Issuance) error {
	for _, iss := range group {
		if err := checkIssuance(iss); err != nil {
			return err
		}
	}
	// The single write connection serialises this transaction with every
	// other write of the process; BEGIN IMMEDIATE with other processes.
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return storageErr(err)
	}
	defer tx.Rollback()
	var parts []store.SharedPart
	for _, iss := range group {
		used, err := s.recordIn(ctx, tx, iss)
		if err != nil {
			return err
		}
		parts = append(parts, used...)
	}
	if err := tx.Commit(); err != nil {
		return storageErr(err)
	}
	s.parts.Committed(parts)
	return nil
}

func checkIssuance(iss store.Issuance) error {
	rec := iss.Record
	switch {
	case rec.Code == "":
		return errs.New(errs.InvalidRequest, "certificate code is required")
	case rec.Requester == "":
		return errs.New(errs.InvalidRequest, "requester is required")
	case rec.IssuedAt.IsZero() || rec.ExpiresAt.IsZero():
		return errs.New(errs.InvalidRequest, "issue and expiry times are required")
	case !storable(rec.IssuedAt) || !storable(rec.ExpiresAt) ||
		(!rec.RevokedAt.IsZero() && !storable(rec.RevokedAt)):
		return errs.New(errs.InvalidRequest, "time out of range")
	}
	if err := rec.CheckRevocation(); err != nil {
		return err
	}
	return iss.Check()
}

// recordIn inserts one issuance and its audit event within tx, and returns
// the shared parts its document uses.
func (s *Store) recordIn(ctx context.Context, tx *sql.Tx, iss store.Issuance) ([]store.SharedPart, error) {
	rec := iss.Record
	var revokedAt sql.NullInt64
	if !rec.RevokedAt.IsZero() {
		revokedAt = sql.NullInt64{Int64: rec.RevokedAt.UnixNano(), Valid: true}
	}
	if _, err := tx.StmtContext(ctx, s.insertCert).ExecContext(ctx,
		rec.Code, rec.Type, rec.Subject, rec.Holder, rec.Comune,
		rec.IssuedAt.UnixNano(), rec.ExpiresAt.UnixNano(), rec.SHA256[:],
		rec.Requester, rec.Channel, rec.Revoked, revokedAt,
		string(rec.RevokedReason), rec.ReplacedBy, rec.Verifications,
		rec.Citizen, rec.Operator, rec.IDDocType, rec.IDDocNum); err != nil {
		switch sqliteCode(err) {
		case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return nil, errs.Wrap(errs.Conflict, "a certificate with this code is already recorded", err)
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE:
			return nil, errs.Wrap(errs.Conflict, "a certificate with this digest is already recorded", err)
		}
		return nil, storageErr(err)
	}
	at := s.now()
	used, err := s.insertDocument(ctx, tx, iss, at)
	if err != nil {
		return nil, err
	}
	return used, s.appendEvent(ctx, tx, audit.Event{
		At:      at,
		Actor:   rec.Requester,
		Action:  audit.ActionCertificateIssue,
		Object:  rec.Code,
		Outcome: audit.OutcomeOK,
	})
}

// appendEvent chains ev onto the last event of the trail and inserts it,
// within tx (a write transaction, which excludes other appends).
func (s *Store) appendEvent(ctx context.Context, tx *sql.Tx, ev audit.Event) error {
	var (
		prev audit.Event
		hash []byte
	)
	err := tx.StmtContext(ctx, s.lastEvent).QueryRowContext(ctx).Scan(&prev.Seq, &hash)
	switch {
	case errNoRows(err):
		// Empty trail: chaining onto the zero Event makes the genesis.
	case err != nil:
		return storageErr(err)
	case len(hash) != len(prev.Hash):
		return errs.Wrap(errs.Internal, "storage error", fmt.Errorf("audit event %d: hash is %d bytes", prev.Seq, len(hash)))
	default:
		copy(prev.Hash[:], hash)
	}
	ev = audit.Chain(prev, ev)
	if !storable(ev.At) {
		return errs.Wrap(errs.Internal, "storage error", errors.New("clock out of range"))
	}
	if _, err := tx.StmtContext(ctx, s.insertEvent).ExecContext(ctx,
		ev.Seq, ev.At.UnixNano(), ev.Actor, ev.Action, ev.Object, ev.Outcome,
		ev.Prev[:], ev.Hash[:]); err != nil {
		return storageErr(err)
	}
	return nil
}

const certCols = `code, type, subject, holder, comune, issued_at, expires_at,
	sha256, requester, channel, revoked, revoked_at, revoked_reason, replaced_by,
	verifications, citizen, operator, id_doc_type, id_doc_number`

// ByCode returns the certificate with code, or errs.NotFound.
func (s *Store) ByCode(ctx context.Context, code string) (ledger.Record, error) {
	return scanCert(s.byCode.QueryRowContext(ctx, code))
}

// BySHA256 returns the certificate whose PDF has digest sum, or
// errs.NotFound.
func (s *Store) BySHA256(ctx context.Context, sum [32]byte) (ledger.Record, error) {
	return scanCert(s.bySHA256.QueryRowContext(ctx, sum[:]))
}

// rowScanner is a *sql.Row or *sql.Rows.
type rowScanner interface{ Scan(dest ...any) error }

// scanCert reads a row of certCols.
func scanCert(row rowScanner) (ledger.Record, error) {
	var (
		r               ledger.Record
		issued, expires int64
		sum             []byte
		revokedAt       sql.NullInt64
	)
	err := row.Scan(&r.Code, &r.Type, &r.Subject,
		&r.Holder, &r.Comune, &issued, &expires, &sum, &r.Requester, &r.Channel,
		&r.Revoked, &revokedAt, &r.RevokedReason, &r.ReplacedBy, &r.Verifications,
		&r.Citizen, &r.Operator, &r.IDDocType, &r.IDDocNum)
	switch {
	case errNoRows(err):
		return ledger.Record{}, errs.New(errs.NotFound, "no certificate matches")
	case err != nil:
		return ledger.Record{}, storageErr(err)
	case len(sum) != len(r.SHA256):
		return ledger.Record{}, errs.Wrap(errs.Internal, "storage error", fmt.Errorf("certificate digest is %d bytes", len(sum)))
	}
	copy(r.SHA256[:], sum)
	r.IssuedAt = fromNanos(issued)
	r.ExpiresAt = fromNanos(expires)
	if revokedAt.Valid {
		r.RevokedAt = fromNanos(revokedAt.Int64)
	}
	return r, nil
}

// AuditVerify streams the audit trail in seq order through an
// audit.Verifier and returns the number of events checked. A broken chain
// is errs.Internal with the seq in the public text and an *audit.ChainError
// inside (errors.As). The walk reads one snapshot; events recorded
// meanwhile are not checked. On a large trail it holds a read snapshot for
// its whole duration, which delays WAL checkpoints until it ends.
func (s *Store) AuditVerify(ctx context.Context) (int, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT seq, at, actor, action, object,
		outcome, prev, hash FROM audit_events ORDER BY seq`)
	if err != nil {
		return 0, storageErr(err)
	}
	defer rows.Close()

	var (
		v          audit.Verifier
		e          audit.Event
		at         int64
		prev, hash []byte
	)
	for rows.Next() {
		if err := rows.Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.Object,
			&e.Outcome, &prev, &hash); err != nil {
			return int(v.Count()), storageErr(err)
		}
		e.At = fromNanos(at)
		var cerr error
		switch {
		case len(prev) != len(e.Prev):
			cerr = &audit.ChainError{Seq: v.Head().Seq + 1, Problem: audit.BadPrev}
		case len(hash) != len(e.Hash):
			cerr = &audit.ChainError{Seq: v.Head().Seq + 1, Problem: audit.BadHash}
		default:
			copy(e.Prev[:], prev)
			copy(e.Hash[:], hash)
			cerr = v.Next(e)
		}
		if cerr != nil {
			return int(v.Count()), chainErr(cerr)
		}
	}
	if err := rows.Err(); err != nil {
		return int(v.Count()), storageErr(err)
	}
	return int(v.Count()), nil
}

// chainErr wraps a Verifier error, naming the seq in the public text.
func chainErr(err error) error {
	var ce *audit.ChainError
	if errors.As(err, &ce) {
		return errs.Wrap(errs.Internal, fmt.Sprintf("audit chain broken at seq %d", ce.Seq), err)
	}
	return errs.Wrap(errs.Internal, "audit chain broken", err)
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"maps"
	"slices"
	"time"

	"certa.example/certa/internal/audit"
	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/ledger"
	"certa.example/certa/internal/store"
)

// Revoke revokes rev.Code and appends its "certificate.revoke" audit event
// in one write transaction, and returns the updated record (see
// store.Store). The audit event is at the store's clock, read inside the
// transaction; the certificate's RevokedAt is rev.At, or that reading
// when rev.At is zero. On any error nothing is written.
func (s *Store) Revoke(ctx context.Context, rev ledger.Revocation) (ledger.Record, error) {
	if err := rev.Check(); err != nil {
		return ledger.Record{}, err
	}
	if !rev.At.IsZero() && !storable(rev.At) {
		return ledger.Record{}, errs.New(errs.InvalidRequest, "time out of range")
	}

	// The single write connection and BEGIN IMMEDIATE serialise this
	// transaction with every other write: two revocations of one code
	// cannot both find it unrevoked.
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return ledger.Record{}, storageErr(err)
	}
	defer tx.Rollback()

	switch revoked, err := isRevoked(ctx, tx, rev.Code); {
	case errNoRows(err):
		return ledger.Record{}, errs.New(errs.NotFound, "no certificate matches")
	case err != nil:
		return ledger.Record{}, storageErr(err)
	case revoked:
		return ledger.Record{}, errs.New(errs.Conflict, "the certificate is revoked already")
	}
	if rev.ReplacedBy != "" {
		switch revoked, err := isRevoked(ctx, tx, rev.ReplacedBy); {
		case errNoRows(err):
			return ledger.Record{}, errs.New(errs.InvalidRequest, "the replacing certificate is not recorded")
		case err != nil:
			return ledger.Record{}, storageErr(err)
		case revoked:
			return ledger.Record{}, errs.New(errs.InvalidRequest, "the replacing certificate is revoked")
		}
	}

	now := s.now()
	at := rev.At
	if at.IsZero() {
		at = now
	}
	if !storable(at) {
		return ledger.Record{}, errs.Wrap(errs.Internal, "storage error", errors.New("clock out of range"))
	}
	rec, err := scanCert(tx.QueryRowContext(ctx, `UPDATE certificates
		SET revoked = 1, revoked_at = ?, revoked_reason = ?, replaced_by = ?
		WHERE code = ? RETURNING `+certCols,
		at.UnixNano(), string(rev.Reason), rev.ReplacedBy, rev.Code))
	if err != nil {
		return ledger.Record{}, err
	}
	if err := s.appendEvent(ctx, tx, auditRevoke(rev, now)); err != nil {
		return ledger.Record{}, err
	}
	if err := tx.Commit(); err != nil {
		return ledger.Record{}, storageErr(err)
	}
	return rec, nil
}

// isRevoked reads whether the certificate with code is revoked;
// sql.ErrNoRows when there is none.
func isRevoked(ctx context.Context, tx *sql.Tx, code string) (bool, error) {
	var revoked bool
	err := tx.QueryRowContext(ctx, `SELECT revoked FROM certificates WHERE code = ?`, code).Scan(&revoked)
	return revoked, err
}

// Revocations returns every revoked certificate, ordered by code.
func (s *Store) Revocations(ctx context.Context) ([]ledger.Revocation, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT code, revoked_reason, replaced_by, revoked_at
		FROM certificates WHERE revoked = 1 ORDER BY code`)
	if err != nil {
		return nil, storageErr(err)
	}
	defer rows.Close()
	var out []ledger.Revocation
	for rows.Next() {
		var (
			rv ledger.Revocation
			at sql.NullInt64
		)
		if err := rows.Scan(&rv.Code, &rv.Reason, &rv.ReplacedBy, &at); err != nil {
			return nil, storageErr(err)
		}
		if at.Valid {
			rv.At = fromNanos(at.Int64)
		}
		out = append(out, rv)
	}
	if err := rows.Err(); err != nil {
		return nil, storageErr(err)
	}
	return out, nil
}

// RevocationsVersion returns the number of revoked certificates.
func (s *Store) RevocationsVersion(ctx context.Context) (int64, error) {
	var n int64
	if err := s.r.QueryRowContext(ctx,
		`SELECT count(*) FROM certificates WHERE revoked = 1`).Scan(&n); err != nil {
		return 0, storageErr(err)
	}
	return n, nil
}

// addVerificationsSQL adds ?1 to the counter of certificate ?2, saturating
// at the largest INTEGER rather than failing the whole batch.
const addVerificationsSQL = `UPDATE certificates
	SET verifications = CASE WHEN verifications > 9223372036854775807 - ?1
		THEN 9223372036854775807 ELSE verifications + ?1 END
	WHERE code = ?2`

// AddVerifications adds counts to the verification counters in one write
// transaction, one prepared UPDATE by primary key per code, in code order
// (a single UPDATE … FROM json_each was slower). The cost is mostly the
// pages the commit writes: one per certificate, at worst.
func (s *Store) AddVerifications(ctx context.Context, counts map[string]int64) error {
	if err := checkCounts(counts); err != nil || len(counts) == 0 {
		return err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return storageErr(err)
	}
	defer tx.Rollback()
	st := tx.StmtContext(ctx, s.addVerifications)
	for _, code := range slices.Sorted(maps.Keys(counts)) { // in index order: fewer page reads
		n := counts[code]
		if n == 0 {
			continue
		}
		if _, err := st.ExecContext(ctx, n, code); err != nil {
			return storageErr(err)
		}
	}
	if err := tx.Commit(); err != nil {
		return storageErr(err)
	}
	return nil
}

// checkCounts refuses negative counts.
func checkCounts(counts map[string]int64) error {
	for _, n := range counts {
		if n < 0 {
			return errs.New(errs.InvalidRequest, "verification counts cannot be negative")
		}
	}
	return nil
}

// auditRevoke is the audit event of rev, at now. It names the certificate
// by its code only.
func auditRevoke(rev ledger.Revocation, now time.Time) audit.Event {
	return audit.Event{
		At:      now,
		Actor:   rev.Actor,
		Action:  store.ActionCertificateRevoke,
		Object:  rev.Code,
		Outcome: store.RevokeOutcome(rev.Reason, rev.ReplacedBy),
	}
}

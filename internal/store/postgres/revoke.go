package postgres

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"certa.example/certa/internal/audit"
	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/ledger"
	"certa.example/certa/internal/store"
)

// Revoke revokes rev.Code and appends its "certificate.revoke" audit event
// in one transaction, and returns the updated record (see store.Store).
// The audit event is at the store's clock, read under the audit head's
// lock; the certificate's RevokedAt is rev.At, or that reading when rev.At
// is zero. On any error nothing is written (but see the package
// documentation on a connection lost during the commit).
//
// It takes two pipelined round trips, like Record: BEGIN, the lock of the
// certificate (and of its replacement) and the lock of the audit head in
// the first; the certificate's UPDATE, the event's INSERT, the head's
// UPDATE and COMMIT in the second. Certificates are locked in code order,
// so that crossed replacements wait for each other instead of
// deadlocking; a second revocation of the same certificate waits for the
// first to commit, then finds it revoked.
func (s *Store) Revoke(ctx context.Context, rev ledger.Revocation) (ledger.Record, error) {
	if err := rev.Check(); err != nil {
		return ledger.Record{}, err
	}
	switch {
	case !validText(rev.Code):
		return ledger.Record{}, errs.New(errs.NotFound, "no certificate matches")
	case !validText(rev.ReplacedBy):
		return ledger.Record{}, errs.New(errs.InvalidRequest, "the replacing certificate is not recorded")
	case !validText(rev.Actor):
		return ledger.Record{}, errs.New(errs.InvalidRequest, "the revoking client must be UTF-8 text without NUL characters")
	case !rev.At.IsZero() && !storable(rev.At):
		return ledger.Record{}, errs.New(errs.InvalidRequest, "time out of range")
	}
	var rec ledger.Record
	err := s.onConn(ctx, func(c *pgx.Conn) error {
		var err error
		rec, err = s.revoke(ctx, c, rev)
		return err
	})
	return rec, err
}

func (s *Store) revoke(ctx context.Context, c *pgx.Conn, rev ledger.Revocation) (ledger.Record, error) {
	codes := []string{rev.Code}
	if rev.ReplacedBy != "" {
		codes = append(codes, rev.ReplacedBy)
	}
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue(`SELECT code, revoked FROM certificates WHERE code = ANY($1)
		ORDER BY code FOR NO KEY UPDATE`, codes) // as lockCertificates
	b.Queue(`SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE`)
	var (
		revoked  = map[string]bool{}
		headSeq  int64
		headHash []byte
	)
	br := c.SendBatch(ctx, b)
	_, err := br.Exec()
	if err == nil {
		var rows pgx.Rows
		rows, err = br.Query()
		if err == nil {
			var (
				code string
				r    bool
			)
			_, err = pgx.ForEachRow(rows, []any{&code, &r}, func() error {
				revoked[code] = r
				return nil
			})
		}
	}
	if err == nil {
		err = br.QueryRow().Scan(&headSeq, &headHash)
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return ledger.Record{}, errs.Wrap(errs.Internal, publicError, errors.New("audit_head has no row"))
	}
	if err != nil {
		return ledger.Record{}, storageErr(err)
	}
	// The caller rolls back on the refusals below.
	r, found := revoked[rev.Code]
	switch {
	case !found:
		return ledger.Record{}, errs.New(errs.NotFound, "no certificate matches")
	case r:
		return ledger.Record{}, errs.New(errs.Conflict, "the certificate is revoked already")
	}
	if rev.ReplacedBy != "" {
		switch r, found := revoked[rev.ReplacedBy]; {
		case !found:
			return ledger.Record{}, errs.New(errs.InvalidRequest, "the replacing certificate is not recorded")
		case r:
			return ledger.Record{}, errs.New(errs.InvalidRequest, "the replacing certificate is revoked")
		}
	}

	ev, err := s.chainOnHead(headSeq, headHash, auditRevoke(rev))
	if err != nil {
		return ledger.Record{}, err
	}
	at := ev.At
	if !rev.At.IsZero() {
		at = instant(rev.At)
	}
	b = &pgx.Batch{}
	b.Queue(`UPDATE certificates
		SET revoked = true, revoked_at = $1, revoked_reason = $2, replaced_by = $3
		WHERE code = $4 RETURNING `+certCols,
		at, string(rev.Reason), rev.ReplacedBy, rev.Code)
	queueAppend(b, ev)
	br = c.SendBatch(ctx, b)
	rec, err := scanCert(br.QueryRow())
	if err != nil {
		br.Close()
		if errs.KindOf(err) == errs.NotFound { // the row locked above cannot be gone
			return ledger.Record{}, errs.Wrap(errs.Internal, publicError, errors.New("revoked certificate vanished"))
		}
		return ledger.Record{}, err
	}
	err = readAppend(br, 1)
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return ledger.Record{}, commitErr(err)
	}
	return rec, nil
}

// auditRevoke is the audit event of rev, without its time. It names the
// certificate by its code only.
func auditRevoke(rev ledger.Revocation) audit.Event {
	return audit.Event{
		Actor:   rev.Actor,
		Action:  store.ActionCertificateRevoke,
		Object:  rev.Code,
		Outcome: store.RevokeOutcome(rev.Reason, rev.ReplacedBy),
	}
}

// Queries of Revocations, RevocationsVersion and AddVerifications, whose
// plans TestHotQueryPlans checks.
const (
	revocationsQuery = `SELECT code, revoked_reason, replaced_by, revoked_at
		FROM certificates WHERE revoked ORDER BY code`
	revocationsVersionQuery = `SELECT count(*) FROM certificates WHERE revoked`
	// lockCertificates locks the certificates of codes ($1) in code order.
	lockCertificates = `SELECT FROM certificates WHERE code = ANY($1) ORDER BY code FOR NO KEY UPDATE`
	// addVerifications adds counts ($2) to the counters of codes ($1),
	// saturating at the largest bigint.
	addVerifications = `UPDATE certificates c
		SET verifications = CASE WHEN c.verifications > 9223372036854775807 - u.n
			THEN 9223372036854775807 ELSE c.verifications + u.n END
		FROM unnest($1::text[], $2::bigint[]) AS u(code, n)
		WHERE c.code = u.code`
)

// Revocations returns every revoked certificate, ordered by code, through
// the partial index certificates_revoked.
func (s *Store) Revocations(ctx context.Context) ([]ledger.Revocation, error) {
	rows, err := s.pool.Query(ctx, revocationsQuery)
	if err != nil {
		return nil, storageErr(err)
	}
	var (
		out []ledger.Revocation
		rv  ledger.Revocation
		at  *time.Time
	)
	_, err = pgx.ForEachRow(rows, []any{&rv.Code, &rv.Reason, &rv.ReplacedBy, &at}, func() error {
		rv.At = time.Time{}
		if at != nil {
			rv.At = at.UTC()
		}
		out = append(out, rv)
		return nil
	})
	if err != nil {
		return nil, storageErr(err)
	}
	return out, nil
}

// RevocationsVersion returns the number of revoked certificates.
func (s *Store) RevocationsVersion(ctx context.Context) (int64, error) {
	var n int64
	if err := s.pool.QueryRow(ctx, revocationsVersionQuery).Scan(&n); err != nil {
		return 0, storageErr(err)
	}
	return n, nil
}

// AddVerifications adds counts to the verification counters in one
// transaction and one round trip: the rows are locked in code order
// first, so that concurrent flushers (other processes) wait for each
// other instead of deadlocking, then updated by a single UPDATE joined to
// the unnested arrays of codes and counts. Counters saturate at the
// largest bigint rather than fail the batch.
func (s *Store) AddVerifications(ctx context.Context, counts map[string]int64) error {
	codes := make([]string, 0, len(counts))
	for code, n := range counts {
		switch {
		case n < 0:
			return errs.New(errs.InvalidRequest, "verification counts cannot be negative")
		case n > 0 && validText(code): // a code PostgreSQL cannot store is unknown
			codes = append(codes, code)
		}
	}
	if len(codes) == 0 {
		return nil
	}
	slices.Sort(codes)
	ns := make([]int64, len(codes))
	for i, code := range codes {
		ns[i] = counts[code]
	}
	return s.onConn(ctx, func(c *pgx.Conn) error {
		b := &pgx.Batch{}
		b.Queue("BEGIN")
		b.Queue(lockCertificates, codes)
		b.Queue(addVerifications, codes, ns)
		b.Queue("COMMIT")
		br := c.SendBatch(ctx, b)
		var (
			tag pgconn.CommandTag
			err error
		)
		for range 4 {
			if tag, err = br.Exec(); err != nil {
				break
			}
		}
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		if err == nil && tag.String() != "COMMIT" { // the server rolled back
			err = errCommit{tag.String()}
		}
		return commitErr(err)
	})
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"certa.example/certa/internal/audit"
	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/ledger"
	"certa.example/certa/internal/store"
)

// rollbackTimeout bounds the ROLLBACK that returns a connection to the pool
// after a failed Record; past it the connection is dropped instead.
const rollbackTimeout = 2 * time.Second

const insertCert = `INSERT INTO certificates
	(code, type, subject, holder, comune, issued_at, expires_at, sha256,
	 requester, channel, revoked, revoked_at, revoked_reason, replaced_by,
	 verifications, citizen, operator, id_doc_type, id_doc_number)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`

const insertEvent = `INSERT INTO audit_events
	(seq, at, actor, action, object, outcome, prev, hash)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`

// Record stores rec (its revocation fields and verification count as
// given, see ledger.Record.CheckRevocation) and appends its "certificate.issue" audit event, by
// rec.Requester at the store's clock, in one transaction. rec needs a Code,
// a Requester and both IssuedAt and ExpiresAt, else errs.InvalidRequest. A
// code or SHA256 already recorded is errs.Conflict. On any error nothing is
// written (but see the package documentation on a connection lost during
// the commit). Times are kept to the microsecond.
//
// It takes two pipelined round trips: BEGIN, the certificate's INSERT and
// the lock of the audit head in the first; the event's INSERT, the head's
// UPDATE and COMMIT in the second. The head is locked from the end of the
// first to the end of the second.
func (s *Store) Record(ctx context.Context, rec ledger.Record) error {
	return s.RecordIssue(ctx, store.Issuance{Record: rec})
}

// RecordIssue is Record plus the document and the idempotency entry of
// iss, in the same transaction and round trips (see store.Issuance). An
// idempotency entry recorded already, or being recorded by a transaction
// that then commits, is errs.Conflict wrapping
// store.ErrIdempotencyKeyTaken: the insert waits for the other
// transaction, then fails.
func (s *Store) RecordIssue(ctx context.Context, iss store.Issuance) error {
	return s.RecordIssues(ctx, []store.Issuance{iss})
}

// RecordIssues records every issuance of group in one transaction, all or
// none (store.GroupCommit batches concurrent issuances this way): one
// round trip for the rows and the audit head's lock, one for the chained
// events and COMMIT.
func (s *Store) RecordIssues(ctx context.Context, group []store.Issuance) error {
	for _, iss := range group {
		if err := checkIssuance(iss); err != nil {
			return err
		}
	}
	return s.onConn(ctx, func(c *pgx.Conn) error { return s.record(ctx, c, group) })
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
	case !validText(rec.Code, rec.Type, rec.Subject, rec.Holder, rec.Comune, rec.Requester, rec.Channel, rec.ReplacedBy,
		rec.Citizen, rec.Operator, rec.IDDocType, rec.IDDocNum):
		return errs.New(errs.InvalidRequest, "certificate fields must be UTF-8 text without NUL characters")
	}
	if err := rec.CheckRevocation(); err != nil {
		return err
	}
	if err := iss.Check(); err != nil {
		return err
	}
	if e := iss.Idempotency; e != nil && !validText(e.Client, e.Key) {
		return errs.New(errs.InvalidRequest, "idempotency client and key must be UTF-8 text without NUL characters")
	}
	return nil
}

// onConn runs fn on a pooled connection. When fn fails and leaves a
// transaction open, onConn rolls it back, or drops the connection.
func (s *Store) onConn(ctx context.Context, fn func(c *pgx.Conn) error) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return storageErr(err)
	}
	defer conn.Release() // drops the connection unless it is idle, out of any transaction
	c := conn.Conn()
	err = fn(c)
	if err != nil && !c.IsClosed() && c.PgConn().TxStatus() != 'I' {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
		c.Exec(rctx, "ROLLBACK") // on failure Release drops the connection
		cancel()
	}
	return err
}

func (s *Store) record(ctx context.Context, c *pgx.Conn, group []store.Issuance) error {
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	statements := 0
	var parts []store.SharedPart
	for _, iss := range group {
		rec := iss.Record
		var revokedAt *time.Time
		if !rec.RevokedAt.IsZero() {
			t := instant(rec.RevokedAt)
			revokedAt = &t
		}
		b.Queue(insertCert, rec.Code, rec.Type, rec.Subject, rec.Holder, rec.Comune,
			instant(rec.IssuedAt), instant(rec.ExpiresAt), rec.SHA256[:],
			rec.Requester, rec.Channel, rec.Revoked, revokedAt,
			string(rec.RevokedReason), rec.ReplacedBy, rec.Verifications,
			rec.Citizen, rec.Operator, rec.IDDocType, rec.IDDocNum)
		extra, used, err := s.queueDocument(b, iss, s.now())
		if err != nil {
			return err
		}
		statements += 1 + extra
		parts = append(parts, used...)
	}
	b.Queue(`SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE`)
	var (
		headSeq  int64
		headHash []byte
	)
	br := c.SendBatch(ctx, b)
	_, err := br.Exec()
	for range statements {
		if err == nil {
			_, err = br.Exec()
		}
	}
	if err == nil {
		err = br.QueryRow().Scan(&headSeq, &headHash)
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	switch constraint, dup := uniqueViolation(err); {
	case dup && constraint == "certificates_pkey":
		return errs.Wrap(errs.Conflict, "a certificate with this code is already recorded", redact(err))
	case dup && constraint == "certificates_sha256_key":
		return errs.Wrap(errs.Conflict, "a certificate with this digest is already recorded", redact(err))
	case dup && constraint == "idempotency_keys_pkey":
		return errs.Wrap(errs.Conflict, "this idempotency key is recorded already", store.ErrIdempotencyKeyTaken)
	case errors.Is(err, pgx.ErrNoRows):
		return errs.Wrap(errs.Internal, publicError, errors.New("audit_head has no row"))
	case err != nil:
		return storageErr(err)
	}
	events := make([]audit.Event, len(group))
	for i, iss := range group {
		ev, err := s.chainOnHead(headSeq, headHash, audit.Event{
			Actor:   iss.Record.Requester,
			Action:  audit.ActionCertificateIssue,
			Object:  iss.Record.Code,
			Outcome: audit.OutcomeOK,
		})
		if err != nil {
			return err
		}
		events[i] = ev
		headSeq, headHash = ev.Seq, ev.Hash[:]
	}
	b = &pgx.Batch{}
	queueAppend(b, events...)
	br = c.SendBatch(ctx, b)
	err = readAppend(br, len(events))
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return commitErr(err)
	}
	s.parts.Committed(parts)
	return nil
}

// chainOnHead chains ev onto the audit head read as seq and hash, at the
// store's clock. The head must be locked: then the clock is read, and the
// event chained, in seq order. The time is truncated first so that the
// stored event hashes.
func (s *Store) chainOnHead(seq int64, hash []byte, ev audit.Event) (audit.Event, error) {
	prev := audit.Event{Seq: seq}
	if len(hash) != len(prev.Hash) {
		return audit.Event{}, errs.Wrap(errs.Internal, publicError, fmt.Errorf("audit head %d: hash is %d bytes", seq, len(hash)))
	}
	copy(prev.Hash[:], hash)
	ev.At = instant(s.now())
	ev = audit.Chain(prev, ev)
	if !storable(ev.At) {
		return audit.Event{}, errs.Wrap(errs.Internal, publicError, errors.New("clock out of range"))
	}
	return ev, nil
}

// queueAppend queues, for each of evs (chained in order), its insertion
// and the move of the head to it (the head advances one event at a time),
// then COMMIT; readAppend reads their results.
func queueAppend(b *pgx.Batch, evs ...audit.Event) {
	for _, ev := range evs {
		b.Queue(insertEvent, ev.Seq, ev.At, ev.Actor, ev.Action, ev.Object, ev.Outcome, ev.Prev[:], ev.Hash[:])
		b.Queue(`UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1`, ev.Seq, ev.Hash[:])
	}
	b.Queue("COMMIT")
}

// readAppend reads the results of queueAppend of n events, and fails
// unless the transaction committed.
func readAppend(br pgx.BatchResults, n int) error {
	var tag pgconn.CommandTag
	var err error
	for range 2 * n {
		if err == nil {
			_, err = br.Exec()
		}
	}
	if err == nil {
		tag, err = br.Exec()
	}
	if err == nil && tag.String() != "COMMIT" { // the server rolled back
		return errCommit{tag.String()}
	}
	return err
}

// errCommit is a COMMIT that the server answered with a rollback.
type errCommit struct{ tag string }

func (e errCommit) Error() string { return fmt.Sprintf("COMMIT answered %q", e.tag) }

// commitErr classifies the error of readAppend and the batch's Close.
func commitErr(err error) error {
	var ec errCommit
	if errors.As(err, &ec) {
		return errs.Wrap(errs.Internal, publicError, err)
	}
	return storageErr(err)
}

const certCols = `code, type, subject, holder, comune, issued_at, expires_at,
	sha256, requester, channel, revoked, revoked_at, revoked_reason, replaced_by,
	verifications, citizen, operator, id_doc_type, id_doc_number`

// ByCode returns the certificate with code, or errs.NotFound.
func (s *Store) ByCode(ctx context.Context, code string) (ledger.Record, error) {
	if !validText(code) {
		return ledger.Record{}, errs.New(errs.NotFound, "no certificate matches")
	}
	return scanCert(s.pool.QueryRow(ctx, `SELECT `+certCols+` FROM certificates WHERE code = $1`, code))
}

// BySHA256 returns the certificate whose PDF has digest sum, or
// errs.NotFound.
func (s *Store) BySHA256(ctx context.Context, sum [32]byte) (ledger.Record, error) {
	return scanCert(s.pool.QueryRow(ctx, `SELECT `+certCols+` FROM certificates WHERE sha256 = $1`, sum[:]))
}

// scanCert reads a row of certCols.
func scanCert(row pgx.Row) (ledger.Record, error) {
	var (
		r         ledger.Record
		sum       []byte
		revokedAt *time.Time
	)
	err := row.Scan(&r.Code, &r.Type, &r.Subject,
		&r.Holder, &r.Comune, &r.IssuedAt, &r.ExpiresAt, &sum, &r.Requester, &r.Channel,
		&r.Revoked, &revokedAt, &r.RevokedReason, &r.ReplacedBy, &r.Verifications,
		&r.Citizen, &r.Operator, &r.IDDocType, &r.IDDocNum)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return ledger.Record{}, errs.New(errs.NotFound, "no certificate matches")
	case err != nil:
		return ledger.Record{}, storageErr(err)
	case len(sum) != len(r.SHA256):
		return ledger.Record{}, errs.Wrap(errs.Internal, publicError, fmt.Errorf("certificate digest is %d bytes", len(sum)))
	}
	copy(r.SHA256[:], sum)
	r.IssuedAt = r.IssuedAt.UTC()
	r.ExpiresAt = r.ExpiresAt.UTC()
	if revokedAt != nil {
		r.RevokedAt = revokedAt.UTC()
	}
	return r, nil
}

// AuditVerify streams the audit trail in seq order through an
// audit.Verifier, a row at a time, and returns the number of events
// checked. A broken chain is errs.Internal with the seq in the public text
// and, for a broken link, an *audit.ChainError inside (errors.As).
//
// It reads one snapshot (a read-only REPEATABLE READ transaction): events
// recorded meanwhile are not checked. Beyond the chain, it checks that the
// last event is the one audit_head names, which catches events cut off the
// end of the trail — unless audit_head was rewritten too.
func (s *Store) AuditVerify(ctx context.Context) (int, error) {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return 0, storageErr(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))

	var (
		headSeq  int64
		headHash []byte
	)
	if err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return 0, storageErr(err)
	}
	rows, err := tx.Query(ctx, `SELECT seq, at, actor, action, object, outcome, prev, hash
		FROM audit_events ORDER BY seq`)
	if err != nil {
		return 0, storageErr(err)
	}
	defer rows.Close()

	var (
		v          audit.Verifier
		e          audit.Event
		prev, hash []byte
	)
	for rows.Next() {
		if err := rows.Scan(&e.Seq, &e.At, &e.Actor, &e.Action, &e.Object,
			&e.Outcome, &prev, &hash); err != nil {
			return int(v.Count()), storageErr(err)
		}
		e.At = e.At.UTC()
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
	last := v.Head()
	switch n := int(v.Count()); {
	case headSeq > last.Seq:
		return n, errs.Wrap(errs.Internal, fmt.Sprintf("audit chain broken at seq %d", last.Seq+1),
			fmt.Errorf("the trail ends at seq %d, its head is at seq %d: events are missing at the end", last.Seq, headSeq))
	case headSeq < last.Seq:
		return n, errs.Wrap(errs.Internal, fmt.Sprintf("audit chain broken at seq %d", headSeq+1),
			fmt.Errorf("the trail ends at seq %d, its head is at seq %d", last.Seq, headSeq))
	case string(headHash) != string(last.Hash[:]):
		return n, errs.Wrap(errs.Internal, fmt.Sprintf("audit chain broken at seq %d", max(last.Seq, 1)),
			fmt.Errorf("the last event (seq %d) is not the one the head names", last.Seq))
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

package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"certa.example/certa/internal/apiclient"
	"certa.example/certa/internal/audit"
	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/store"
)

const clientCols = `id, key_sha256, scopes, created_at, revoked_at, rate_limit,
	rate_burst, daily_quota, tls_cert_sha256`

// CreateClient stores c and appends its "client.create" audit event in one
// transaction (see store.Clients), in two pipelined round trips like
// Record: BEGIN, the client's INSERT and the lock of the audit head; then
// the event, the head and COMMIT. The creation time is the event's.
func (s *Store) CreateClient(ctx context.Context, c apiclient.Record, actor string) (apiclient.Record, error) {
	if err := c.Check(); err != nil {
		return apiclient.Record{}, errs.Wrap(errs.InvalidRequest, err.Error(), err)
	}
	if !validText(actor) {
		return apiclient.Record{}, errs.New(errs.InvalidRequest, "the operator must be UTF-8 text without NUL characters")
	}
	var out apiclient.Record
	err := s.onConn(ctx, func(conn *pgx.Conn) error {
		b := &pgx.Batch{}
		b.Queue("BEGIN")
		b.Queue(`SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE`)
		var (
			headSeq  int64
			headHash []byte
		)
		br := conn.SendBatch(ctx, b)
		_, err := br.Exec()
		if err == nil {
			err = br.QueryRow().Scan(&headSeq, &headHash)
		}
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		if errors.Is(err, pgx.ErrNoRows) {
			return errs.Wrap(errs.Internal, publicError, errors.New("audit_head has no row"))
		}
		if err != nil {
			return storageErr(err)
		}
		ev, err := s.chainOnHead(headSeq, headHash, audit.Event{Actor: actor, Action: store.ActionClientCreate,
			Object: c.ID, Outcome: store.ClientCreateOutcome(c)})
		if err != nil {
			return err
		}
		var cert []byte
		if c.BoundToCert() {
			cert = c.TLSCertSHA256[:]
		}
		b = &pgx.Batch{}
		b.Queue(`INSERT INTO api_clients
			(id, key_sha256, scopes, created_at, rate_limit, rate_burst, daily_quota, tls_cert_sha256)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING `+clientCols,
			c.ID, c.KeyHash[:], c.Scopes.String(), ev.At, c.RateLimit, c.RateBurst, c.DailyQuota, cert)
		queueAppend(b, ev)
		br = conn.SendBatch(ctx, b)
		out, err = scanClient(br.QueryRow())
		if err != nil {
			br.Close()
			if _, dup := uniqueViolation(err); dup {
				return errs.Wrap(errs.Conflict, "a client with this ID or key exists already", err)
			}
			return err
		}
		err = readAppend(br, 1)
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		return commitErr(err)
	})
	if err != nil {
		return apiclient.Record{}, err
	}
	return out, nil
}

// ListClients returns every client, ordered by ID.
func (s *Store) ListClients(ctx context.Context) ([]apiclient.Record, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+clientCols+` FROM api_clients ORDER BY id`)
	if err != nil {
		return nil, storageErr(err)
	}
	defer rows.Close()
	var out []apiclient.Record
	for rows.Next() {
		c, err := scanClient(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, storageErr(err)
	}
	return out, nil
}

// RevokeClient revokes the client and appends its "client.revoke" audit
// event in one transaction: the client's row is locked first, then the
// audit head, so that one of concurrent revocations wins.
func (s *Store) RevokeClient(ctx context.Context, id, actor string) (apiclient.Record, error) {
	if !validText(id) {
		return apiclient.Record{}, errs.New(errs.NotFound, "no client has this ID")
	}
	if !validText(actor) {
		return apiclient.Record{}, errs.New(errs.InvalidRequest, "the operator must be UTF-8 text without NUL characters")
	}
	var out apiclient.Record
	err := s.onConn(ctx, func(conn *pgx.Conn) error {
		b := &pgx.Batch{}
		b.Queue("BEGIN")
		b.Queue(`SELECT revoked_at IS NOT NULL FROM api_clients WHERE id = $1 FOR NO KEY UPDATE`, id)
		b.Queue(`SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE`)
		var (
			revoked, found bool
			headSeq        int64
			headHash       []byte
		)
		br := conn.SendBatch(ctx, b)
		_, err := br.Exec()
		if err == nil {
			err = br.QueryRow().Scan(&revoked)
			found = err == nil
			if errors.Is(err, pgx.ErrNoRows) {
				err = nil
			}
		}
		if err == nil {
			err = br.QueryRow().Scan(&headSeq, &headHash)
		}
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return errs.Wrap(errs.Internal, publicError, errors.New("audit_head has no row"))
		case err != nil:
			return storageErr(err)
		case !found:
			return errs.New(errs.NotFound, "no client has this ID")
		case revoked:
			return errs.New(errs.Conflict, "the client is revoked already")
		}
		ev, err := s.chainOnHead(headSeq, headHash, audit.Event{Actor: actor, Action: store.ActionClientRevoke,
			Object: id, Outcome: audit.OutcomeOK})
		if err != nil {
			return err
		}
		b = &pgx.Batch{}
		b.Queue(`UPDATE api_clients SET revoked_at = $1 WHERE id = $2 RETURNING `+clientCols, ev.At, id)
		queueAppend(b, ev)
		br = conn.SendBatch(ctx, b)
		out, err = scanClient(br.QueryRow())
		if err != nil {
			br.Close()
			return err
		}
		err = readAppend(br, 1)
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		return commitErr(err)
	})
	if err != nil {
		return apiclient.Record{}, err
	}
	return out, nil
}

// ClientByKeyHash returns the client whose key has SHA-256 sum.
func (s *Store) ClientByKeyHash(ctx context.Context, sum [32]byte) (apiclient.Record, error) {
	return scanClient(s.pool.QueryRow(ctx, `SELECT `+clientCols+` FROM api_clients WHERE key_sha256 = $1`, sum[:]))
}

// useQuota counts one issuance unless the day's count has reached $3: the
// upsert locks the day's row, so that concurrent calls from any number of
// processes queue and each sees the count the one before left.
const useQuota = `INSERT INTO api_client_usage (client_id, day, used)
	SELECT id, $2, 1 FROM api_clients WHERE id = $1
	ON CONFLICT (client_id, day) DO UPDATE SET used = api_client_usage.used + 1
		WHERE api_client_usage.used < $3
	RETURNING used`

// UseClientQuota counts one issuance while under quota, in one statement.
func (s *Store) UseClientQuota(ctx context.Context, id string, day time.Time, quota int64) (int64, bool, error) {
	if quota < 1 {
		return 0, false, errs.New(errs.InvalidRequest, "a quota must be at least 1")
	}
	if !validText(id) {
		return 0, false, errs.New(errs.NotFound, "no client has this ID")
	}
	d := apiclient.QuotaDay(day)
	var used int64
	err := s.pool.QueryRow(ctx, useQuota, id, d, quota).Scan(&used)
	if err == nil {
		return used, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return 0, false, storageErr(err)
	}
	// Unknown client, or the quota is used up: read which.
	var n *int64
	err = s.pool.QueryRow(ctx, `SELECT u.used FROM api_clients c
		LEFT JOIN api_client_usage u ON u.client_id = c.id AND u.day = $2
		WHERE c.id = $1`, id, d).Scan(&n)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return 0, false, errs.New(errs.NotFound, "no client has this ID")
	case err != nil:
		return 0, false, storageErr(err)
	case n == nil:
		return 0, false, nil
	}
	return *n, false, nil
}

// ReturnClientQuota takes back one count.
func (s *Store) ReturnClientQuota(ctx context.Context, id string, day time.Time) error {
	if !validText(id) {
		return nil
	}
	_, err := s.pool.Exec(ctx, `UPDATE api_client_usage SET used = used - 1
		WHERE client_id = $1 AND day = $2 AND used > 0`, id, apiclient.QuotaDay(day))
	return storageErr(err)
}

// scanClient reads a row of clientCols.
func scanClient(row pgx.Row) (apiclient.Record, error) {
	var (
		c         apiclient.Record
		key, cert []byte
		scopes    string
		revoked   *time.Time
	)
	err := row.Scan(&c.ID, &key, &scopes, &c.CreatedAt, &revoked, &c.RateLimit, &c.RateBurst, &c.DailyQuota, &cert)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return apiclient.Record{}, errs.New(errs.NotFound, "no client matches")
	case err != nil:
		return apiclient.Record{}, storageErr(err)
	case len(key) != 32 || (cert != nil && len(cert) != 32):
		return apiclient.Record{}, errs.Wrap(errs.Internal, publicError, fmt.Errorf("client %q: digest of wrong length", c.ID))
	}
	if c.Scopes, err = apiclient.ParseScopes(scopes); err != nil {
		return apiclient.Record{}, errs.Wrap(errs.Internal, publicError, fmt.Errorf("client %q: %w", c.ID, err))
	}
	copy(c.KeyHash[:], key)
	copy(c.TLSCertSHA256[:], cert)
	c.CreatedAt = c.CreatedAt.UTC()
	if revoked != nil {
		c.RevokedAt = revoked.UTC()
	}
	return c, nil
}

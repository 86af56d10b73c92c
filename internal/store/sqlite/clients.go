package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"certa.example/certa/internal/apiclient"
	"certa.example/certa/internal/audit"
	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/store"
)

const clientCols = `id, key_sha256, scopes, created_at, revoked_at, rate_limit,
	rate_burst, daily_quota, tls_cert_sha256`

// CreateClient stores c and appends its "client.create" audit event in one
// write transaction (see store.Clients).
func (s *Store) CreateClient(ctx context.Context, c apiclient.Record, actor string) (apiclient.Record, error) {
	if err := c.Check(); err != nil {
		return apiclient.Record{}, errs.Wrap(errs.InvalidRequest, err.Error(), err)
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return apiclient.Record{}, storageErr(err)
	}
	defer tx.Rollback()
	now := s.now()
	if !storable(now) {
		return apiclient.Record{}, errs.Wrap(errs.Internal, "storage error", errors.New("clock out of range"))
	}
	var cert any
	if c.BoundToCert() {
		cert = c.TLSCertSHA256[:]
	}
	out, err := scanClient(tx.QueryRowContext(ctx, `INSERT INTO api_clients
		(id, key_sha256, scopes, created_at, rate_limit, rate_burst, daily_quota, tls_cert_sha256)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING `+clientCols,
		c.ID, c.KeyHash[:], c.Scopes.String(), now.UnixNano(), c.RateLimit, c.RateBurst, c.DailyQuota, cert))
	if isDuplicate(err) {
		return apiclient.Record{}, errs.Wrap(errs.Conflict, "a client with this ID or key exists already", err)
	}
	if err != nil {
		return apiclient.Record{}, err
	}
	if err := s.appendEvent(ctx, tx, audit.Event{At: now, Actor: actor, Action: store.ActionClientCreate,
		Object: c.ID, Outcome: store.ClientCreateOutcome(out)}); err != nil {
		return apiclient.Record{}, err
	}
	if err := tx.Commit(); err != nil {
		return apiclient.Record{}, storageErr(err)
	}
	return out, nil
}

// ListClients returns every client, ordered by ID.
func (s *Store) ListClients(ctx context.Context) ([]apiclient.Record, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+clientCols+` FROM api_clients ORDER BY id`)
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
// event in one write transaction.
func (s *Store) RevokeClient(ctx context.Context, id, actor string) (apiclient.Record, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return apiclient.Record{}, storageErr(err)
	}
	defer tx.Rollback()
	var revoked sql.NullInt64
	switch err := tx.QueryRowContext(ctx, `SELECT revoked_at FROM api_clients WHERE id = ?`, id).Scan(&revoked); {
	case errNoRows(err):
		return apiclient.Record{}, errs.New(errs.NotFound, "no client has this ID")
	case err != nil:
		return apiclient.Record{}, storageErr(err)
	case revoked.Valid:
		return apiclient.Record{}, errs.New(errs.Conflict, "the client is revoked already")
	}
	now := s.now()
	if !storable(now) {
		return apiclient.Record{}, errs.Wrap(errs.Internal, "storage error", errors.New("clock out of range"))
	}
	out, err := scanClient(tx.QueryRowContext(ctx,
		`UPDATE api_clients SET revoked_at = ? WHERE id = ? RETURNING `+clientCols, now.UnixNano(), id))
	if err != nil {
		return apiclient.Record{}, err
	}
	if err := s.appendEvent(ctx, tx, audit.Event{At: now, Actor: actor, Action: store.ActionClientRevoke,
		Object: id, Outcome: audit.OutcomeOK}); err != nil {
		return apiclient.Record{}, err
	}
	if err := tx.Commit(); err != nil {
		return apiclient.Record{}, storageErr(err)
	}
	return out, nil
}

// ClientByKeyHash returns the client whose key has SHA-256 sum.
func (s *Store) ClientByKeyHash(ctx context.Context, sum [32]byte) (apiclient.Record, error) {
	return scanClient(s.r.QueryRowContext(ctx, `SELECT `+clientCols+` FROM api_clients WHERE key_sha256 = ?`, sum[:]))
}

// UseClientQuota counts one issuance while under quota, in one UPSERT on
// the write connection (which serialises it with every other writer, in
// this process and, through BEGIN IMMEDIATE, in others).
func (s *Store) UseClientQuota(ctx context.Context, id string, day time.Time, quota int64) (int64, bool, error) {
	if quota < 1 {
		return 0, false, errs.New(errs.InvalidRequest, "a quota must be at least 1")
	}
	d := apiclient.QuotaDay(day)
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, false, storageErr(err)
	}
	defer tx.Rollback()
	var used int64
	err = tx.QueryRowContext(ctx, `INSERT INTO api_client_usage (client_id, day, used)
		SELECT id, ?2, 1 FROM api_clients WHERE id = ?1
		ON CONFLICT (client_id, day) DO UPDATE SET used = used + 1 WHERE used < ?3
		RETURNING used`, id, d, quota).Scan(&used)
	ok := err == nil
	if errNoRows(err) {
		// Unknown client, or the quota is used up: read which.
		var n sql.NullInt64
		err = tx.QueryRowContext(ctx, `SELECT u.used FROM api_clients c
			LEFT JOIN api_client_usage u ON u.client_id = c.id AND u.day = ?2
			WHERE c.id = ?1`, id, d).Scan(&n)
		if errNoRows(err) {
			return 0, false, errs.New(errs.NotFound, "no client has this ID")
		}
		used = n.Int64
	}
	if err != nil {
		return 0, false, storageErr(err)
	}
	if err := tx.Commit(); err != nil {
		return 0, false, storageErr(err)
	}
	return used, ok, nil
}

// ReturnClientQuota takes back one count.
func (s *Store) ReturnClientQuota(ctx context.Context, id string, day time.Time) error {
	_, err := s.w.ExecContext(ctx, `UPDATE api_client_usage SET used = used - 1
		WHERE client_id = ? AND day = ? AND used > 0`, id, apiclient.QuotaDay(day))
	return storageErr(err)
}

// scanClient reads a row of clientCols.
func scanClient(row interface{ Scan(...any) error }) (apiclient.Record, error) {
	var (
		c         apiclient.Record
		key, cert []byte
		scopes    string
		created   int64
		revoked   sql.NullInt64
	)
	err := row.Scan(&c.ID, &key, &scopes, &created, &revoked, &c.RateLimit, &c.RateBurst, &c.DailyQuota, &cert)
	switch {
	case errNoRows(err):
		return apiclient.Record{}, errs.New(errs.NotFound, "no client matches")
	case err != nil:
		return apiclient.Record{}, storageErr(err)
	case len(key) != 32 || (cert != nil && len(cert) != 32):
		return apiclient.Record{}, errs.Wrap(errs.Internal, "storage error", fmt.Errorf("client %q: digest of wrong length", c.ID))
	}
	if c.Scopes, err = apiclient.ParseScopes(scopes); err != nil {
		return apiclient.Record{}, errs.Wrap(errs.Internal, "storage error", fmt.Errorf("client %q: %w", c.ID, err))
	}
	copy(c.KeyHash[:], key)
	copy(c.TLSCertSHA256[:], cert)
	c.CreatedAt = fromNanos(created)
	if revoked.Valid {
		c.RevokedAt = fromNanos(revoked.Int64)
	}
	return c, nil
}

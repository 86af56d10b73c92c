package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/store/internal/regrow"
)

// SchemaVersion is the newest schema version this code knows: the number
// of the last embedded migration. Open requires exactly this version.
const SchemaVersion = 9

// ErrSchemaTooNew is returned (wrapped) by Open and Migrate for a database
// written by a newer version of certa. Upgrade certa; never downgrade the
// schema.
var ErrSchemaTooNew = errors.New("database schema is newer than this version of certa")

// ErrNotMigrated is returned (wrapped) by Open for a database whose schema
// is missing or older than SchemaVersion.
var ErrNotMigrated = errors.New("database schema is not up to date: run `certa migrate`")

// Migrations are files migrations/NNNN_name.sql, numbered from 1 without
// gaps. Never edit one that has shipped: add a new one.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations returns the embedded migrations in order.
func migrations() ([]regrow.Migration, error) {
	return regrow.LoadMigrations(migrationFiles, SchemaVersion)
}

// migrateLockClass is the first key of the advisory lock that serialises
// migrations ("cert"); the second is a hash of the target schema's name,
// so that databases in different schemas migrate independently.
const migrateLockClass = 0x63657274

// Migrate brings the database at databaseURL to SchemaVersion, on one
// connection of its own: each pending migration runs in its own
// transaction and is recorded in schema_migrations with the time of now
// (nil means time.Now). Processes that migrate at once wait for each other
// and apply each migration once. Migrate on an up-to-date database does
// nothing; on a newer one it fails with ErrSchemaTooNew and changes
// nothing. It needs the privilege to create tables in the first schema of
// the search_path, which the role Open uses may lack.
func Migrate(ctx context.Context, databaseURL string, now func() time.Time) error {
	if now == nil {
		now = time.Now
	}
	cfg, err := parseConfig(databaseURL)
	if err != nil {
		return err
	}
	ms, err := migrations()
	if err != nil {
		return errs.Wrap(errs.Internal, publicError, err)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig)
	if err != nil {
		return storageErr(err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for _, m := range ms {
		if err := apply(ctx, conn, m, now); err != nil {
			return err
		}
	}
	return nil
}

// apply runs m in a transaction unless the database is at m.Version or
// later.
func apply(ctx context.Context, conn *pgx.Conn, m regrow.Migration, now func() time.Time) error {
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext(coalesce(current_schema(), '')))`,
			int32(migrateLockClass)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    integer PRIMARY KEY,
			applied_at timestamptz NOT NULL
		)`); err != nil {
			return err
		}
		var cur int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&cur); err != nil {
			return err
		}
		switch {
		case cur > SchemaVersion:
			return versionErr(cur)
		case cur >= m.Version:
			return nil // already applied
		case cur != m.Version-1:
			return fmt.Errorf("database is at version %d", cur)
		}
		// No arguments: the simple protocol, which runs several statements.
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`,
			m.Version, instant(now()))
		return err
	})
	if err == nil || errors.Is(err, ErrSchemaTooNew) {
		return err
	}
	se := storageErr(err)
	return errs.Wrap(errs.KindOf(se), errs.PublicOf(se), fmt.Errorf("postgres: migration %s: %w", m.Name, redact(err)))
}

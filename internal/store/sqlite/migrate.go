package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"time"

	"certa.example/certa/internal/store/internal/regrow"
)

// SchemaVersion is the newest schema version this code knows: the number
// of the last embedded migration.
const SchemaVersion = 8

// ErrSchemaTooNew is returned by Open for a database written by a newer
// version of certa. Upgrade certa; do not downgrade the file.
var ErrSchemaTooNew = errors.New("database schema is newer than this version of certa")

// Migrations are files migrations/NNNN_name.sql, numbered from 1 without
// gaps. Never edit one that has shipped: add a new one.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations returns the embedded migrations in order.
func migrations() ([]regrow.Migration, error) {
	return regrow.LoadMigrations(migrationFiles, SchemaVersion)
}

// migrate brings the database on db to SchemaVersion, one migration per
// transaction. Write transactions on db are BEGIN IMMEDIATE, so two
// processes opening the same new file apply each migration once.
func migrate(ctx context.Context, db *sql.DB, now func() time.Time) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	for _, m := range ms {
		if err := apply(ctx, db, m, now); err != nil {
			return err
		}
	}
	return nil
}

// apply runs m unless the database is at m.Version or later.
func apply(ctx context.Context, db *sql.DB, m regrow.Migration, now func() time.Time) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at INTEGER NOT NULL -- Unix nanoseconds
	) STRICT`); err != nil {
		return err
	}
	var cur int
	if err := tx.QueryRowContext(ctx,
		`SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&cur); err != nil {
		return err
	}
	switch {
	case cur > SchemaVersion:
		return fmt.Errorf("%w: database is at version %d, this code knows up to %d", ErrSchemaTooNew, cur, SchemaVersion)
	case cur >= m.Version:
		return nil // already applied; Rollback leaves nothing behind
	case cur != m.Version-1:
		return fmt.Errorf("migration %s: database is at version %d", m.Name, cur)
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("migration %s: %w", m.Name, err)
	}
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
		m.Version, now().UnixNano()); err != nil {
		return fmt.Errorf("migration %s: %w", m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %s: %w", m.Name, err)
	}
	return nil
}

package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"
)

// SchemaVersion is the newest schema version this code knows: the number
// of the last embedded migration.
const SchemaVersion = 2

// ErrSchemaTooNew is returned by Open for a database written by a newer
// version of certa. Upgrade certa; do not downgrade the file.
var ErrSchemaTooNew = errors.New("database schema is newer than this version of certa")

// Migrations are files migrations/NNNN_name.sql, numbered from 1 without
// gaps. Never edit one that has shipped: add a new one.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in order.
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries { // ReadDir sorts by name
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("migration %q: name is not NNNN_name.sql", e.Name())
		}
		if v != len(ms)+1 {
			return nil, fmt.Errorf("migration %q: version %d, want %d", e.Name(), v, len(ms)+1)
		}
		b, err := migrationFiles.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	if len(ms) != SchemaVersion {
		return nil, fmt.Errorf("%d migrations embedded, SchemaVersion is %d", len(ms), SchemaVersion)
	}
	return ms, nil
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

// apply runs m unless the database is at m.version or later.
func apply(ctx context.Context, db *sql.DB, m migration, now func() time.Time) error {
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
	case cur >= m.version:
		return nil // already applied; Rollback leaves nothing behind
	case cur != m.version-1:
		return fmt.Errorf("migration %s: database is at version %d", m.name, cur)
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
		m.version, now().UnixNano()); err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	return nil
}

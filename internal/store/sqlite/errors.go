package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"certa.example/certa/internal/errs"
)

// storageErr wraps an unexpected database error. The cause goes to the log
// only; SQLite's messages name tables and columns, never values.
func storageErr(err error) error {
	if err == nil {
		return nil
	}
	if retryable(err) {
		return errs.Wrap(errs.Unavailable, "storage error", err)
	}
	return errs.Wrap(errs.Internal, "storage error", err)
}

// retryable reports whether err is one that the same operation, tried
// again later, could avoid.
func retryable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, sql.ErrConnDone) {
		return true
	}
	// A store closed for shutdown: database/sql does not export these.
	if msg := err.Error(); strings.Contains(msg, "sql: database is closed") || strings.Contains(msg, "sql: statement is closed") {
		return true
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR,
		sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PROTOCOL,
		sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_INTERRUPT:
		return true
	}
	return false
}

// sqliteCode returns the extended result code of err, or 0.
func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

// isDuplicate reports whether err is a PRIMARY KEY or UNIQUE violation.
func isDuplicate(err error) bool {
	c := sqliteCode(err)
	return c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || c == sqlite3.SQLITE_CONSTRAINT_UNIQUE
}

// errNoRows tells a missing row from a failure.
func errNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// Instants are stored as int64 Unix nanoseconds, which reach from 1677 to
// 2262.
var (
	minInstant = time.Unix(0, math.MinInt64)
	maxInstant = time.Unix(0, math.MaxInt64)
)

func storable(t time.Time) bool {
	return !t.Before(minInstant) && !t.After(maxInstant)
}

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

package postgres

import (
	"context"
	"errors"
	"io"
	"math"
	"net"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"

	"certa.example/certa/internal/errs"
)

// Public texts of unexpected errors. They name no table and no value.
const (
	publicUnavailable = "storage unavailable"
	publicError       = "storage error"
)

// storageErr classifies an unexpected database error: errs.Unavailable
// when the same call, tried again later, could succeed (the server is
// down, restarting, overloaded, or the call was cancelled or timed out),
// errs.Internal otherwise. The cause, with any server detail that could
// quote a value removed, goes to the log only.
func storageErr(err error) error {
	if err == nil {
		return nil
	}
	if retryable(err) {
		return errs.Wrap(errs.Unavailable, publicUnavailable, redact(err))
	}
	return errs.Wrap(errs.Internal, publicError, redact(err))
}

// retryable reports whether err is one that a later retry could avoid.
func retryable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return retryableCode(pe.Code)
	}
	var (
		ce *pgconn.ConnectError
		ne net.Error
	)
	switch {
	case errors.As(err, &ce), errors.As(err, &ne):
		return true // could not connect, or the network failed
	case pgconn.Timeout(err), pgconn.SafeToRetry(err):
		return true
	case errors.Is(err, pgconn.ErrConnClosed), errors.Is(err, net.ErrClosed),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return true // the server closed the connection
	}
	return false
}

// retryableCode reports whether a server error with SQLSTATE code is
// transient.
func retryableCode(code string) bool {
	switch code {
	case "40001", // serialization_failure
		"40P01", // deadlock_detected
		"55P03", // lock_not_available
		"57014", // query_canceled: statement_timeout, cancel request
		"57P01", // admin_shutdown: the server is stopping, or pg_terminate_backend
		"57P02", // crash_shutdown
		"57P03", // cannot_connect_now: starting up or in recovery
		"57P05", // idle_session_timeout
		"25P03", // idle_in_transaction_session_timeout
		"25006": // read_only_sql_transaction: a standby, e.g. during failover
		return true
	}
	if len(code) == 5 {
		switch code[:2] {
		case "08", // connection_exception
			"53", // insufficient_resources: too many connections, disk full, out of memory
			"58": // system_error: I/O
			return true
		}
	}
	return false
}

// redact returns err with the fields of a server error that can quote row
// values (DETAIL, HINT, WHERE, the internal query, and the message of data
// exceptions) removed. PostgreSQL puts the offending key of a unique
// violation, for instance a fiscal code, in DETAIL.
func redact(err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err
	}
	r := *pe
	r.Detail, r.Hint, r.Where, r.InternalQuery = "", "", "", ""
	r.Position, r.InternalPosition = 0, 0
	if strings.HasPrefix(r.Code, "22") { // data_exception messages quote the input
		r.Message = "data exception"
	}
	return &r
}

// uniqueViolation returns the constraint a unique violation is about.
func uniqueViolation(err error) (constraint string, ok bool) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return pe.ConstraintName, true
	}
	return "", false
}

// undefinedTable reports whether err says a table does not exist.
func undefinedTable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "42P01"
}

// precision is the resolution of timestamptz.
const precision = time.Microsecond

// Instants are limited to what int64 Unix nanoseconds reach (1677 to 2262),
// as on SQLite, so that every store accepts the same records and the audit
// hash, which encodes the instant that way, is defined.
var (
	minInstant = time.Unix(0, math.MinInt64)
	maxInstant = time.Unix(0, math.MaxInt64)
)

func storable(t time.Time) bool {
	return !t.Before(minInstant) && !t.After(maxInstant)
}

// instant returns t as PostgreSQL keeps it: truncated to the microsecond,
// in UTC, without a monotonic reading.
func instant(t time.Time) time.Time { return t.Truncate(precision).UTC() }

// validText reports whether PostgreSQL can store s as text: valid UTF-8
// without NUL characters.
func validText(ss ...string) bool {
	for _, s := range ss {
		if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
			return false
		}
	}
	return true
}

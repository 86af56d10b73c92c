package testutil

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultPostgresURL is the test server on these machines (trust auth).
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// PostgresURL returns CERTA_TEST_DATABASE_URL or the local default.
func PostgresURL() string {
	if u := os.Getenv("CERTA_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultPostgresURL
}

// PostgresSchema creates an empty schema on the test server, dropped when t
// ends, and returns a URL whose search_path selects it. An unreachable
// server skips t (fails it under CERTA_REQUIRE_INTEGRATION).
func PostgresSchema(t testing.TB) string {
	t.Helper()
	base := PostgresURL()
	p, err := url.Parse(base)
	if err != nil || p.Scheme == "" {
		t.Fatalf("CERTA_TEST_DATABASE_URL must be a postgres:// URL")
	}
	var b [8]byte
	rand.Read(b[:])
	name := "certa_test_" + hex.EncodeToString(b[:])
	ident := pgx.Identifier{name}.Sanitize()
	exec := func(q string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			return err
		}
		defer c.Close(context.Background())
		_, err = c.Exec(ctx, q)
		return err
	}
	if err := exec("CREATE SCHEMA " + ident); err != nil {
		Unavailable(t, fmt.Sprintf("PostgreSQL not reachable at %s: %v", p.Redacted(), err))
	}
	t.Cleanup(func() {
		if err := exec("DROP SCHEMA " + ident + " CASCADE"); err != nil {
			t.Errorf("drop test schema: %v", err)
		}
	})
	q := p.Query()
	q.Set("search_path", name)
	p.RawQuery = q.Encode()
	return p.String()
}

package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"certa.example/certa/internal/apiclient"
	"certa.example/certa/internal/setup"
	"certa.example/certa/internal/testpki"
	"certa.example/certa/internal/testutil"
)

var keyLine = regexp.MustCompile(`(?m)^certa_[A-Za-z0-9_-]{43}$`)

// TestCLIClients: create, list and revoke on the embedded store and on
// PostgreSQL; the key is printed once and only its hash is stored.
func TestCLIClients(t *testing.T) {
	for _, tc := range []struct {
		name string
		db   func(t testing.TB) string
	}{
		{"embedded", func(testing.TB) string { return "" }},
		{"postgres", testutil.PostgresSchema},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "data")
			flags := []string{"--data", data}
			if db := tc.db(t); db != "" {
				flags = append(flags, "--database-url", db)
				if _, errs, code := runCLI(t, append([]string{"migrate"}, flags...)...); code != 0 {
					t.Fatalf("migrate: %s", errs)
				}
			}
			cli := func(args ...string) (string, string, int) {
				t.Helper()
				return runCLI(t, append(args, flags...)...)
			}
			certFile := filepath.Join(t.TempDir(), "client.pem")
			cert := testpki.NewClientCert(t, "portale")
			os.WriteFile(certFile, cert.PEM, 0o600)

			out, errs, code := cli("clients", "create", "--id", "portale-milano", "--scopes", "read,issue",
				"--rate-limit", "5", "--daily-quota", "1000", "--tls-cert", certFile, "--operator", "mario")
			if code != 0 {
				t.Fatalf("create: %d %s", code, errs)
			}
			key := keyLine.FindString(out)
			if key == "" || !strings.Contains(out, "scopes=issue,read rate-limit=5 burst=5 daily-quota=1000 tls-cert=") {
				t.Fatalf("create printed no key or settings:\n%s", out)
			}
			out2, _, code := cli("clients", "create", "--id", "admin-tool", "--scopes", "admin")
			if code != 0 || keyLine.FindString(out2) == key {
				t.Fatalf("second create: %d %s", code, out2)
			}

			// Refusals.
			for _, bad := range []struct {
				args []string
				want string
			}{
				{[]string{"--id", "portale-milano", "--scopes", "read"}, "exists already"},
				{[]string{"--id", "demo", "--scopes", "read"}, "configured key"},
				{[]string{"--id", "Portale", "--scopes", "read"}, "lower-case"},
				{[]string{"--id", "x", "--scopes", "write"}, "unknown scope"},
				{[]string{"--id", "x"}, "needs --id and --scopes"},
				{[]string{"--id", "x", "--scopes", "read", "--daily-quota", "-1"}, "daily quota"},
				{[]string{"--id", "x", "--scopes", "read", "--tls-cert", filepath.Join(t.TempDir(), "none.pem")}, "no such file"},
				{[]string{"--id", "x", "--scopes", "read", "--tls-cert", "clients_test.go"}, "no PEM CERTIFICATE"},
			} {
				if _, errs, code := cli(append([]string{"clients", "create"}, bad.args...)...); code == 0 || !strings.Contains(errs, bad.want) {
					t.Errorf("create %v: exit %d, stderr %q, want %q", bad.args, code, errs, bad.want)
				}
			}

			out, errs, code = cli("clients", "list")
			if code != 0 {
				t.Fatalf("list: %s", errs)
			}
			if strings.Contains(out, key) || !strings.Contains(out, "portale-milano") || !strings.Contains(out, "5/s burst 5") ||
				!strings.Contains(out, "active") || !strings.Contains(out, apiclient.Fingerprint(mustPin(t, cert.PEM))[:16]) {
				t.Errorf("list:\n%s", out)
			}
			if n := strings.Count(strings.TrimSpace(out), "\n"); n != 2 {
				t.Errorf("list has %d rows, want a header and 2:\n%s", n, out)
			}

			if out, errs, code := cli("clients", "revoke", "portale-milano", "--operator", "lucia"); code != 0 || !strings.Contains(out, "revoked client portale-milano") {
				t.Fatalf("revoke: %d %s %s", code, out, errs)
			}
			if _, errs, code := cli("clients", "revoke", "portale-milano"); code == 0 || !strings.Contains(errs, "revoked already") {
				t.Errorf("second revoke: %d %s", code, errs)
			}
			if _, errs, code := cli("clients", "revoke", "nobody"); code == 0 || !strings.Contains(errs, "no client") {
				t.Errorf("revoke unknown: %d %s", code, errs)
			}

			out, _, code = cli("clients", "list", "--json")
			var listed []map[string]any
			if err := json.Unmarshal([]byte(out), &listed); code != 0 || err != nil || len(listed) != 2 {
				t.Fatalf("list --json: %d %v\n%s", code, err, out)
			}
			if strings.Contains(out, key) || strings.Contains(out, "key") {
				t.Errorf("list --json shows a key:\n%s", out)
			}
			p := listed[1]
			if p["id"] != "portale-milano" || p["revoked_at"] == nil || p["daily_quota"] != 1000.0 || p["rate_limit"] != 5.0 ||
				p["tls_cert_sha256"] != apiclient.Fingerprint(mustPin(t, cert.PEM)) {
				t.Errorf("list --json entry %v", p)
			}

			// The store holds the key's hash and the audit trail the changes.
			env, err := setup.Open(context.Background(), setup.Options{DataDir: data, DatabaseURL: dbOf(flags), Now: time.Now})
			if err != nil {
				t.Fatal(err)
			}
			defer env.Close()
			rec, err := env.Store.ClientByKeyHash(context.Background(), apiclient.HashKey(key))
			if err != nil || rec.ID != "portale-milano" || !rec.Revoked() {
				t.Errorf("ClientByKeyHash = %+v, %v", rec, err)
			}
			if n, err := env.Store.AuditVerify(context.Background()); err != nil || n != 3 {
				t.Errorf("AuditVerify = %d, %v; want 3 events (two creations, one revocation)", n, err)
			}
		})
	}
}

func mustPin(t *testing.T, pemData []byte) [32]byte {
	t.Helper()
	pin, err := apiclient.CertFingerprint(pemData)
	if err != nil {
		t.Fatal(err)
	}
	return pin
}

func dbOf(flags []string) string {
	for i, f := range flags {
		if f == "--database-url" {
			return flags[i+1]
		}
	}
	return ""
}

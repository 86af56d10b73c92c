package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"certa.example/certa/internal/seal"
	"certa.example/certa/internal/testutil"
	"certa.example/certa/signer"
)

func runCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return out.String(), errb.String(), code
}

func TestCLIEndToEnd(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	out, errs, code := runCLI(t, "registry", "list", "--data", data, "--limit", "5", "--certifiable")
	if code != 0 {
		t.Fatalf("registry list: %d %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 {
		t.Fatalf("want 5 residents, got %d:\n%s", len(lines), out)
	}
	cf := strings.Fields(lines[0])[0]
	if fi, err := os.Stat(data); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("data dir mode: %v %v", fi.Mode(), err)
	}

	pdf := filepath.Join(t.TempDir(), "c.pdf")
	out, errs, code = runCLI(t, "issue", "--id-document", "cie:CA00000AA", "--data", data, "--type", "residenza", "--subject", cf, "--out", pdf)
	if code != 0 || !strings.Contains(out, "issued residenza") {
		t.Fatalf("issue: %d %s %s", code, out, errs)
	}
	// Refuses to overwrite.
	if _, _, code := runCLI(t, "issue", "--id-document", "cie:CA00000AA", "--data", data, "--type", "residenza", "--subject", cf, "--out", pdf); code == 0 {
		t.Fatal("issue overwrote an existing file")
	}
	// The demo comune, Lodi, issues in Italian only.
	if _, errs, code := runCLI(t, "issue", "--id-document", "cie:CA00000AA", "--data", data, "--type", "residenza", "--subject", cf, "--out", filepath.Join(t.TempDir(), "de.pdf"), "--language", "it-de"); code == 0 || !strings.Contains(errs, "no second official language") {
		t.Fatalf("issue --language it-de in Lodi: %d %s", code, errs)
	}

	out, _, code = runCLI(t, "verify", "--data", data, pdf)
	if code != 0 || !strings.Contains(out, "verdict: valid") {
		t.Fatalf("verify valid: %d %s", code, out)
	}
	raw, _ := os.ReadFile(pdf)
	raw[len(raw)/2] ^= 0x20
	bad := filepath.Join(t.TempDir(), "bad.pdf")
	os.WriteFile(bad, raw, 0o600)
	if out, _, code = runCLI(t, "verify", "--data", data, bad); code != 1 || !strings.Contains(out, "verdict: invalid") {
		t.Fatalf("verify tampered: %d %s", code, out)
	}
	notPDF := filepath.Join(t.TempDir(), "x.txt")
	os.WriteFile(notPDF, []byte("hello"), 0o600)
	if _, errs, code = runCLI(t, "verify", "--data", data, notPDF); code != 2 || errs == "" {
		t.Fatalf("verify non-PDF: %d %q", code, errs)
	}
	if _, _, code = runCLI(t, "verify", "--data", data, filepath.Join(t.TempDir(), "missing.pdf")); code != 2 {
		t.Fatalf("verify missing file: %d", code)
	}
}

func TestCLIUsageErrors(t *testing.T) {
	tmp := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, "usage"},
		{"unknown command", []string{"frobnicate"}, "unknown command"},
		{"issue without flags", []string{"issue"}, "--type"},
		{"bad flag", []string{"serve", "--nope"}, "flag provided but not defined"},
		{"bad max upload", []string{"serve", "--max-upload", "12"}, "between 1024"},
		{"registry without list", []string{"registry"}, "registry list"},
		{"keys without subcommand", []string{"keys"}, "generate, csr, demo-ca or show"},
		{"seal chain without key", []string{"issue", "--id-document", "cie:CA00000AA", "--data", tmp, "--type", "residenza", "--subject", "X", "--out", "/dev/null", "--seal-chain", "c.pem"}, "--seal-chain needs --seal-key"},
		{"unknown signature level", []string{"issue", "--id-document", "cie:CA00000AA", "--data", tmp, "--type", "residenza", "--subject", "X", "--out", "/dev/null", "--signature-level", "B-X"}, "B-B, B-T or B-LT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errs, code := runCLI(t, tc.args...)
			if code == 0 || !strings.Contains(errs, tc.want) {
				t.Fatalf("exit %d, stderr %q, want %q", code, errs, tc.want)
			}
		})
	}
}

func TestUnknownEnvironmentVariableRefused(t *testing.T) {
	t.Setenv("CERTA_ADRR", "127.0.0.1:1")
	_, errs, code := runCLI(t, "registry", "list")
	if code == 0 || !strings.Contains(errs, "CERTA_ADRR") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
}

// The same commands against PostgreSQL: migrate, seed, list, issue, verify.
func TestCLIOnPostgres(t *testing.T) {
	db := testutil.PostgresSchema(t)
	data := filepath.Join(t.TempDir(), "data")
	// Before migrate, every command refuses clearly.
	if _, errs, code := runCLI(t, "registry", "list", "--data", data, "--database-url", db); code == 0 || !strings.Contains(errs, "certa migrate") {
		t.Fatalf("unmigrated schema: exit %d %q", code, errs)
	}
	if out, errs, code := runCLI(t, "migrate", "--data", data, "--database-url", db); code != 0 || !strings.Contains(out, "schema is at version") {
		t.Fatalf("migrate: %d %s %s", code, out, errs)
	}
	if _, _, code := runCLI(t, "migrate", "--data", data, "--database-url", db); code != 0 {
		t.Fatal("second migrate failed")
	}
	// The registry is never seeded implicitly on PostgreSQL.
	if out, _, code := runCLI(t, "registry", "list", "--data", data, "--database-url", db); code != 0 || out != "" {
		t.Fatalf("fresh PostgreSQL registry not empty: %d %q", code, out)
	}
	if out, errs, code := runCLI(t, "registry", "seed", "--data", data, "--database-url", db, "--households", "40", "--seed", "7"); code != 0 || !strings.Contains(out, "added 40 households") {
		t.Fatalf("seed: %d %s %s", code, out, errs)
	}
	if _, errs, code := runCLI(t, "registry", "seed", "--data", data, "--database-url", db, "--households", "40", "--seed", "7"); code == 0 || errs == "" {
		t.Fatal("seeding the same people twice succeeded")
	}
	out, _, _ := runCLI(t, "registry", "list", "--data", data, "--database-url", db, "--limit", "1", "--certifiable")
	cf := strings.Fields(out)[0]
	pdf := filepath.Join(t.TempDir(), "c.pdf")
	if out, errs, code := runCLI(t, "issue", "--id-document", "cie:CA00000AA", "--data", data, "--database-url", db, "--type", "stato_famiglia", "--subject", cf, "--out", pdf); code != 0 {
		t.Fatalf("issue: %d %s %s", code, out, errs)
	}
	if out, _, code := runCLI(t, "verify", "--data", data, "--database-url", db, pdf); code != 0 || !strings.Contains(out, "verdict: valid") {
		t.Fatalf("verify: %d %s", code, out)
	}
	// The embedded store in the same data directory knows nothing of it.
	if out, _, code := runCLI(t, "verify", "--data", data, pdf); code != 2 || !strings.Contains(out, "verdict: unknown") {
		t.Fatalf("verify against the other store: %d %s", code, out)
	}
}

// Import: a valid file lands in one go and re-importing it changes nothing;
// a file with one bad line imports nothing and names the line.
func TestCLIRegistryImport(t *testing.T) {
	example := filepath.Join("..", "..", "testdata", "registry", "example.jsonl")
	for _, tc := range []struct {
		name string
		db   func(t *testing.T) []string
	}{
		{"embedded", func(t *testing.T) []string { return nil }},
		{"postgres", func(t *testing.T) []string {
			db := testutil.PostgresSchema(t)
			if _, errs, code := runCLI(t, "migrate", "--database-url", db); code != 0 {
				t.Fatal(errs)
			}
			return []string{"--database-url", db}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := append([]string{"--data", filepath.Join(t.TempDir(), "data")}, tc.db(t)...)
			args := func(a ...string) []string { return append(append([]string(nil), a...), base...) }
			// Flags go before the file: the flag package stops at the first argument.
			imp := func(file string) []string { return append(append([]string{"registry", "import"}, base...), file) }
			before, _, _ := runCLI(t, args("registry", "list", "--limit", "10000")...)

			raw, err := os.ReadFile(example)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
			bad := append([]string(nil), lines...)
			bad[2] = strings.Replace(bad[2], `"birth_date":"`, `"birth_date":"3`, 1)
			badFile := filepath.Join(t.TempDir(), "bad.jsonl")
			os.WriteFile(badFile, []byte(strings.Join(bad, "\n")+"\n"), 0o600)
			_, errs, code := runCLI(t, imp(badFile)...)
			if code == 0 || !strings.Contains(errs, "line 3:") || !strings.Contains(errs, "nothing imported") {
				t.Fatalf("bad file: exit %d\n%s", code, errs)
			}
			if after, _, _ := runCLI(t, args("registry", "list", "--limit", "10000")...); after != before {
				t.Fatal("a rejected import changed the registry")
			}

			out, errs, code := runCLI(t, imp(example)...)
			if code != 0 || !strings.Contains(out, "imported 5 households") {
				t.Fatalf("import: %d %s %s", code, out, errs)
			}
			once, _, _ := runCLI(t, args("registry", "list", "--limit", "10000")...)
			out, _, code = runCLI(t, imp(example)...)
			if code != 0 {
				t.Fatalf("re-import: %d %s", code, out)
			}
			if twice, _, _ := runCLI(t, args("registry", "list", "--limit", "10000")...); twice != once {
				t.Fatal("re-importing the same file changed the registry")
			}
		})
	}
}

func TestCLISeedPersonsAndComune(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	out, errs, code := runCLI(t, "registry", "seed", "--data", data, "--persons", "500", "--seed", "3", "--comune", "F205", "--postal-code", "20121")
	if code != 0 || !strings.Contains(out, "persons in") {
		t.Fatalf("seed: %d %s %s", code, out, errs)
	}
	var persons int
	fmt.Sscanf(out[strings.Index(out, ", ")+2:], "%d persons", &persons)
	if persons < 500 || persons > 520 {
		t.Fatalf("asked for 500 persons, added %d: %s", persons, out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--comune", "F205"}, "--postal-code is required"},
		{[]string{"--comune", "XXXX", "--postal-code", "20121"}, "no comune in force"},
		{[]string{"--persons", "5", "--households", "5"}, "not both"},
	} {
		if _, errs, code := runCLI(t, append([]string{"registry", "seed", "--data", data}, tc.args...)...); code == 0 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d %q", tc.args, code, errs)
		}
	}
}

// TestCLISeedFileImportInBatches writes a synthetic population in the
// import format and imports it from standard input, in many batches of
// one transaction.
func TestCLISeedFileImportInBatches(t *testing.T) {
	dir := t.TempDir()
	data, file := filepath.Join(dir, "data"), filepath.Join(dir, "pop.jsonl")
	out, errs, code := runCLI(t, "registry", "seed", "--out", file, "--persons", "300", "--seed", "5")
	if code != 0 || !strings.Contains(out, "wrote ") {
		t.Fatalf("seed --out: %d %s %s", code, out, errs)
	}
	var households, persons int
	fmt.Sscanf(out, "wrote %d households, %d persons", &households, &persons)
	if persons < 300 || households < 100 {
		t.Fatalf("seed --out wrote %d households, %d persons", households, persons)
	}
	if _, errs, code := runCLI(t, "registry", "seed", "--out", file, "--persons", "10"); code == 0 || !strings.Contains(errs, "exists") {
		t.Errorf("seed --out over an existing file: exit %d %q", code, errs)
	}

	old := importBatch
	importBatch = 7
	t.Cleanup(func() { importBatch = old })
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stdin := os.Stdin
	os.Stdin = f
	t.Cleanup(func() { os.Stdin = stdin })
	out, errs, code = runCLI(t, "registry", "import", "--data", data, "-")
	want := fmt.Sprintf("imported %d households, %d persons (0 rows unchanged", households, persons)
	if code != 0 || !strings.Contains(out, want) {
		t.Fatalf("import from stdin: %d %q %s; want %q", code, out, errs, want)
	}
	list, _, _ := runCLI(t, "registry", "list", "--data", data, "--limit", "10000")
	if n := strings.Count(list, "\n"); n < persons {
		t.Errorf("registry list shows %d persons after importing %d", n, persons)
	}
	// Again, from the file: everything is unchanged.
	out, errs, code = runCLI(t, "registry", "import", "--data", data, file)
	if code != 0 || !strings.Contains(out, fmt.Sprintf("(%d rows unchanged", households+persons)) {
		t.Fatalf("re-import: %d %q %s", code, out, errs)
	}
}

func TestCLISealRevokeAndLists(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	out, errs, code := runCLI(t, "registry", "list", "--data", data, "--limit", "2", "--certifiable")
	if code != 0 {
		t.Fatalf("registry list: %d %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	issue := func(cf string) (string, string) {
		pdf := filepath.Join(t.TempDir(), "c.pdf")
		out, errs, code := runCLI(t, "issue", "--id-document", "cie:CA00000AA", "--data", data, "--type", "residenza", "--subject", cf, "--out", pdf)
		if code != 0 {
			t.Fatalf("issue: %d %s", code, errs)
		}
		raw, _ := os.ReadFile(pdf)
		m := regexp.MustCompile(`/URI \((HTTP[^)]+)\)`).FindAllSubmatch(raw, -1)
		if len(m) == 0 {
			t.Fatalf("no QR link in %s", out)
		}
		return pdf, string(m[len(m)-1][1])
	}
	pdf, qr := issue(strings.Fields(lines[0])[0])
	_, qr2 := issue(strings.Fields(lines[1])[0])
	code1 := strings.Split(qr, "/")[4]
	code2 := strings.Split(qr2, "/")[4]

	// Offline, against this installation's seal certificates.
	out, errs, code = runCLI(t, "verify", "--data", data, "--qr", qr)
	if code != 0 || !strings.Contains(out, "verdict: valid") || !strings.Contains(out, "Address:") || !strings.Contains(out, "CERTIFICATO DI RESIDENZA") {
		t.Fatalf("verify --qr: %d %s %s", code, out, errs)
	}
	if out, _, code = runCLI(t, "verify", "--data", data, "--qr", qr[:len(qr)-6]+"ABCDEF"); code != 1 || !strings.Contains(out, "verdict: invalid") {
		t.Fatalf("verify --qr tampered: %d %s", code, out)
	}
	if out, _, code = runCLI(t, "verify", "--data", data, "--qr", "hello"); code != 1 || !strings.Contains(out, "not a certa seal URL") {
		t.Fatalf("verify --qr hello: %d %s", code, out)
	}

	// Revocation at the counter; then the PDF's report says revoked.
	if _, errs, code = runCLI(t, "revoke", "--data", data, code1, "--reason", "because"); code == 0 || !strings.Contains(errs, "issued-in-error") {
		t.Fatalf("revoke with a bad reason: %d %s", code, errs)
	}
	out, errs, code = runCLI(t, "revoke", code1, "--data", data, "--reason", "replaced", "--replaced-by", code2)
	if code != 0 || !strings.Contains(out, "revoked "+code1+" (replaced)") {
		t.Fatalf("revoke: %d %s %s", code, out, errs)
	}
	if _, _, code = runCLI(t, "revoke", code1, "--data", data, "--reason", "other"); code == 0 {
		t.Fatal("revoked twice")
	}
	out, _, code = runCLI(t, "verify", "--data", data, pdf)
	if code != 1 || !strings.Contains(out, "verdict: revoked") || !strings.Contains(out, "replaced by "+code2) {
		t.Fatalf("verify revoked PDF: %d %s", code, out)
	}

	// Offline lists signed with the demo seal, as the server publishes them.
	sl, err := signer.LoadFileSeal(filepath.Join(data, "pki", "seal-key.pem"), filepath.Join(data, "pki", "seal-chain.pem"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tl, err := seal.SignTrustList(seal.TrustList{Version: 1, Issued: now, Expires: now.Add(time.Hour),
		Entries: []seal.TrustEntry{{KID: seal.KID(sl.Certificate()), Cert: sl.Certificate(), Status: seal.TrustCurrent}}}, sl.Key, sl.Chain)
	if err != nil {
		t.Fatal(err)
	}
	rl, err := seal.SignRevocationList(seal.NewRevocationList(1, now, now.Add(time.Hour), []string{code1}), sl.Key, sl.Chain)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "tl.cose"), tl, 0o600)
	os.WriteFile(filepath.Join(dir, "rl.cose"), rl, 0o600)
	root := filepath.Join(data, "pki", "root-cert.pem")
	args := []string{"verify", "--data", data, "--trust-roots", root, "--trust-list", filepath.Join(dir, "tl.cose"), "--revocations", filepath.Join(dir, "rl.cose"), "--qr"}
	if out, errs, code = runCLI(t, append(args, qr)...); code != 1 || !strings.Contains(out, "verdict: revoked") {
		t.Fatalf("offline revoked: %d %s %s", code, out, errs)
	}
	if out, errs, code = runCLI(t, append(args, qr2)...); code != 0 || !strings.Contains(out, "verdict: valid") {
		t.Fatalf("offline valid: %d %s %s", code, out, errs)
	}
	// A trust list that does not chain to the given roots is refused.
	other := filepath.Join(dir, "other-root.pem")
	os.WriteFile(other, []byte(otherRootPEM(t)), 0o600)
	args[4] = other
	if _, errs, code = runCLI(t, append(args, qr2)...); code != 2 || !strings.Contains(errs, "--trust-list") {
		t.Fatalf("trust list under another root: %d %s", code, errs)
	}
}

// otherRootPEM is a self-signed CA certificate unrelated to the demo PKI.
func otherRootPEM(t *testing.T) string {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "other"}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

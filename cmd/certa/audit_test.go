package main

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// certa audit verify: an intact trail exits 0 with the count; a row edited
// behind certa's back exits 1 naming the first broken link.
func TestCLIAuditVerify(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	out, errs, code := runCLI(t, "audit", "verify", "--data", data)
	if code != 0 || !strings.Contains(out, "intact: 0 events") {
		t.Fatalf("empty trail: %d %q %q", code, out, errs)
	}
	list, _, _ := runCLI(t, "registry", "list", "--data", data, "--limit", "1", "--certifiable")
	cf := strings.Fields(list)[0]
	for i := range 3 {
		pdf := filepath.Join(t.TempDir(), "c.pdf")
		if _, errs, code := runCLI(t, "issue", "--id-document", "cie:CA00000AA", "--data", data, "--type", "residenza", "--subject", cf, "--out", pdf); code != 0 {
			t.Fatalf("issue %d: %s", i, errs)
		}
	}
	out, errs, code = runCLI(t, "audit", "verify", "--data", data)
	if code != 0 || !strings.Contains(out, "intact: 3 events") {
		t.Fatalf("intact trail: %d %q %q", code, out, errs)
	}

	db, err := sql.Open("sqlite", filepath.Join(data, "certa.db"))
	if err != nil {
		t.Fatal(err)
	}
	// The table refuses updates; someone with the file can drop the guard.
	for _, q := range []string{`DROP TRIGGER audit_events_no_update`, `UPDATE audit_events SET actor = 'someone-else' WHERE seq = 2`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	out, errs, code = runCLI(t, "audit", "verify", "--data", data)
	if code != 1 || !strings.Contains(out, "BROKEN") || !strings.Contains(out, "seq 2") {
		t.Fatalf("tampered trail: exit %d, %q %q", code, out, errs)
	}

	if _, errs, code := runCLI(t, "audit", "check"); code != 2 || !strings.Contains(errs, "usage") {
		t.Fatalf("audit check: %d %q", code, errs)
	}
}

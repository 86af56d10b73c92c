package pkcs11

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadPIN(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	env := map[string]string{"CERTA_PIN": "s3cret-env"}
	getenv := func(k string) string { return env[k] }

	tests := []struct {
		name    string
		source  string
		want    string
		wantErr string
	}{
		{"file with newline", "file:" + write("nl", "s3cret\n", 0o600), "s3cret", ""},
		{"file with CRLF", "file:" + write("crlf", "s3cret\r\n", 0o600), "s3cret", ""},
		{"file without newline", "file:" + write("plain", "s3cret", 0o400), "s3cret", ""},
		{"file URI with empty host", "file://" + write("triple", "s3cret\n", 0o600), "s3cret", ""},
		{"only one newline trimmed", "file:" + write("two", "s3cret\n\n", 0o600), "", "more than one line"},
		{"spaces kept", "file:" + write("spaces", " s3cret \n", 0o600), " s3cret ", ""},
		{"group readable", "file:" + write("group", "s3cret\n", 0o640), "", "accessible by group or others (mode -rw-r-----); chmod 600"},
		{"world readable", "file:" + write("world", "s3cret\n", 0o604), "", "accessible by group or others"},
		{"group writable", "file:" + write("gw", "s3cret\n", 0o620), "", "accessible by group or others"},
		{"empty file", "file:" + write("empty", "\n", 0o600), "", "is empty"},
		{"too large", "file:" + write("large", strings.Repeat("x", 2000), 0o600), "", "larger than"},
		{"missing file", "file:" + filepath.Join(dir, "missing"), "", "no such file"},
		{"directory", "file:" + dir, "", "not a regular file"},
		{"env", "env:CERTA_PIN", "s3cret-env", ""},
		{"env unset", "env:CERTA_NO_PIN", "", "CERTA_NO_PIN is not set or empty"},
		{"no source", "", "", "no pin-source"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := URI{Token: "t", Object: "k", ModulePath: "/m.so", PINSource: tc.source}
			got, err := ReadPIN(u, getenv)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ReadPIN error = %v, want %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Fatalf("error %q contains the PIN", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ReadPIN: %v", err)
			}
			if got != tc.want {
				t.Fatalf("PIN = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestReadPINDefaultsToOSEnv(t *testing.T) {
	t.Setenv("CERTA_TEST_HSM_PIN", "from-os")
	got, err := ReadPIN(URI{Token: "t", Object: "k", ModulePath: "/m.so", PINSource: "env:CERTA_TEST_HSM_PIN"}, nil)
	if err != nil || got != "from-os" {
		t.Fatalf("ReadPIN = %q, %v", got, err)
	}
}

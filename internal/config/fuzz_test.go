package config

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadFile: any file is read without panicking, and what it accepts
// holds only known keys.
func FuzzReadFile(f *testing.F) {
	f.Add("addr = \"127.0.0.1:8080\"\nrate-limit = 10\n")
	f.Add("[x]\ny = 1\n")
	f.Add("qr-seal = true\nmax-upload = 1.5e6\n")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, text string) {
		p := filepath.Join(dir, "f.toml")
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		values, err := ReadFile(p)
		if err != nil {
			return
		}
		for k := range values {
			if _, ok := fileKeys[k]; !ok {
				t.Fatalf("accepted unknown key %q", k)
			}
		}
	})
}

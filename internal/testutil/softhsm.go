package testutil

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// SoftHSMPIN is the user PIN of the tokens SoftHSM creates.
const SoftHSMPIN = "1234"

// softHSMModules are where distributions install the SoftHSM2 module.
var softHSMModules = []string{
	"/usr/lib/softhsm/libsofthsm2.so",
	"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib64/pkcs11/libsofthsm2.so",
	"/usr/local/lib/softhsm/libsofthsm2.so",
}

// SoftHSM creates a fresh SoftHSM2 token in a temporary directory and
// points SOFTHSM2_CONF at it for the rest of t (so t cannot be parallel).
// It returns the module path, the token label (unique per call) and a
// mode-0600 file holding the user PIN, SoftHSMPIN.
//
// SoftHSM reads SOFTHSM2_CONF in C_Initialize and a loaded module is
// shared by the whole process: the token is only visible if every PKCS#11
// context of earlier tests was closed, so that the module was finalized.
// A missing SoftHSM skips t (fails it under CERTA_REQUIRE_INTEGRATION).
func SoftHSM(t testing.TB) (modulePath, tokenLabel, pinFile string) {
	t.Helper()
	if _, err := exec.LookPath("softhsm2-util"); err != nil {
		Unavailable(t, "softhsm2 is not installed (softhsm2-util not on PATH)")
	}
	for _, p := range softHSMModules {
		if _, err := os.Stat(p); err == nil {
			modulePath = p
			break
		}
	}
	if modulePath == "" {
		Unavailable(t, "softhsm2 is not installed (libsofthsm2.so not found)")
	}

	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens")
	if err := os.Mkdir(tokens, 0o700); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "softhsm2.conf")
	body := "directories.tokendir = " + tokens + "\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n"
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", conf)

	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	tokenLabel = "certa-test-" + hex.EncodeToString(b[:])
	out, code := Run(t, "softhsm2-util", "--init-token", "--free", "--label", tokenLabel, "--pin", SoftHSMPIN, "--so-pin", "5678")
	if code != 0 {
		t.Fatalf("softhsm2-util --init-token: exit %d: %s", code, out)
	}

	pinFile = filepath.Join(dir, "pin")
	if err := os.WriteFile(pinFile, []byte(SoftHSMPIN+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return modulePath, tokenLabel, pinFile
}

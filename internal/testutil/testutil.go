// Package testutil holds helpers for tests that use real external tools
// (poppler, qpdf, zbar, NSS). A missing tool skips the test with a one-line
// reason on a developer's laptop, but fails it when CERTA_REQUIRE_INTEGRATION
// is set, as .ci/run does, so CI never counts a skip as a pass.
package testutil

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// RequireTools skips or fails t unless every named program is on PATH.
func RequireTools(t testing.TB, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			Unavailable(t, n+" is not installed")
		}
	}
}

// Unavailable skips t with reason, or fails it under CERTA_REQUIRE_INTEGRATION.
func Unavailable(t testing.TB, reason string) {
	t.Helper()
	if os.Getenv("CERTA_REQUIRE_INTEGRATION") != "" {
		t.Fatalf("integration prerequisite missing (CERTA_REQUIRE_INTEGRATION is set): %s", reason)
	}
	t.Skip(reason)
}

// Run runs a program and returns its combined output; it fails t when the
// program cannot be started. The exit status is returned, not judged.
func Run(t testing.TB, name string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(name, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return string(out), ee.ExitCode()
		}
		t.Fatalf("%s: %v", name, err)
	}
	return string(out), 0
}

// Output runs a program and returns its standard output only, with the
// exit status; stderr is discarded (some tools print noise there).
func Output(t testing.TB, name string, args ...string) (string, int) {
	t.Helper()
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return string(out), ee.ExitCode()
		}
		t.Fatalf("%s: %v", name, err)
	}
	return string(out), 0
}

// DecodeQR returns the QR codes zbarimg finds in a PNG, one per line.
func DecodeQR(t testing.TB, png string) ([]string, error) {
	t.Helper()
	RequireTools(t, "zbarimg")
	out, code := Output(t, "zbarimg", "-q", "--raw", "-Sdisable", "-Sqrcode.enable", png)
	if code != 0 {
		return nil, fmt.Errorf("zbarimg exit %d: no QR code found", code)
	}
	return strings.Fields(out), nil
}

// NSSDB creates an NSS database in a temporary directory trusting the PEM
// root at rootPath, for pdfsig -nssdir. It returns the "sql:DIR" argument.
func NSSDB(t testing.TB, rootPath string) string {
	t.Helper()
	RequireTools(t, "certutil")
	dir := t.TempDir()
	if out, code := Run(t, "certutil", "-N", "-d", "sql:"+dir, "--empty-password"); code != 0 {
		t.Fatalf("certutil -N: %s", out)
	}
	if out, code := Run(t, "certutil", "-A", "-d", "sql:"+dir, "-n", "certa-demo-root", "-t", "CT,C,C", "-a", "-i", rootPath); code != 0 {
		t.Fatalf("certutil -A: %s", out)
	}
	return "sql:" + dir
}

// PdfsigReport is what poppler's pdfsig says about the first signature.
type PdfsigReport struct {
	Raw           string
	Valid         bool // "Signature Validation: Signature is Valid."
	Trusted       bool // "Certificate Validation: Certificate is Trusted."
	WholeDocument bool // "Total document signed"
}

// Pdfsig runs pdfsig on path with the NSS database nssdir. pdfsig exits 0
// even for bad signatures, so its text is parsed.
func Pdfsig(t testing.TB, nssdir, path string) PdfsigReport {
	t.Helper()
	RequireTools(t, "pdfsig")
	out, _ := Run(t, "pdfsig", "-nssdir", nssdir, path)
	return PdfsigReport{
		Raw:           out,
		Valid:         strings.Contains(out, "Signature Validation: Signature is Valid."),
		Trusted:       strings.Contains(out, "Certificate Validation: Certificate is Trusted."),
		WholeDocument: strings.Contains(out, "Total document signed"),
	}
}

// WriteTemp writes data to a file named name in a temporary directory.
func WriteTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

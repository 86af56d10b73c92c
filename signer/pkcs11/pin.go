package pkcs11

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// maxPINFileSize bounds what ReadPIN reads; a PIN file is one short line.
const maxPINFileSize = 1024

// ReadPIN returns the user PIN named by the URI's pin-source: the first
// line of a file that only its owner may access, or an environment
// variable read through getenv (nil means os.Getenv). Errors never contain
// the PIN.
func ReadPIN(u URI, getenv func(string) string) (string, error) {
	if u.PINSource == "" {
		return "", errors.New("pkcs11: the URI has no pin-source (use pin-source=file:/path or pin-source=env:NAME)")
	}
	kind, target, err := parsePINSource(u.PINSource)
	if err != nil {
		return "", err
	}
	if kind == "env" {
		if getenv == nil {
			getenv = os.Getenv
		}
		pin := getenv(target)
		if pin == "" {
			return "", fmt.Errorf("pkcs11: pin-source environment variable %s is not set or empty", target)
		}
		return pin, nil
	}
	return readPINFile(target)
}

func readPINFile(path string) (string, error) {
	// Stat before opening so that a FIFO cannot block us.
	if fi, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("pkcs11: pin-source: %w", err)
	} else if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("pkcs11: pin-source %s is not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("pkcs11: pin-source: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("pkcs11: pin-source: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("pkcs11: PIN file %s is accessible by group or others (mode %v); chmod 600 it", path, fi.Mode().Perm())
	}
	data, err := io.ReadAll(io.LimitReader(f, maxPINFileSize+1))
	if err != nil {
		return "", fmt.Errorf("pkcs11: read PIN file %s: %w", path, err)
	}
	if len(data) > maxPINFileSize {
		return "", fmt.Errorf("pkcs11: PIN file %s is larger than %d bytes", path, maxPINFileSize)
	}
	pin := strings.TrimSuffix(string(data), "\n")
	pin = strings.TrimSuffix(pin, "\r")
	switch {
	case pin == "":
		return "", fmt.Errorf("pkcs11: PIN file %s is empty", path)
	case strings.ContainsAny(pin, "\r\n"):
		return "", fmt.Errorf("pkcs11: PIN file %s has more than one line", path)
	}
	return pin, nil
}

// parsePINSource splits "file:/p", "file:///p" or "env:NAME" into its
// kind ("file" or "env") and target (the path or the variable name).
func parsePINSource(s string) (kind, target string, err error) {
	scheme, rest, _ := strings.Cut(s, ":")
	switch scheme {
	case "file":
		path := rest
		if p, ok := strings.CutPrefix(rest, "//"); ok {
			if !strings.HasPrefix(p, "/") {
				return "", "", errors.New("pkcs11: pin-source file URI must not name a host; use file:/absolute/path")
			}
			path = p
		}
		if !filepath.IsAbs(path) {
			return "", "", errors.New("pkcs11: pin-source file path must be absolute (file:/absolute/path)")
		}
		return "file", path, nil
	case "env":
		if !isEnvName(rest) {
			return "", "", errors.New("pkcs11: pin-source env:NAME needs a variable name of letters, digits and '_'")
		}
		return "env", rest, nil
	}
	return "", "", errors.New("pkcs11: pin-source must be file:/absolute/path or env:NAME")
}

func isEnvName(s string) bool {
	if s == "" || '0' <= s[0] && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

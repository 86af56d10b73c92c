package pkcs11

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"
)

// DefaultMaxSessions is the number of concurrent signing sessions used when
// the URI has no max-sessions attribute.
const DefaultMaxSessions = 8

// maxMaxSessions bounds max-sessions; more is a configuration mistake.
const maxMaxSessions = 1024

// URI is a parsed PKCS#11 URI naming a private key in a token. Build it
// with ParseURI; Open, Generate and ReadPIN check it again.
type URI struct {
	// Token attributes. At least one of Token, Serial and SlotID is
	// required; every one that is set must match the token.
	Token        string // token label
	Manufacturer string // token manufacturer ID
	Model        string // token model
	Serial       string // token serial number
	SlotID       *int   // PKCS#11 slot ID (slot-id)

	// Object attributes. At least one of Object and ID is required.
	Object string // CKA_LABEL of the key pair
	ID     []byte // CKA_ID of the key pair
	Type   string // "" or "private"

	// Query attributes.
	ModulePath  string // absolute path of the PKCS#11 module; required
	PINSource   string // "file:/abs/path", "file:///abs/path" or "env:NAME"
	MaxSessions int    // concurrent signing sessions; 0 means DefaultMaxSessions
}

const uriScheme = "pkcs11:"

// ParseURI parses an RFC 7512 PKCS#11 URI such as
//
//	pkcs11:token=Comune;object=seal;id=%01;type=private?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/etc/certa/pin
//
// Attributes certa does not understand, duplicates and pin-value are
// rejected. Error messages never repeat attribute values that could be
// secret.
func ParseURI(s string) (URI, error) {
	var u URI
	if len(s) < len(uriScheme) || !strings.EqualFold(s[:len(uriScheme)], uriScheme) {
		return u, errors.New(`pkcs11: URI must start with "pkcs11:"`)
	}
	path, query, _ := strings.Cut(s[len(uriScheme):], "?")
	seen := make(map[string]bool)
	if path != "" {
		for _, attr := range strings.Split(path, ";") {
			name, value, err := splitAttr(attr, "path", isPathChar, seen)
			if err != nil {
				return URI{}, err
			}
			if err := u.setPathAttr(name, value); err != nil {
				return URI{}, err
			}
		}
	}
	if query != "" {
		for _, attr := range strings.Split(query, "&") {
			name, value, err := splitAttr(attr, "query", isQueryChar, seen)
			if err != nil {
				return URI{}, err
			}
			if err := u.setQueryAttr(name, value); err != nil {
				return URI{}, err
			}
		}
	}
	if err := u.validate(); err != nil {
		return URI{}, err
	}
	return u, nil
}

// splitAttr splits name=value and percent-decodes the value. Errors name
// the attribute but never echo its value.
func splitAttr(attr, component string, allowed func(byte) bool, seen map[string]bool) (string, string, error) {
	if attr == "" {
		return "", "", fmt.Errorf("pkcs11: empty %s attribute (stray separator)", component)
	}
	name, raw, ok := strings.Cut(attr, "=")
	if !ok {
		return "", "", fmt.Errorf("pkcs11: %s attribute %q has no '='", component, truncate(name))
	}
	if name == "pin-value" {
		return "", "", errors.New("pkcs11: pin-value is not accepted: a PIN must not appear in configuration or flags; use pin-source=file:/path or pin-source=env:NAME")
	}
	if seen[name] {
		return "", "", fmt.Errorf("pkcs11: attribute %q appears more than once", truncate(name))
	}
	seen[name] = true
	value, err := unescape(raw, allowed)
	if err != nil {
		return "", "", fmt.Errorf("pkcs11: attribute %q: %w", truncate(name), err)
	}
	if value == "" {
		return "", "", fmt.Errorf("pkcs11: attribute %q has an empty value", truncate(name))
	}
	return name, value, nil
}

func (u *URI) setPathAttr(name, value string) error {
	switch name {
	case "token":
		u.Token = value
	case "manufacturer":
		u.Manufacturer = value
	case "model":
		u.Model = value
	case "serial":
		u.Serial = value
	case "slot-id":
		n, err := parseDecimal(value, math.MaxInt)
		if err != nil {
			return fmt.Errorf("pkcs11: slot-id %w", err)
		}
		u.SlotID = &n
	case "object":
		u.Object = value
	case "id":
		u.ID = []byte(value)
	case "type":
		u.Type = value
	case "library-manufacturer", "library-description", "library-version",
		"slot-manufacturer", "slot-description":
		return fmt.Errorf("pkcs11: path attribute %q is not supported; select the token with token, serial or slot-id", name)
	default:
		return fmt.Errorf("pkcs11: unknown path attribute %q (a URI with attributes certa cannot check would match the wrong key)", truncate(name))
	}
	return nil
}

func (u *URI) setQueryAttr(name, value string) error {
	switch name {
	case "module-path":
		u.ModulePath = value
	case "pin-source":
		u.PINSource = value
	case "max-sessions":
		n, err := parseDecimal(value, maxMaxSessions)
		if err != nil || n == 0 {
			return fmt.Errorf("pkcs11: max-sessions must be an integer from 1 to %d", maxMaxSessions)
		}
		u.MaxSessions = n
	case "module-name":
		return errors.New("pkcs11: module-name is not supported; use module-path with an absolute path")
	default:
		return fmt.Errorf("pkcs11: unknown query attribute %q", truncate(name))
	}
	return nil
}

// validate checks the invariants ParseURI guarantees, so that a URI built
// by hand is held to the same rules.
func (u URI) validate() error {
	for _, f := range []struct{ name, value string }{
		{"token", u.Token}, {"manufacturer", u.Manufacturer}, {"model", u.Model},
		{"serial", u.Serial}, {"object", u.Object}, {"type", u.Type},
		{"module-path", u.ModulePath}, {"pin-source", u.PINSource},
	} {
		if !utf8.ValidString(f.value) || strings.ContainsRune(f.value, 0) {
			return fmt.Errorf("pkcs11: attribute %s is not valid UTF-8 text", f.name)
		}
	}
	switch {
	case u.ModulePath == "":
		return errors.New("pkcs11: the URI needs module-path (the PKCS#11 module to load)")
	case !filepath.IsAbs(u.ModulePath):
		return errors.New("pkcs11: module-path must be an absolute path")
	case u.Token == "" && u.Serial == "" && u.SlotID == nil:
		return errors.New("pkcs11: the URI must select a token with token, serial or slot-id")
	case u.SlotID != nil && *u.SlotID < 0:
		return errors.New("pkcs11: slot-id must not be negative")
	case u.Object == "" && len(u.ID) == 0:
		return errors.New("pkcs11: the URI must name the key with object or id")
	case u.Type != "" && u.Type != "private":
		return errors.New("pkcs11: type must be private (certa signs with the private key)")
	case u.MaxSessions < 0 || u.MaxSessions > maxMaxSessions:
		return fmt.Errorf("pkcs11: max-sessions must be an integer from 1 to %d", maxMaxSessions)
	}
	if u.PINSource != "" {
		if _, _, err := parsePINSource(u.PINSource); err != nil {
			return err
		}
	}
	return nil
}

// maxSessions returns the effective number of signing sessions.
func (u URI) maxSessions() int {
	if u.MaxSessions == 0 {
		return DefaultMaxSessions
	}
	return u.MaxSessions
}

// String returns u in canonical form: attributes in a fixed order, id fully
// percent-encoded. ParseURI(u.String()) gives u back. A URI holds no PIN,
// so the result is safe to log.
func (u URI) String() string {
	var b strings.Builder
	b.WriteString(uriScheme)
	sep := ""
	path := func(name, value string) {
		if value != "" {
			b.WriteString(sep + name + "=" + escape(value, isPathChar))
			sep = ";"
		}
	}
	path("token", u.Token)
	path("manufacturer", u.Manufacturer)
	path("model", u.Model)
	path("serial", u.Serial)
	if u.SlotID != nil {
		path("slot-id", strconv.Itoa(*u.SlotID))
	}
	path("object", u.Object)
	if len(u.ID) > 0 {
		b.WriteString(sep + "id=" + escape(string(u.ID), func(byte) bool { return false }))
		sep = ";"
	}
	path("type", u.Type)

	sep = "?"
	query := func(name, value string) {
		if value != "" {
			b.WriteString(sep + name + "=" + escape(value, isQueryChar))
			sep = "&"
		}
	}
	query("module-path", u.ModulePath)
	query("pin-source", u.PINSource)
	if u.MaxSessions != 0 {
		query("max-sessions", strconv.Itoa(u.MaxSessions))
	}
	return b.String()
}

// describeToken names the token the URI selects, for error messages.
func (u URI) describeToken() string {
	var parts []string
	if u.Token != "" {
		parts = append(parts, fmt.Sprintf("token=%q", u.Token))
	}
	if u.Serial != "" {
		parts = append(parts, fmt.Sprintf("serial=%q", u.Serial))
	}
	if u.SlotID != nil {
		parts = append(parts, fmt.Sprintf("slot-id=%d", *u.SlotID))
	}
	if u.Manufacturer != "" {
		parts = append(parts, fmt.Sprintf("manufacturer=%q", u.Manufacturer))
	}
	if u.Model != "" {
		parts = append(parts, fmt.Sprintf("model=%q", u.Model))
	}
	return strings.Join(parts, " ")
}

// describeObject names the key the URI selects, for error messages.
func (u URI) describeObject() string {
	switch {
	case u.Object != "" && len(u.ID) > 0:
		return fmt.Sprintf("object=%q id=%x", u.Object, u.ID)
	case u.Object != "":
		return fmt.Sprintf("object=%q", u.Object)
	}
	return fmt.Sprintf("id=%x", u.ID)
}

// RFC 7512 section 2.3: characters allowed unencoded in attribute values.
func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

func isResAvail(c byte) bool { return strings.IndexByte(":[]@!$'()*+,=", c) >= 0 }

func isPathChar(c byte) bool { return isUnreserved(c) || isResAvail(c) || c == '&' }

func isQueryChar(c byte) bool {
	return isUnreserved(c) || isResAvail(c) || c == '/' || c == '?' || c == '|'
}

// unescape percent-decodes s, refusing characters that must be encoded.
func unescape(s string, allowed func(byte) bool) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%':
			if i+2 >= len(s) {
				return "", fmt.Errorf("truncated percent-encoding at byte %d", i)
			}
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if !ok1 || !ok2 {
				return "", fmt.Errorf("invalid percent-encoding at byte %d", i)
			}
			b.WriteByte(hi<<4 | lo)
			i += 2
		case allowed(c):
			b.WriteByte(c)
		default:
			return "", fmt.Errorf("character at byte %d must be percent-encoded", i)
		}
	}
	return b.String(), nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// escape percent-encodes every byte of s that allowed refuses.
func escape(s string, allowed func(byte) bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if allowed(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// parseDecimal parses 1*DIGIT no larger than limit.
func parseDecimal(s string, limit int) (int, error) {
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return 0, errors.New("must be a decimal number")
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > uint64(limit) {
		return 0, errors.New("is out of range")
	}
	return int(n), nil
}

// truncate shortens an attribute name echoed in an error.
func truncate(s string) string {
	if len(s) > 32 {
		return s[:32] + "..."
	}
	return s
}

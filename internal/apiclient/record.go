package apiclient

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// Record is a stored API client (see docs/clients.md). Its key is never
// stored, only the key's SHA-256; a revoked client (RevokedAt set) no
// longer authenticates, and a revocation is final.
type Record struct {
	// ID is a short name, e.g. "portale-milano" (see CheckID).
	ID string
	// KeyHash is the SHA-256 of the API key (HashKey).
	KeyHash [32]byte
	Scopes  Scopes
	// CreatedAt and RevokedAt are set by the store, at its clock;
	// RevokedAt is zero while the client is active.
	CreatedAt time.Time
	RevokedAt time.Time
	// RateLimit is the client's own limit in requests per second on the
	// authenticated API, with RateBurst requests at once; zero: no limit
	// of its own.
	RateLimit float64
	RateBurst int
	// DailyQuota bounds the certificates the client may issue per
	// calendar day; zero: no quota.
	DailyQuota int64
	// TLSCertSHA256 is the SHA-256 of the DER of the client certificate
	// the key must come with (mutual TLS); all zeros: none.
	TLSCertSHA256 [32]byte
}

// Client is the authenticated form of r.
func (r Record) Client() Client { return Client{ID: r.ID, Scopes: r.Scopes} }

// Revoked reports whether r was revoked.
func (r Record) Revoked() bool { return !r.RevokedAt.IsZero() }

// BoundToCert reports whether r's key needs a client certificate.
func (r Record) BoundToCert() bool { return r.TLSCertSHA256 != [32]byte{} }

// Limits bound the per-client settings.
const (
	MaxIDLen      = 63
	MaxRateLimit  = 1e6
	MaxRateBurst  = 1e6
	MaxDailyQuota = 1e12
)

// Check reports whether r can be stored: a valid ID and scopes, and limits
// in range (a burst only with a rate).
func (r Record) Check() error {
	if err := CheckID(r.ID); err != nil {
		return err
	}
	if len(r.Scopes) == 0 {
		return errors.New("a client needs at least one scope")
	}
	if _, err := ParseScopes(r.Scopes.String()); err != nil {
		return err
	}
	switch {
	case math.IsNaN(r.RateLimit) || r.RateLimit < 0 || r.RateLimit > MaxRateLimit:
		return fmt.Errorf("rate limit %v: want 0 (none) to %d requests per second", r.RateLimit, int(MaxRateLimit))
	case r.RateBurst < 0 || r.RateBurst > MaxRateBurst:
		return fmt.Errorf("rate burst %d: want 0 to %d", r.RateBurst, int(MaxRateBurst))
	case r.RateBurst > 0 && r.RateLimit == 0:
		return errors.New("a rate burst needs a rate limit")
	case r.DailyQuota < 0 || r.DailyQuota > MaxDailyQuota:
		return fmt.Errorf("daily quota %d: want 0 (none) to %d", r.DailyQuota, int64(MaxDailyQuota))
	}
	return nil
}

// Burst is the burst the client's rate limit allows: RateBurst, or one
// second's worth of requests (at least 1) when RateBurst is zero.
func (r Record) Burst() int {
	if r.RateBurst > 0 {
		return r.RateBurst
	}
	return max(1, int(math.Ceil(r.RateLimit)))
}

// CheckID reports whether id is a valid client ID: 1 to 63 lower-case
// ASCII letters, digits and hyphens, starting with a letter or digit.
func CheckID(id string) error {
	if id == "" || len(id) > MaxIDLen {
		return fmt.Errorf("client ID must be 1 to %d characters", MaxIDLen)
	}
	for i, c := range id {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-' && i > 0:
		default:
			return fmt.Errorf("client ID %q: use lower-case letters, digits and hyphens, starting with a letter or digit", id)
		}
	}
	return nil
}

// KeyPrefix starts every key certa generates, so that a leaked key is
// recognisable (e.g. by secret scanners).
const KeyPrefix = "certa_"

// keyBytes is the number of random bytes in a key.
const keyBytes = 32

// NewKey returns a new API key: KeyPrefix and 32 bytes from random (use
// crypto/rand.Reader) in unpadded base64url, 49 characters in all.
func NewKey(random io.Reader) (string, error) {
	b := make([]byte, keyBytes)
	if _, err := io.ReadFull(random, b); err != nil {
		return "", fmt.Errorf("generating an API key: %w", err)
	}
	return KeyPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// HashKey is the SHA-256 under which a key is stored and looked up.
func HashKey(key string) [32]byte { return sha256.Sum256([]byte(key)) }

// CertFingerprint reads a PEM file holding exactly one certificate and
// returns the SHA-256 of its DER, the pin of a client bound to it.
func CertFingerprint(pemData []byte) ([32]byte, error) {
	var der []byte
	rest := pemData
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		if der != nil {
			return [32]byte{}, errors.New("the PEM file holds more than one certificate; give the client's own only")
		}
		der = b.Bytes
	}
	if der == nil {
		return [32]byte{}, errors.New("no PEM CERTIFICATE block found")
	}
	if _, err := x509.ParseCertificate(der); err != nil {
		return [32]byte{}, fmt.Errorf("the certificate does not parse: %w", err)
	}
	return sha256.Sum256(der), nil
}

// Fingerprint writes a pin as lower-case hex, or "" for none.
func Fingerprint(sum [32]byte) string {
	if sum == [32]byte{} {
		return ""
	}
	return hex.EncodeToString(sum[:])
}

// QuotaDay is the calendar day, "YYYY-MM-DD", that t falls on in t's
// location: the day a daily quota counts against.
func QuotaDay(t time.Time) string { return t.Format(time.DateOnly) }

// Describe summarises r's settings for an audit outcome or a listing,
// without secrets: "scopes=issue,read rate-limit=5 burst=10
// daily-quota=1000 tls-cert=<first 16 hex digits>".
func (r Record) Describe() string {
	var b strings.Builder
	b.WriteString("scopes=" + r.Scopes.String())
	if r.RateLimit > 0 {
		fmt.Fprintf(&b, " rate-limit=%g burst=%d", r.RateLimit, r.Burst())
	}
	if r.DailyQuota > 0 {
		fmt.Fprintf(&b, " daily-quota=%d", r.DailyQuota)
	}
	if r.BoundToCert() {
		b.WriteString(" tls-cert=" + Fingerprint(r.TLSCertSHA256)[:16])
	}
	return b.String()
}

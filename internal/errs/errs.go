// Package errs defines certa's single error type. Every error that can reach
// a client carries a Kind; the HTTP layer maps kinds to RFC 9457 problem
// documents in one place (internal/httpapi). The client sees only the fixed,
// safe message of the kind (and the Public text when set); the detail in Err
// goes to the log and must not contain personal data.
package errs

import (
	"errors"
	"fmt"
)

// Kind classifies an error. The enum is append-only: never renumber or
// reuse a value, because kinds are recorded in logs and mapped to stable
// problem types.
type Kind int

const (
	Internal          Kind = iota // unexpected failure; detail only in the log
	InvalidRequest                // malformed body or parameters
	UnknownType                   // certificate type not supported
	InvalidFiscalCode             // codice fiscale malformed or checksum fails
	SubjectNotFound               // no resident with that codice fiscale
	Unauthorized                  // missing or wrong credentials
	NotAcceptable                 // Accept header names no format we serve
	UnsupportedMedia              // request body has the wrong content type
	PayloadTooLarge               // request body over the configured limit
	NotPDF                        // upload is empty or not a PDF
	NotFound                      // resource does not exist
	SigningFailed                 // the signer refused or failed
	Unavailable                   // a dependency is down; retry later
	NotCertifiable                // the registry data do not allow this certificate
	Conflict                      // the resource exists already
	RateLimited                   // too many requests from this client; retry later
	Forbidden                     // authenticated, but the credentials lack the scope
	QuotaExceeded                 // the client's daily issuance quota is used up
	IdempotencyReuse              // an Idempotency-Key already used with another request
	DocumentGone                  // the certificate exists, its stored document no longer does
	Overloaded                    // the server is at capacity; retry shortly
)

// Error is certa's error type.
type Error struct {
	Kind Kind
	// Public is an optional, safe, client-facing detail (no personal data).
	Public string
	// Err is the underlying cause, for logs only.
	Err error
	// Rule and Title name the rule that refused a NotCertifiable request:
	// its stable kebab-case slug and its short English title (the problem
	// subtype). Empty for every other error.
	Rule  string
	Title string
}

func (e *Error) Error() string {
	kind := e.Kind.String()
	if e.Rule != "" {
		kind += "/" + e.Rule
	}
	switch {
	case e.Err != nil && e.Public != "":
		return fmt.Sprintf("%s: %s: %v", kind, e.Public, e.Err)
	case e.Err != nil:
		return fmt.Sprintf("%s: %v", kind, e.Err)
	case e.Public != "":
		return fmt.Sprintf("%s: %s", kind, e.Public)
	}
	return kind
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error of kind k with a public detail.
func New(k Kind, public string) error { return &Error{Kind: k, Public: public} }

// Wrap returns an error of kind k around cause, with a public detail.
func Wrap(k Kind, public string, cause error) error {
	return &Error{Kind: k, Public: public, Err: cause}
}

// KindOf returns the kind of err, or Internal when err is not an *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// PublicOf returns the public detail of err, if any.
func PublicOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Public
	}
	return ""
}

// RuleOf returns the slug and title of the rule err carries, if any.
func RuleOf(err error) (slug, title string) {
	var e *Error
	if errors.As(err, &e) {
		return e.Rule, e.Title
	}
	return "", ""
}

var kindNames = [...]string{
	Internal:          "internal",
	InvalidRequest:    "invalid-request",
	UnknownType:       "unknown-type",
	InvalidFiscalCode: "invalid-fiscal-code",
	SubjectNotFound:   "subject-not-found",
	Unauthorized:      "unauthorized",
	NotAcceptable:     "not-acceptable",
	UnsupportedMedia:  "unsupported-media-type",
	PayloadTooLarge:   "payload-too-large",
	NotPDF:            "not-a-pdf",
	NotFound:          "not-found",
	SigningFailed:     "signing-failed",
	Unavailable:       "unavailable",
	NotCertifiable:    "not-certifiable",
	Conflict:          "conflict",
	RateLimited:       "rate-limited",
	Forbidden:         "forbidden",
	QuotaExceeded:     "quota-exceeded",
	IdempotencyReuse:  "idempotency-key-reused",
	DocumentGone:      "document-gone",
	Overloaded:        "overloaded",
}

// String returns the stable slug of k, used as the last segment of the
// problem type URI.
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

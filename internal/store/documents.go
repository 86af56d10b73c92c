package store

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/ledger"
)

// ErrIdempotencyKeyTaken is wrapped by RecordIssue's errs.Conflict when the
// idempotency entry's client and key are recorded already.
var ErrIdempotencyKeyTaken = errors.New("idempotency key recorded already")

// Issuance is what RecordIssue writes in one transaction.
type Issuance struct {
	Record ledger.Record
	// PDF is the signed document as delivered; nil stores none. Its
	// SHA-256 must be Record.SHA256 (errs.InvalidRequest otherwise).
	PDF []byte
	// Idempotency, when set, records the request's key; its Code must be
	// Record.Code or empty (then Record.Code is used).
	Idempotency *IdempotencyEntry
	// Parts are byte sequences PDF may share with other documents (its
	// font programs): the store keeps each once (SharedPart). PartsAt,
	// when set, says where PDF holds each (-1: nowhere), so that the store
	// need not search for them; a wrong place only costs the search.
	Parts   []SharedPart
	PartsAt []int
}

// IdempotencyEntry ties a client's Idempotency-Key to the certificate it
// produced.
type IdempotencyEntry struct {
	Client string // the API client or operator (the ledger's Requester)
	Key    string // the key as the client sent it (1-255 bytes)
	// RequestHash identifies the request's content; a retry with the same
	// key must carry the same hash.
	RequestHash [32]byte
	Code        string    // the certificate's canonical code
	CreatedAt   time.Time // the store's clock at RecordIssue
}

// ListCursor is the position after which ListBySubject continues: the
// last certificate of the previous page.
type ListCursor struct {
	IssuedAt time.Time
	Code     string
}

// MaxListLimit is the largest page ListBySubject returns.
const MaxListLimit = 500

// PurgeResult counts what PurgeDocuments deleted.
type PurgeResult struct {
	Documents int64 // stored PDFs deleted (their ledger rows stay)
	Keys      int64 // idempotency entries deleted
	Batches   int64 // finished batches deleted, with their items
}

// MaxIdempotencyKey is the longest idempotency key stores accept, in bytes.
const MaxIdempotencyKey = 255

// Check returns the errs.InvalidRequest error a store gives iss beyond
// what it checks of iss.Record, or nil; it fills in an empty
// Idempotency.Code.
func (iss *Issuance) Check() error {
	if iss.PDF != nil && sha256.Sum256(iss.PDF) != iss.Record.SHA256 {
		return errs.New(errs.InvalidRequest, "the document's digest is not the certificate's")
	}
	if e := iss.Idempotency; e != nil {
		if e.Code == "" {
			e.Code = iss.Record.Code
		}
		switch {
		case e.Client == "" || e.Key == "" || len(e.Key) > MaxIdempotencyKey:
			return errs.New(errs.InvalidRequest, "an idempotency entry needs a client and a key of 1 to 255 bytes")
		case e.Code != iss.Record.Code:
			return errs.New(errs.InvalidRequest, "an idempotency entry names the certificate it records")
		case !utf8.ValidString(e.Client) || !utf8.ValidString(e.Key) || strings.ContainsRune(e.Client+e.Key, 0):
			return errs.New(errs.InvalidRequest, "idempotency client and key must be UTF-8 text without NUL characters")
		}
	}
	return nil
}

// CheckListLimit refuses a page size outside 1..MaxListLimit.
func CheckListLimit(limit int) error {
	if limit < 1 || limit > MaxListLimit {
		return errs.New(errs.InvalidRequest, fmt.Sprintf("the page size must be between 1 and %d", MaxListLimit))
	}
	return nil
}

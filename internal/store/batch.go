package store

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"certa.example/certa/internal/errs"
)

// Batches.
//
// A batch is a job of many issuance requests, stored whole before any is
// issued (see docs/batches.md). CreateBatch stores the batch row, every
// item and the "batch.create" audit event in one transaction, reading the
// items from a BatchSource so that a million of them take flat memory.
// Workers (any process sharing the database) take a batch with
// ClaimBatch, which gives them a lease until a time of the store's clock;
// while they hold it (owner matches, status running, lease not expired at
// the store's clock) they may RenewLease, FinishItems and CompleteBatch,
// and otherwise those calls are errs.Conflict and write nothing. A batch
// whose lease has expired is claimed again by the next ClaimBatch, which
// is how a restarted process resumes it: its pending items are issued
// again with the same idempotency key (batch id and seq), so an item
// issued just before the crash is replayed, not issued twice.

// Audit actions of batches. Their events name the batch by its id and
// carry counts only, never a request's content.
const (
	ActionBatchCreate   = "batch.create"   // outcome "ok items=N"
	ActionBatchComplete = "batch.complete" // outcome "ok items=N issued=I failed=F"
	ActionBatchCancel   = "batch.cancel"   // outcome "ok items=N issued=I failed=F pending=P"
)

// BatchCreateOutcome is the outcome of ActionBatchCreate.
func BatchCreateOutcome(items int64) string { return fmt.Sprintf("ok items=%d", items) }

// BatchCompleteOutcome is the outcome of ActionBatchComplete.
func BatchCompleteOutcome(b Batch) string {
	return fmt.Sprintf("ok items=%d issued=%d failed=%d", b.Total, b.Issued, b.Failed)
}

// BatchCancelOutcome is the outcome of ActionBatchCancel.
func BatchCancelOutcome(b Batch) string {
	return fmt.Sprintf("ok items=%d issued=%d failed=%d pending=%d", b.Total, b.Issued, b.Failed, b.Pending())
}

// BatchStatus is where a batch is in its life: queued → running → done,
// or cancelled from queued or running. done and cancelled are final.
type BatchStatus string

const (
	BatchQueued    BatchStatus = "queued"
	BatchRunning   BatchStatus = "running"
	BatchDone      BatchStatus = "done"
	BatchCancelled BatchStatus = "cancelled"
)

// ItemStatus is an item's outcome: pending until FinishItems marks it
// issued or failed, which is final.
type ItemStatus string

const (
	ItemPending ItemStatus = "pending"
	ItemIssued  ItemStatus = "issued"
	ItemFailed  ItemStatus = "failed"
)

// Limits of batch items and pages.
const (
	// MaxBatchRequest is the largest request line, in bytes.
	MaxBatchRequest = 64 << 10
	// MaxBatchPage is the largest limit PendingItems and BatchItems take.
	MaxBatchPage = 10_000
	// maxProblemText bounds a failed item's problem type and detail.
	maxProblemText = 1024
)

// Batch is a batch's row: its progress and lease.
type Batch struct {
	ID        string
	Client    string // the API client (or "cli") that submitted it
	CreatedAt time.Time
	Status    BatchStatus
	// Total counts the items; Issued and Failed the finished ones.
	Total, Issued, Failed int64
	// LeaseOwner holds the batch until LeaseExpires; both are empty for a
	// batch never claimed. They are kept after the batch ends.
	LeaseOwner   string
	LeaseExpires time.Time
	// InputSHA256 is the digest of the submitted file, as the caller gave it.
	InputSHA256 [32]byte
	// FinishedAt is when the batch became done or cancelled; zero before.
	FinishedAt time.Time
}

// Pending is the number of items neither issued nor failed.
func (b Batch) Pending() int64 { return b.Total - b.Issued - b.Failed }

// BatchItem is one request of a batch and its outcome.
type BatchItem struct {
	// Seq is the item's 1-based line number in the submitted file.
	Seq int64
	// Request is the request line as submitted: one JSON object.
	Request []byte
	Status  ItemStatus
	// Code is the issued certificate's code (issued items).
	Code string
	// ProblemType and ProblemDetail say why the item failed: the problem
	// document's type and its public detail (failed items).
	ProblemType, ProblemDetail string
}

// NewBatch is what CreateBatch needs beside the items.
type NewBatch struct {
	Client      string
	InputSHA256 [32]byte
}

// BatchSource returns the next item of a batch (Seq and Request only), and
// io.EOF after the last. Any other error aborts CreateBatch, which then
// stores nothing and returns it wrapped. The Request may be reused by the
// source after the next call.
type BatchSource func() (BatchItem, error)

// ItemResult is the outcome of one item: issued when Code is set, failed
// when ProblemType is set (exactly one of them).
type ItemResult struct {
	Seq                        int64
	Code                       string
	ProblemType, ProblemDetail string
}

// BatchStore is the batch part of Store (see the section comment above).
type BatchStore interface {
	// CreateBatch stores a queued batch for nb.Client with every item next
	// returns, and its audit event, in one transaction, and returns the
	// batch. Seqs must increase strictly from 1 or more (gaps are allowed:
	// blank lines); requests must be JSON objects of at most
	// MaxBatchRequest bytes, valid UTF-8 without NUL. A batch of no items,
	// an invalid item or a source error stores nothing
	// (errs.InvalidRequest naming the seq, or the source's error). The
	// transaction lasts as long as the source: spool uploads first. On the
	// embedded store it holds the write lock throughout.
	CreateBatch(ctx context.Context, nb NewBatch, next BatchSource) (Batch, error)

	// ClaimBatch takes the oldest batch, by creation, that is queued, or
	// running with an expired lease, and makes it running, held by owner
	// until the store's clock plus lease. ok is false when there is none.
	// Concurrent claims, from any number of handles or processes, never
	// hand one batch to two owners at once.
	ClaimBatch(ctx context.Context, owner string, lease time.Duration) (b Batch, ok bool, err error)

	// ClaimBatchID is ClaimBatch for batch id only: ok is false when id
	// is unknown, finished, cancelled or held under an unexpired lease.
	// `certa batch` runs its own batch with it.
	ClaimBatchID(ctx context.Context, id, owner string, lease time.Duration) (b Batch, ok bool, err error)
	// RenewLease extends owner's lease of batch id to the store's clock
	// plus lease. errs.Conflict when owner does not hold it (anymore);
	// errs.NotFound for an unknown id.
	RenewLease(ctx context.Context, id, owner string, lease time.Duration) (Batch, error)

	// PendingItems returns up to limit pending items of batch id with a
	// seq above after, in seq order.
	PendingItems(ctx context.Context, id string, after int64, limit int) ([]BatchItem, error)

	// FinishItems records results and updates the counts, in one
	// transaction, while owner holds the lease (else errs.Conflict and
	// nothing is written). An item finished already keeps its first
	// outcome and is not counted again. A seq outside the batch or an
	// invalid result is errs.InvalidRequest; nothing is written then.
	FinishItems(ctx context.Context, id, owner string, results []ItemResult) (Batch, error)

	// CompleteBatch marks batch id done once every item is finished, with
	// its audit event, while owner holds the lease; errs.Conflict
	// otherwise (nothing written).
	CompleteBatch(ctx context.Context, id, owner string) (Batch, error)

	// CancelBatch cancels a queued or running batch for actor, with its
	// audit event; pending items stay pending and the lease holder's next
	// call is errs.Conflict. A done or cancelled batch is errs.Conflict.
	CancelBatch(ctx context.Context, id, actor string) (Batch, error)

	// Batch returns batch id, or errs.NotFound.
	Batch(ctx context.Context, id string) (Batch, error)

	// BatchItems returns up to limit items of batch id, whatever their
	// status, with a seq above after, in seq order; errs.NotFound for an
	// unknown id.
	BatchItems(ctx context.Context, id string, after int64, limit int) ([]BatchItem, error)
}

// batchIDEncoding is lower-case base32 without padding: URL-safe and
// case-insensitive readable.
var batchIDEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewBatchID returns a random batch id: 128 bits from crypto/rand in 26
// lower-case base32 characters.
func NewBatchID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand panics rather)
	return batchIDEncoding.EncodeToString(b[:])
}

// ValidBatchID reports whether id has the form NewBatchID returns. Stores
// answer errs.NotFound for other ids without asking the database.
func ValidBatchID(id string) bool {
	if len(id) != 26 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || '2' <= c && c <= '7') {
			return false
		}
	}
	return true
}

// ErrBatchNotFound is the error of an unknown batch id.
func ErrBatchNotFound() error { return errs.New(errs.NotFound, "no batch matches") }

// ErrLeaseLost is the error of a call whose owner does not hold the lease.
func ErrLeaseLost() error {
	return errs.New(errs.Conflict, "the batch is not held by this worker (lease lost, batch cancelled or done)")
}

// CheckNewBatch checks nb before CreateBatch reads any item.
func CheckNewBatch(nb NewBatch) error {
	if nb.Client == "" || !validText(nb.Client) {
		return errs.New(errs.InvalidRequest, "a batch needs a client: UTF-8 text without NUL characters")
	}
	return nil
}

// CheckBatchItem checks the item that follows seq prev in CreateBatch.
// Its errors name the seq, never the content.
func CheckBatchItem(prev int64, it BatchItem) error {
	bad := func(why string) error {
		return errs.New(errs.InvalidRequest, fmt.Sprintf("batch item %d: %s", it.Seq, why))
	}
	switch {
	case it.Seq <= prev:
		return errs.New(errs.InvalidRequest, fmt.Sprintf("batch item %d follows item %d: seqs must increase", it.Seq, prev))
	case len(it.Request) == 0:
		return bad("empty request")
	case len(it.Request) > MaxBatchRequest:
		return bad(fmt.Sprintf("request longer than %d bytes", MaxBatchRequest))
	case !utf8.Valid(it.Request) || strings.IndexByte(string(it.Request), 0) >= 0:
		return bad("request is not UTF-8 text without NUL characters")
	case it.Request[0] != '{' || !json.Valid(it.Request):
		return bad("request is not a JSON object")
	}
	return nil
}

// CheckItemResults checks FinishItems' results (not whether their seqs
// exist).
func CheckItemResults(results []ItemResult) error {
	seen := make(map[int64]bool, len(results))
	for _, r := range results {
		bad := func(why string) error {
			return errs.New(errs.InvalidRequest, fmt.Sprintf("result of batch item %d: %s", r.Seq, why))
		}
		switch {
		case r.Seq <= 0:
			return bad("seq must be positive")
		case seen[r.Seq]:
			return bad("given twice")
		case (r.Code == "") == (r.ProblemType == ""):
			return bad("needs either a code or a problem type")
		case r.Code != "" && r.ProblemDetail != "":
			return bad("an issued item has no problem detail")
		case len(r.Code) > maxProblemText || len(r.ProblemType) > maxProblemText || len(r.ProblemDetail) > maxProblemText:
			return bad(fmt.Sprintf("fields longer than %d bytes", maxProblemText))
		case !validText(r.Code) || !validText(r.ProblemType) || !validText(r.ProblemDetail):
			return bad("fields must be UTF-8 text without NUL characters")
		}
		seen[r.Seq] = true
	}
	return nil
}

// CheckActor checks the actor of CancelBatch.
func CheckActor(actor string) error {
	if actor == "" || !validText(actor) {
		return errs.New(errs.InvalidRequest, "an actor is needed: UTF-8 text without NUL characters")
	}
	return nil
}

// CheckLease checks a lease duration.
func CheckLease(owner string, lease time.Duration) error {
	switch {
	case owner == "" || !validText(owner) || len(owner) > maxProblemText:
		return errs.New(errs.InvalidRequest, "a lease needs an owner: UTF-8 text without NUL characters")
	case lease <= 0 || lease > 24*time.Hour:
		return errs.New(errs.InvalidRequest, "a lease lasts more than 0 and at most 24 hours")
	}
	return nil
}

// CheckPage checks a page's cursor and limit.
func CheckPage(after int64, limit int) error {
	if after < 0 || limit <= 0 || limit > MaxBatchPage {
		return errs.New(errs.InvalidRequest, fmt.Sprintf("page: after must be 0 or more, limit 1 to %d", MaxBatchPage))
	}
	return nil
}

func validText(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

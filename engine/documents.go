package engine

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/ledger"
	"certa.example/certa/internal/store"
	"certa.example/certa/internal/vcode"
)

// Stored documents and idempotent issuance.
//
// Issue stores the signed PDF with the ledger row when the engine keeps
// documents (Config.DocumentRetention > 0) or the request has an
// IdempotencyKey, in the same transaction (store.RecordIssue). A request
// with an IdempotencyKey is answered, for at least IdempotencyWindow after
// the first success, with the certificate that first success issued (same
// code, same bytes; Issued.Replayed is true), as long as its content is
// the same; another request under the same key is errs.IdempotencyReuse.
// Keys are scoped by Request.Requester (the API client). Concurrent
// requests with one key, in any number of processes sharing the store,
// issue one certificate: each renders and signs, one records, and the
// others answer with its certificate. A failed request records nothing,
// so its retry runs again.

// IdempotencyWindow is how long an idempotency key is kept at least: a
// retry within it gets the first answer; the purge forgets it after.
const IdempotencyWindow = 24 * time.Hour

// ParseIdempotencyKey reads an Idempotency-Key header: 1 to 255 visible
// ASCII characters (no space, quote or backslash), optionally within
// double quotes (the structured-field string form of
// draft-ietf-httpapi-idempotency-key-header). Anything else is
// errs.InvalidRequest, with a fixed message.
func ParseIdempotencyKey(h string) (string, error) {
	k := h
	if len(k) >= 2 && k[0] == '"' && k[len(k)-1] == '"' {
		k = k[1 : len(k)-1]
	}
	if k == "" || len(k) > store.MaxIdempotencyKey {
		return "", errs.New(errs.InvalidRequest, "Idempotency-Key must be 1 to 255 visible ASCII characters, such as a UUID")
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; c <= ' ' || c >= 0x7f || c == '"' || c == '\\' {
			return "", errs.New(errs.InvalidRequest, "Idempotency-Key must be 1 to 255 visible ASCII characters, such as a UUID")
		}
	}
	return k, nil
}

// requestHash identifies what req asks for: every field but the
// requester (the key's scope) and the key itself. encoding/json writes a
// struct's fields in their order, so new Request fields count too.
func requestHash(req Request) ([32]byte, error) {
	req.Requester, req.IdempotencyKey = "", ""
	b, err := json.Marshal(req)
	if err != nil {
		return [32]byte{}, errs.Wrap(errs.Internal, "", fmt.Errorf("request hash: %w", err))
	}
	return sha256.Sum256(b), nil
}

// checkIdempotent checks the key and requester of an idempotent request.
func checkIdempotent(req Request) error {
	// Request.IdempotencyKey is the parsed key: unquoted.
	if k, err := ParseIdempotencyKey(req.IdempotencyKey); err != nil || k != req.IdempotencyKey {
		return errs.New(errs.InvalidRequest, "Idempotency-Key must be 1 to 255 visible ASCII characters, such as a UUID")
	}
	if req.Requester == "" {
		return errs.New(errs.InvalidRequest, "an idempotent request needs a requester")
	}
	return nil
}

// replay answers req from its idempotency entry: ok is false when the key
// has none (the request must be issued).
func (e *Engine) replay(ctx context.Context, req Request) (iss Issued, ok bool, err error) {
	if err := checkIdempotent(req); err != nil {
		return Issued{}, false, err
	}
	ent, err := e.store.Idempotency(ctx, req.Requester, req.IdempotencyKey)
	switch {
	case errs.KindOf(err) == errs.NotFound:
		return Issued{}, false, nil
	case err != nil:
		return Issued{}, false, err
	}
	h, err := requestHash(req)
	if err != nil {
		return Issued{}, false, err
	}
	if h != ent.RequestHash {
		return Issued{}, false, errs.New(errs.IdempotencyReuse, "this Idempotency-Key was used with another request; use a new key for a new request")
	}
	rec, err := e.store.ByCode(ctx, ent.Code)
	if err != nil {
		return Issued{}, false, errs.Wrap(errs.Internal, "", fmt.Errorf("idempotency entry names %s: %w", ent.Code, err))
	}
	pdf, err := e.store.Document(ctx, ent.Code)
	if err != nil {
		return Issued{}, false, errs.Wrap(errs.Internal, "", fmt.Errorf("document of idempotency entry %s: %w", ent.Code, err))
	}
	return Issued{
		Code: rec.Code, Type: rec.Type, IssuedAt: rec.IssuedAt, ExpiresAt: rec.ExpiresAt,
		SHA256: rec.SHA256, VerifyURL: e.VerifyURL(rec.Code), PDF: pdf, Replayed: true,
	}, true, nil
}

// record commits rec with its document and idempotency entry. When
// another request with the same key won the race, it returns that
// request's certificate (replayed true) and records nothing. With a group
// commit, ticket (store.GroupCommit.Track) records it; else the store.
func (e *Engine) record(ctx context.Context, req Request, rec ledger.Record, pdf []byte, partsAt []int, ticket *store.Ticket) (iss Issued, replayed bool, err error) {
	ri := store.Issuance{Record: rec}
	if e.cfg.DocumentRetention > 0 || req.IdempotencyKey != "" {
		// Signing appends to the rendered PDF: the parts stay where the
		// renderer put them.
		ri.PDF, ri.Parts, ri.PartsAt = pdf, e.parts, partsAt
	}
	if req.IdempotencyKey != "" {
		h, err := requestHash(req)
		if err != nil {
			return Issued{}, false, err
		}
		ri.Idempotency = &store.IdempotencyEntry{Client: req.Requester, Key: req.IdempotencyKey, RequestHash: h}
	}
	if ticket != nil {
		err = ticket.RecordIssue(ctx, ri)
	} else {
		err = e.store.RecordIssue(ctx, ri)
	}
	if !errors.Is(err, store.ErrIdempotencyKeyTaken) {
		return Issued{}, false, err
	}
	iss, ok, err := e.replay(ctx, req)
	switch {
	case err != nil:
		return Issued{}, false, err
	case !ok: // purged in between: very unlikely; a retry issues afresh
		return Issued{}, false, errs.New(errs.Unavailable, "a concurrent request with this Idempotency-Key did not finish; retry")
	}
	return iss, true, nil
}

// Document returns the stored PDF of the certificate code (canonical),
// whose ledger row the caller has read: errs.DocumentGone when it is not
// stored (the retention passed, or documents are not kept).
func (e *Engine) Document(ctx context.Context, code string) ([]byte, error) {
	pdf, err := e.store.Document(ctx, code)
	if errs.KindOf(err) == errs.NotFound {
		return nil, errs.New(errs.DocumentGone, "the document of this certificate is no longer stored; its verification page still answers")
	}
	return pdf, err
}

// Certificate returns the ledger record of a typed code, or
// errs.NotFound (also for a malformed code).
func (e *Engine) Certificate(ctx context.Context, typed string) (ledger.Record, error) {
	st, err := e.Lookup(ctx, typed)
	if err != nil {
		return ledger.Record{}, err
	}
	if st.Status == ledger.StatusUnknown {
		return ledger.Record{}, errs.New(errs.NotFound, "no certificate has this code")
	}
	return st.Record, nil
}

// DefaultListLimit is the page size of ListBySubject when none is asked.
const DefaultListLimit = 50

// MaxListLimit is the largest page size ListBySubject gives.
const MaxListLimit = 200

// ListBySubject returns a page of the certificates of the holder subject
// (a codice fiscale), newest first, after the opaque cursor (empty: from
// the newest), and the cursor of the next page ("" when this is the
// last). limit 0 means DefaultListLimit; above MaxListLimit, or a
// malformed cursor, is errs.InvalidRequest.
func (e *Engine) ListBySubject(ctx context.Context, subject, cursor string, limit int) ([]ledger.Record, string, error) {
	if limit == 0 {
		limit = DefaultListLimit
	}
	if limit < 1 || limit > MaxListLimit {
		return nil, "", errs.New(errs.InvalidRequest, fmt.Sprintf("limit must be between 1 and %d", MaxListLimit))
	}
	var after *store.ListCursor
	if cursor != "" {
		c, err := ParseCursor(cursor)
		if err != nil {
			return nil, "", err
		}
		after = &c
	}
	// One more than asked says whether a next page exists.
	recs, err := e.store.ListBySubject(ctx, subject, after, limit+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(recs) > limit {
		recs = recs[:limit]
		last := recs[limit-1]
		next = FormatCursor(store.ListCursor{IssuedAt: last.IssuedAt, Code: last.Code})
	}
	return recs, next, nil
}

// FormatCursor writes c as an opaque URL-safe token that ParseCursor reads.
func FormatCursor(c store.ListCursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.IssuedAt.UnixNano(), 10) + "." + c.Code))
}

// ParseCursor reads a FormatCursor token; anything else is
// errs.InvalidRequest.
func ParseCursor(s string) (store.ListCursor, error) {
	bad := errs.New(errs.InvalidRequest, "the cursor is not one this API gave")
	if len(s) > 64 {
		return store.ListCursor{}, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	// The decoder skips newlines; only the canonical spelling is a cursor.
	if err != nil || base64.RawURLEncoding.EncodeToString(b) != s {
		return store.ListCursor{}, bad
	}
	ns, code, ok := strings.Cut(string(b), ".")
	if !ok {
		return store.ListCursor{}, bad
	}
	n, err := strconv.ParseInt(ns, 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != ns {
		return store.ListCursor{}, bad
	}
	canon, err := vcode.Parse(code)
	if err != nil || canon != code {
		return store.ListCursor{}, bad
	}
	return store.ListCursor{IssuedAt: time.Unix(0, n).UTC(), Code: code}, nil
}

// PurgeDocuments deletes the stored documents older than the retention
// and the idempotency entries older than IdempotencyWindow (a document
// stays while its entry does); ledger rows stay. Its times come from the
// engine's clock.
func (e *Engine) PurgeDocuments(ctx context.Context) (store.PurgeResult, error) {
	now := e.cfg.Now()
	return e.store.PurgeDocuments(ctx, now.Add(-e.cfg.DocumentRetention), now.Add(-IdempotencyWindow))
}

// PurgeLoop runs PurgeDocuments now and then every interval until ctx
// ends, and hands each outcome to report (for the log).
func (e *Engine) PurgeLoop(ctx context.Context, interval time.Duration, report func(store.PurgeResult, error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		res, err := e.PurgeDocuments(ctx)
		if ctx.Err() != nil {
			return
		}
		report(res, err)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

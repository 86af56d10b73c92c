// Package batch holds the parts of batch issuance that touch neither HTTP
// nor a database: the strict JSON Lines reader of request files, the
// streaming writers of results (a ZIP, or a directory), the idempotency
// key of an item, and the progress and ETA estimate. The job model,
// lifecycle and formats are in docs/batches.md; persistence is
// store.BatchStore.
//
// Everything streams: the reader holds one line at a time, the writers one
// page of items and one PDF at a time, so memory stays flat for a million
// items. No error text quotes a request: errors name line numbers and
// reasons only, because requests carry fiscal codes.
package batch

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"unicode/utf8"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/store"
)

// MaxLine is the longest request line, in bytes, without its line ending.
const MaxLine = store.MaxBatchRequest

// LineError is a request file's defect: the 1-based line number and a
// fixed reason, never the line's content.
type LineError struct {
	Line   int64
	Reason string
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// Reasons of LineError.
const (
	ReasonTooLong   = "longer than 65536 bytes"
	ReasonNotUTF8   = "not UTF-8 text"
	ReasonNotObject = "not a JSON object"
	ReasonTooMany   = "more requests than the limit of a batch"
)

// Reader reads a request file: JSON Lines, one request (a JSON object) per
// line. The rules, deliberately strict yet tolerant of what editors and
// tools commonly write:
//
//   - Lines end with "\n"; a "\r" before it is dropped ("\r\n" files).
//   - The last line may lack its "\n" (it counts as a line all the same).
//   - A UTF-8 byte order mark at the start of the file is skipped.
//   - Blank lines (empty, or only spaces, tabs and "\r") are skipped but
//     counted, so that seq is always the line number in the file.
//   - Spaces and tabs around the object are ignored. Anything else must
//     be exactly one JSON object in UTF-8 of at most MaxLine bytes: a
//     line that is not is an error naming its number (LineError, wrapped
//     in errs.InvalidRequest), and reading stops there.
//   - A file without any request is an error.
//
// Reader also hashes every byte it reads, for the batch's input digest.
type Reader struct {
	r        *bufio.Reader
	h        hash.Hash
	line     int64 // lines read
	items    int64 // requests returned
	maxItems int64
	buf      []byte
	err      error // sticky
}

// NewReader returns a reader of r that accepts at most maxItems requests
// (0: no limit).
func NewReader(r io.Reader, maxItems int64) *Reader {
	h := sha256.New()
	return &Reader{
		r:        bufio.NewReaderSize(io.TeeReader(r, h), MaxLine+2), // the line, "\r" and "\n"
		h:        h,
		maxItems: maxItems,
	}
}

// Next returns the next request with its line number, io.EOF after the
// last, or the error that stopped the reading (again on later calls). The
// request's bytes are valid until the next call.
func (rd *Reader) Next() (store.BatchItem, error) {
	if rd.err != nil {
		return store.BatchItem{}, rd.err
	}
	it, err := rd.next()
	if err != nil {
		rd.err = err
	}
	return it, err
}

func (rd *Reader) next() (store.BatchItem, error) {
	for {
		line, err := rd.r.ReadSlice('\n')
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			rd.line++
			return store.BatchItem{}, rd.lineErr(ReasonTooLong)
		case err == io.EOF && len(line) == 0:
			if rd.items == 0 {
				return store.BatchItem{}, errs.New(errs.InvalidRequest, "the file holds no request")
			}
			return store.BatchItem{}, io.EOF
		case err != nil && err != io.EOF:
			return store.BatchItem{}, fmt.Errorf("reading line %d: %w", rd.line+1, err)
		}
		rd.line++
		line = bytes.TrimSuffix(line, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if rd.line == 1 {
			line = bytes.TrimPrefix(line, []byte("\ufeff"))
		}
		if len(line) > MaxLine {
			return store.BatchItem{}, rd.lineErr(ReasonTooLong)
		}
		line = bytes.Trim(line, " \t\r")
		if len(line) == 0 {
			continue // blank
		}
		if !utf8.Valid(line) {
			return store.BatchItem{}, rd.lineErr(ReasonNotUTF8)
		}
		if line[0] != '{' || !json.Valid(line) {
			return store.BatchItem{}, rd.lineErr(ReasonNotObject)
		}
		if rd.maxItems > 0 && rd.items == rd.maxItems {
			return store.BatchItem{}, rd.lineErr(ReasonTooMany)
		}
		rd.items++
		rd.buf = append(rd.buf[:0], line...)
		return store.BatchItem{Seq: rd.line, Request: rd.buf}, nil
	}
}

func (rd *Reader) lineErr(reason string) error {
	le := &LineError{Line: rd.line, Reason: reason}
	return errs.Wrap(errs.InvalidRequest, le.Error(), le)
}

// Source returns Next as a store.BatchSource, for CreateBatch.
func (rd *Reader) Source() store.BatchSource { return rd.Next }

// Count returns the number of requests returned so far.
func (rd *Reader) Count() int64 { return rd.items }

// SHA256 returns the digest of the bytes read so far: after io.EOF, of
// the whole file.
func (rd *Reader) SHA256() [32]byte {
	var sum [32]byte
	rd.h.Sum(sum[:0])
	return sum
}

// IdempotencyKey is the key under which item seq of batch id is issued:
// a worker that resumes a batch after a crash issues its pending items
// again with the same keys, so an item issued just before the crash is
// replayed (same code, same bytes), not issued twice.
func IdempotencyKey(batchID string, seq int64) string {
	return fmt.Sprintf("batch-%s-%d", batchID, seq)
}

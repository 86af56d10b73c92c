// Package importer reads registry files, JSON Lines with one household per
// line, into registry.Household values, checking every record first. It is
// the library behind "certa registry import FILE"; docs/registry-import.md
// documents the format and the rules.
//
// A file with any invalid record imports nothing, and every error is
// reported with its line number and field path. For that, and to handle a
// million persons without holding them, Import reads the file twice:
//
//  1. Validate: every line is decoded and checked, and only what checks
//     across records need is kept: the household IDs and the fiscal codes
//     (packed in 12 bytes, with the line they came from), a few tens of
//     bytes per person. The errors, the first MaxErrors of them, go to the
//     Report; the file's SHA-256 is computed on the way.
//  2. Only if there was no error, the file is read again from where it
//     started and the households are passed to apply in batches of BatchSize. Each
//     line is checked again (it is decoded anyway), and the last batch is
//     held back until the whole file has been read and its SHA-256 matches
//     the first pass: if the file changed in between, Import returns
//     ErrChanged before that last call, so a caller that wraps every call
//     of apply in one transaction and rolls back on error imports nothing.
//
// Decode reads in one pass and holds every household: for small files and
// for input that cannot be read twice, such as standard input.
//
// Lines are checked in parallel, with the same results as one by one. A
// reader goroutine cuts the input into chunks of consecutive lines (16,
// then doubling up to 256, and at most about 1 MiB) and hands them to
// GOMAXPROCS workers, each with its own validator, which decode and check
// each line on its own. The checks across records (household IDs and
// fiscal codes seen before) cannot be done so: a worker only records them,
// with the number of the line's errors found before each. The sequencer,
// in the goroutine that called Validate, Decode or Import, takes the
// chunks in file order and, line by line, runs those checks, putting
// their errors where one validator going through the file would have
// found them; it fills the Report, passes the households on, calls
// Progress and looks at the context, exactly when a single goroutine
// would. At most 2*GOMAXPROCS+2 chunks are in flight, and run waits for
// its goroutines before it returns. With GOMAXPROCS 1, or an input that
// fits in the first chunk, everything runs in the calling goroutine.
//
// Names of places, states and citizenships are not read from the file:
// they come from package comuni (comuni valid on the date of the event)
// and package anpr (ANPR's tables, and the citizenship adjectives
// certa keeps beside them). Error messages never contain the
// file's data (no fiscal code, name or other value), only line numbers,
// field paths, codes of ANPR tables and schema field names.
package importer

//go:generate go test -run ^TestExampleFile$ -update

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"runtime"
	"strconv"
	"time"
	"unicode/utf8"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/registry"
)

// Defaults for Options.
const (
	DefaultMaxLineBytes = 1 << 20 // 1 MiB, not counting the line ending
	DefaultMaxErrors    = 1000
	DefaultBatchSize    = 500
)

// ProgressEvery is how many lines are read between calls of
// Options.Progress.
const ProgressEvery = 1024

// Errors returned with a Report.
var (
	// ErrInvalid means the file has at least one invalid record (or is
	// empty); the Report lists the errors. Nothing was passed to apply.
	ErrInvalid = errs.New(errs.InvalidRequest, "the registry file has invalid records")
	// ErrChanged means the file read in the second pass of Import differs
	// from the one validated; some batches may have been applied, the last
	// one was not.
	ErrChanged = errs.New(errs.Conflict, "the registry file changed while it was imported")
)

// Options tune reading. The zero value uses the defaults.
type Options struct {
	// MaxLineBytes bounds a line, without its line ending; a longer line
	// is an error. 0 means DefaultMaxLineBytes.
	MaxLineBytes int
	// MaxErrors bounds the errors kept in Report.Errors; all are counted
	// in Report.ErrorCount. 0 means DefaultMaxErrors.
	MaxErrors int
	// BatchSize is the number of households per call of apply in Import.
	// 0 means DefaultBatchSize.
	BatchSize int
	// Progress, if set, is called every ProgressEvery lines and at the end
	// of each pass, from the goroutine that called Validate, Decode or
	// Import.
	Progress func(Progress)
}

func (o Options) withDefaults() Options {
	if o.MaxLineBytes <= 0 {
		o.MaxLineBytes = DefaultMaxLineBytes
	}
	if o.MaxErrors <= 0 {
		o.MaxErrors = DefaultMaxErrors
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	return o
}

// Progress tells how far a pass has gone; a terminal can draw a bar from
// Bytes and the file's size.
type Progress struct {
	Pass       int   // 1 while validating, 2 while importing
	Lines      int   // lines read
	Households int   // valid households read
	Persons    int   // persons in them
	Bytes      int64 // bytes read, line endings included
	Errors     int   // errors found so far
	Done       bool  // the pass is over
}

// LineError is one problem of the file. Its text never contains the
// file's data.
type LineError struct {
	// Line is the 1-based line number; 0 for the file as a whole.
	Line int
	// Path is the field, e.g. "members[1].fiscal_code"; empty when the
	// problem is with the whole line.
	Path string
	// Msg says what is wrong, in English.
	Msg string
}

func (e LineError) Error() string {
	var b []byte
	if e.Line > 0 {
		b = append(b, "line "...)
		b = strconv.AppendInt(b, int64(e.Line), 10)
	} else {
		b = append(b, "file"...)
	}
	b = append(b, ": "...)
	if e.Path != "" {
		b = append(b, e.Path...)
		b = append(b, ": "...)
	}
	return string(append(b, e.Msg...))
}

// Report sums up a read of a file.
type Report struct {
	Lines      int   // lines read
	Households int   // valid households
	Persons    int   // persons in the valid households
	Bytes      int64 // bytes read
	// Errors holds the first Options.MaxErrors errors, in line order.
	Errors []LineError
	// ErrorCount counts every error, including those not kept.
	ErrorCount int
	// Imported is the number of households passed to apply (Import only).
	Imported int
}

// Valid reports whether the file had no error.
func (r *Report) Valid() bool { return r.ErrorCount == 0 }

// Validate reads the whole file and checks every record, keeping no
// household. It returns ErrInvalid when the Report has errors, and a read
// error as is.
func Validate(r io.Reader, now time.Time, opts Options) (Report, error) {
	var rep Report
	_, err := run(context.Background(), r, now, opts.withDefaults(), 1, &rep, true, nil, nil)
	return rep, verdict(&rep, err)
}

// Decode reads and checks the whole file in one pass and returns its
// households in file order, or none if any record is invalid (ErrInvalid).
// It holds the whole file: use Import for large files.
func Decode(r io.Reader, now time.Time, opts Options) ([]registry.Household, Report, error) {
	var rep Report
	var out []registry.Household
	_, err := run(context.Background(), r, now, opts.withDefaults(), 1, &rep, true, nil,
		func(h registry.Household) error {
			out = append(out, h)
			return nil
		})
	if err := verdict(&rep, err); err != nil {
		return nil, rep, err
	}
	return out, rep, nil
}

// Stream reads r once, checking every record as Validate does, and passes
// the valid households to apply in batches of BatchSize, in file order,
// until the first invalid record; after that it only checks, to report
// every error. It is for a caller that applies the batches within one
// transaction and commits only when Stream returns nil: then an invalid
// file imports nothing, and each line is decoded once instead of twice.
// It returns ErrInvalid when the file has errors, or the first error of
// apply or of reading, as is. Report.Imported counts the households passed
// to apply.
func Stream(ctx context.Context, r io.Reader, now time.Time, opts Options,
	apply func(ctx context.Context, batch []registry.Household) error) (Report, error) {
	opts = opts.withDefaults()
	var rep Report
	if apply == nil {
		return rep, errors.New("importer: Stream needs an apply function")
	}
	batch := make([]registry.Household, 0, opts.BatchSize)
	flush := func() error {
		if len(batch) == 0 || rep.ErrorCount > 0 {
			return nil
		}
		if err := apply(ctx, batch); err != nil {
			return err
		}
		rep.Imported += len(batch)
		batch = make([]registry.Household, 0, opts.BatchSize)
		return nil
	}
	_, err := run(ctx, r, now, opts, 1, &rep, true, nil, func(h registry.Household) error {
		if rep.ErrorCount > 0 {
			return nil // the import is lost: only report from here on
		}
		batch = append(batch, h)
		if len(batch) == opts.BatchSize {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err := verdict(&rep, err); err != nil {
		return rep, err
	}
	return rep, nil
}

// Import validates the whole file, and only if every record is valid reads
// it again from its current offset and passes the households to apply in
// batches, in file order (see the package documentation). apply may keep
// the batch. It returns ErrInvalid (nothing applied) when the file has
// errors, ErrChanged when it changed between the passes, or the first
// error of apply or of reading, as is. Report.Imported counts the
// households passed to apply.
func Import(ctx context.Context, r io.ReadSeeker, now time.Time, opts Options,
	apply func(ctx context.Context, batch []registry.Household) error) (Report, error) {
	opts = opts.withDefaults()
	var rep Report
	if apply == nil {
		return rep, errors.New("importer: Import needs an apply function")
	}
	start, err := r.Seek(0, io.SeekCurrent)
	if err != nil {
		return rep, err
	}
	sum1, err := run(ctx, r, now, opts, 1, &rep, true, sha256.New(), nil)
	if err := verdict(&rep, err); err != nil {
		return rep, err
	}
	if _, err := r.Seek(start, io.SeekStart); err != nil {
		return rep, err
	}
	var second Report
	var batch []registry.Household
	sum2, err := run(ctx, r, now, opts, 2, &second, false, sha256.New(), func(h registry.Household) error {
		if second.ErrorCount > 0 {
			return ErrChanged // a line that was valid is not any more
		}
		if len(batch) == opts.BatchSize {
			// Flush only when more follows: the last batch waits for the
			// end-of-file check.
			if err := apply(ctx, batch); err != nil {
				return err
			}
			rep.Imported += len(batch)
			batch = nil
		}
		if batch == nil {
			batch = make([]registry.Household, 0, opts.BatchSize)
		}
		batch = append(batch, h)
		return nil
	})
	if err != nil {
		return rep, err
	}
	if second.ErrorCount > 0 || !bytes.Equal(sum1, sum2) || second.Households != rep.Households {
		return rep, ErrChanged
	}
	if len(batch) > 0 {
		if err := apply(ctx, batch); err != nil {
			return rep, err
		}
		rep.Imported += len(batch)
	}
	return rep, nil
}

func verdict(rep *Report, err error) error {
	if err != nil {
		return err
	}
	if !rep.Valid() {
		return ErrInvalid
	}
	return nil
}

// run reads r line by line, adding to rep and passing each valid household
// to emit. cross enables the checks across records. It returns the SHA-256
// of the bytes read when h is set. A line that is too long is an error of
// the file, not of run; run's error is a read error, ctx's, or emit's.
// The lines are checked in parallel (see the package documentation).
func run(ctx context.Context, r io.Reader, now time.Time, opts Options, pass int, rep *Report,
	cross bool, h hash.Hash, emit func(registry.Household) error) ([]byte, error) {
	lr := &lineReader{r: bufio.NewReaderSize(r, 64<<10), max: opts.MaxLineBytes, h: h}
	s := &sequencer{ctx: ctx, rep: rep, max: opts.MaxErrors, emit: emit}
	s.room.Store(int64(opts.MaxErrors))
	if cross {
		s.seen = newSeen()
	}
	s.progress = func(done bool) {
		if opts.Progress != nil {
			opts.Progress(Progress{Pass: pass, Lines: rep.Lines, Households: rep.Households,
				Persons: rep.Persons, Bytes: rep.Bytes, Errors: rep.ErrorCount, Done: done})
		}
	}
	workers := max(1, runtime.GOMAXPROCS(0))
	checkers := func() *checker { return newChecker(now, opts, cross, &s.room) }
	if err := lines(lr, workers, checkers, s); err != nil {
		return nil, err
	}
	if rep.Lines == 0 {
		s.add(LineError{Line: 0, Msg: "the file has no households"})
	}
	s.progress(true)
	if h != nil {
		return h.Sum(nil), nil
	}
	return nil, nil
}

// collector gathers the errors a worker finds in the lines of a chunk,
// keeping the first max of each line, max being the room left in the
// Report: no later one can be kept.
type collector struct {
	errs  []LineError
	max   int
	line  int // the line being checked
	start int // where its errors begin in errs
	count int // its errors, kept or not
}

// begin starts a line.
func (c *collector) begin(line int) {
	c.line, c.start, c.count = line, len(c.errs), 0
}

func (c *collector) add(path, msg string) {
	c.count++
	if len(c.errs)-c.start < c.max {
		c.errs = append(c.errs, LineError{Line: c.line, Path: path, Msg: msg})
	}
}

// lineReader reads lines of at most max bytes, without their ending (LF
// or CRLF), feeding every byte read to h.
type lineReader struct {
	r   *bufio.Reader
	max int
	h   hash.Hash
	buf []byte
}

// next returns the next line, the number of bytes consumed, and whether
// the line was too long (then line is nil and the rest of it was skipped).
// At the end of the input err is io.EOF, possibly with a last line that
// has no line ending.
func (lr *lineReader) next() (line []byte, n int, tooLong bool, err error) {
	lr.buf = lr.buf[:0]
	for {
		frag, err := lr.r.ReadSlice('\n')
		n += len(frag)
		if lr.h != nil {
			lr.h.Write(frag)
		}
		if !tooLong {
			if len(lr.buf)+len(frag) > lr.max+2 { // room for "\r\n"
				tooLong = true
				lr.buf = lr.buf[:0]
			} else {
				lr.buf = append(lr.buf, frag...)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if tooLong {
			return nil, n, true, err
		}
		line = bytes.TrimSuffix(lr.buf, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) > lr.max {
			return nil, n, true, err
		}
		return line, n, false, err
	}
}

// trimBOM removes a byte order mark from the start of the first line.
func trimBOM(line []byte) []byte { return bytes.TrimPrefix(line, []byte("\ufeff")) }

// line decodes and checks one line, except across records: those checks
// are left in v.checks.
func (v *validator) line(line []byte, c *collector) (registry.Household, bool) {
	v.c = c
	before := c.count
	trimmed := bytes.TrimLeft(line, " \t\r\n")
	switch {
	case len(bytes.TrimSpace(line)) == 0:
		c.add("", "empty line: each line must hold one household")
		return registry.Household{}, false
	case !utf8.Valid(line):
		c.add("", "line is not valid UTF-8")
		return registry.Household{}, false
	}
	// Unmarshal checks the syntax first; checkStructure then reports
	// precisely what the decoder would ignore or refuse.
	var in jsonHousehold
	err := json.Unmarshal(line, &in)
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		c.add("", fmt.Sprintf("malformed JSON near byte %d of the line (one JSON object per line)", se.Offset))
		return registry.Household{}, false
	case trimmed[0] != '{':
		c.add("", "each line must be one JSON object, a household")
		return registry.Household{}, false
	case !checkStructure(line, c):
		return registry.Household{}, false
	case err != nil:
		// checkStructure should have caught it; never echo the decoder's
		// message, which may quote the input.
		c.add("", "a value does not fit its field")
		return registry.Household{}, false
	}
	h := v.household(&in)
	return h, c.count == before
}

package importer

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"certa.example/certa/internal/registry"
)

// How lines are grouped for the workers (see the package documentation).
const (
	chunkLines      = 256     // lines in a chunk, at most
	firstChunkLines = 16      // the first chunk; the next ones double up to chunkLines
	chunkBytes      = 1 << 20 // a chunk takes no more lines once it holds this much
)

// chunk is a run of consecutive lines: the reader fills it, a worker checks
// its lines, and the sequencer takes the results in file order.
type chunk struct {
	first int    // number of the first line
	data  []byte // the lines, one after the other, without line endings
	lines []span
	tail  int   // bytes read after the last line, until err
	err   error // io.EOF if the input ends with this chunk, or the read error that ended it

	// Filled by check.
	results []result
	errs    []LineError  // the lines' own errors, as many a line as the Report had room for
	checks  []crossCheck // the lines' checks across records, in the order met

	done     chan struct{} // check is over (when the chunk goes through workers)
	panicked any           // what check panicked with, to panic with in the sequencer
}

// span is one line of a chunk.
type span struct {
	end     int  // where the line ends in data
	n       int  // bytes read for it, line ending included
	tooLong bool // the line was skipped, being too long
}

// result is what a worker found in one line. errs and checks are where the
// line's errors and checks end in the chunk's slices; they start where the
// previous line's end.
type result struct {
	h      registry.Household // when ok
	ok     bool               // the line has no error of its own
	count  int                // its own errors, kept or not
	errs   int
	checks int
}

// crossCheck is a check across records met while a line was checked, left
// to the sequencer, which runs them in line order: the household ID
// (member < 0) or a member's fiscal code must not have been seen before.
type crossCheck struct {
	at     int    // the line's own errors found before it: where its error goes
	path   string // of the field
	member int
	id     string   // for the household ID
	code   [12]byte // the fiscal code, packed
}

// fill reads into c the lines from number first on: size of them, fewer
// if they reach chunkBytes or the input ends.
func (lr *lineReader) fill(c *chunk, first, size int) {
	c.first, c.data, c.lines, c.tail, c.err = first, c.data[:0], c.lines[:0], 0, nil
	for len(c.lines) < size && len(c.data) < chunkBytes {
		line, n, tooLong, err := lr.next()
		if err != nil && (n == 0 || err != io.EOF) {
			// Nothing more, or a partial line cut by a read error: its
			// bytes count, it does not.
			c.tail, c.err = n, err
			return
		}
		if first+len(c.lines) == 1 {
			line = trimBOM(line)
		}
		c.data = append(c.data, line...)
		c.lines = append(c.lines, span{end: len(c.data), n: n, tooLong: tooLong})
		if err != nil {
			c.err = err // io.EOF after a last line without line ending
			return
		}
	}
}

// checker is a worker's own validator and collector, for the work on each
// line on its own.
type checker struct {
	v       *validator
	c       collector
	maxLine int
	room    *atomic.Int64 // see sequencer.room
}

func newChecker(now time.Time, opts Options, cross bool, room *atomic.Int64) *checker {
	return &checker{v: newValidator(now, cross), maxLine: opts.MaxLineBytes, room: room}
}

// check decodes and checks the lines of c, except across records.
func (k *checker) check(c *chunk) {
	k.c.errs, k.v.checks, c.results = c.errs[:0], c.checks[:0], c.results[:0]
	k.c.max = int(k.room.Load())
	start := 0
	for i, sp := range c.lines {
		k.c.begin(c.first + i)
		var res result
		if sp.tooLong {
			k.c.add("", fmt.Sprintf("line is longer than %d bytes", k.maxLine))
		} else {
			res.h, res.ok = k.v.line(c.data[start:sp.end], &k.c)
			if !res.ok {
				res.h = registry.Household{}
			}
		}
		start = sp.end
		res.count, res.errs, res.checks = k.c.count, len(k.c.errs), len(k.v.checks)
		c.results = append(c.results, res)
	}
	c.errs, c.checks = k.c.errs, k.v.checks
}

// checkOrRecover is check for a worker: a panic goes with the chunk to the
// sequencer, so that it happens in the caller's goroutine and only if no
// earlier line stops run first.
func (k *checker) checkOrRecover(c *chunk) {
	defer func() {
		if p := recover(); p != nil {
			c.panicked = p
		}
	}()
	k.check(c)
}

// sequencer takes the checked lines one after the other, in file order, in
// the goroutine that called run: it alone runs the checks across records,
// fills the Report, emits the households, calls Progress and watches ctx.
type sequencer struct {
	ctx      context.Context
	rep      *Report
	max      int
	room     atomic.Int64 // how many more errors the Report keeps, for the checkers; it only goes down
	seen     *seen        // nil without the checks across records
	emit     func(registry.Household) error
	progress func(done bool)
}

// take applies the lines of c. It reports whether more lines follow; its
// error is emit's, ctx's or the read error that ended c.
func (s *sequencer) take(c *chunk) (more bool, err error) {
	errs, checks := 0, 0
	for i, sp := range c.lines {
		res := &c.results[i]
		line := c.first + i
		s.rep.Bytes += int64(sp.n)
		s.rep.Lines++
		passed := s.errors(line, c.errs[errs:res.errs], res.count, c.checks[checks:res.checks])
		errs, checks = res.errs, res.checks
		if res.ok && passed {
			s.rep.Households++
			s.rep.Persons += len(res.h.Members)
			if s.emit != nil {
				if err := s.emit(res.h); err != nil {
					return false, err
				}
			}
		}
		if s.rep.Lines%ProgressEvery == 0 {
			if err := s.ctx.Err(); err != nil {
				return false, err
			}
			s.progress(false)
		}
	}
	clear(c.results) // let the households go
	s.room.Store(int64(s.max - len(s.rep.Errors)))
	s.rep.Bytes += int64(c.tail)
	if c.err != nil && c.err != io.EOF {
		return false, c.err
	}
	return c.err == nil, nil
}

// errors adds the errors of a line to the Report in the order one
// validator going through the file would find them: the line's own
// errors, of which kept are the first, with those of its checks across
// records, each where the check was met. It reports whether those checks
// passed.
func (s *sequencer) errors(line int, kept []LineError, count int, checks []crossCheck) bool {
	passed, own := true, 0
	for i := range checks {
		k := &checks[i]
		own = s.own(kept, own, k.at)
		if msg, dup := s.seen.check(line, k); dup {
			s.add(LineError{Line: line, Path: k.path, Msg: msg})
			passed = false
		}
	}
	s.own(kept, own, count)
	return passed
}

// own adds the line's own errors from from to to (excluded); those past
// the kept ones are only counted. It returns to.
func (s *sequencer) own(kept []LineError, from, to int) int {
	for i := from; i < to; i++ {
		if i < len(kept) {
			s.add(kept[i])
		} else {
			s.rep.ErrorCount++
		}
	}
	return to
}

func (s *sequencer) add(e LineError) {
	s.rep.ErrorCount++
	if len(s.rep.Errors) < s.max {
		s.rep.Errors = append(s.rep.Errors, e)
	}
}

// lines reads, checks and takes every line; checkers makes a checker for
// each goroutine that checks lines. With one worker, or when the first
// chunk holds the whole input, lines does everything itself; otherwise see
// parallel.
func lines(lr *lineReader, workers int, checkers func() *checker, s *sequencer) error {
	c := &chunk{}
	lr.fill(c, 1, firstChunkLines)
	if workers > 1 && c.err == nil {
		return parallel(c, lr, workers, checkers, s)
	}
	k := checkers()
	for size := firstChunkLines; ; {
		k.check(c)
		if more, err := s.take(c); !more || err != nil {
			return err
		}
		size = min(2*size, chunkLines)
		lr.fill(c, c.first+len(c.lines), size)
	}
}

// parallel runs the stages in their goroutines: one reader fills chunks,
// starting with first, already read, and hands each to the workers and,
// in file order, to the sequencer, which runs in the calling goroutine and
// waits for each chunk's check to be over. Chunks go back to the reader
// once taken: no more than 2*workers+2 are in flight. When the sequencer
// stops, parallel stops the reader and the workers and waits for them, so
// that nothing reads lr, or the reader under it, after it returns.
func parallel(first *chunk, lr *lineReader, workers int, checkers func() *checker, s *sequencer) error {
	inFlight := 2*workers + 2
	free := make(chan *chunk, inFlight)  // chunks for the reader to fill
	todo := make(chan *chunk, inFlight)  // chunks for the workers to check
	order := make(chan *chunk, inFlight) // the same chunks, in file order, for the sequencer
	stop := make(chan struct{})
	first.done = make(chan struct{}, 1)
	for range inFlight - 1 {
		free <- &chunk{done: make(chan struct{}, 1)}
	}
	var wg sync.WaitGroup
	defer func() {
		close(stop)
		wg.Wait()
	}()

	wg.Go(func() { // the reader
		defer close(order)
		defer close(todo)
		c, size := first, firstChunkLines
		for {
			last := c.err != nil
			next := c.first + len(c.lines)
			todo <- c // neither send blocks: there are no more chunks than room
			order <- c
			if last {
				return
			}
			select {
			case c = <-free:
			case <-stop:
				return
			}
			size = min(2*size, chunkLines)
			lr.fill(c, next, size)
		}
	})
	for range workers {
		wg.Go(func() {
			k := checkers()
			for c := range todo {
				select {
				case <-stop:
					return
				default:
				}
				k.checkOrRecover(c)
				c.done <- struct{}{}
			}
		})
	}

	for c := range order {
		<-c.done
		if c.panicked != nil {
			panic(c.panicked) // as if the line had been checked here
		}
		if more, err := s.take(c); !more || err != nil {
			return err
		}
		free <- c
	}
	return nil // not reached: take stops at the last chunk, before order is closed
}

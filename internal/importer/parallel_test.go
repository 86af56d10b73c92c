package importer

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"certa.example/certa/internal/registry"
)

// withProcs runs f with GOMAXPROCS set to n.
func withProcs(n int, f func()) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(n))
	f()
}

// outcome is everything a caller can see of Validate, Decode or Import.
type outcome struct {
	Err        error
	Report     Report
	Households []registry.Household
	Batches    []int
	Progress   []Progress
}

// outcomes runs Validate, Decode and Import on file.
func outcomes(t *testing.T, file []byte, opts Options) map[string]outcome {
	t.Helper()
	out := map[string]outcome{}
	var o outcome
	opts.Progress = func(p Progress) { o.Progress = append(o.Progress, p) }

	o = outcome{}
	o.Report, o.Err = Validate(bytes.NewReader(file), testNow, opts)
	out["Validate"] = o

	o = outcome{}
	o.Households, o.Report, o.Err = Decode(bytes.NewReader(file), testNow, opts)
	out["Decode"] = o

	o = outcome{}
	o.Report, o.Err = Import(context.Background(), bytes.NewReader(file), testNow, opts,
		func(_ context.Context, b []registry.Household) error {
			o.Batches = append(o.Batches, len(b))
			o.Households = append(o.Households, b...)
			return nil
		})
	out["Import"] = o
	return out
}

// fileLines splits a file made by joinLines.
func fileLines(file []byte) [][]byte {
	return bytes.Split(bytes.TrimSuffix(file, []byte("\n")), []byte("\n"))
}

// manyErrorsFile returns a file of n households with errors on most lines:
// of each line on its own, across records (household IDs and fiscal codes
// used on an earlier line or twice in a line), and both on one line.
func manyErrorsFile(t testing.TB, n int) []byte {
	orig := fileLines(syntheticFile(t, n))
	lines := slices.Clone(orig)
	for i := range lines {
		if i < 2 {
			continue
		}
		h := decodeObj(t, lines[i])
		switch i % 9 {
		case 0: // the ID of an earlier household
			h["id"] = decodeObj(t, orig[i/2])["id"]
		case 1: // a fiscal code of an earlier line, between the member's other errors
			m := member(h, 1)
			m["fiscal_code"] = member(decodeObj(t, orig[i-2]), 0)["fiscal_code"]
			m["surname"] = ""
			m["citizenships"] = []any{}
		case 2: // a fiscal code twice in the household, and an earlier ID
			member(h, 1)["fiscal_code"] = member(h, 0)["fiscal_code"]
			member(h, 1)["sex"] = "X"
			h["id"] = decodeObj(t, orig[i-1])["id"]
		case 3:
			lines[i] = []byte(`{"id":"X","Members":[],"address":{"street":1}}`)
			continue
		case 4:
			lines[i] = []byte(`[]`)
			continue
		case 5:
			lines[i] = nil
			continue
		case 6:
			lines[i] = bytes.Repeat([]byte("x"), 5000)
			continue
		case 7: // valid
			continue
		case 8: // bad dates, and a valid line repeated: every ID and code seen
			member(h, 0)["birth_date"] = "2999-01-01"
			lines[i-1] = orig[i/3]
		}
		lines[i] = encodeObj(t, h)
	}
	return joinLines(lines)
}

// TestParallelSameResults checks that checking lines in parallel changes
// nothing a caller can see: reports with their errors in order, the
// households, the batches and the progress calls.
func TestParallelSameResults(t *testing.T) {
	valid := syntheticFile(t, 2100) // more than 2*ProgressEvery lines
	bad := manyErrorsFile(t, 2100)
	for _, tc := range []struct {
		name string
		file []byte
		opts Options
	}{
		{name: "example", file: joinLines(exampleLines(t))},
		{name: "valid", file: valid, opts: Options{BatchSize: 77}},
		{name: "valid with CRLF, BOM and no final newline",
			file: append([]byte("\ufeff"), bytes.TrimSuffix(bytes.ReplaceAll(valid, []byte("\n"), []byte("\r\n")), []byte("\r\n"))...)},
		{name: "errors", file: bad},
		{name: "errors, few kept", file: bad, opts: Options{MaxErrors: 10}},
		{name: "errors, all kept", file: bad, opts: Options{MaxErrors: 1 << 30, MaxLineBytes: 4000}},
		{name: "a duplicate at the end", file: append(bytes.Clone(valid), fileLines(valid)[2000]...)},
		{name: "empty", file: nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var one, four map[string]outcome
			withProcs(1, func() { one = outcomes(t, tc.file, tc.opts) })
			withProcs(4, func() { four = outcomes(t, tc.file, tc.opts) })
			for _, f := range []string{"Validate", "Decode", "Import"} {
				a, b := one[f], four[f]
				if a.Err != b.Err {
					t.Errorf("%s: error %v with GOMAXPROCS 1, %v with 4", f, a.Err, b.Err)
				}
				if !reflect.DeepEqual(a.Report, b.Report) {
					t.Errorf("%s: reports differ:\n%+v\n%+v", f, a.Report, b.Report)
				}
				if !reflect.DeepEqual(a.Households, b.Households) || !reflect.DeepEqual(a.Batches, b.Batches) {
					t.Errorf("%s: households differ: %d in %v, %d in %v", f, len(a.Households), a.Batches, len(b.Households), b.Batches)
				}
				if !reflect.DeepEqual(a.Progress, b.Progress) {
					t.Errorf("%s: progress differs:\n%+v\n%+v", f, a.Progress, b.Progress)
				}
			}
			// The inputs are what they are meant to be.
			v := one["Validate"]
			switch {
			case tc.name == "valid" && (v.Err != nil || len(one["Import"].Households) != 2100 || len(v.Progress) != 3):
				t.Errorf("valid: %v, %d households, %d progress calls", v.Err, len(one["Import"].Households), len(v.Progress))
			case strings.HasPrefix(tc.name, "errors") && (v.Report.ErrorCount < 2000 || !hasCrossErrors(v.Report.Errors)):
				t.Errorf("errors: %d errors: %v", v.Report.ErrorCount, v.Report.Errors[:min(20, len(v.Report.Errors))])
			}
		})
	}
}

func hasCrossErrors(es []LineError) bool {
	var id, code, same bool
	for _, e := range es {
		id = id || strings.HasPrefix(e.Msg, "is already used by the household on line")
		code = code || strings.HasPrefix(e.Msg, "is already used on line")
		same = same || strings.HasSuffix(e.Msg, "of this household")
	}
	return id && code && same
}

// TestCrossRecordOrder pins where the errors of the checks across records
// go among a line's other errors: where a single pass meets them.
func TestCrossRecordOrder(t *testing.T) {
	lines := exampleLines(t)
	f1 := decodeObj(t, lines[lF001])
	h := decodeObj(t, lines[lF002])
	h["id"] = "F001"
	h["kind"] = "x"
	m := member(h, 0)
	m["fiscal_code"] = member(f1, 1)["fiscal_code"]
	m["surname"] = ""
	m["citizenships"] = []any{}
	h["members"] = append(h["members"].([]any), m, member(f1, 2))
	lines[lF002] = encodeObj(t, h)
	want := []string{
		"line 2: id: is already used by the household on line 1",
		`line 2: kind: must be "famiglia" or "convivenza"`,
		"line 2: members[0].surname: must not be empty",
		"line 2: members[0].fiscal_code: is already used on line 1, members[1]",
		"line 2: members[0].citizenships: must have at least one citizenship (997 while it is being determined)",
		"line 2: members[2].surname: must not be empty",
		"line 2: members[2].fiscal_code: is already used on line 1, members[1]",
		"line 2: members[2].citizenships: must have at least one citizenship (997 while it is being determined)",
		"line 2: members[2].kinship: is a second head of household; a household has exactly one (kinship 1)",
		"line 2: members[3].fiscal_code: is already used on line 1, members[2]",
		"line 2: members[3].residences[0].address: the current residence (without to) must be at the household's address",
	}
	for _, procs := range []int{1, 4} {
		withProcs(procs, func() {
			rep, _ := Validate(bytes.NewReader(joinLines(lines)), testNow, Options{})
			if got := errorStrings(rep.Errors); !reflect.DeepEqual(got, want) {
				t.Errorf("GOMAXPROCS %d: errors\n%s\nwant\n%s", procs, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// waitGoroutines waits a little for the number of goroutines to fall back
// to n.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// failingReader reads r, then fails.
type failingReader struct{ r io.Reader }

var errRead = errors.New("read failed")

func (f failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, errRead
	}
	return n, err
}

// TestStopEarly checks that Import and Validate stop as a single pass
// would, when the context is cancelled mid-file, apply fails or reading
// fails, and that they leave no goroutine behind.
func TestStopEarly(t *testing.T) {
	file := syntheticFile(t, 3500)
	// 2500 lines and part of the next, and then a read error.
	end := 0
	for range 2500 {
		end += bytes.IndexByte(file[end:], '\n') + 1
	}
	cut := file[:end+100]
	boom := errors.New("boom")
	for _, tc := range []struct {
		name string
		run  func(ctx context.Context, cancel func(), progress func(Progress)) (Report, error)
		want error
		// The Report's Lines (of the first pass for Import), and Imported.
		lines, imported int
	}{
		{"cancelled in the first pass", func(ctx context.Context, cancel func(), progress func(Progress)) (Report, error) {
			return Import(ctx, bytes.NewReader(file), testNow, Options{Progress: func(p Progress) {
				progress(p)
				if p.Lines == 2*ProgressEvery {
					cancel()
				}
			}}, func(context.Context, []registry.Household) error { return nil })
		}, context.Canceled, 3 * ProgressEvery, 0},
		{"cancelled in the second pass", func(ctx context.Context, cancel func(), progress func(Progress)) (Report, error) {
			return Import(ctx, bytes.NewReader(file), testNow, Options{BatchSize: 100, Progress: progress},
				func(_ context.Context, b []registry.Household) error {
					cancel() // noticed at the next multiple of ProgressEvery
					return nil
				})
		}, context.Canceled, 3500, 1000},
		{"apply fails", func(ctx context.Context, cancel func(), progress func(Progress)) (Report, error) {
			n := 0
			return Import(ctx, bytes.NewReader(file), testNow, Options{BatchSize: 100, Progress: progress},
				func(_ context.Context, b []registry.Household) error {
					if n++; n == 7 {
						return boom
					}
					return nil
				})
		}, boom, 3500, 600},
		{"read error", func(ctx context.Context, cancel func(), progress func(Progress)) (Report, error) {
			return Validate(failingReader{bytes.NewReader(cut)}, testNow, Options{Progress: progress})
		}, errRead, 2500, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var reps [2]Report
			var progress [2][]Progress
			for i, procs := range []int{1, 4} {
				withProcs(procs, func() {
					before := runtime.NumGoroutine()
					ctx, cancel := context.WithCancel(context.Background())
					defer cancel()
					rep, err := tc.run(ctx, cancel, func(p Progress) { progress[i] = append(progress[i], p) })
					if err != tc.want {
						t.Errorf("GOMAXPROCS %d: error %v, want %v", procs, err, tc.want)
					}
					reps[i] = rep
					waitGoroutines(t, before)
				})
			}
			if !reflect.DeepEqual(reps[0], reps[1]) || !reflect.DeepEqual(progress[0], progress[1]) {
				t.Errorf("GOMAXPROCS 1 and 4 differ:\n%+v\n%+v\n%v\n%v", reps[0], reps[1], progress[0], progress[1])
			}
			if reps[0].Lines != tc.lines || reps[0].Imported != tc.imported {
				t.Errorf("stopped after %d lines, %d imported; want %d, %d", reps[0].Lines, reps[0].Imported, tc.lines, tc.imported)
			}
		})
	}
	t.Run("cancelled, a pass stops at a multiple of ProgressEvery", func(t *testing.T) {
		withProcs(4, func() {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var last Progress
			rep, err := Validate(bytes.NewReader(file), testNow, Options{Progress: func(p Progress) {
				last = p
				cancel()
			}})
			// Validate ignores ctx; Import's first pass is the same run.
			if err != nil || rep.Lines != 3500 || !last.Done {
				t.Errorf("Validate = %v, %d lines", err, rep.Lines)
			}
			rep, err = Import(ctx, bytes.NewReader(file), testNow, Options{},
				func(context.Context, []registry.Household) error { return nil })
			if err != context.Canceled || rep.Lines != ProgressEvery {
				t.Errorf("Import = %v after %d lines, want %v after %d", err, rep.Lines, context.Canceled, ProgressEvery)
			}
		})
	})
}

// TestPanicInCaller checks that a panic while checking a line happens in
// the caller's goroutine, where it can be recovered, as without workers.
func TestPanicInCaller(t *testing.T) {
	file := syntheticFile(t, 600)
	for _, procs := range []int{1, 4} {
		withProcs(procs, func() {
			before := runtime.NumGoroutine()
			s := &sequencer{ctx: context.Background(), rep: &Report{}, max: 10, seen: newSeen(), progress: func(bool) {}}
			lr := &lineReader{r: bufio.NewReader(bytes.NewReader(file)), max: 1 << 20}
			broken := func() *checker {
				k := newChecker(testNow, Options{MaxErrors: 10, MaxLineBytes: 1 << 20}, true, new(atomic.Int64))
				k.v = nil // check panics on the first line
				return k
			}
			got := func() (p any) {
				defer func() { p = recover() }()
				return lines(lr, procs, broken, s)
			}()
			if _, ok := got.(runtime.Error); !ok {
				t.Errorf("GOMAXPROCS %d: recovered %v, want a runtime error", procs, got)
			}
			if s.rep.Lines != 0 {
				t.Errorf("GOMAXPROCS %d: %d lines taken", procs, s.rep.Lines)
			}
			waitGoroutines(t, before)
		})
	}
}

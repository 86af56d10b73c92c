package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/registry"
)

func TestFileLevel(t *testing.T) {
	good := exampleLines(t)
	for _, tc := range []struct {
		name  string
		file  []byte
		opts  Options
		want  []string // full error strings
		lines int
	}{
		{name: "empty file", file: nil, want: []string{"file: the file has no households"}},
		{name: "only a newline", file: []byte("\n"), want: []string{"line 1: empty line: each line must hold one household"}, lines: 1},
		{name: "blank line between households", file: joinLines([][]byte{good[0], nil, good[1]}),
			want: []string{"line 2: empty line: each line must hold one household"}, lines: 3},
		{name: "overlong line, then a good one", opts: Options{MaxLineBytes: 200},
			file: []byte(strings.Repeat("x", 1000) + "\n" + `{"id":"F1"}` + "\n" + strings.Repeat("y", 201)),
			want: []string{
				"line 1: line is longer than 200 bytes",
				"line 2: address: is required", "line 2: members: is required",
				"line 3: line is longer than 200 bytes",
			}, lines: 3},
		{name: "line of exactly the limit", opts: Options{MaxLineBytes: 11},
			file: []byte(`{"id":"F1"}` + "\r\n"), want: []string{"line 1: address: is required", "line 1: members: is required"}, lines: 1},
		{name: "default limit is 1 MiB", file: []byte(`{"id":"` + strings.Repeat("x", DefaultMaxLineBytes) + `"}`),
			want: []string{"line 1: line is longer than 1048576 bytes"}, lines: 1},
		{name: "CRLF line endings and a byte order mark", file: append([]byte("\ufeff"), bytes.ReplaceAll(joinLines(good), []byte("\n"), []byte("\r\n"))...), lines: 5},
		{name: "no final newline", file: bytes.TrimSuffix(joinLines(good), []byte("\n")), lines: 5},
		{name: "one bad line among good ones", file: joinLines([][]byte{good[0], good[1], []byte(`{}`), good[3], good[4]}),
			want: []string{"line 3: id: is required", "line 3: address: is required", "line 3: members: is required"}, lines: 5},
		{name: "errors capped", opts: Options{MaxErrors: 2}, file: []byte("[]\n[]\n[]\n"),
			want: []string{"line 1: each line must be one JSON object, a household", "line 2: each line must be one JSON object, a household"}, lines: 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Validate(bytes.NewReader(tc.file), testNow, tc.opts)
			got := errorStrings(rep.Errors)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if (err == nil) != (len(tc.want) == 0) || err != nil && err != ErrInvalid {
				t.Errorf("err = %v", err)
			}
			if rep.Lines != tc.lines || rep.Bytes != int64(len(tc.file)) {
				t.Errorf("report %d lines %d bytes, want %d lines %d bytes", rep.Lines, rep.Bytes, tc.lines, len(tc.file))
			}
		})
	}
	t.Run("error count goes past the cap", func(t *testing.T) {
		rep, _ := Validate(strings.NewReader(strings.Repeat("[]\n", 50)), testNow, Options{MaxErrors: 10})
		if len(rep.Errors) != 10 || rep.ErrorCount != 50 || rep.Valid() {
			t.Errorf("%d errors kept, %d counted", len(rep.Errors), rep.ErrorCount)
		}
	})
	t.Run("error kinds", func(t *testing.T) {
		if errs.KindOf(ErrInvalid) != errs.InvalidRequest || errs.KindOf(ErrChanged) != errs.Conflict {
			t.Error("unexpected kinds")
		}
	})
}

func TestDecodeInvalidReturnsNothing(t *testing.T) {
	lines := exampleLines(t)
	lines = append(lines, []byte(`{"id":"X"}`))
	hs, rep, err := Decode(bytes.NewReader(joinLines(lines)), testNow, Options{})
	if err != ErrInvalid || hs != nil || rep.Households != 5 || rep.Lines != 6 {
		t.Errorf("Decode = %d households, %+v, %v", len(hs), rep, err)
	}
}

// changing serves one content on the first read and another after a seek.
type changing struct {
	first, second []byte
	r             *bytes.Reader
	seeks         int
}

func (c *changing) Read(p []byte) (int, error) { return c.r.Read(p) }
func (c *changing) Seek(off int64, whence int) (int64, error) {
	if whence == io.SeekStart {
		c.seeks++
		if c.seeks == 1 {
			c.r = bytes.NewReader(c.second)
		}
	}
	return c.r.Seek(off, whence)
}

func TestImport(t *testing.T) {
	file := joinLines(exampleLines(t))
	t.Run("batches in order", func(t *testing.T) {
		var got [][]string
		var progress []Progress
		rep, err := Import(context.Background(), bytes.NewReader(file), testNow,
			Options{BatchSize: 2, Progress: func(p Progress) { progress = append(progress, p) }},
			func(_ context.Context, b []registry.Household) error {
				var ids []string
				for _, h := range b {
					ids = append(ids, h.ID)
				}
				got = append(got, ids)
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != "[[F001 F002] [F003 C001] [A001]]" || rep.Imported != 5 || rep.Households != 5 || rep.Persons != 12 {
			t.Errorf("batches %v, report %+v", got, rep)
		}
		if len(progress) != 2 || !progress[0].Done || progress[0].Pass != 1 || progress[1].Pass != 2 ||
			progress[1].Bytes != int64(len(file)) || progress[1].Households != 5 || progress[1].Persons != 12 {
			t.Errorf("progress %+v", progress)
		}
	})
	t.Run("from the current offset", func(t *testing.T) {
		r := bytes.NewReader(append([]byte("garbage\n"), file...))
		r.Seek(8, io.SeekStart)
		n := 0
		rep, err := Import(context.Background(), r, testNow, Options{}, func(_ context.Context, b []registry.Household) error {
			n += len(b)
			return nil
		})
		if err != nil || n != 5 {
			t.Errorf("Import: %v, %d households, %v", err, n, rep.Errors)
		}
	})
	t.Run("invalid file applies nothing", func(t *testing.T) {
		bad := append(bytes.Clone(file), "{}\n"...)
		called := false
		rep, err := Import(context.Background(), bytes.NewReader(bad), testNow, Options{BatchSize: 1},
			func(context.Context, []registry.Household) error { called = true; return nil })
		if err != ErrInvalid || called || rep.Imported != 0 || rep.ErrorCount != 3 {
			t.Errorf("Import = %+v, %v; apply called %v", rep, err, called)
		}
	})
	t.Run("file changed between the passes", func(t *testing.T) {
		// The same households in another order: every line is valid, but
		// the file is not the one validated.
		lines := exampleLines(t)
		lines[0], lines[1] = lines[1], lines[0]
		c := &changing{first: file, second: joinLines(lines), r: bytes.NewReader(file)}
		var applied []string
		rep, err := Import(context.Background(), c, testNow, Options{BatchSize: 2},
			func(_ context.Context, b []registry.Household) error {
				for _, h := range b {
					applied = append(applied, h.ID)
				}
				return nil
			})
		if err != ErrChanged {
			t.Fatalf("Import = %v, want ErrChanged", err)
		}
		if len(applied) != 4 || rep.Imported != 4 {
			t.Errorf("applied %v before the end: the last batch must be held back", applied)
		}
	})
	t.Run("file changed to an invalid one", func(t *testing.T) {
		c := &changing{first: file, second: append(bytes.Clone(file), "{}\n"...), r: bytes.NewReader(file)}
		_, err := Import(context.Background(), c, testNow, Options{}, func(context.Context, []registry.Household) error { return nil })
		if err != ErrChanged {
			t.Errorf("Import = %v, want ErrChanged", err)
		}
	})
	t.Run("invalid line in the second pass stops it", func(t *testing.T) {
		lines := exampleLines(t)
		second := joinLines(append([][]byte{[]byte("{}")}, lines...))
		c := &changing{first: file, second: second, r: bytes.NewReader(file)}
		n := 0
		_, err := Import(context.Background(), c, testNow, Options{BatchSize: 1}, func(_ context.Context, b []registry.Household) error {
			n += len(b)
			return nil
		})
		if err != ErrChanged || n != 0 {
			t.Errorf("Import = %v after %d households, want ErrChanged before any", err, n)
		}
	})
	t.Run("apply error", func(t *testing.T) {
		boom := errors.New("boom")
		_, err := Import(context.Background(), bytes.NewReader(file), testNow, Options{BatchSize: 2},
			func(context.Context, []registry.Household) error { return boom })
		if err != boom {
			t.Errorf("Import = %v, want the apply error", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		big := bytes.Repeat([]byte("[]\n"), ProgressEvery)
		_, err := Import(ctx, bytes.NewReader(big), testNow, Options{}, func(context.Context, []registry.Household) error { return nil })
		if err != context.Canceled {
			t.Errorf("Import = %v, want context.Canceled", err)
		}
	})
}

// errReader fails after some bytes.
type errReader struct{ n int }

func (e *errReader) Read(p []byte) (int, error) {
	if e.n <= 0 {
		return 0, io.ErrUnexpectedEOF
	}
	n := min(len(p), e.n)
	for i := range n {
		p[i] = ' '
	}
	e.n -= n
	return n, nil
}

func TestReadError(t *testing.T) {
	if _, err := Validate(&errReader{n: 10}, testNow, Options{}); err != io.ErrUnexpectedEOF {
		t.Errorf("Validate = %v, want the read error", err)
	}
}

func TestStream(t *testing.T) {
	lines := exampleLines(t)
	ids := func(calls *[][]string) func(context.Context, []registry.Household) error {
		return func(_ context.Context, b []registry.Household) error {
			var got []string
			for _, h := range b {
				got = append(got, h.ID)
			}
			*calls = append(*calls, got)
			return nil
		}
	}
	t.Run("valid file, in batches", func(t *testing.T) {
		var calls [][]string
		rep, err := Stream(context.Background(), bytes.NewReader(joinLines(lines)), testNow, Options{BatchSize: 2}, ids(&calls))
		if err != nil || fmt.Sprint(calls) != "[[F001 F002] [F003 C001] [A001]]" || rep.Imported != 5 || rep.Persons != 12 {
			t.Fatalf("Stream: %v, batches %v, report %+v", err, calls, rep)
		}
	})
	t.Run("stops applying at the first error, reports all", func(t *testing.T) {
		bad := append([][]byte(nil), lines...)
		bad[3] = []byte("{}")
		bad = append(bad, []byte("[]"))
		var calls [][]string
		rep, err := Stream(context.Background(), bytes.NewReader(joinLines(bad)), testNow, Options{BatchSize: 2}, ids(&calls))
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("Stream: %v", err)
		}
		if fmt.Sprint(calls) != "[[F001 F002]]" || rep.Imported != 2 {
			t.Errorf("applied %v (%d) despite the error on line 4", calls, rep.Imported)
		}
		if len(rep.Errors) < 2 || rep.Errors[0].Line != 4 || rep.Errors[len(rep.Errors)-1].Line != 6 {
			t.Errorf("errors %v", rep.Errors)
		}
	})
	t.Run("apply error", func(t *testing.T) {
		boom := errors.New("boom")
		_, err := Stream(context.Background(), bytes.NewReader(joinLines(lines)), testNow, Options{BatchSize: 2},
			func(context.Context, []registry.Household) error { return boom })
		if !errors.Is(err, boom) {
			t.Fatalf("Stream: %v", err)
		}
	})
}

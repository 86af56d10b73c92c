package batch

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"

	"certa.example/certa/internal/errs"
)

type readResult struct {
	seqs []int64
	reqs []string
	err  error
}

func readAll(in io.Reader, maxItems int64) readResult {
	rd := NewReader(in, maxItems)
	var r readResult
	for {
		it, err := rd.Next()
		if err != nil {
			if err != io.EOF {
				r.err = err
			}
			return r
		}
		r.seqs = append(r.seqs, it.Seq)
		r.reqs = append(r.reqs, string(it.Request))
	}
}

func TestReader(t *testing.T) {
	long := `{"a":"` + strings.Repeat("x", MaxLine-8) + `"}` // MaxLine bytes
	tests := []struct {
		name     string
		in       string
		max      int64
		wantSeqs []int64
		wantReqs []string
		errLine  int64 // 0: no LineError
		reason   string
		errKind  errs.Kind // when err
		wantErr  bool
	}{
		{name: "two lines", in: "{\"a\":1}\n{\"b\":2}\n", wantSeqs: []int64{1, 2}, wantReqs: []string{`{"a":1}`, `{"b":2}`}},
		{name: "no final newline", in: "{\"a\":1}\n{\"b\":2}", wantSeqs: []int64{1, 2}, wantReqs: []string{`{"a":1}`, `{"b":2}`}},
		{name: "CRLF", in: "{\"a\":1}\r\n{\"b\":2}\r\n", wantSeqs: []int64{1, 2}, wantReqs: []string{`{"a":1}`, `{"b":2}`}},
		{name: "blank lines keep numbering", in: "\n{\"a\":1}\n  \t\n\r\n{\"b\":2}\n\n\n", wantSeqs: []int64{2, 5}, wantReqs: []string{`{"a":1}`, `{"b":2}`}},
		{name: "BOM", in: "\ufeff{\"a\":1}\n", wantSeqs: []int64{1}, wantReqs: []string{`{"a":1}`}},
		{name: "spaces around", in: "  {\"a\":1}\t\n", wantSeqs: []int64{1}, wantReqs: []string{`{"a":1}`}},
		{name: "longest line", in: long + "\r\n", wantSeqs: []int64{1}, wantReqs: []string{long}},
		{name: "empty file", in: "", wantErr: true, errKind: errs.InvalidRequest},
		{name: "only blank lines", in: "\n\n \n", wantErr: true, errKind: errs.InvalidRequest},
		{name: "BOM not at start", in: "{}\n\ufeff{}\n", wantSeqs: []int64{1}, wantReqs: []string{`{}`}, wantErr: true, errLine: 2, reason: ReasonNotObject},
		{name: "too long", in: "{}\n" + long + " x\n{}\n", wantSeqs: []int64{1}, wantReqs: []string{`{}`}, wantErr: true, errLine: 2, reason: ReasonTooLong},
		{name: "too long without newline", in: strings.Repeat("{", MaxLine+10), wantErr: true, errLine: 1, reason: ReasonTooLong},
		{name: "array", in: "[1]\n", wantErr: true, errLine: 1, reason: ReasonNotObject},
		{name: "two objects", in: "{} {}\n", wantErr: true, errLine: 1, reason: ReasonNotObject},
		{name: "truncated", in: "{}\n{}\n{\"subject\":\"RSSMRA80A01F205X\"\n", wantSeqs: []int64{1, 2}, wantReqs: []string{`{}`, `{}`}, wantErr: true, errLine: 3, reason: ReasonNotObject},
		{name: "not UTF-8", in: "{\"a\":\"\xff\"}\n", wantErr: true, errLine: 1, reason: ReasonNotUTF8},
		{name: "NUL", in: "{\"a\":\"\x00\"}\n", wantErr: true, errLine: 1, reason: ReasonNotObject},
		{name: "limit", in: "{}\n\n{}\n{}\n", max: 2, wantSeqs: []int64{1, 3}, wantReqs: []string{`{}`, `{}`}, wantErr: true, errLine: 4, reason: ReasonTooMany},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// One byte at a time too: line handling must not depend on reads.
			for _, in := range []io.Reader{strings.NewReader(tc.in), iotest.OneByteReader(strings.NewReader(tc.in))} {
				r := readAll(in, tc.max)
				if !equal(r.seqs, tc.wantSeqs) || !equal(r.reqs, tc.wantReqs) {
					t.Errorf("read seqs %v, want %v (requests equal: %v)", r.seqs, tc.wantSeqs, equal(r.reqs, tc.wantReqs))
				}
				if (r.err != nil) != tc.wantErr {
					t.Fatalf("error %v, want error %v", r.err, tc.wantErr)
				}
				if r.err == nil {
					continue
				}
				if k := errs.KindOf(r.err); k != errs.InvalidRequest {
					t.Errorf("kind %v, want invalid-request", k)
				}
				var le *LineError
				if tc.errLine == 0 {
					if errors.As(r.err, &le) {
						t.Errorf("unexpected LineError %v", le)
					}
					continue
				}
				if !errors.As(r.err, &le) || le.Line != tc.errLine || le.Reason != tc.reason {
					t.Errorf("error %v, want line %d: %s", r.err, tc.errLine, tc.reason)
				}
				if strings.Contains(r.err.Error(), "RSSMRA") {
					t.Errorf("error %q quotes the request", r.err)
				}
			}
		})
	}
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReaderDigestAndStickyError(t *testing.T) {
	in := "{\"a\":1}\n\n{\"b\":2}"
	rd := NewReader(strings.NewReader(in), 0)
	for {
		if _, err := rd.Next(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if rd.SHA256() != sha256.Sum256([]byte(in)) {
		t.Error("SHA256 is not the file's digest")
	}
	if rd.Count() != 2 {
		t.Errorf("Count = %d", rd.Count())
	}
	if _, err := rd.Next(); err != io.EOF {
		t.Errorf("Next after EOF = %v", err)
	}

	boom := errors.New("connection reset")
	rd = NewReader(io.MultiReader(strings.NewReader("{}\n"), iotest.ErrReader(boom)), 0)
	if _, err := rd.Next(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := rd.Next(); !errors.Is(err, boom) {
			t.Fatalf("Next = %v, want the read error", err)
		}
	}
}

// publicText is the form of every public error text of the reader.
var publicText = regexp.MustCompile(`^(line [0-9]+: (` + regexp.QuoteMeta(ReasonTooLong) + `|` + ReasonNotUTF8 + `|` +
	ReasonNotObject + `|` + ReasonTooMany + `)|the file holds no request)$`)

func FuzzReader(f *testing.F) {
	for _, s := range []string{"{}\n", "{\"a\":1}\r\n\n{\"b\":[1,2]}", "\ufeff{}", "[]\n", "{\n}", " \t\r\n", "{\"a\":\"\xff\"}"} {
		f.Add([]byte(s), int64(0))
	}
	f.Add([]byte("{}\n{}\n{}\n"), int64(2))
	f.Fuzz(func(t *testing.T, in []byte, maxItems int64) {
		if maxItems < 0 {
			maxItems = -maxItems
		}
		rd := NewReader(bytes.NewReader(in), maxItems%8)
		var prev int64
		for {
			it, err := rd.Next()
			if err == io.EOF {
				if rd.Count() == 0 {
					t.Fatal("EOF without a request")
				}
				return
			}
			if err != nil {
				if errs.KindOf(err) != errs.InvalidRequest || !publicText.MatchString(errs.PublicOf(err)) {
					t.Fatalf("error %q (kind %v) is not a fixed public text", errs.PublicOf(err), errs.KindOf(err))
				}
				return
			}
			if it.Seq <= prev || len(it.Request) > MaxLine || it.Request[0] != '{' || bytes.ContainsAny(it.Request, "\n") {
				t.Fatalf("bad item %d after %d: %q", it.Seq, prev, it.Request)
			}
			if int64(bytes.Count(in, []byte("\n"))+1) < it.Seq {
				t.Fatalf("seq %d beyond the file's lines", it.Seq)
			}
			prev = it.Seq
		}
	})
}

package batch

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"certa.example/certa/internal/store"
)

// fakeItems serves n items by pages without holding them: item i is
// issued, except every seventh (failed) and every thirteenth (pending);
// seqs skip every tenth number (blank lines).
func fakeItems(n int64) (Pages, *int) {
	calls := 0
	item := func(seq int64) store.BatchItem {
		it := store.BatchItem{Seq: seq, Status: store.ItemIssued, Code: fmt.Sprintf("AAAA-%04d-%04d", seq/10000, seq%10000)}
		switch {
		case seq%7 == 0:
			it = store.BatchItem{Seq: seq, Status: store.ItemFailed, ProblemType: "/problems/subject-not-found", ProblemDetail: "no resident matches"}
		case seq%13 == 0:
			it = store.BatchItem{Seq: seq, Status: store.ItemPending}
		}
		return it
	}
	seqOf := func(i int64) int64 { return i + i/9 + 1 } // 1..9, 11..19, ...
	return func(ctx context.Context, after int64, limit int) ([]store.BatchItem, error) {
		calls++
		var page []store.BatchItem
		// seqOf(i) <= i*10/9+1: start just before after's index.
		for i := max(0, after*9/10-2); i < n && len(page) < limit; i++ {
			if s := seqOf(i); s > after {
				page = append(page, item(s))
			}
		}
		return page, nil
	}, &calls
}

// fakePDF writes a small PDF-like body that depends on the item.
func fakePDF(ctx context.Context, it store.BatchItem, w io.Writer) error {
	_, err := fmt.Fprintf(w, "%%PDF-1.7\n%% certificate %s of item %d\n%%%%EOF\n", it.Code, it.Seq)
	return err
}

func pdfBytes(it store.BatchItem) []byte {
	var b bytes.Buffer
	fakePDF(context.Background(), it, &b)
	return b.Bytes()
}

// checkResult checks the manifest lines against the PDFs read by open.
func checkResult(t *testing.T, manifest io.Reader, n int64, open func(name string) ([]byte, error)) {
	t.Helper()
	pages, _ := fakeItems(n)
	all, _ := pages(context.Background(), 0, int(n)+1)
	sc := bufio.NewScanner(manifest)
	i := 0
	for sc.Scan() {
		var ml ManifestLine
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&ml); err != nil {
			t.Fatalf("manifest line %d: %v", i+1, err)
		}
		if i >= len(all) {
			t.Fatalf("manifest has more than %d lines", len(all))
		}
		it := all[i]
		i++
		if ml.Seq != it.Seq || ml.Status != it.Status || ml.Code != it.Code || ml.ProblemType != it.ProblemType || ml.ProblemDetail != it.ProblemDetail {
			t.Fatalf("manifest line %+v for item %+v", ml, it)
		}
		if it.Status != store.ItemIssued {
			if ml.File != "" || ml.SHA256 != "" {
				t.Fatalf("manifest line %+v names a file", ml)
			}
			continue
		}
		if want, _ := PDFName(it.Seq, it.Code); ml.File != want {
			t.Fatalf("file %q, want %q", ml.File, want)
		}
		body, err := open(ml.File)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(body)
		if !bytes.Equal(body, pdfBytes(it)) || ml.SHA256 != hex.EncodeToString(sum[:]) {
			t.Fatalf("%s: wrong content or digest", ml.File)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if i != len(all) {
		t.Fatalf("manifest has %d lines, want %d", i, len(all))
	}
}

func wantSummary(t *testing.T, got Summary, n int64) {
	t.Helper()
	pages, _ := fakeItems(n)
	all, _ := pages(context.Background(), 0, int(n)+1)
	var want Summary
	for _, it := range all {
		switch it.Status {
		case store.ItemIssued:
			want.Issued++
		case store.ItemFailed:
			want.Failed++
		default:
			want.Pending++
		}
	}
	if got != want {
		t.Errorf("Summary %+v, want %+v", got, want)
	}
}

func TestWriteZIP(t *testing.T) {
	for _, n := range []int64{1, 2500, 70_000} { // 70,000: more entries than a ZIP without ZIP64 holds
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			if n > 10_000 && testing.Short() {
				t.Skip("large archive")
			}
			pages, calls := fakeItems(n)
			path := filepath.Join(t.TempDir(), "result.zip")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			mod := time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)
			sum, err := WriteZIP(context.Background(), f, pages, fakePDF, ZIPOptions{Modified: mod, TempDir: filepath.Dir(path)})
			if err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			wantSummary(t, sum, n)
			if want := (int(n)+PageSize-1)/PageSize + 1; *calls != want {
				t.Errorf("%d page reads, want %d", *calls, want)
			}
			zr, err := zip.OpenReader(path)
			if err != nil {
				t.Fatal(err)
			}
			defer zr.Close()
			if got := len(zr.File); got != int(sum.Issued)+1 {
				t.Fatalf("%d entries, want %d", got, sum.Issued+1)
			}
			last := zr.File[len(zr.File)-1]
			if last.Name != ManifestName || !last.Modified.Equal(mod) {
				t.Fatalf("last entry %s at %v", last.Name, last.Modified)
			}
			byName := map[string]*zip.File{}
			for _, f := range zr.File {
				byName[f.Name] = f
			}
			mf, err := last.Open()
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, mf, n, func(name string) ([]byte, error) {
				zf := byName[name]
				if zf == nil {
					return nil, fmt.Errorf("no entry %s", name)
				}
				if zf.Method != zip.Store {
					return nil, fmt.Errorf("%s is compressed", name)
				}
				rc, err := zf.Open()
				if err != nil {
					return nil, err
				}
				defer rc.Close()
				return io.ReadAll(rc)
			})
			if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
				t.Errorf("%d files beside the archive", len(entries))
			}
			for _, tool := range [][]string{{"unzip", "-tqq", path}, {"zipinfo", "-t", path}} {
				if _, err := exec.LookPath(tool[0]); err != nil {
					t.Logf("%s not installed: not checked", tool[0])
					continue
				}
				if out, err := exec.Command(tool[0], tool[1:]...).CombinedOutput(); err != nil {
					t.Errorf("%v: %v\n%s", tool, err, out)
				}
			}
		})
	}
}

// TestWriteZIPFlatMemory writes 100,000 items (about 85,000 PDFs) to a
// discarding writer and checks that the live heap stays small.
func TestWriteZIPFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("large archive")
	}
	const n = 100_000
	pages, _ := fakeItems(n)
	var peak uint64
	var mu sync.Mutex // the writers fetch PDFs concurrently
	var ms runtime.MemStats
	pdfs := 0
	sampling := func(ctx context.Context, it store.BatchItem, w io.Writer) error {
		mu.Lock()
		if pdfs++; pdfs%10_000 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
		mu.Unlock()
		return fakePDF(ctx, it, w)
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	if _, err := WriteZIP(context.Background(), io.Discard, pages, sampling, ZIPOptions{TempDir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	// Nothing is kept per entry (archive/zip would keep ~300 bytes).
	if grow := int64(peak) - int64(base); grow > 8<<20 {
		t.Errorf("live heap grew by %d MiB", grow>>20)
	}
	t.Logf("live heap: %d KiB before, %d KiB at peak", base>>10, peak>>10)
}

func TestWriteDir(t *testing.T) {
	const n = 3000
	pages, _ := fakeItems(n)
	dir := filepath.Join(t.TempDir(), "out")
	sum, err := WriteDir(context.Background(), dir, pages, fakePDF)
	if err != nil {
		t.Fatal(err)
	}
	wantSummary(t, sum, n)
	mf, err := os.Open(filepath.Join(dir, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	defer mf.Close()
	checkResult(t, mf, n, func(name string) ([]byte, error) {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		if fi.Mode().Perm() != 0o600 {
			return nil, fmt.Errorf("%s has mode %v", name, fi.Mode())
		}
		return os.ReadFile(filepath.Join(dir, name))
	})
	entries, _ := os.ReadDir(dir)
	if len(entries) != int(sum.Issued)+1 {
		t.Errorf("%d files, want %d", len(entries), sum.Issued+1)
	}
	// Writing again into the same directory refuses to overwrite.
	if _, err := WriteDir(context.Background(), dir, pages, fakePDF); !errors.Is(err, os.ErrExist) {
		t.Errorf("second WriteDir = %v, want a refusal to overwrite", err)
	}
}

func TestWriteErrors(t *testing.T) {
	boom := errors.New("document store down")
	issued := func(code string) Pages {
		return func(ctx context.Context, after int64, limit int) ([]store.BatchItem, error) {
			if after > 0 {
				return nil, nil
			}
			return []store.BatchItem{{Seq: 1, Status: store.ItemIssued, Code: code}}, nil
		}
	}
	tests := []struct {
		name  string
		pages Pages
		pdf   PDFFunc
		is    error
	}{
		{"page error", func(context.Context, int64, int) ([]store.BatchItem, error) { return nil, boom }, fakePDF, boom},
		{"PDF error", issued("AAAA-BBBB"), func(context.Context, store.BatchItem, io.Writer) error { return boom }, boom},
		{"code with a path", issued("../../etc/passwd"), fakePDF, nil},
		{"lower-case code", issued("aaaa"), fakePDF, nil},
		{"pages out of order", func(ctx context.Context, after int64, limit int) ([]store.BatchItem, error) {
			return []store.BatchItem{{Seq: 5, Status: store.ItemPending}, {Seq: 5, Status: store.ItemPending}}, nil
		}, fakePDF, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := WriteZIP(context.Background(), io.Discard, tc.pages, tc.pdf, ZIPOptions{TempDir: t.TempDir()})
			if err == nil || (tc.is != nil && !errors.Is(err, tc.is)) {
				t.Errorf("WriteZIP = %v, want an error (%v)", err, tc.is)
			}
			dir := t.TempDir()
			_, err = WriteDir(context.Background(), dir, tc.pages, tc.pdf)
			if err == nil || (tc.is != nil && !errors.Is(err, tc.is)) {
				t.Errorf("WriteDir = %v, want an error (%v)", err, tc.is)
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "etc")); err == nil {
				t.Error("a file was written outside the directory")
			}
		})
	}
}

func TestPDFName(t *testing.T) {
	for _, tc := range []struct {
		seq  int64
		code string
		want string
	}{
		{1, "ABCD-EFGH-JKMN-PQRS", "000001-ABCD-EFGH-JKMN-PQRS.pdf"},
		{1_000_000, "ABCD-EFGH-JKMN-PQRS", "1000000-ABCD-EFGH-JKMN-PQRS.pdf"},
		{2, "", ""},
		{2, "AB/CD", ""},
		{2, "AB.CD", ""},
	} {
		got, err := PDFName(tc.seq, tc.code)
		if got != tc.want || (err != nil) != (tc.want == "") {
			t.Errorf("PDFName(%d, %q) = %q, %v; want %q", tc.seq, tc.code, got, err, tc.want)
		}
	}
}

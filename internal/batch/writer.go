package batch

import (
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"certa.example/certa/internal/store"
)

// ManifestName is the name of the manifest in a result.
const ManifestName = "manifest.jsonl"

// PageSize is how many items the writers ask for at a time.
const PageSize = 1000

// ManifestLine is one line of manifest.jsonl: an item's outcome. Issued
// items have Code, File and SHA256 (hex, of the PDF); failed ones
// ProblemType and ProblemDetail (the problem document's type and public
// detail); pending ones (a cancelled batch) only Seq and Status.
type ManifestLine struct {
	Seq           int64            `json:"seq"`
	Status        store.ItemStatus `json:"status"`
	Code          string           `json:"code,omitempty"`
	File          string           `json:"file,omitempty"`
	SHA256        string           `json:"sha256,omitempty"`
	ProblemType   string           `json:"problem_type,omitempty"`
	ProblemDetail string           `json:"problem_detail,omitempty"`
}

// Pages returns up to limit items with a seq above after, in seq order;
// an empty page ends the result. store.BatchStore.BatchItems, with the
// batch id bound, is one.
type Pages func(ctx context.Context, after int64, limit int) ([]store.BatchItem, error)

// StoredItems returns the Pages of batch id's items in st.
func StoredItems(st interface {
	BatchItems(ctx context.Context, id string, after int64, limit int) ([]store.BatchItem, error)
}, id string) Pages {
	return func(ctx context.Context, after int64, limit int) ([]store.BatchItem, error) {
		return st.BatchItems(ctx, id, after, limit)
	}
}

// StoredDocuments returns the PDFFunc that writes each item's stored
// document as docs gives it (engine.Engine.Document).
func StoredDocuments(docs interface {
	Document(ctx context.Context, code string) ([]byte, error)
}) PDFFunc {
	return func(ctx context.Context, it store.BatchItem, w io.Writer) error {
		doc, err := docs.Document(ctx, it.Code)
		if err != nil {
			return err
		}
		_, err = w.Write(doc)
		return err
	}
}

// PDFFunc writes the PDF of an issued item to w. The writers call it from
// several goroutines at once.
type PDFFunc func(ctx context.Context, it store.BatchItem, w io.Writer) error

// Doc is an issued item's signed PDF and its SHA-256.
type Doc struct {
	PDF    []byte
	SHA256 [32]byte
}

// fetchFunc returns an issued item's document.
type fetchFunc func(ctx context.Context, it store.BatchItem) (Doc, error)

// fetchPDF is the fetchFunc of pdf: the PDF it writes and its digest.
func fetchPDF(pdf PDFFunc) fetchFunc {
	return func(ctx context.Context, it store.BatchItem) (Doc, error) {
		var b bytes.Buffer
		if err := pdf(ctx, it, &b); err != nil {
			return Doc{}, err
		}
		return Doc{PDF: b.Bytes(), SHA256: sha256.Sum256(b.Bytes())}, nil
	}
}

// Summary counts what a writer wrote.
type Summary struct {
	Issued, Failed, Pending int64
}

// PDFName is the file name of an issued item's PDF: the seq in at least
// six digits and the code, e.g. 000001-ABCD-EFGH-JKMN-PQRS.pdf. A code
// that is not upper-case letters, digits and dashes is refused, so that a
// name can never leave its directory.
func PDFName(seq int64, code string) (string, error) {
	if code == "" || len(code) > 64 {
		return "", fmt.Errorf("item %d: unusable certificate code", seq)
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		if !('A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return "", fmt.Errorf("item %d: unusable certificate code", seq)
		}
	}
	return fmt.Sprintf("%06d-%s.pdf", seq, code), nil
}

// sink is where a result goes: PDFs one at a time, and the manifest.
type sink interface {
	pdf(name string) (io.Writer, error) // valid until the next call
	manifest() io.Writer
}

// write walks the items page by page, writing each issued item's PDF and
// every item's manifest line. The PDFs are fetched ahead, several at a
// time (prefetch), and written in seq order.
func write(ctx context.Context, s sink, pages Pages, fetch fetchFunc) (Summary, error) {
	var (
		sum   Summary
		after int64
		enc   = json.NewEncoder(s.manifest())
	)
	ctx, cancel := context.WithCancel(ctx)
	chunks := make(chan fetchedChunk, 1)
	fetchErr := make(chan error, 1)
	go func() {
		defer close(chunks)
		fetchErr <- prefetch(ctx, pages, fetch, chunks)
	}()
	// On an early return, stop the fetching and wait for it: nothing may
	// read documents after the writer has returned.
	defer func() {
		cancel()
		for range chunks {
		}
	}()
	for c := range chunks {
		for i, it := range c.items {
			if it.Seq <= after {
				return sum, fmt.Errorf("item %d after item %d: pages out of order", it.Seq, after)
			}
			after = it.Seq
			ml := ManifestLine{Seq: it.Seq, Status: it.Status}
			switch it.Status {
			case store.ItemIssued:
				name, err := PDFName(it.Seq, it.Code)
				if err != nil {
					return sum, err
				}
				w, err := s.pdf(name)
				if err != nil {
					return sum, err
				}
				if _, err := w.Write(c.docs[i].PDF); err != nil {
					return sum, err
				}
				ml.Code, ml.File, ml.SHA256 = it.Code, name, hex.EncodeToString(c.docs[i].SHA256[:])
				sum.Issued++
			case store.ItemFailed:
				ml.ProblemType, ml.ProblemDetail = it.ProblemType, it.ProblemDetail
				sum.Failed++
			default:
				sum.Pending++
			}
			if err := enc.Encode(ml); err != nil {
				return sum, err
			}
		}
	}
	return sum, <-fetchErr
}

// fetchedChunk is a run of items with the documents of the issued ones.
type fetchedChunk struct {
	items []store.BatchItem
	docs  []Doc
}

// Prefetching: chunks of chunkItems, each fetched by up to fetchers
// goroutines; the writer holds one chunk while the next is fetched.
const (
	chunkItems = 64
	fetchers   = 4
)

// prefetch reads the pages and sends them to out in chunks, with the PDFs
// of the issued items fetched; it returns at the end of the items, on the
// first error, or when ctx ends.
func prefetch(ctx context.Context, pages Pages, fetch fetchFunc, out chan<- fetchedChunk) error {
	var after int64
	for {
		page, err := pages(ctx, after, PageSize)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		after = page[len(page)-1].Seq
		for len(page) > 0 {
			c := fetchedChunk{items: page[:min(chunkItems, len(page))]}
			page = page[len(c.items):]
			c.docs = make([]Doc, len(c.items))
			if err := fetchChunk(ctx, c, fetch); err != nil {
				return err
			}
			select {
			case out <- c:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
}

// fetchChunk fills c.docs for c's issued items.
func fetchChunk(ctx context.Context, c fetchedChunk, fetch fetchFunc) error {
	next := make(chan int, len(c.items))
	for i, it := range c.items {
		if it.Status == store.ItemIssued {
			next <- i
		}
	}
	close(next)
	errc := make(chan error, fetchers)
	var wg sync.WaitGroup
	for range fetchers {
		wg.Go(func() {
			for i := range next {
				doc, err := fetch(ctx, c.items[i])
				if err != nil {
					errc <- fmt.Errorf("item %d: PDF: %w", c.items[i].Seq, err)
					return
				}
				c.docs[i] = doc
			}
		})
	}
	wg.Wait()
	close(errc)
	return <-errc
}

// ZIPOptions tune WriteZIP.
type ZIPOptions struct {
	// Modified is the time every entry carries (e.g. the batch's end), in
	// MS-DOS form (UTC, two-second resolution); zero is 1980-01-01.
	Modified time.Time
	// TempDir holds the spooled manifest and central directory ("" is
	// os.TempDir()); the files are removed before WriteZIP returns.
	TempDir string
}

// WriteZIP writes the result as a ZIP to w: each issued item's PDF
// (stored, not compressed again) in seq order, then manifest.jsonl
// (deflated). A ZIP entry must be written whole before the next starts,
// so the manifest (compressed) and the central directory are spooled to
// temporary files meanwhile, and one PDF at a time is held in memory:
// memory stays flat, and the disk holds about 100 bytes per item. The
// archive is ZIP64 (entries must be under 4 GiB each). On error, w holds a
// partial, unusable archive.
func WriteZIP(ctx context.Context, w io.Writer, pages Pages, pdf PDFFunc, opt ZIPOptions) (Summary, error) {
	return writeZIP(ctx, w, pages, fetchPDF(pdf), opt)
}

func writeZIP(ctx context.Context, w io.Writer, pages Pages, fetch fetchFunc, opt ZIPOptions) (Summary, error) {
	manTmp, drop, err := tempFile(opt.TempDir, "certa-manifest-*.jsonl.deflate")
	if err != nil {
		return Summary{}, err
	}
	defer drop()
	cdTmp, drop2, err := tempFile(opt.TempDir, "certa-zipdir-*")
	if err != nil {
		return Summary{}, err
	}
	defer drop2()

	manBuf := bufio.NewWriter(manTmp)
	fw, err := flate.NewWriter(manBuf, flate.DefaultCompression)
	if err != nil {
		return Summary{}, err
	}
	zs := &zipSink{z: newZipStream(w, cdTmp, opt.Modified)}
	zs.man = io.MultiWriter(fw, &zs.manCRC)
	sum, err := write(ctx, zs, pages, fetch)
	if err != nil {
		return sum, err
	}
	if err := errors.Join(zs.flush(), fw.Close(), manBuf.Flush()); err != nil {
		return sum, err
	}
	compressed, err := manTmp.Seek(0, io.SeekCurrent)
	if err != nil {
		return sum, err
	}
	if _, err := manTmp.Seek(0, io.SeekStart); err != nil {
		return sum, err
	}
	if err := zs.z.add(ManifestName, zipDeflate, zs.manCRC.crc, zs.manCRC.n, compressed, bufio.NewReader(manTmp)); err != nil {
		return sum, err
	}
	if err := zs.z.cd.Flush(); err != nil {
		return sum, err
	}
	if _, err := cdTmp.Seek(0, io.SeekStart); err != nil {
		return sum, err
	}
	return sum, zs.z.finish(bufio.NewReader(cdTmp))
}

// tempFile creates a temporary file that the returned function closes
// and removes.
func tempFile(dir, pattern string) (*os.File, func(), error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, nil, err
	}
	return f, func() { f.Close(); os.Remove(f.Name()) }, nil
}

// zipSink holds the current PDF until the next starts (or flush), then
// writes it as one entry.
type zipSink struct {
	z      *zipStream
	name   string
	buf    bytes.Buffer
	man    io.Writer
	manCRC crcCounter
}

func (z *zipSink) flush() error {
	if z.name == "" {
		return nil
	}
	data := z.buf.Bytes()
	err := z.z.add(z.name, zipStore, crc32.ChecksumIEEE(data), int64(len(data)), int64(len(data)), bytes.NewReader(data))
	z.name = ""
	z.buf.Reset()
	return err
}

func (z *zipSink) pdf(name string) (io.Writer, error) {
	if err := z.flush(); err != nil {
		return nil, err
	}
	z.name = name
	return &z.buf, nil
}

func (z *zipSink) manifest() io.Writer { return z.man }

// WriteDir writes the result into the directory dir (`--out DIR`): each
// issued item's PDF as a file and manifest.jsonl, all mode 0600. dir is
// created (0700) when missing; existing files of the same names are
// refused rather than overwritten. On error, dir holds the files written
// so far.
func WriteDir(ctx context.Context, dir string, pages Pages, pdf PDFFunc) (Summary, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Summary{}, err
	}
	mf, err := create(filepath.Join(dir, ManifestName))
	if err != nil {
		return Summary{}, err
	}
	ds := &dirSink{dir: dir, man: bufio.NewWriter(mf)}
	sum, err := write(ctx, ds, pages, fetchPDF(pdf))
	err = errors.Join(err, ds.closeCurrent(), ds.man.Flush(), mf.Close())
	return sum, err
}

// create creates a new file, refusing to overwrite one.
func create(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
}

type dirSink struct {
	dir string
	cur *os.File
	man *bufio.Writer
}

func (d *dirSink) pdf(name string) (io.Writer, error) {
	if err := d.closeCurrent(); err != nil {
		return nil, err
	}
	f, err := create(filepath.Join(d.dir, name))
	if err != nil {
		return nil, err
	}
	d.cur = f
	return f, nil
}

func (d *dirSink) closeCurrent() error {
	if d.cur == nil {
		return nil
	}
	err := d.cur.Close()
	d.cur = nil
	return err
}

func (d *dirSink) manifest() io.Writer { return d.man }

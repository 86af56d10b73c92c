package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"certa.example/certa/internal/batch"
	"certa.example/certa/internal/config"
	"certa.example/certa/internal/store"
)

// batchCmd runs "certa batch FILE --out DIR|FILE.zip": a batch issued on
// this machine's engine and store, resumable. The batch id and the input's
// SHA-256 are kept in OUT.certa-batch until the result is written, so
// running the same command again after an interruption resumes the same
// batch (docs/batches.md).
func batchCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("batch", stderr)
	var common config.Common
	var sc config.Serve
	var seal config.Seal
	config.RegisterCommon(fs, &common)
	config.RegisterServe(fs, &sc)
	config.RegisterSeal(fs, &seal)
	var settings config.Batches
	config.RegisterBatches(fs, &settings)
	out := fs.String("out", "", "result: a directory, or a file ending in .zip")
	if err := config.Parse(fs, reorderArgs(fs, args), &common); err != nil {
		return err
	}
	if fs.NArg() != 1 || *out == "" {
		return errors.New("usage: certa batch FILE --out DIR|FILE.zip [--batch-workers N]")
	}
	if err := sc.Resolve(); err != nil {
		return err
	}
	if err := settings.Resolve(); err != nil {
		return err
	}
	in := fs.Arg(0)
	sum, err := fileSHA256(in)
	if err != nil {
		return err
	}
	statePath := strings.TrimRight(*out, "/") + ".certa-batch"
	ctx := context.Background()
	st, err := openStack(ctx, common, seal, sc.PublicURL)
	if err != nil {
		return err
	}
	defer st.env.Close()

	id, err := resumeID(statePath, sum)
	if err != nil {
		return err
	}
	if id == "" {
		if _, err := os.Stat(*out); err == nil {
			return fmt.Errorf("%s exists; certa batch does not overwrite results", *out)
		}
		if id, err = createBatch(ctx, st.env.Store, in, sum); err != nil {
			return err
		}
		state := id + " " + hex.EncodeToString(sum[:]) + "\n"
		if err := os.WriteFile(statePath, []byte(state), 0o600); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "batch %s created; if interrupted, run the same command again to resume\n", id)
	} else {
		fmt.Fprintf(stderr, "resuming batch %s\n", id)
	}

	b, err := st.env.Store.Batch(ctx, id)
	if err != nil {
		return err
	}
	bar := newBatchBar(stderr, b.Total)
	r := &batch.Runner{Store: st.env.Store, Issuer: st.engine, Owner: batchOwner(), Lease: settings.Lease,
		Workers: settings.Workers, PageSize: 64, Now: time.Now, Progress: bar.update}
	if strings.HasSuffix(strings.ToLower(*out), ".zip") {
		// The ZIP is written while the batch runs.
		if b, err = runToZIP(ctx, st, r, id, *out); err != nil {
			bar.finish()
			return fmt.Errorf("batch %s stopped (run the same command again to resume): %w", id, err)
		}
		bar.finish()
	} else {
		if b.Status != store.BatchDone {
			b, err = r.RunBatch(ctx, id)
			bar.finish()
			if err != nil {
				return fmt.Errorf("batch %s stopped (run the same command again to resume): %w", id, err)
			}
		}
		if _, err := batch.WriteDir(ctx, *out, batch.StoredItems(st.env.Store, b.ID), batch.StoredDocuments(st.engine)); err != nil {
			return err
		}
	}
	os.Remove(statePath)
	fmt.Fprintf(stdout, "batch %s: %d issued, %d failed; result: %s\n", b.ID, b.Issued, b.Failed, *out)
	return nil
}

func fileSHA256(path string) ([32]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return [32]byte{}, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return [32]byte{}, err
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum, nil
}

// resumeID reads the state file: the batch id when it is for this input,
// "" when there is none, an error when it is for another input.
func resumeID(path string, sum [32]byte) (string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	id, digest, ok := strings.Cut(strings.TrimSpace(string(data)), " ")
	if !ok || !store.ValidBatchID(id) {
		return "", fmt.Errorf("%s is not a certa batch state file; remove it to start afresh", path)
	}
	if digest != hex.EncodeToString(sum[:]) {
		return "", fmt.Errorf("%s belongs to batch %s of another input file; use another --out or remove it", path, id)
	}
	return id, nil
}

// createBatch stores the batch, each line checked as the API checks a
// request; a bad line names its number and nothing is stored.
func createBatch(ctx context.Context, st store.Store, path string, sum [32]byte) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	source := batch.RequestSource(batch.NewReader(f, 0))
	b, err := st.CreateBatch(ctx, store.NewBatch{Client: "cli", InputSHA256: sum}, source)
	if err != nil {
		return "", err
	}
	return b.ID, nil
}

// runToZIP runs the batch and writes its ZIP to out meanwhile; on an
// error out is removed.
func runToZIP(ctx context.Context, st *stack, r *batch.Runner, id, out string) (store.Batch, error) {
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return store.Batch{}, err
	}
	// Entries are a local header, about 30 KB and a descriptor: buffered,
	// the archive takes a write call per 256 KB, not three per entry.
	bw := bufio.NewWriterSize(f, 256<<10)
	b, _, err := batch.RunToZIP(ctx, r, id, bw, batch.StoredDocuments(st.engine), "")
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Close()
	} else {
		f.Close()
	}
	if err != nil {
		os.Remove(out)
	}
	return b, err
}

// batchBar draws progress and ETA on a terminal, a line every ten
// seconds otherwise.
type batchBar struct {
	p    *progress
	est  *batch.Progress
	last time.Time
}

func newBatchBar(w io.Writer, total int64) *batchBar {
	return &batchBar{p: newProgress(w, 0), est: batch.NewProgress(total, time.Minute, time.Now)}
}

func (b *batchBar) update(bt store.Batch) {
	b.est.Observe(bt.Issued + bt.Failed)
	e := b.est.Estimate()
	eta := ""
	if e.Known && e.ETA > 0 {
		eta = ", ETA " + e.ETA.Round(time.Second).String()
	}
	line := fmt.Sprintf("%d/%d done (%d failed), %.0f/s%s", e.Done, e.Total, bt.Failed, e.Rate, eta)
	if b.p.tty {
		fmt.Fprintf(b.p.w, "\r%3.0f%% %s   ", 100*e.Fraction(), line)
		b.p.drawn = true
		return
	}
	if time.Since(b.last) >= 10*time.Second {
		fmt.Fprintln(b.p.w, line)
		b.last = time.Now()
	}
}

func (b *batchBar) finish() { b.p.finish() }

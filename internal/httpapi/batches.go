package httpapi

import (
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"certa.example/certa/internal/apiclient"
	"certa.example/certa/internal/batch"
	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/store"
)

// DefaultMaxBatchUpload bounds a batch file when Config.MaxBatchUpload is
// zero: about a million requests of 1 KiB.
const DefaultMaxBatchUpload = 1 << 30

// batchJSON is a batch's state for its client.
type batchJSON struct {
	ID         string            `json:"id"`
	Status     store.BatchStatus `json:"status"`
	Total      int64             `json:"total"`
	Issued     int64             `json:"issued"`
	Failed     int64             `json:"failed"`
	Pending    int64             `json:"pending"`
	CreatedAt  time.Time         `json:"created_at"`
	FinishedAt *time.Time        `json:"finished_at,omitempty"`
	// PerSecond and ETASeconds are the average rate since the batch was
	// submitted and the time left at that rate, while it runs.
	PerSecond  float64 `json:"per_second,omitempty"`
	ETASeconds int64   `json:"eta_seconds,omitempty"`
	Result     string  `json:"result,omitempty"`
}

func (s *Server) batchJSON(b store.Batch) batchJSON {
	out := batchJSON{ID: b.ID, Status: b.Status, Total: b.Total, Issued: b.Issued, Failed: b.Failed,
		Pending: b.Pending(), CreatedAt: b.CreatedAt}
	if !b.FinishedAt.IsZero() {
		out.FinishedAt = &b.FinishedAt
	}
	if b.Status == store.BatchDone {
		out.Result = "/api/v1/batches/" + b.ID + "/result"
	}
	if b.Status == store.BatchRunning {
		if el := s.engine.Now().Sub(b.CreatedAt).Seconds(); el > 0 && b.Issued+b.Failed > 0 {
			out.PerSecond = float64(b.Issued+b.Failed) / el
			out.ETASeconds = int64(float64(b.Pending())/out.PerSecond + 0.5)
		}
	}
	return out
}

// createBatch is POST /api/v1/batches: a JSON Lines file of issuance
// requests, spooled to a temporary file (so that the store's transaction
// does not wait on the network), checked line by line with the rules of
// POST /api/v1/certificates, and stored whole or not at all.
func (s *Server) createBatch(w http.ResponseWriter, r *http.Request) {
	if s.batches == nil {
		s.writeProblem(w, r, errs.New(errs.NotFound, "batches are not enabled on this server"))
		return
	}
	if !isMediaType(r.Header.Get("Content-Type"), "application/x-ndjson") && !isMediaType(r.Header.Get("Content-Type"), "application/jsonl") {
		s.writeProblem(w, r, errs.New(errs.UnsupportedMedia, "send the batch as application/x-ndjson (JSON Lines)"))
		return
	}
	spool, err := os.CreateTemp(s.spoolDir, "certa-batch-*.jsonl")
	if err != nil {
		s.writeProblem(w, r, errs.Wrap(errs.Unavailable, "", err))
		return
	}
	defer func() { spool.Close(); os.Remove(spool.Name()) }()
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(spool, h), http.MaxBytesReader(w, r.Body, s.maxBatch)); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.writeProblem(w, r, errs.New(errs.PayloadTooLarge, "the batch file is larger than "+strconv.FormatInt(s.maxBatch, 10)+" bytes"))
			return
		}
		s.writeProblem(w, r, errs.Wrap(errs.InvalidRequest, "the batch upload was cut off", err))
		return
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		s.writeProblem(w, r, errs.Wrap(errs.Internal, "", err))
		return
	}
	source := batch.RequestSource(batch.NewReader(spool, 0))
	var sum [32]byte
	h.Sum(sum[:0])
	b, err := s.batches.CreateBatch(r.Context(), store.NewBatch{Client: clientFrom(r.Context()), InputSHA256: sum}, source)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "batch created", "batch", b.ID, "items", b.Total, "client", clientFrom(r.Context()))
	w.Header().Set("Location", "/api/v1/batches/"+b.ID)
	writeJSON(w, http.StatusAccepted, s.batchJSON(b))
}

// ownBatch reads batch {id} if the client may see it: its submitter or an
// admin; anything else is errs.NotFound.
func (s *Server) ownBatch(r *http.Request) (store.Batch, error) {
	if s.batches == nil {
		return store.Batch{}, errs.New(errs.NotFound, "batches are not enabled on this server")
	}
	b, err := s.batches.Batch(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		return store.Batch{}, err
	}
	c := clientOf(r.Context())
	if b.Client != c.ID && !c.Has(apiclient.ScopeAdmin) {
		return store.Batch{}, store.ErrBatchNotFound()
	}
	return b, nil
}

func (s *Server) getBatch(w http.ResponseWriter, r *http.Request) {
	b, err := s.ownBatch(r)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, s.batchJSON(b))
}

func (s *Server) cancelBatch(w http.ResponseWriter, r *http.Request) {
	b, err := s.ownBatch(r)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	if b, err = s.batches.CancelBatch(r.Context(), b.ID, clientFrom(r.Context())); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.batchJSON(b))
}

// batchResult streams the ZIP of a finished batch: one PDF per issued
// item and manifest.jsonl. A PDF past its retention makes the result
// unavailable as a whole (410), checked before anything is sent.
func (s *Server) batchResult(w http.ResponseWriter, r *http.Request) {
	b, err := s.ownBatch(r)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	if b.Status != store.BatchDone {
		s.writeProblem(w, r, errs.New(errs.Conflict, "the batch is not done; its result is ready when GET /api/v1/batches/{id} says done"))
		return
	}
	pages := batch.StoredItems(s.batches, b.ID)
	if first, err := pages(r.Context(), 0, 1); err == nil && len(first) == 1 && first[0].Code != "" {
		if _, err := s.engine.Document(r.Context(), first[0].Code); err != nil {
			s.writeProblem(w, r, err)
			return
		}
	}
	pdf := batch.StoredDocuments(s.engine)
	h := w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", `attachment; filename="certa-batch-`+b.ID+`.zip"`)
	h.Set("Cache-Control", "no-store")
	if _, err := batch.WriteZIP(r.Context(), w, pages, pdf, batch.ZIPOptions{TempDir: s.spoolDir}); err != nil {
		// Headers are gone: cut the connection so the client sees a broken
		// transfer, not a short ZIP.
		s.log.ErrorContext(r.Context(), "batch result failed", "batch", b.ID, "err", err.Error())
		panic(http.ErrAbortHandler)
	}
}

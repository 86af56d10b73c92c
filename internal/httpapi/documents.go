package httpapi

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"certa.example/certa/engine"
	"certa.example/certa/internal/apiclient"
	"certa.example/certa/internal/codicefiscale"
	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/ledger"
)

// Reading issued certificates, their stored documents and a citizen's
// list.
//
// Who may read a certificate (its metadata or its PDF): the client that
// issued it (the ledger's Requester is the client ID), a client with scope
// read acting for the holder (the portal names the authenticated citizen
// in the Certa-Requester header, which must be the certificate's subject),
// or an admin. Anyone else gets the 404 an unknown code gets: codes are
// secret, and an answer must not confirm that one exists.

// RequesterHeader names the citizen a portal acts for on reads.
const RequesterHeader = "Certa-Requester"

// IdempotencyKeyHeader makes POST /api/v1/certificates safe to retry;
// ReplayedHeader marks the answer of a retry.
const (
	IdempotencyKeyHeader = "Idempotency-Key"
	ReplayedHeader       = "Idempotent-Replayed"
)

// actingFor returns the canonical codice fiscale of the Certa-Requester
// header, "" when absent; a malformed one is errs.InvalidRequest.
func actingFor(r *http.Request) (string, error) {
	vs := r.Header.Values(RequesterHeader)
	switch {
	case len(vs) == 0:
		return "", nil
	case len(vs) > 1:
		return "", errs.New(errs.InvalidRequest, "send one Certa-Requester header")
	}
	cf, err := codicefiscale.Parse(vs[0])
	if err != nil {
		return "", errs.New(errs.InvalidRequest, "Certa-Requester must be the codice fiscale of the citizen the portal acts for")
	}
	return cf.String(), nil
}

// mayRead reports whether the request's client may read rec (see above).
func mayRead(r *http.Request, rec ledger.Record) (bool, error) {
	c := clientOf(r.Context())
	if c.Has(apiclient.ScopeAdmin) || (c.ID != "" && rec.Requester == c.ID) {
		return true, nil
	}
	holder, err := actingFor(r)
	if err != nil {
		return false, err
	}
	return holder != "" && c.Has(apiclient.ScopeRead) && holder == rec.Subject, nil
}

// readable returns the certificate of the route's code when the client
// may read it, else the same errs.NotFound as for an unknown code.
func (s *Server) readable(r *http.Request) (ledger.Record, error) {
	rec, err := s.engine.Certificate(r.Context(), chi.URLParam(r, "code"))
	if err != nil {
		return ledger.Record{}, err
	}
	ok, err := mayRead(r, rec)
	if err != nil {
		return ledger.Record{}, err
	}
	if !ok {
		return ledger.Record{}, errs.New(errs.NotFound, "no certificate has this code")
	}
	return rec, nil
}

func (s *Server) certificate(w http.ResponseWriter, r *http.Request) {
	rec, err := s.readable(r)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, s.certificateJSON(rec))
}

// certificatePDF serves the stored signed PDF of a certificate.
func (s *Server) certificatePDF(w http.ResponseWriter, r *http.Request) {
	if _, ok := negotiate(r.Header.Get("Accept"), "application/pdf"); !ok {
		s.writeProblem(w, r, errs.New(errs.NotAcceptable, "this resource is available as application/pdf"))
		return
	}
	rec, err := s.readable(r)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	pdf, err := s.engine.Document(r.Context(), rec.Code)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Length", strconv.Itoa(len(pdf)))
	h.Set("Content-Disposition", `attachment; filename="certificato-`+rec.Code+`.pdf"`)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(pdf)
}

// listResponse is GET /api/v1/certificates?subject=: a page of a
// citizen's certificates, newest first.
type listResponse struct {
	Certificates []certificateResponse `json:"certificates"`
	// NextCursor continues the list (?cursor=); absent on the last page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// listCertificates lists the certificates of ?subject= for an admin or a
// client with read acting for that citizen (Certa-Requester).
func (s *Server) listCertificates(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	cf, err := codicefiscale.Parse(q.Get("subject"))
	if err != nil {
		s.writeProblem(w, r, errs.New(errs.InvalidFiscalCode, "subject must be the codice fiscale of the citizen whose certificates to list"))
		return
	}
	holder, err := actingFor(r)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	if c := clientOf(r.Context()); !c.Has(apiclient.ScopeAdmin) && (holder == "" || holder != cf.String()) {
		s.writeProblem(w, r, errs.New(errs.Forbidden, "a client lists only the certificates of the citizen named in Certa-Requester"))
		return
	}
	limit := 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > engine.MaxListLimit {
			s.writeProblem(w, r, errs.New(errs.InvalidRequest, "limit must be a number from 1 to "+strconv.Itoa(engine.MaxListLimit)))
			return
		}
		limit = n
	}
	recs, next, err := s.engine.ListBySubject(r.Context(), cf.String(), q.Get("cursor"), limit)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	out := listResponse{Certificates: make([]certificateResponse, 0, len(recs)), NextCursor: next}
	for _, rec := range recs {
		out.Certificates = append(out.Certificates, s.certificateJSON(rec))
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
}

// idempotencyKey reads the request's Idempotency-Key: "" when absent.
func idempotencyKey(r *http.Request) (string, error) {
	vs := r.Header.Values(IdempotencyKeyHeader)
	switch {
	case len(vs) == 0:
		return "", nil
	case len(vs) > 1:
		return "", errs.New(errs.InvalidRequest, "send one Idempotency-Key header")
	}
	return engine.ParseIdempotencyKey(vs[0])
}

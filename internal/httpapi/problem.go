package httpapi

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"certa.example/certa/internal/errs"
)

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
}

// problemSpec is the fixed status and title of each error kind. This table
// is the only place where kinds become HTTP statuses.
var problemSpec = map[errs.Kind]struct {
	status int
	title  string
}{
	errs.Internal:          {http.StatusInternalServerError, "Internal error"},
	errs.InvalidRequest:    {http.StatusBadRequest, "Invalid request"},
	errs.UnknownType:       {http.StatusUnprocessableEntity, "Unknown certificate type"},
	errs.InvalidFiscalCode: {http.StatusUnprocessableEntity, "Invalid fiscal code"},
	errs.SubjectNotFound:   {http.StatusNotFound, "Subject not found"},
	errs.Unauthorized:      {http.StatusUnauthorized, "Unauthorized"},
	errs.NotAcceptable:     {http.StatusNotAcceptable, "Not acceptable"},
	errs.UnsupportedMedia:  {http.StatusUnsupportedMediaType, "Unsupported media type"},
	errs.PayloadTooLarge:   {http.StatusRequestEntityTooLarge, "Payload too large"},
	errs.NotPDF:            {http.StatusUnprocessableEntity, "Not a PDF"},
	errs.NotFound:          {http.StatusNotFound, "Not found"},
	errs.SigningFailed:     {http.StatusServiceUnavailable, "Signing failed"},
	errs.Unavailable:       {http.StatusServiceUnavailable, "Service unavailable"},
	errs.NotCertifiable:    {http.StatusUnprocessableEntity, "Certificate cannot be issued"},
	errs.Conflict:          {http.StatusConflict, "Conflict"},
}

// ProblemTypeBase prefixes every problem type; the server documents each
// type at that path.
const ProblemTypeBase = "/problems/"

// problemFor maps an error to its problem document. Internal errors get
// no detail: the cause goes to the log only.
func problemFor(err error) Problem {
	k := errs.KindOf(err)
	spec, ok := problemSpec[k]
	if !ok {
		k, spec = errs.Internal, problemSpec[errs.Internal]
	}
	p := Problem{Type: ProblemTypeBase + k.String(), Title: spec.title, Status: spec.status}
	if k != errs.Internal {
		p.Detail = errs.PublicOf(err)
	}
	return p
}

// writeProblem answers with the problem for err and logs the detail.
func (s *Server) writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	p := problemFor(err)
	level := slog.LevelInfo
	if p.Status >= 500 {
		level = slog.LevelError
	}
	// err's text carries no personal data by the errs contract.
	s.log.Log(r.Context(), level, "request failed", "method", r.Method, "route", routePattern(r), "status", p.Status, "type", p.Type, "err", err.Error())
	if p.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="certa"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

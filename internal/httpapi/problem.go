package httpapi

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"certa.example/certa/engine"
	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/logging"
)

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// RequestID is an extension member (RFC 9457 section 3.2): the id of
	// the request, as in the X-Request-Id header and the server's log.
	RequestID string `json:"request_id,omitempty"`
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
	errs.Overloaded:        {http.StatusServiceUnavailable, "Server at capacity"},
	errs.NotCertifiable:    {http.StatusUnprocessableEntity, "Certificate cannot be issued"},
	errs.Conflict:          {http.StatusConflict, "Conflict"},
	errs.RateLimited:       {http.StatusTooManyRequests, "Too many requests"},
	errs.Forbidden:         {http.StatusForbidden, "Forbidden"},
	errs.QuotaExceeded:     {http.StatusTooManyRequests, "Daily quota exceeded"},
	errs.IdempotencyReuse:  {http.StatusUnprocessableEntity, "Idempotency key reused with another request"},
	errs.DocumentGone:      {http.StatusGone, "Document no longer stored"},
}

// ProblemTypeBase prefixes every problem type; the server documents each
// type at that path.
const ProblemTypeBase = "/problems/"

// problemFor maps an error to its problem document. Internal errors get
// no detail: the cause goes to the log only.
//
// A refusal by one of the engine's issuance rules is a subtype of
// not-certifiable: its type is /problems/not-certifiable/<rule slug>, its
// title the rule's English title, its detail the rule's reason in Italian
// (the citizen's words); the status stays 422.
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
	if k == errs.Forbidden {
		// A refusal by an access rule (engine/authz.go) has its subtype.
		if slug, title := errs.RuleOf(err); slug != "" && title != "" {
			if _, ok := engine.AccessRuleBySlug(slug); ok {
				p.Type, p.Title = accessProblemType(slug), title
			}
		}
	}
	if k == errs.NotCertifiable {
		// Only a known rule gets a subtype: its type URL is documented.
		if slug, title := errs.RuleOf(err); slug != "" && title != "" {
			if _, ok := engine.RuleBySlug(slug); ok {
				p.Type, p.Title = ruleProblemType(slug), title
			}
		}
	}
	return p
}

// ruleProblemType is the problem type of a refusal by the issuance rule
// with the given slug.
func ruleProblemType(slug string) string {
	return ProblemTypeBase + errs.NotCertifiable.String() + "/" + slug
}

func accessProblemType(slug string) string {
	return ProblemTypeBase + errs.Forbidden.String() + "/" + slug
}

// accessProblemDoc documents the problem subtype of one access rule at its
// URI, /problems/forbidden/{rule}: the English title and the reason in
// Italian.
func (s *Server) accessProblemDoc(w http.ResponseWriter, r *http.Request) {
	rule, ok := engine.AccessRuleBySlug(chi.URLParam(r, "rule"))
	if !ok {
		s.writeProblem(w, r, errs.New(errs.NotFound, "no such problem type"))
		return
	}
	spec := problemSpec[errs.Forbidden]
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "%s\n\n%s (HTTP %d).\nA case of %s%s: %s.\n\nMotivo: %s.\n\nSee docs/authorization.md and README.md, section \"Errors\".\n",
		accessProblemType(rule.Slug()), rule.Title(), spec.status,
		ProblemTypeBase, errs.Forbidden, spec.title, rule.Detail())
}

// ruleProblemDoc documents the problem subtype of one issuance rule at its
// URI, /problems/not-certifiable/{rule}: the English title, the reason in
// Italian and the certificate types that apply the rule.
func (s *Server) ruleProblemDoc(w http.ResponseWriter, r *http.Request) {
	rule, ok := engine.RuleBySlug(chi.URLParam(r, "rule"))
	if !ok {
		s.writeProblem(w, r, errs.New(errs.NotFound, "no such problem type"))
		return
	}
	spec := problemSpec[errs.NotCertifiable]
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "%s\n\n%s (HTTP %d).\nA case of %s%s: %s.\n\nMotivo: %s.\n\nCertificate types that apply this check: %s.\nSee README.md, section \"Errors\".\n",
		ruleProblemType(rule.Slug()), rule.Title(), spec.status,
		ProblemTypeBase, errs.NotCertifiable, spec.title,
		rule.Detail(), strings.Join(engine.RuleTypes(rule.Slug()), ", "))
}

// writeProblem answers with the problem for err and logs the detail.
func (s *Server) writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	p := problemFor(err)
	p.RequestID = logging.RequestID(r.Context())
	level := slog.LevelInfo
	if p.Status >= 500 {
		level = slog.LevelError
	}
	// err's text carries no personal data by the errs contract.
	s.log.Log(r.Context(), level, "request failed", "method", r.Method, "route", routePattern(r), "status", p.Status, "type", p.Type, "err", err.Error())
	switch {
	case errs.KindOf(err) == errs.Overloaded:
		w.Header().Set("Retry-After", "1")
	case p.Status == http.StatusServiceUnavailable:
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

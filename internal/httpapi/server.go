// Package httpapi is certa's HTTP interface: the issuance API for portals,
// the public verification page a QR code opens, and the upload page and API
// that verify a PDF.
//
// Every error leaves as an RFC 9457 application/problem+json document whose
// type is stable (see problem.go, the one place where error kinds become
// statuses). Handlers never panic on client input; a recovered panic is a
// 500 problem and a log line.
package httpapi

import (
	"cmp"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"certa.example/certa/engine"
	"certa.example/certa/internal/admission"
	"certa.example/certa/internal/apiclient"
	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/ledger"
	"certa.example/certa/internal/ratelimit"
	"certa.example/certa/internal/seal"
	"certa.example/certa/internal/store"
	"certa.example/certa/verify"
)

//go:embed assets/*.html
var assets embed.FS

// openAPI is the OpenAPI 3.1 document of every route (docs/api.md); a
// test checks it against the router and every response the tests see.
//
//go:embed openapi.json
var openAPI []byte

// Config configures a Server.
type Config struct {
	Engine   *engine.Engine
	Verifier *verify.Verifier
	Log      *slog.Logger
	// APIKeys maps the hex SHA-256 of each API key to its client ID.
	APIKeys map[string]string
	// MaxUpload bounds PDF uploads in bytes.
	MaxUpload int64
	// Location is the time zone dates are shown in.
	Location *time.Location
	// Ready reports whether the dependencies (store, signer) can serve;
	// it backs /readyz. Nil means always ready.
	Ready func(context.Context) error
	// AdminKeys are API keys (hex SHA-256, like APIKeys) that may also
	// revoke certificates.
	AdminKeys map[string]string
	// SealCertificates are published in the trust list, with their status;
	// ListKey and ListChain sign the trust and revocation lists. Without a
	// ListKey the lists are not served.
	SealCertificates []seal.TrustEntry
	ListKey          crypto.Signer
	ListChain        []*x509.Certificate
	// Limiter, when set, bounds the requests per client on the public
	// endpoints; ClientKey names the client (ratelimit.ClientKey).
	Limiter   *ratelimit.Limiter
	ClientKey func(*http.Request) string
	// Observer, when set, receives each request and verification look-up
	// (observe.go), for metrics.
	Observer Observer
	// Clients, when set, are the stored API clients authenticate accepts
	// besides APIKeys and AdminKeys (docs/clients.md); their look-ups are
	// reused for ClientCacheTTL (zero: DefaultClientCacheTTL; negative:
	// not at all).
	Clients        ClientStore
	ClientCacheTTL time.Duration
	// Batches, when set, serves /api/v1/batches (docs/batches.md): files
	// of at most MaxBatchUpload bytes (zero: DefaultMaxBatchUpload),
	// spooled in SpoolDir ("" is os.TempDir()).
	Batches        store.BatchStore
	MaxBatchUpload int64
	SpoolDir       string
	// Admission, when set, bounds the issuances running at once
	// (POST /api/v1/certificates); requests past it get 503 with
	// Retry-After (docs/operations.md, "Overload").
	Admission *admission.Gate
}

// Server serves certa's HTTP API and pages.
type Server struct {
	engine   *engine.Engine
	verifier *verify.Verifier
	log      *slog.Logger
	keys     map[[32]byte]apiclient.Client
	max      int64
	loc      *time.Location
	ready    func(context.Context) error

	counts      *verificationCounter
	sealEntries []seal.TrustEntry
	listKey     crypto.Signer
	listChain   []*x509.Certificate
	trust       signedList
	revocations signedList
	limiter     *ratelimit.Limiter
	clientKey   func(*http.Request) string
	obs         Observer

	batches     store.BatchStore
	maxBatch    int64
	spoolDir    string
	clients     ClientStore
	clientCache *clientCache
	limiters    sync.Map // limitKey -> *ratelimit.Limiter
	admission   *admission.Gate
}

// New checks cfg and returns a server.
func New(cfg Config) (*Server, error) {
	if cfg.Engine == nil || cfg.Verifier == nil || cfg.Log == nil {
		return nil, errors.New("httpapi: engine, verifier and logger are required")
	}
	if cfg.MaxUpload <= 0 {
		return nil, errors.New("httpapi: MaxUpload must be positive")
	}
	keys := make(map[[32]byte]apiclient.Client, len(cfg.APIKeys)+len(cfg.AdminKeys))
	for _, set := range []struct {
		m      map[string]string
		scopes apiclient.Scopes
	}{{cfg.APIKeys, apiclient.Scopes{apiclient.ScopeIssue, apiclient.ScopeIssueAnySubject, apiclient.ScopeRead}}, {cfg.AdminKeys, apiclient.Scopes{apiclient.ScopeAdmin}}} {
		for h, id := range set.m {
			b, err := hex.DecodeString(h)
			if err != nil || len(b) != 32 {
				return nil, fmt.Errorf("httpapi: API key hash for client %q is not 64 hex digits", id)
			}
			if _, dup := keys[[32]byte(b)]; dup {
				return nil, fmt.Errorf("httpapi: API key of client %q is listed twice", id)
			}
			keys[[32]byte(b)] = apiclient.Client{ID: id, Scopes: set.scopes}
		}
	}
	if cfg.Limiter != nil && cfg.ClientKey == nil {
		return nil, errors.New("httpapi: a Limiter needs a ClientKey")
	}
	loc := cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	// Build the pages now: a template error stops start-up, not a request.
	if _, err := pagesFor(cfg.MaxUpload); err != nil {
		return nil, fmt.Errorf("httpapi: pages: %w", err)
	}
	cacheTTL := cfg.ClientCacheTTL
	if cacheTTL == 0 {
		cacheTTL = DefaultClientCacheTTL
	}
	ready := cfg.Ready
	if ready == nil {
		ready = func(context.Context) error { return nil }
	}
	return &Server{engine: cfg.Engine, verifier: cfg.Verifier, log: cfg.Log, keys: keys, max: cfg.MaxUpload, loc: loc, ready: ready,
		counts: newVerificationCounter(), sealEntries: cfg.SealCertificates, listKey: cfg.ListKey, listChain: cfg.ListChain,
		limiter: cfg.Limiter, clientKey: cfg.ClientKey, obs: cfg.Observer,
		clients: cfg.Clients, clientCache: newClientCache(cacheTTL),
		batches: cfg.Batches, maxBatch: cmp.Or(cfg.MaxBatchUpload, DefaultMaxBatchUpload), spoolDir: cfg.SpoolDir, admission: cfg.Admission}, nil
}

// HashAPIKey returns the hex SHA-256 under which an API key is stored.
func HashAPIKey(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
}

// Handler returns the routes.
func (s *Server) Handler() http.Handler {
	r := chi.NewRouter()
	r.Use(requestID)
	if s.obs != nil {
		r.Use(s.observe)
	}
	r.Use(s.recoverer, securityHeaders)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		s.writeProblem(w, r, errs.New(errs.NotFound, "no such resource"))
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		s.writeProblem(w, r, errs.New(errs.InvalidRequest, "method not allowed on this resource"))
	})
	r.Get("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	r.Get("/readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.ready(ctx); err != nil {
			s.writeProblem(w, r, errs.Wrap(errs.Unavailable, "not ready", err))
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ready\n")
	})
	// The public endpoints a verifier reaches are rate-limited per client.
	limit := func(next http.Handler) http.Handler { return next }
	if s.limiter != nil {
		limit = ratelimit.Middleware(s.limiter, s.clientKey, func(w http.ResponseWriter, r *http.Request, _ time.Duration) {
			s.writeProblem(w, r, errs.New(errs.RateLimited, "too many requests from this client; retry after the time in Retry-After"))
		})
	}
	r.Route("/api/v1", func(r chi.Router) {
		r.With(s.authenticate, s.requireScope(apiclient.ScopeIssue), s.admit, s.issueQuota).Post("/certificates", s.issue)
		r.With(s.authenticate, s.requireScope(apiclient.ScopeRead)).Get("/certificates/{code}", s.certificate)
		r.With(s.authenticate, s.requireScope(apiclient.ScopeRead)).Get("/certificates/{code}/pdf", s.certificatePDF)
		r.With(s.authenticate, s.requireScope(apiclient.ScopeRead)).Get("/certificates", s.listCertificates)
		r.With(s.authenticate, s.requireScope(apiclient.ScopeRevoke)).Post("/certificates/{code}/revoke", s.revoke)
		r.With(s.authenticate, s.requireScope(apiclient.ScopeIssue)).Post("/batches", s.createBatch)
		r.With(s.authenticate, s.requireScope(apiclient.ScopeIssue)).Get("/batches/{id}", s.getBatch)
		r.With(s.authenticate, s.requireScope(apiclient.ScopeIssue)).Get("/batches/{id}/result", s.batchResult)
		r.With(s.authenticate, s.requireScope(apiclient.ScopeIssue)).Delete("/batches/{id}", s.cancelBatch)
		r.With(limit).Post("/verify", s.verifyAPI)
		r.Get("/types", s.types)
		r.Get("/openapi.json", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "public, max-age=3600")
			w.Write(openAPI)
		})
	})
	r.Group(func(r chi.Router) {
		r.Use(limit)
		s.pageRoutes(r)
		r.Get("/v/{code}/{seal}", s.sealStatus)
		r.Get("/V/{code}/{seal}", s.sealStatus)
	})
	r.Get("/verifica/offline", s.serveStatic("offline.html", "text/html; charset=utf-8"))
	r.Get("/verifica/offline.js", s.serveStatic("offline.js", "text/javascript; charset=utf-8"))
	r.Get(TrustListPath, s.trustList)
	r.Get(RevocationsPath, s.revocationList)
	r.Get(ProblemTypeBase+"{slug}", s.problemDoc)
	r.Get(ProblemTypeBase+errs.NotCertifiable.String()+"/{rule}", s.ruleProblemDoc)
	r.Get(ProblemTypeBase+errs.Forbidden.String()+"/{rule}", s.accessProblemDoc)
	return r
}

// authenticate requires "Authorization: Bearer <key>" naming a known key:
// a configured one (APIKeys, AdminKeys) or a stored client's that
// admitStored lets through.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		const prefix = "Bearer "
		if len(auth) <= len(prefix) || !strings.EqualFold(auth[:len(prefix)], prefix) {
			s.writeProblem(w, r, errs.New(errs.Unauthorized, "an API key is required: Authorization: Bearer <key>"))
			return
		}
		// Keys are looked up by their SHA-256: the comparison runs on a
		// hash the client cannot steer, so its timing reveals nothing.
		sum := sha256.Sum256([]byte(strings.TrimSpace(auth[len(prefix):])))
		if client, ok := s.keys[sum]; ok {
			next.ServeHTTP(w, r.WithContext(withClient(r.Context(), client)))
			return
		}
		var (
			rec   apiclient.Record
			found bool
		)
		if s.clients != nil {
			var err error
			if rec, found, err = s.lookupClient(r.Context(), sum); err != nil {
				s.writeProblem(w, r, err)
				return
			}
		}
		if !found {
			s.writeProblem(w, r, errs.New(errs.Unauthorized, "the API key is not valid"))
			return
		}
		if !s.admitStored(w, r, rec) {
			return
		}
		ctx := context.WithValue(withClient(r.Context(), rec.Client()), storedClientCtxKey, rec)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// requireScope lets through only clients whose key grants sc; it runs
// after authenticate.
func (s *Server) requireScope(sc apiclient.Scope) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !clientOf(r.Context()).Has(sc) {
				s.writeProblem(w, r, errs.New(errs.Forbidden, "this API key lacks the scope "+string(sc)+" this request needs"))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// issueRequest is the body of POST /api/v1/certificates, read by the
// same rules as a batch line (engine.RequestJSON).
type issueRequest = engine.RequestJSON

// issueResponse is the JSON answer to an issuance.
type issueResponse struct {
	Code      string    `json:"code"`
	Type      string    `json:"type"`
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at"`
	SHA256    string    `json:"sha256"`
	VerifyURL string    `json:"verify_url"`
}

const maxJSONBody = 64 << 10

func (s *Server) issue(w http.ResponseWriter, r *http.Request) {
	format, ok := negotiate(r.Header.Get("Accept"), "application/json", "application/pdf")
	if !ok {
		s.writeProblem(w, r, errs.New(errs.NotAcceptable, "this resource is available as application/json or application/pdf"))
		return
	}
	if !isMediaType(r.Header.Get("Content-Type"), "application/json") {
		s.writeProblem(w, r, errs.New(errs.UnsupportedMedia, "send the request as application/json"))
		return
	}
	var req issueRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	if req.Type == "" || req.Subject == "" {
		s.writeProblem(w, r, errs.New(errs.InvalidRequest, `"type" and "subject" are required`))
		return
	}
	key, err := idempotencyKey(r)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	if req.Channel == engine.ChannelCounter && !clientOf(r.Context()).Has(apiclient.ScopeIssueAnySubject) {
		s.writeProblem(w, r, engine.CounterScopeError())
		return
	}
	iss, err := s.engine.Issue(r.Context(), req.Request(clientFrom(r.Context()), key))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "certificate issued", "code", iss.Code, "type", iss.Type, "client", clientFrom(r.Context()), "replayed", iss.Replayed)
	h := w.Header()
	if iss.Replayed {
		h.Set(ReplayedHeader, "true")
	}
	h.Set("Location", "/api/v1/certificates/"+iss.Code)
	h.Set("Certa-Code", iss.Code)
	h.Set("Cache-Control", "no-store")
	h.Set("Vary", "Accept")
	if format == "application/pdf" {
		h.Set("Content-Type", "application/pdf")
		h.Set("Content-Length", strconv.Itoa(len(iss.PDF)))
		h.Set("Content-Disposition", `attachment; filename="certificato-`+iss.Code+`.pdf"`)
		w.WriteHeader(http.StatusCreated)
		w.Write(iss.PDF)
		return
	}
	writeJSON(w, http.StatusCreated, issueResponse{
		Code: iss.Code, Type: iss.Type, IssuedAt: iss.IssuedAt, ExpiresAt: iss.ExpiresAt,
		SHA256: hex.EncodeToString(iss.SHA256[:]), VerifyURL: iss.VerifyURL,
	})
}

// certificateResponse is GET /api/v1/certificates/{code}, for the portal
// that issued it: with the revocation and how often it was verified.
type certificateResponse struct {
	Code          string          `json:"code"`
	Type          string          `json:"type"`
	Status        ledger.Status   `json:"status"`
	IssuedAt      time.Time       `json:"issued_at"`
	ExpiresAt     time.Time       `json:"expires_at"`
	SHA256        string          `json:"sha256"`
	VerifyURL     string          `json:"verify_url"`
	Revocation    *revocationJSON `json:"revocation,omitempty"`
	Verifications int64           `json:"verifications"`
}

func (s *Server) certificateJSON(rec ledger.Record) certificateResponse {
	out := certificateResponse{
		Code: rec.Code, Type: rec.Type, Status: rec.StatusAt(s.engine.Now()), IssuedAt: rec.IssuedAt, ExpiresAt: rec.ExpiresAt,
		SHA256: hex.EncodeToString(rec.SHA256[:]), VerifyURL: s.engine.VerifyURL(rec.Code), Verifications: rec.Verifications,
	}
	if rec.Revoked {
		out.Revocation = &revocationJSON{At: rec.RevokedAt, Reason: string(rec.RevokedReason), ReplacedBy: rec.ReplacedBy}
	}
	return out
}

// statusResponse is the JSON form of the public verification page. It
// carries only what a verifier needs: no fiscal code, no address.
type statusResponse struct {
	Status    ledger.Status `json:"status"`
	Code      string        `json:"code,omitempty"`
	Type      string        `json:"type,omitempty"`
	IssuedAt  *time.Time    `json:"issued_at,omitempty"`
	ExpiresAt *time.Time    `json:"expires_at,omitempty"`
	Comune    string        `json:"comune,omitempty"`
	Holder    string        `json:"holder,omitempty"`
	CheckedAt time.Time     `json:"checked_at"`
	// Revocation says when and why, for a revoked certificate.
	Revocation *revocationJSON `json:"revocation,omitempty"`
	// Seal is the outcome of the QR seal's check (/v/{code}/{seal} only).
	Seal *sealJSON `json:"seal,omitempty"`
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	format, ok := negotiate(r.Header.Get("Accept"), "text/html", "application/json")
	if !ok {
		s.writeProblem(w, r, errs.New(errs.NotAcceptable, "this resource is available as text/html or application/json"))
		return
	}
	typed := chi.URLParam(r, "code")
	st, err := s.engine.Lookup(r.Context(), typed)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	if st.Status != ledger.StatusUnknown {
		s.counts.add(st.Record.Code)
	}
	s.observeLookup("status", st.Status)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Vary", "Accept, Accept-Language")
	if format == "application/json" {
		writeJSON(w, http.StatusOK, statusJSON(st))
		return
	}
	s.renderStatus(w, r, s.statusViewOf(st, typed, pageLang(r)))
}

func (s *Server) verifyAPI(w http.ResponseWriter, r *http.Request) {
	if !isMediaType(r.Header.Get("Content-Type"), "application/pdf") {
		s.writeProblem(w, r, errs.New(errs.UnsupportedMedia, "send the document as application/pdf"))
		return
	}
	data, err := readBounded(w, r, r.Body, s.max)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	rep, err := s.verifier.VerifyPDF(r.Context(), data)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	s.countReport(rep)
	writeJSON(w, http.StatusOK, rep)
}

// countReport counts the verification of an uploaded file the ledger knows.
func (s *Server) countReport(rep verify.Report) {
	if rep.Certificate != nil {
		s.counts.add(rep.Certificate.Code)
	}
}

type verifyPageData struct {
	Title  string
	Report *verify.Report
	Error  string
	MaxMB  int64
}

func (s *Server) verifyPage(w http.ResponseWriter, r *http.Request) {
	t := catalogue(pageLang(r))
	s.render(w, r, http.StatusOK, "verifica.html", verifyPageData{Title: t.VerifyTitle, MaxMB: s.max >> 20})
}

// verifyUpload reads the "file" part of a multipart form as a stream,
// without temporary files, and shows the report.
func (s *Server) verifyUpload(w http.ResponseWriter, r *http.Request) {
	lang := pageLang(r)
	t := catalogue(lang)
	page := verifyPageData{Title: t.VerifyTitle, MaxMB: s.max >> 20}
	fail := func(status int, msg string) {
		page.Error = msg
		s.render(w, r, status, "verifica.html", page)
	}
	tooLarge := func() {
		fail(http.StatusRequestEntityTooLarge, fmt.Sprintf(t.ErrTooLarge, sizeText(s.max, lang)))
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.max+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		fail(http.StatusBadRequest, t.ErrBadRequest)
		return
	}
	for {
		part, err := mr.NextPart()
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				tooLarge()
				return
			}
			fail(http.StatusBadRequest, t.ErrNoFile)
			return
		}
		if part.FormName() != "file" {
			continue
		}
		data, err := readBounded(w, r, part, s.max)
		if err != nil {
			if errs.KindOf(err) == errs.PayloadTooLarge {
				tooLarge()
			} else {
				fail(http.StatusBadRequest, t.ErrIncomplete)
			}
			return
		}
		rep, err := s.verifier.VerifyPDF(r.Context(), data)
		if err != nil {
			fail(http.StatusUnprocessableEntity, t.ErrNotPDF)
			return
		}
		s.countReport(rep)
		page.Report = &rep
		s.render(w, r, http.StatusOK, "verifica.html", page)
		return
	}
}

// problemDoc documents a problem type at its URI.
func (s *Server) problemDoc(w http.ResponseWriter, r *http.Request) {
	slug := chi.URLParam(r, "slug")
	for k, spec := range problemSpec {
		if k.String() == slug {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			fmt.Fprintf(w, "%s%s\n\n%s (HTTP %d).\nSee README.md, section \"Errors\", for when certa answers with this problem.\n", ProblemTypeBase, slug, spec.title, spec.status)
			return
		}
	}
	s.writeProblem(w, r, errs.New(errs.NotFound, "no such problem type"))
}

// render writes the page template name ("status.html" with a statusPage,
// "verifica.html" with a verifyPageData) in the language of the request
// (or of a statusPage's view), buffered, so that a template error is a 500
// and never half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	sets, err := pagesFor(s.max)
	if err != nil {
		s.log.ErrorContext(r.Context(), "page templates failed", "page", name, "err", err.Error())
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	_, queryChose := queryLang(r)
	switch d := data.(type) {
	case statusPage:
		lang := d.View.Lang
		if lang != langIT && lang != langEN {
			lang = pageLang(r)
		}
		path := d.path
		if path == "" {
			path = r.URL.EscapedPath()
		}
		p := sets.get(lang, queryChose)
		s.writePage(w, r, status, p.lang, p.status, s.statusData(p, path, &d))
	case verifyPageData:
		p := sets.get(pageLang(r), queryChose)
		s.writePage(w, r, status, p.lang, p.verifica, s.verifyData(p, r.URL.EscapedPath(), d))
	default:
		s.log.ErrorContext(r.Context(), "page render failed", "page", name, "err", fmt.Sprintf("no page for %T", data))
		http.Error(w, "internal error", http.StatusInternalServerError)
	}
}

// readBounded reads at most limit bytes from body; more is PayloadTooLarge.
func readBounded(w http.ResponseWriter, r *http.Request, body io.Reader, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, errs.New(errs.PayloadTooLarge, fmt.Sprintf("the document exceeds the limit of %d bytes", limit))
	}
	data, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errs.New(errs.PayloadTooLarge, fmt.Sprintf("the document exceeds the limit of %d bytes", limit))
		}
		return nil, errs.Wrap(errs.InvalidRequest, "the request body could not be read", err)
	}
	if int64(len(data)) > limit {
		return nil, errs.New(errs.PayloadTooLarge, fmt.Sprintf("the document exceeds the limit of %d bytes", limit))
	}
	return data, nil
}

// decodeJSON decodes exactly one JSON object with no unknown fields.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSONBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errs.New(errs.PayloadTooLarge, "the JSON body is too large")
		}
		return engine.JSONError(err)
	}
	if dec.More() {
		return errs.New(errs.InvalidRequest, "the body must hold exactly one JSON object")
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func isMediaType(header, want string) bool {
	mt, _, err := mime.ParseMediaType(header)
	return err == nil && mt == want
}

// negotiate picks the first of offers that the Accept header allows, by
// quality. An empty header accepts the first offer.
func negotiate(accept string, offers ...string) (string, bool) {
	if strings.TrimSpace(accept) == "" {
		return offers[0], true
	}
	best, bestQ := "", 0.0
	for _, offer := range offers {
		q := 0.0
		for _, part := range strings.Split(accept, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			pq := 1.0
			if v, ok := params["q"]; ok {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					pq = f
				}
			}
			typ, _, _ := strings.Cut(offer, "/")
			if mt == offer || mt == "*/*" || mt == typ+"/*" {
				// An exact match beats a wildcard at equal quality.
				if mt == offer {
					pq += 1e-6
				}
				if pq > q {
					q = pq
				}
			}
		}
		if q > bestQ {
			best, bestQ = offer, q
		}
	}
	return best, bestQ > 0
}

// admit runs the request only if the admission gate lets it in, and
// answers 503 with Retry-After otherwise: above capacity, certa refuses
// early rather than queueing without bound.
func (s *Server) admit(next http.Handler) http.Handler {
	if s.admission == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		release, ok := s.admission.Enter(r.Context())
		if !ok {
			s.writeProblem(w, r, errs.New(errs.Overloaded, "the server is issuing at capacity; retry after the time in Retry-After"))
			return
		}
		defer release()
		next.ServeHTTP(w, r)
	})
}

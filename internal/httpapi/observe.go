package httpapi

import (
	"net/http"
	"time"

	"certa.example/certa/internal/ledger"
	"certa.example/certa/internal/logging"
)

// Observer receives what the server does, for metrics (internal/metrics
// implements it). Calls come from request goroutines: they must be cheap
// and safe for concurrent use. Config.Observer nil observes nothing.
type Observer interface {
	// ObserveRequest is called once per request after it was served, with
	// its chi route pattern ("unmatched" for none) and status.
	ObserveRequest(route, method string, status int, elapsed time.Duration)
	// ObserveLookup counts a public verification look-up: page "status"
	// (/v/{code}) or "seal" (/v/{code}/{seal}), with the status found.
	ObserveLookup(page string, status ledger.Status)
}

// RequestIDHeader carries the request id in and out.
const RequestIDHeader = "X-Request-Id"

// requestID takes a sane X-Request-Id from the client or makes one, echoes
// it in the response and puts it in the request's context, where the
// logger (internal/logging) and problem documents find it.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(RequestIDHeader)
		if !logging.ValidRequestID(id) {
			id = logging.NewRequestID()
		}
		w.Header().Set(RequestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(logging.WithRequestID(r.Context(), id)))
	})
}

// observe reports each request to the observer once it was served.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		s.obs.ObserveRequest(routePattern(r), r.Method, status, time.Since(start))
	})
}

func (s *Server) observeLookup(page string, st ledger.Status) {
	if s.obs != nil {
		s.obs.ObserveLookup(page, st)
	}
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

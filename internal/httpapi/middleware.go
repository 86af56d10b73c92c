package httpapi

import (
	"context"
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"

	"certa.example/certa/internal/errs"
)

type ctxKey int

const clientCtxKey ctxKey = 0

// authenticated is the API client a request's key belongs to.
type authenticated struct {
	id    string
	admin bool
}

func withClient(ctx context.Context, client string, admin bool) context.Context {
	return context.WithValue(ctx, clientCtxKey, authenticated{client, admin})
}

// clientFrom returns the authenticated API client, set by authenticate.
func clientFrom(ctx context.Context) string {
	a, _ := ctx.Value(clientCtxKey).(authenticated)
	return a.id
}

// isAdmin reports whether the request's key may administer certificates.
func isAdmin(ctx context.Context) bool {
	a, _ := ctx.Value(clientCtxKey).(authenticated)
	return a.admin
}

// recoverer turns a panic into a 500 problem and a log line.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.writeProblem(w, r, errs.Wrap(errs.Internal, "", fmt.Errorf("panic: %v", v)))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// securityHeaders sets a strict policy: no third-party assets, no framing,
// no referrer (verification URLs carry codes).
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

func routePattern(r *http.Request) string {
	if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
		return rc.RoutePattern()
	}
	return "unmatched"
}

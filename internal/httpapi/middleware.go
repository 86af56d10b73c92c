package httpapi

import (
	"context"
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"

	"certa.example/certa/internal/apiclient"
	"certa.example/certa/internal/errs"
)

type ctxKey int

const clientCtxKey ctxKey = 0

func withClient(ctx context.Context, c apiclient.Client) context.Context {
	return context.WithValue(ctx, clientCtxKey, c)
}

// clientOf returns the authenticated API client, set by authenticate; the
// zero Client, with no scopes, on routes without authentication.
func clientOf(ctx context.Context) apiclient.Client {
	c, _ := ctx.Value(clientCtxKey).(apiclient.Client)
	return c
}

// clientFrom returns the authenticated API client's ID.
func clientFrom(ctx context.Context) string { return clientOf(ctx).ID }

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

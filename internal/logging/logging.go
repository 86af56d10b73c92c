// Package logging builds certa's structured logger (log/slog, JSON or
// text) and carries the request id: every record logged with a request's
// context gets a "request_id" attribute.
//
// Request ids come from the client's X-Request-Id when it is sane (1-64
// characters of letters, digits and ".-_:", so it cannot forge log lines
// or carry much data), else they are generated: 16 random bytes in hex.
// Nothing else about the request is added; callers must not log personal
// data (codice fiscale, names, document numbers).
package logging

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
)

// Formats are the accepted values of --log-format.
const (
	FormatJSON = "json"
	FormatText = "text"
)

// New returns a logger writing format ("json" or "text") to w at level
// Info, adding the request id of the context to each record.
func New(w io.Writer, format string) (*slog.Logger, error) {
	var h slog.Handler
	switch format {
	case FormatJSON:
		h = slog.NewJSONHandler(w, nil)
	case FormatText:
		h = slog.NewTextHandler(w, nil)
	default:
		return nil, fmt.Errorf("log format %q: want json or text", format)
	}
	return slog.New(requestIDHandler{h}), nil
}

type ctxKey struct{}

// WithRequestID returns ctx carrying the request id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// RequestID returns the request id in ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// MaxRequestIDLen bounds an accepted incoming request id.
const MaxRequestIDLen = 64

// ValidRequestID reports whether a client's X-Request-Id may be used as is.
func ValidRequestID(s string) bool {
	if len(s) == 0 || len(s) > MaxRequestIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}

// NewRequestID returns a fresh random request id (32 hex digits).
func NewRequestID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}

// requestIDHandler adds the context's request id to each record.
type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(as)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

package httpapi

import (
	"embed"
	"net/http"
)

// The offline verifier: a static page whose script checks a scanned seal
// in the browser (WebCrypto ECDSA P-256) against the seal certificates it
// fetched once from the trust list and keeps in localStorage. After the
// first load no check needs the server. Its script is the only one certa
// serves, from its own origin (script-src 'self').

//go:embed static/offline.html static/offline.js
var static embed.FS

// offlineCSP is the page's policy: its own script and trust list only.
const offlineCSP = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"

func (s *Server) serveStatic(name, contentType string) http.HandlerFunc {
	data, err := static.ReadFile("static/" + name)
	if err != nil {
		panic(err) // embedded at build time: cannot happen
	}
	return func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", offlineCSP)
		h.Set("Content-Type", contentType)
		h.Set("Cache-Control", "public, max-age=3600")
		w.Write(data)
	}
}

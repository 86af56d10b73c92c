package main

import (
	"crypto/tls"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"certa.example/certa/internal/config"
	"certa.example/certa/internal/metrics"
	"certa.example/certa/internal/server"
	"certa.example/certa/internal/setup"
)

// resolveServe checks the serve and ops settings together.
func resolveServe(sc *config.Serve, ops *config.Ops) error {
	if err := ops.Resolve(); err != nil {
		return err
	}
	sc.TLS = ops.TLS()
	return sc.Resolve()
}

// tlsConfigOf loads the TLS files, or returns nil for plain HTTP.
func tlsConfigOf(ops config.Ops) (*tls.Config, error) {
	if !ops.TLS() {
		return nil, nil
	}
	return server.TLSConfig(ops.TLSCert, ops.TLSKey, ops.TLSClientCA)
}

// newMetrics registers certa's metrics on a registry of their own, with
// the seal's session pool when the seal has one (PKCS#11).
func newMetrics(env *setup.Env) (*metrics.Metrics, error) {
	m, err := metrics.New(prometheus.NewRegistry())
	if err != nil {
		return nil, err
	}
	if pool, ok := env.Seal.Key.(metrics.SessionPool); ok {
		if err := m.WatchSessionPool(pool); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// withMetrics serves the metrics at GET /metrics and everything else with
// h. Not a ServeMux: it would clean paths, and QR seals (base45) may hold
// "//" or "/./".
func withMetrics(h http.Handler, m *metrics.Metrics) http.Handler {
	mh := m.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			mh.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

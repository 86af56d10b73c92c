// Package server runs certa's HTTP server: the listener, TLS and the
// graceful shutdown that finishes in-flight issuance.
//
// Shutdown order (Run, once its context ends): stop accepting connections
// and close idle ones; wait for running requests to finish, at most
// Options.ShutdownTimeout (then the remaining connections are closed);
// run Options.Drained (flush in-memory state such as the verification
// counts). The caller closes the store after Run returns, so requests and
// the final flush still have it.
package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"
)

// Options configure Run.
type Options struct {
	// Listener to serve on; Run closes it.
	Listener net.Listener
	Handler  http.Handler
	// TLS, when set, serves HTTPS (see TLSConfig).
	TLS *tls.Config
	// ShutdownTimeout bounds the wait for running requests.
	ShutdownTimeout time.Duration
	Log             *slog.Logger
	// Drained runs after the last request finished (or the timeout
	// passed), before Run returns.
	Drained func(context.Context)
}

// DefaultShutdownTimeout is how long running requests may take to finish.
const DefaultShutdownTimeout = 30 * time.Second

// Run serves until ctx ends, then shuts down gracefully. It returns nil
// after a clean shutdown, an error when serving failed or running requests
// outlived the timeout.
func Run(ctx context.Context, o Options) error {
	hs := &http.Server{
		Handler:           o.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		TLSConfig:         o.TLS,
		ErrorLog:          slog.NewLogLogger(o.Log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() {
		if o.TLS != nil {
			errc <- hs.ServeTLS(o.Listener, "", "")
		} else {
			errc <- hs.Serve(o.Listener)
		}
	}()
	var serveErr error
	select {
	case serveErr = <-errc:
	case <-ctx.Done():
		o.Log.Info("shutting down: no new connections; waiting for running requests", "timeout", o.ShutdownTimeout.String())
	}
	timeout := o.ShutdownTimeout
	if timeout <= 0 {
		timeout = DefaultShutdownTimeout
	}
	shCtx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := hs.Shutdown(shCtx)
	if err != nil {
		hs.Close()
		err = fmt.Errorf("running requests did not finish within %s: %w", timeout, err)
		o.Log.Error("shutdown timed out; connections closed", "err", err.Error())
	}
	if o.Drained != nil {
		dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Second)
		o.Drained(dctx)
		dcancel()
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	if err == nil {
		o.Log.Info("shut down cleanly")
	}
	return err
}

// TLSConfig loads the server's certificate and key (PEM). Clients may
// always present a certificate: the API authenticates clients by key and
// binds some keys to one exact certificate (docs/clients.md), which needs
// no CA, so without clientCA any certificate is accepted for that check
// (tls.RequestClientCert; the handshake still proves the client holds its
// key). When clientCA names a PEM file, a presented certificate must
// chain to those CAs (tls.VerifyClientCertIfGiven). TLS 1.2 is the
// minimum.
func TLSConfig(certFile, keyFile, clientCAFile string) (*tls.Config, error) {
	if certFile == "" || keyFile == "" {
		return nil, errors.New("TLS needs both --tls-cert and --tls-key")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("TLS certificate %s and key %s: %w", certFile, keyFile, err)
	}
	if cert.Leaf != nil && cert.Leaf.IsCA {
		return nil, fmt.Errorf("TLS certificate %s is a CA certificate, not a server certificate", certFile)
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequestClientCert}
	if clientCAFile != "" {
		pem, err := os.ReadFile(clientCAFile)
		if err != nil {
			return nil, fmt.Errorf("TLS client CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("TLS client CA %s holds no PEM certificate", clientCAFile)
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.VerifyClientCertIfGiven
	}
	return cfg, nil
}

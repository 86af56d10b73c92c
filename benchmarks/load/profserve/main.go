// Command profserve is `certa serve` on the embedded store with the demo
// seal, plus net/http/pprof on a second listener, so that verify-load.sh
// (PROFILE=DIR) can take CPU profiles of the server under load without
// touching cmd/certa. The handler tree is the one cmd/certa serve builds
// (httpapi.Server.Handler; the demo CA's /pki responder is left out, the
// load test does not reach it) and the http.Server has the same settings.
//
//	profserve --data DIR --addr 127.0.0.1:8080 [--public-url URL] --pprof 127.0.0.1:6060
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"syscall"
	"time"

	"certa.example/certa/internal/httpapi"
	"certa.example/certa/internal/setup"
	"certa.example/certa/verify"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "profserve:", err)
		os.Exit(1)
	}
}

func run() error {
	data := flag.String("data", "certa-data", "data directory")
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	publicURL := flag.String("public-url", "", "base of verification links; default http://<addr>")
	pprofAddr := flag.String("pprof", "127.0.0.1:6060", "listen address of /debug/pprof/")
	flag.Parse()
	if *publicURL == "" {
		*publicURL = "http://" + *addr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	env, err := setup.Open(ctx, setup.Options{DataDir: *data, Now: time.Now})
	if err != nil {
		return err
	}
	defer env.Close()
	eng, err := env.Engine(*publicURL, time.Now)
	if err != nil {
		return err
	}
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		loc = time.FixedZone("CET", 3600)
	}
	srv, err := httpapi.New(httpapi.Config{
		Ready:     env.Ready,
		Engine:    eng,
		Verifier:  &verify.Verifier{Roots: env.Roots, TSARoots: env.TSARoots, Ledger: env.Store, Now: time.Now},
		Log:       slog.New(slog.NewTextHandler(os.Stderr, nil)),
		APIKeys:   env.APIKeys,
		MaxUpload: 10 << 20,
		Location:  loc,
	})
	if err != nil {
		return err
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	go func() {
		ps := &http.Server{Addr: *pprofAddr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		if err := ps.ListenAndServe(); err != nil {
			slog.Error("pprof listener", "err", err)
		}
	}()

	hs := &http.Server{
		Addr:              *addr,
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.ListenAndServe() }()
	slog.Info("profserve serving", "addr", *addr, "pprof", *pprofAddr)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

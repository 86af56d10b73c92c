package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"certa.example/certa/internal/config"
)

// configCmd is certa config check: everything serve checks before it
// serves (flags, CERTA_* variables, the file, the seal key against its
// certificate, the TLS files, the store and the signer), without serving.
func configCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "check" {
		return errors.New("usage: certa config check [--config FILE] [serve flags]")
	}
	fs := newFlagSet("config check", stderr)
	var common config.Common
	var sc config.Serve
	var seal config.Seal
	var ops config.Ops
	var batches config.Batches
	config.RegisterCommon(fs, &common)
	config.RegisterServe(fs, &sc)
	config.RegisterSeal(fs, &seal)
	config.RegisterOps(fs, &ops)
	config.RegisterBatches(fs, &batches)
	if err := config.Parse(fs, args[1:], &common); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("config check takes no arguments, got %q", fs.Args())
	}
	var problems []string
	fail := func(err error) { problems = append(problems, err.Error()) }
	var summary [][2]string
	note := func(k, v string) { summary = append(summary, [2]string{k, v}) }

	if common.ConfigFile != "" {
		note("config file", common.ConfigFile)
	}
	if err := batches.Resolve(); err != nil {
		fail(err)
	} else {
		note("batches", fmt.Sprintf("%d workers per process, lease %s, uploads up to %d bytes", batches.Workers, batches.Lease, batches.MaxUpload))
	}
	opsErr := ops.Resolve()
	if opsErr != nil {
		fail(opsErr)
	}
	sc.TLS = ops.TLS()
	serveErr := sc.Resolve()
	if serveErr != nil {
		fail(serveErr)
	}
	note("listen", sc.Addr)
	note("public URL", sc.PublicURL)
	note("log format", ops.LogFormat)
	note("shutdown timeout", ops.ShutdownTimeout.String())
	if tc, err := tlsConfigOf(ops); opsErr != nil {
		// reported
	} else if err != nil {
		fail(err)
	} else if tc != nil {
		tlsNote := "on, certificate " + ops.TLSCert
		if tc.ClientCAs != nil {
			tlsNote += ", client certificates verified when given (" + ops.TLSClientCA + ")"
		}
		note("TLS", tlsNote)
	} else {
		note("TLS", "off (plain HTTP; put a TLS proxy in front)")
	}

	storeKind := "embedded SQLite in " + common.DataDir
	if common.DatabaseURL != "" {
		storeKind = "PostgreSQL"
	}
	note("store", storeKind)
	if _, err := os.Stat(common.DataDir); common.DatabaseURL == "" && errors.Is(err, os.ErrNotExist) {
		note("data", "the data directory does not exist yet: serve creates the embedded default (demo seal) there")
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		env, err := openSealed(ctx, common, seal)
		if err != nil {
			fail(err)
		} else {
			defer env.Close()
			if env.DemoSeal {
				note("seal", "demo (documents say DEMO)")
			} else {
				c := env.Seal.Certificate()
				note("seal", fmt.Sprintf("%s, valid until %s", c.Subject.CommonName, c.NotAfter.Format("2006-01-02")))
			}
			if err := env.Ready(ctx); err != nil {
				fail(fmt.Errorf("not ready (store or seal): %w", err))
			} else {
				note("ready", "store and seal answer")
			}
			if eng, err := env.Engine(sc.PublicURL, time.Now); serveErr != nil {
				// reported
			} else if err != nil {
				fail(err)
			} else {
				note("signature level", eng.SignatureLevel().String())
			}
		}
	}
	for _, kv := range summary {
		fmt.Fprintf(stdout, "%-17s %s\n", kv[0]+":", kv[1])
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(stderr, "certa config check:", p)
		}
		return fmt.Errorf("%d problem(s) in the configuration", len(problems))
	}
	fmt.Fprintln(stdout, "configuration OK")
	return nil
}

// Command certa issues and verifies Italian civil-registry certificates.
//
//	certa serve               run the HTTP API and verification pages
//	certa issue               issue one certificate to a file
//	certa verify FILE         verify a PDF (exit 0 valid, 1 invalid, 2 unknown or error)
//	certa registry list       list residents
//	certa registry seed       add a synthetic population
//	certa registry import     import households from JSON Lines
//	certa migrate             apply PostgreSQL schema migrations
//
// Every subcommand takes --data DIR (env CERTA_DATA). This file is wiring
// only: the logic lives in engine, signer, templates, verify and internal/.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"certa.example/certa/engine"
	"certa.example/certa/internal/comuni"
	"certa.example/certa/internal/config"
	"certa.example/certa/internal/httpapi"
	"certa.example/certa/internal/importer"
	"certa.example/certa/internal/registry"
	"certa.example/certa/internal/setup"
	"certa.example/certa/internal/store/postgres"
	"certa.example/certa/internal/store/sqlite"
	"certa.example/certa/internal/synth"
	"certa.example/certa/templates"
	"certa.example/certa/verify"
)

const usage = `usage: certa <command> [flags]

commands:
  serve            run the HTTP API and the public verification pages
  issue            issue one certificate: --type T --subject CF --out FILE
  verify FILE      verify a certificate PDF (exit 0 valid, 1 invalid, 2 unknown/error)
  registry list    list residents: --limit N
  registry seed    add synthetic people: --households N | --persons N, --seed S, --comune CODE --postal-code CAP
  registry import  import households from a JSON Lines file (docs/registry-import.md)
  migrate          apply the PostgreSQL schema migrations (--database-url)

Run "certa <command> -h" for its flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if err := config.CheckEnv(os.Environ()); err != nil {
		fmt.Fprintln(stderr, "certa:", err)
		return 2
	}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	code := 0
	switch args[0] {
	case "serve":
		err = serve(args[1:], stderr)
	case "issue":
		err = issue(args[1:], stdout, stderr)
	case "verify":
		code, err = verifyCmd(args[1:], stdout, stderr)
	case "registry":
		err = registryCmd(args[1:], stdout, stderr)
	case "migrate":
		err = migrate(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "certa: unknown command %q\n%s", args[0], usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "certa:", err)
		if code == 0 {
			code = 1
		}
		if args[0] == "verify" {
			code = 2
		}
	}
	return code
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("certa "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// stack is what issue and serve share: the embedded default and an engine.
type stack struct {
	env    *setup.Env
	engine *engine.Engine
}

func openEnv(ctx context.Context, c config.Common) (*setup.Env, error) {
	return setup.Open(ctx, setup.Options{DataDir: c.DataDir, DatabaseURL: c.DatabaseURL, Now: time.Now})
}

func openStack(ctx context.Context, c config.Common, publicURL string) (*stack, error) {
	env, err := openEnv(ctx, c)
	if err != nil {
		return nil, err
	}
	eng, err := env.Engine(publicURL, time.Now)
	if err != nil {
		env.Close()
		return nil, err
	}
	return &stack{env: env, engine: eng}, nil
}

func serve(args []string, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	var common config.Common
	var sc config.Serve
	config.RegisterCommon(fs, &common)
	config.RegisterServe(fs, &sc)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve takes no arguments, got %q", fs.Args())
	}
	if err := sc.Resolve(); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	st, err := openStack(ctx, common, sc.PublicURL)
	if err != nil {
		return err
	}
	defer st.env.Close()
	srv, err := httpapi.New(httpapi.Config{
		Ready:     st.env.Store.Ready,
		Engine:    st.engine,
		Verifier:  &verify.Verifier{Roots: st.env.Roots, Ledger: st.env.Store, Now: time.Now},
		Log:       log,
		APIKeys:   st.env.APIKeys,
		MaxUpload: sc.MaxUpload,
		Location:  italy(),
	})
	if err != nil {
		return err
	}
	if st.env.Seeded {
		log.Info("synthetic registry created", "households", setup.DemoHouseholds)
	}
	storeKind := "embedded SQLite"
	if common.DatabaseURL != "" {
		storeKind = "PostgreSQL"
	}
	log.Info("data ready", "data", common.DataDir, "store", storeKind, "demo_api_key_file", st.env.APIKeyPath, "trust_root", st.env.RootPath)
	hs := &http.Server{
		Addr:              sc.Addr,
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.ListenAndServe() }()
	log.Info("certa serving", "addr", sc.Addr, "public_url", sc.PublicURL)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return hs.Shutdown(shCtx)
}

func issue(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("issue", stderr)
	var common config.Common
	var sc config.Serve
	config.RegisterCommon(fs, &common)
	config.RegisterServe(fs, &sc)
	typ := fs.String("type", "", "certificate type: "+templates.TypeNames())
	subject := fs.String("subject", "", "holder's codice fiscale")
	out := fs.String("out", "", "output PDF file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *typ == "" || *subject == "" || *out == "" {
		return errors.New("issue needs --type, --subject and --out")
	}
	if err := sc.Resolve(); err != nil {
		return err
	}
	ctx := context.Background()
	st, err := openStack(ctx, common, sc.PublicURL)
	if err != nil {
		return err
	}
	defer st.env.Close()
	iss, err := st.engine.Issue(ctx, engine.Request{Type: *typ, Subject: *subject, Requester: "cli", Channel: "cli"})
	if err != nil {
		return err
	}
	if err := writeFileExcl(*out, iss.PDF); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "issued %s %s, valid until %s\nfile:   %s\nverify: %s\n", iss.Type, iss.Code, iss.ExpiresAt.Format("2006-01-02"), *out, iss.VerifyURL)
	return nil
}

// writeFileExcl writes data to a new file; it never overwrites one.
func writeFileExcl(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}

func verifyCmd(args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlagSet("verify", stderr)
	var common config.Common
	config.RegisterCommon(fs, &common)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return 2, err
	}
	if fs.NArg() != 1 {
		return 2, errors.New("verify takes one PDF file")
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return 2, err
	}
	ctx := context.Background()
	env, err := openEnv(ctx, common)
	if err != nil {
		return 2, err
	}
	defer env.Close()
	v := &verify.Verifier{Roots: env.Roots, Ledger: env.Store, Now: time.Now}
	rep, err := v.VerifyPDF(ctx, data)
	if err != nil {
		return 2, err
	}
	if *asJSON {
		printJSON(stdout, rep)
	} else {
		printReport(stdout, rep)
	}
	switch rep.Verdict {
	case verify.Valid:
		return 0, nil
	case verify.Invalid:
		return 1, nil
	}
	return 2, nil
}

func registryCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "seed" {
		return registrySeed(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "import" {
		return registryImport(args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "list" {
		return errors.New("usage: certa registry list [--limit N] | seed [--households N] [--seed S] | import FILE")
	}
	fs := newFlagSet("registry list", stderr)
	var common config.Common
	config.RegisterCommon(fs, &common)
	limit := fs.Int("limit", 20, "number of residents to print (1-10000)")
	certifiable := fs.Bool("certifiable", false, "only residents every certificate type may be issued for")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	ctx := context.Background()
	env, err := openEnv(ctx, common)
	if err != nil {
		return err
	}
	defer env.Close()
	people, err := env.Store.Residents(ctx, *limit)
	if *certifiable {
		people, err = setup.CertifiableResidents(ctx, env.Store, *limit)
	}
	if err != nil {
		return err
	}
	for _, p := range people {
		fmt.Fprintf(stdout, "%s\t%s %s\n", p.FiscalCode, p.Surname, p.Name)
	}
	return nil
}

func italy() *time.Location {
	if loc, err := time.LoadLocation("Europe/Rome"); err == nil {
		return loc
	}
	return time.FixedZone("CET", 3600)
}

func registrySeed(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("registry seed", stderr)
	var common config.Common
	config.RegisterCommon(fs, &common)
	households := fs.Int("households", 0, "number of households to add (default: the demo's 160 unless --persons is given)")
	persons := fs.Int("persons", 0, "add households until at least this many persons (streams; for large populations)")
	seed := fs.Int64("seed", setup.DemoSeed, "generator seed: the same seed gives the same people")
	comuneCode := fs.String("comune", "", "cadastral code of the comune (default: the issuing comune)")
	postalCode := fs.String("postal-code", "", "CAP of the generated addresses (default: the demo comune's)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *households > 0 && *persons > 0 {
		return errors.New("give --households or --persons, not both")
	}
	ctx := context.Background()
	env, err := openEnv(ctx, common)
	if err != nil {
		return err
	}
	defer env.Close()
	c := env.Comune
	if *comuneCode != "" {
		var ok bool
		if c, ok = comuni.Current(strings.ToUpper(*comuneCode)); !ok {
			return fmt.Errorf("no comune in force has cadastral code %q", *comuneCode)
		}
	}
	postal := *postalCode
	if postal == "" {
		if c.Cadastral != setup.DemoComuneCode {
			return errors.New("--postal-code is required for a comune other than the demo's")
		}
		postal = setup.DemoPostalCode
	}
	start := time.Now()
	var nh, np int
	if *persons > 0 {
		bar := newProgress(stderr, 0)
		err = synth.Stream(*seed, c, postal, *persons, time.Now(), 2000, func(hs []registry.Household) error {
			if err := env.Store.PutHouseholds(ctx, hs); err != nil {
				return err
			}
			nh += len(hs)
			for _, h := range hs {
				np += len(h.Members)
			}
			bar.update(importer.Progress{Lines: nh, Persons: np})
			return nil
		})
		bar.finish()
	} else {
		if *households == 0 {
			*households = setup.DemoHouseholds
		}
		nh = *households
		np, err = setup.Seed(ctx, env.Store, c, postal, *seed, *households, time.Now())
	}
	if err != nil {
		return fmt.Errorf("after %d households: %w", nh, err)
	}
	took := time.Since(start)
	fmt.Fprintf(stdout, "added %d households, %d persons in %s (%.0f persons/s)\n", nh, np, took.Round(time.Millisecond), float64(np)/took.Seconds())
	return nil
}

func migrate(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate", stderr)
	var common config.Common
	config.RegisterCommon(fs, &common)
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx := context.Background()
	if common.DatabaseURL == "" {
		// The embedded store applies its migrations when it opens.
		env, err := openEnv(ctx, common)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "embedded store in %s is at schema version %d\n", common.DataDir, sqlite.SchemaVersion)
		return env.Close()
	}
	if err := postgres.Migrate(ctx, common.DatabaseURL, time.Now); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "PostgreSQL schema is at version %d\n", postgres.SchemaVersion)
	return nil
}

// registryImport validates the whole file first and imports nothing when
// any record is invalid; a valid file is applied in one transaction.
func registryImport(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("registry import", stderr)
	var common config.Common
	config.RegisterCommon(fs, &common)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("registry import takes one file (- for standard input)")
	}
	in, size, err := openInput(fs.Arg(0))
	if err != nil {
		return err
	}
	defer in.Close()
	bar := newProgress(stderr, size)
	now := time.Now()
	households, rep, err := importer.Decode(in, now, importer.Options{Progress: bar.update})
	bar.finish()
	if err != nil {
		for _, e := range rep.Errors {
			fmt.Fprintln(stderr, e.Error())
		}
		if more := rep.ErrorCount - len(rep.Errors); more > 0 {
			fmt.Fprintf(stderr, "... and %d more errors\n", more)
		}
		if rep.ErrorCount > 0 {
			return fmt.Errorf("%d invalid records in %d lines: nothing imported", rep.ErrorCount, rep.Lines)
		}
		return err
	}
	ctx := context.Background()
	env, err := openEnv(ctx, common)
	if err != nil {
		return err
	}
	defer env.Close()
	start := time.Now()
	res, err := env.Store.ImportHouseholds(ctx, households)
	if err != nil {
		return err
	}
	took := time.Since(start)
	fmt.Fprintf(stdout, "imported %d households, %d persons (%d rows unchanged) in %s, %.0f persons/s\n",
		rep.Households, rep.Persons, res.Unchanged, took.Round(time.Millisecond), float64(rep.Persons)/took.Seconds())
	return nil
}

func openInput(name string) (io.ReadCloser, int64, error) {
	if name == "-" {
		return io.NopCloser(os.Stdin), -1, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

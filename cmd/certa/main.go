// Command certa issues and verifies Italian civil-registry certificates.
//
//	certa serve               run the HTTP API and verification pages
//	certa issue               issue one certificate to a file
//	certa verify FILE         verify a PDF (exit 0 valid, 1 invalid, 2 unknown or error)
//	certa registry list       list residents
//	certa registry seed       add a synthetic population
//	certa registry import     import households from JSON Lines
//	certa migrate             apply PostgreSQL schema migrations
//	certa config check        validate serve's configuration without serving
//	certa clients create|list|revoke   manage stored API clients (docs/clients.md)
//	certa keys generate|csr|demo-ca|show   manage the seal key in a PKCS#11 HSM (--uri)
//
// Every subcommand but keys takes --data DIR (env CERTA_DATA). This file is wiring
// only: the logic lives in engine, signer, templates, verify and internal/.
package main

import (
	"bufio"
	"context"
	"crypto"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"certa.example/certa/engine"
	"certa.example/certa/internal/admission"
	"certa.example/certa/internal/batch"
	"certa.example/certa/internal/civildate"
	"certa.example/certa/internal/comuni"
	"certa.example/certa/internal/config"
	"certa.example/certa/internal/httpapi"
	"certa.example/certa/internal/importer"
	"certa.example/certa/internal/logging"
	"certa.example/certa/internal/pki"
	"certa.example/certa/internal/ratelimit"
	"certa.example/certa/internal/registry"
	"certa.example/certa/internal/seal"
	"certa.example/certa/internal/server"
	"certa.example/certa/internal/setup"
	"certa.example/certa/internal/store"
	"certa.example/certa/internal/store/postgres"
	"certa.example/certa/internal/store/sqlite"
	"certa.example/certa/internal/synth"
	"certa.example/certa/templates"
	"certa.example/certa/verify"
)

const usage = `usage: certa <command> [flags]

commands:
  serve            run the HTTP API and the public verification pages
  issue            issue one certificate at the counter: --type T --subject CF --id-document TYPE:NUMBER --out FILE [--operator NAME] [--language it-de|it-fr|it-sl]
  verify FILE      verify a certificate PDF (exit 0 valid; 1 invalid, revoked, expired or not certa's; 2 unknown, indeterminate or error)
  verify --qr TEXT verify a scanned QR code's seal offline: [--trust-list FILE] [--revocations FILE]
  revoke CODE      revoke a certificate: --reason issued-in-error|data-changed|replaced|other [--replaced-by CODE]
  registry list    list persons on record: --limit N [--certifiable]
  registry seed    add synthetic people: --households N | --persons N, --seed S, --comune CODE --postal-code CAP [--out FILE]
  registry import  import households from a JSON Lines file or - (docs/registry-import.md)
  migrate          apply the PostgreSQL schema migrations (--database-url)
  batch            issue a JSON Lines file of requests here: FILE --out DIR|FILE.zip [--batch-workers N]; rerun to resume (docs/batches.md)
  audit verify     check the audit trail's hash chain; exit 1 naming the first broken link
  config check     check the configuration serve would use (flags, CERTA_*, --config FILE, keys, TLS, store) without serving
  clients create   add an API client and print its key once: --id ID --scopes issue,read [--rate-limit N] [--daily-quota N] [--tls-cert FILE.pem] [--operator NAME]
  clients list     list API clients, no secrets [--json]
  clients revoke   revoke an API client for good: ID [--operator NAME]
  keys generate    create the seal key pair in the HSM: --uri URI --alg P-256|P-384|RSA-2048|RSA-3072|RSA-4096
  keys csr         write a CSR for a qualified e-seal: --uri URI --subject-cn CN --org ORG --org-id VATIT-... --out FILE
  keys demo-ca     issue a DEMO seal chain for the HSM key: --uri URI --dir DIR [--comune NAME] [--base-url URL]
  keys show        check the HSM key and, with --chain FILE, that it matches the chain's leaf: --uri URI

Signing and verifying commands take the seal flags (--seal-key, --seal-chain, --tsa-url, ...: docs/signing.md).

Run "certa <command> -h" for its flags.
`

func main() {
	tuneGC()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// tuneGC lets the heap grow to three times the live data between
// collections (GOGC=200) unless GOGC is set: certa's live heap is small
// (tens of MB) while each document makes hundreds of KB of garbage, so
// with the default a tenth of an issuance went to collecting. GOMEMLIMIT,
// when set, still bounds the heap.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
}

func run(args []string, stdout, stderr io.Writer) int {
	if err := config.CheckEnv(os.Environ()); err != nil {
		fmt.Fprintln(stderr, "certa:", err)
		if len(args) > 0 && args[0] == "config" {
			return 1 // config check: 0 or 1
		}
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
	case "revoke":
		err = revokeCmd(args[1:], stdout, stderr)
	case "registry":
		err = registryCmd(args[1:], stdout, stderr)
	case "migrate":
		err = migrate(args[1:], stdout, stderr)
	case "keys":
		err = keysCommand(args[1:], stdout, stderr)
	case "audit":
		code, err = auditCmd(args[1:], stdout, stderr)
	case "batch":
		err = batchCmd(args[1:], stdout, stderr)
	case "config":
		err = configCmd(args[1:], stdout, stderr)
	case "clients":
		err = clientsCmd(args[1:], stdout, stderr)
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

// openEnv opens the environment with the demo seal, for the commands that
// neither sign nor verify.
func openEnv(ctx context.Context, c config.Common) (*setup.Env, error) {
	return openSealed(ctx, c, config.Seal{})
}

func openSealed(ctx context.Context, c config.Common, seal config.Seal) (*setup.Env, error) {
	if err := c.Check(); err != nil {
		return nil, err
	}
	return setup.Open(ctx, setup.Options{DataDir: c.DataDir, DatabaseURL: c.DatabaseURL, Seal: seal, Now: time.Now, DocumentRetention: c.PDFRetention})
}

func openStack(ctx context.Context, c config.Common, seal config.Seal, publicURL string) (*stack, error) {
	env, err := openSealed(ctx, c, seal)
	if err != nil {
		return nil, err
	}
	st, err := openStackOn(env, publicURL, nil)
	if err != nil {
		env.Close()
		return nil, err
	}
	return st, nil
}

// openStackOn builds the engine on env; obs, when not nil, observes it.
func openStackOn(env *setup.Env, publicURL string, obs engine.Observer) (*stack, error) {
	eng, err := env.EngineObserved(publicURL, time.Now, obs)
	if err != nil {
		return nil, err
	}
	return &stack{env: env, engine: eng}, nil
}

// purgeInterval is how often certa serve deletes the stored documents
// past their retention (engine.PurgeDocuments).
const purgeInterval = time.Hour

func serve(args []string, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
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
	if err := config.Parse(fs, args, &common); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve takes no arguments, got %q", fs.Args())
	}
	if err := resolveServe(&sc, &ops); err != nil {
		return err
	}
	if err := batches.Resolve(); err != nil {
		return err
	}
	log, err := logging.New(stderr, ops.LogFormat)
	if err != nil {
		return err
	}
	tlsConfig, err := tlsConfigOf(ops)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	env, err := openSealed(ctx, common, seal)
	if err != nil {
		return err
	}
	defer env.Close() // last: after the requests and the final flush
	met, err := newMetrics(env)
	if err != nil {
		return err
	}
	st, err := openStackOn(env, sc.PublicURL, met)
	if err != nil {
		return err
	}
	var limiter *ratelimit.Limiter
	if sc.Rate > 0 {
		limiter = ratelimit.New(ratelimit.Config{Rate: sc.Rate, Burst: sc.RateBurst})
	}
	clientKey := func(r *http.Request) string { return ratelimit.ClientKey(r, sc.Proxies) }
	srv, err := httpapi.New(httpapi.Config{
		Ready:     st.env.Ready,
		Engine:    st.engine,
		Verifier:  newVerifier(st.env),
		Log:       log,
		APIKeys:   st.env.APIKeys,
		AdminKeys: st.env.AdminKeys,
		MaxUpload: sc.MaxUpload,
		Location:  italy(),

		SealCertificates: trustEntries(st.env),
		ListKey:          listKey(st.env),
		ListChain:        st.env.Seal.Chain,
		Limiter:          limiter,
		ClientKey:        clientKey,
		Observer:         met,
		Clients:          st.env.Store,
		Batches:          st.env.Store,
		MaxBatchUpload:   batches.MaxUpload,
		Admission:        admission.New(sc.IssueConcurrency, sc.IssueQueue(), sc.IssueQueueWait),
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
	sealKind := "demo (documents say DEMO)"
	if !st.env.DemoSeal {
		sealKind = st.env.Seal.Certificate().Subject.CommonName
	}
	// The counts are flushed every second, and once more after the last
	// request (server.Options.Drained), before the store closes.
	flushCtx, stopFlush := context.WithCancel(context.Background())
	flushed := make(chan struct{})
	go func() { srv.FlushVerifications(flushCtx, time.Second); close(flushed) }()
	defer func() { stopFlush(); <-flushed }()
	// Batches (docs/batches.md): this process claims and runs them; one
	// interrupted by shutdown is resumed when its lease lapses.
	runner := &batch.Runner{Store: st.env.Store, Issuer: st.engine, Owner: batchOwner(), Lease: batches.Lease,
		Workers: batches.Workers, PageSize: 64, Now: time.Now, Observer: met,
		Quota: batch.StoreQuota(st.env.Store, italy(), time.Now)}
	go runner.Loop(ctx, time.Second, func(b store.Batch, err error) {
		if err != nil {
			log.Warn("batch interrupted; it resumes when its lease lapses", "batch", b.ID, "err", err.Error())
		} else {
			log.Info("batch done", "batch", b.ID, "issued", b.Issued, "failed", b.Failed)
		}
	})
	go st.engine.PurgeLoop(ctx, purgeInterval, func(res store.PurgeResult, err error) {
		if err != nil {
			log.Error("document purge failed", "err", err.Error())
		} else if res != (store.PurgeResult{}) {
			log.Info("documents purged", "documents", res.Documents, "idempotency_keys", res.Keys, "batches", res.Batches)
		}
	})
	log.Info("data ready", "data", common.DataDir, "store", storeKind, "demo_api_key_file", st.env.APIKeyPath, "demo_admin_key_file", st.env.AdminKeyPath,
		"seal", sealKind, "signature_level", st.engine.SignatureLevel().String())
	handler := srv.Handler()
	if ca := st.env.DemoCA; ca != nil {
		// The demo CA's OCSP responder, CRL and certificate, for the URLs
		// in the seals it issues. Not a router that cleans paths: OCSP GET
		// requests carry base64 with slashes.
		mux := http.NewServeMux()
		mux.Handle("/pki/", http.StripPrefix("/pki", (&pki.Responder{CA: *ca}).Handler()))
		mux.Handle("/", handler)
		handler = mux
		log.Info("demo CA responder", "path", "/pki/")
	}
	handler = withMetrics(handler, met)
	ln, err := net.Listen("tcp", sc.Addr)
	if err != nil {
		return err
	}
	log.Info("certa serving", "addr", ln.Addr().String(), "public_url", sc.PublicURL, "tls", tlsConfig != nil)
	return server.Run(ctx, server.Options{
		Listener: ln, Handler: handler, TLS: tlsConfig, ShutdownTimeout: ops.ShutdownTimeout, Log: log,
		Drained: func(context.Context) { stopFlush(); <-flushed },
	})
}

// trustEntries are the seal certificates the trust list publishes.
func trustEntries(env *setup.Env) []seal.TrustEntry {
	var out []seal.TrustEntry
	for i, c := range env.SealCertificates() {
		status := seal.TrustRetired
		if i == 0 && env.QRSeal {
			status = seal.TrustCurrent
		}
		out = append(out, seal.TrustEntry{KID: seal.KID(c), Cert: c, Status: status})
	}
	return out
}

// listKey is the key that signs the trust and revocation lists: the seal's,
// when it signs QR seals.
func listKey(env *setup.Env) crypto.Signer {
	if !env.QRSeal {
		return nil
	}
	return env.Seal.Key
}

func issue(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("issue", stderr)
	var common config.Common
	var sc config.Serve
	var seal config.Seal
	config.RegisterCommon(fs, &common)
	config.RegisterServe(fs, &sc)
	config.RegisterSeal(fs, &seal)
	typ := fs.String("type", "", "certificate type: "+templates.TypeNames())
	subject := fs.String("subject", "", "holder's codice fiscale")
	out := fs.String("out", "", "output PDF file")
	atFlag := fs.String("at", "", "for storico_residenza_data: the past date it refers to, YYYY-MM-DD")
	also := fs.String("also", "", "further types for one contestuale certificate, comma-separated")
	language := fs.String("language", "it", `document languages: "it", or "it-de", "it-fr", "it-sl" for a bilingual certificate where the comune has that second official language`)
	operator := fs.String("operator", "", "who issues at the counter (recorded in the ledger); default: cli:$USER")
	idDoc := fs.String("id-document", "", "identification document shown by the person asking, TYPE:NUMBER (docs/authorization.md), e.g. cie:CA00000AA")
	if err := config.Parse(fs, args, &common); err != nil {
		return err
	}
	if *typ == "" || *subject == "" || *out == "" || *idDoc == "" {
		return errors.New("issue needs --type, --subject, --id-document and --out")
	}
	doc, err := engine.ParseIDDocument(*idDoc)
	if err != nil {
		return fmt.Errorf("--id-document: %w", err)
	}
	if *operator == "" {
		*operator = "cli:" + os.Getenv("USER")
	}
	var at time.Time
	if *atFlag != "" {
		var ok bool
		if at, ok = civildate.Parse(*atFlag); !ok {
			return fmt.Errorf("--at %q: want a date YYYY-MM-DD", *atFlag)
		}
	}
	if err := sc.Resolve(); err != nil {
		return err
	}
	ctx := context.Background()
	st, err := openStack(ctx, common, seal, sc.PublicURL)
	if err != nil {
		return err
	}
	defer st.env.Close()
	iss, err := st.engine.Issue(ctx, engine.Request{Type: *typ, Subject: *subject, Requester: "cli", Channel: engine.ChannelCounter,
		Operator: *operator, IDDocument: doc, At: at, Also: splitList(*also), Languages: *language})
	if err != nil {
		return err
	}
	if err := writeFileExcl(*out, iss.PDF); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "issued %s %s, valid until %s\nfile:   %s\nverify: %s\n", iss.Type, iss.Code, iss.ExpiresAt.Format("2006-01-02"), *out, iss.VerifyURL)
	return nil
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// newVerifier checks PDFs against the environment's roots and ledger.
func newVerifier(env *setup.Env) *verify.Verifier {
	return &verify.Verifier{Roots: env.Roots, TSARoots: env.TSARoots, Ledger: env.Store, SealTrust: env.SealTrust(), Now: time.Now}
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
	var seal config.Seal
	config.RegisterCommon(fs, &common)
	config.RegisterSeal(fs, &seal)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	qr := fs.String("qr", "", "verify this scanned QR text (a seal URL) offline instead of a PDF")
	trustList := fs.String("trust-list", "", "with --qr: the signed trust list (from /.well-known/certa/trust-list); default: this installation's seal certificates")
	revocations := fs.String("revocations", "", "with --qr: the signed revocation list (from /.well-known/certa/revocations)")
	if err := config.Parse(fs, args, &common); err != nil {
		return 2, err
	}
	if *qr != "" {
		if fs.NArg() != 0 {
			return 2, errors.New("verify --qr takes no file")
		}
		return verifyQR(*qr, *trustList, *revocations, common, seal, stdout)
	}
	if *trustList != "" || *revocations != "" {
		return 2, errors.New("--trust-list and --revocations go with --qr")
	}
	if fs.NArg() != 1 {
		return 2, errors.New("verify takes one PDF file")
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return 2, err
	}
	ctx := context.Background()
	env, err := openSealed(ctx, common, seal)
	if err != nil {
		return 2, err
	}
	defer env.Close()
	v := newVerifier(env)
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
	case verify.Invalid, verify.Revoked, verify.Expired, verify.NotCerta:
		return 1, nil
	}
	return 2, nil // unknown to the ledger, or indeterminate
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
	limit := fs.Int("limit", 20, "number of persons on record to print (1-10000), with their status: resident, aire or removed")
	certifiable := fs.Bool("certifiable", false, "only residents every certificate type may be issued for")
	if err := config.Parse(fs, args[1:], &common); err != nil {
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
		fmt.Fprintf(stdout, "%s\t%s %s\t%s\n", p.FiscalCode, p.Surname, p.Name, p.Status())
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
	out := fs.String("out", "", "write the households to this JSON Lines file (the import format) instead of the registry")
	if err := config.Parse(fs, args, &common); err != nil {
		return err
	}
	if *households > 0 && *persons > 0 {
		return errors.New("give --households or --persons, not both")
	}
	ctx := context.Background()
	c, postal, err := seedComune(ctx, common, *comuneCode, *postalCode, *out != "")
	if err != nil {
		return err
	}
	if *out != "" {
		return seedFile(*out, c, postal, *seed, *households, *persons, stdout, stderr)
	}
	env, err := openEnv(ctx, common)
	if err != nil {
		return err
	}
	defer env.Close()
	start := time.Now()
	var nh, np int
	if *persons > 0 {
		// One import: all of it or nothing, the store writing one batch
		// while the generator makes the next.
		w := newBatchWriter(ctx, env.Store)
		defer w.abandon()
		bar := newProgress(stderr, 0)
		err = synth.Stream(*seed, c, postal, *persons, time.Now(), 2000, func(hs []registry.Household) error {
			if err := w.send(ctx, hs); err != nil {
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
		if err == nil {
			_, err = w.commit()
		}
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

// seedComune resolves the comune and postal code to generate for: the
// issuing comune by default, which needs the store's configuration unless
// a file is written.
func seedComune(ctx context.Context, common config.Common, code, postal string, toFile bool) (comuni.Comune, string, error) {
	var c comuni.Comune
	if code == "" && toFile {
		code = setup.DemoComuneCode
	}
	if code == "" {
		env, err := openEnv(ctx, common)
		if err != nil {
			return c, "", err
		}
		c = env.Comune
		env.Close()
	} else {
		var ok bool
		if c, ok = comuni.Current(strings.ToUpper(code)); !ok {
			return c, "", fmt.Errorf("no comune in force has cadastral code %q", code)
		}
	}
	if postal == "" {
		if c.Cadastral != setup.DemoComuneCode {
			return c, "", errors.New("--postal-code is required for a comune other than the demo's")
		}
		postal = setup.DemoPostalCode
	}
	return c, postal, nil
}

// seedFile writes a synthetic population in the import format.
func seedFile(path string, c comuni.Comune, postal string, seed int64, households, persons int, stdout, stderr io.Writer) error {
	if households > 0 {
		return errors.New("--out takes --persons, not --households")
	}
	if persons == 0 {
		persons = 1000
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	var nh, np int
	err = synth.Stream(seed, c, postal, persons, time.Now(), 2000, func(hs []registry.Household) error {
		for _, h := range hs {
			if err := importer.Encode(bw, h); err != nil {
				return err
			}
			nh++
			np += len(h.Members)
		}
		return nil
	})
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return err
	}
	fmt.Fprintf(stdout, "wrote %d households, %d persons to %s\n", nh, np, path)
	return nil
}

func migrate(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate", stderr)
	var common config.Common
	config.RegisterCommon(fs, &common)
	if err := config.Parse(fs, args, &common); err != nil {
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

// registryImport reads the file once, writing its households in batches
// within one transaction (the store writes one batch while the next is
// decoded) and committing only when every record is valid: a file with
// any invalid record imports nothing, and every error is reported.
func registryImport(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("registry import", stderr)
	var common config.Common
	config.RegisterCommon(fs, &common)
	if err := config.Parse(fs, args, &common); err != nil {
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
	ctx := context.Background()
	env, err := openEnv(ctx, common)
	if err != nil {
		return err
	}
	defer env.Close()

	w := newBatchWriter(ctx, env.Store)
	defer w.abandon()
	bar := newProgress(stderr, size)
	start := time.Now()
	rep, err := importer.Stream(ctx, in, start, importer.Options{Progress: bar.update, BatchSize: importBatch}, w.send)
	bar.finish()
	if err == nil {
		err = w.close()
	}
	if err != nil {
		for _, e := range rep.Errors {
			fmt.Fprintln(stderr, e.Error())
		}
		if more := rep.ErrorCount - len(rep.Errors); more > 0 {
			fmt.Fprintf(stderr, "... and %d more errors\n", more)
		}
		if rep.ErrorCount > 0 {
			return fmt.Errorf("%d errors in %d lines: nothing imported", rep.ErrorCount, rep.Lines)
		}
		return fmt.Errorf("nothing imported: %w", err)
	}
	res, err := w.commit()
	if err != nil {
		return fmt.Errorf("nothing imported: %w", err)
	}
	took := time.Since(start)
	fmt.Fprintf(stdout, "imported %d households, %d persons (%d rows unchanged, %d persons removed) in %s, %.0f persons/s\n",
		rep.Households, rep.Persons, res.Unchanged, res.Removed, took.Round(time.Millisecond), float64(rep.Persons)/took.Seconds())
	return nil
}

// importBatch is the number of households per batch of registry import:
// large enough that the per-batch round trips cost little.
var importBatch = 5000

// batchWriter applies an import's batches to the store in a goroutine of
// its own, one batch behind the reader, within one store.Import that it
// begins with the first batch (so an invalid file never opens one).
type batchWriter struct {
	ctx     context.Context
	st      store.Store
	batches chan []registry.Household
	done    chan struct{}
	im      store.Import
	err     error // the writer's first error; read after done is closed
	closed  bool
}

func newBatchWriter(ctx context.Context, st store.Store) *batchWriter {
	return &batchWriter{ctx: ctx, st: st}
}

func (w *batchWriter) start() {
	w.batches = make(chan []registry.Household, 1)
	w.done = make(chan struct{})
	go func() {
		defer close(w.done)
		for hs := range w.batches {
			if w.err != nil {
				continue // drain
			}
			if w.im == nil {
				if w.im, w.err = w.st.BeginImport(w.ctx); w.err != nil {
					continue
				}
			}
			w.err = w.im.Add(w.ctx, hs)
		}
	}()
}

// send passes a batch to the writer; it fails once the writer has.
func (w *batchWriter) send(_ context.Context, hs []registry.Household) error {
	if w.batches == nil {
		w.start()
	}
	select {
	case <-w.done:
		return w.err
	case w.batches <- hs:
		return nil
	}
}

// close waits for the writer to apply what it was sent.
func (w *batchWriter) close() error {
	if w.batches == nil || w.closed {
		return nil
	}
	w.closed = true
	close(w.batches)
	<-w.done
	return w.err
}

func (w *batchWriter) commit() (store.ImportResult, error) {
	if err := w.close(); err != nil {
		return store.ImportResult{}, err
	}
	if w.im == nil {
		return store.ImportResult{}, errors.New("the file has no households")
	}
	return w.im.Commit(w.ctx)
}

// abandon rolls back whatever was not committed.
func (w *batchWriter) abandon() {
	w.close()
	if w.im != nil {
		w.im.Rollback()
	}
}

// openInput opens the file to import, or standard input ("-"). The size
// is -1 when unknown.
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

// batchOwner names this process in batch leases: host, pid and a random
// part, unique even across restarts with the same pid.
func batchOwner() string {
	host, _ := os.Hostname()
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s/%d/%x", host, os.Getpid(), b)
}

// Package setup wires certa's parts from its configuration: the store, the
// seal, the trust roots and the API keys, in one data directory created on
// first start and reused afterwards.
//
//	DIR/certa.db         SQLite store: registry, ledger, audit trail
//	                     (not used when a PostgreSQL URL is given)
//	DIR/pki/             demo root CA and seal (key mode 0600)
//	DIR/demo-api-key     the demo client's API key (mode 0600)
//
// Embedded default (no database URL): the registry is seeded on first start
// with a deterministic synthetic population of the demo comune (Lodi), so a
// fresh machine can issue real, verifiable documents at once.
//
// PostgreSQL: the schema must have been migrated (certa migrate) and the
// registry is never seeded implicitly: an empty registry stays empty until
// certa registry seed (or, later, an import) fills it.
//
// The seal: without a configured key (Options.Seal.Key), the demo PKI in
// DIR/pki, and everything signed says DEMO. With one, a PKCS#8 key file or
// a PKCS#11 URI (signer/pkcs11) and its chain; Open refuses to start when
// the key does not match the chain's certificate, naming it. A TSA makes
// signatures B-T, and B-LT adds validation data fetched from the URLs in
// the certificates (signer.RevocationFetcher).
package setup

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"certa.example/certa/engine"
	"certa.example/certa/internal/comuni"
	"certa.example/certa/internal/config"
	"certa.example/certa/internal/httpapi"
	"certa.example/certa/internal/pki"
	"certa.example/certa/internal/registry"
	"certa.example/certa/internal/seal"
	"certa.example/certa/internal/store"
	"certa.example/certa/internal/store/postgres"
	"certa.example/certa/internal/store/sqlite"
	"certa.example/certa/internal/synth"
	"certa.example/certa/signer"
	"certa.example/certa/signer/pkcs11"
	"certa.example/certa/signer/tsa"
	"certa.example/certa/templates"
	"certa.example/certa/templates/i18n"
)

// The demo comune and the size of its synthetic registry.
const (
	DemoComuneCode = "E648" // Lodi
	DemoPostalCode = "26900"
	DemoSeed       = 20261138 // a seed whose 160 households hold a subject for every type
	DemoHouseholds = 160
	DemoClientID   = "demo"
	DemoAdminID    = "demo-admin"
)

// Embedded is an opened embedded default.
type Env struct {
	Dir   string
	Store store.Store
	Seal  *signer.Seal
	Roots *x509.CertPool
	// TSARoots verify timestamps; nil without a TSA.
	TSARoots *x509.CertPool
	// SignOptions are the signature level and what it needs.
	SignOptions signer.Options
	// DemoSeal is true when the seal is the demo PKI's.
	DemoSeal bool
	// QRSeal is true when QR codes carry a seal signed by Seal's key.
	QRSeal bool
	// RetiredSeals are former seal certificates, kept in the trust list.
	RetiredSeals []*x509.Certificate
	// RootPath is the demo root's PEM file, empty with a configured seal.
	RootPath string
	// DemoCA is the CA that issued the seal when its key lies beside the
	// chain (the embedded demo PKI, or one made by certa keys demo-ca):
	// certa serve then answers OCSP and CRL requests for it under /pki.
	DemoCA     *pki.CA
	Issuer     templates.Issuer
	Comune     comuni.Comune
	APIKeyPath string
	// APIKeys maps key hashes to client IDs (see httpapi.HashAPIKey).
	APIKeys map[string]string
	// AdminKeys are the keys that may also revoke, in AdminKeyPath's file.
	AdminKeys    map[string]string
	AdminKeyPath string
	// Seeded is true when this call created the synthetic registry.
	Seeded bool
	// DocumentRetention is the engine's (engine.Config.DocumentRetention),
	// from Options; set it before Engine to change it.
	DocumentRetention time.Duration

	closeKey func() error
}

// Close releases the store and the seal key.
func (e *Env) Close() error {
	err := e.Store.Close()
	if e.closeKey != nil {
		if kerr := e.closeKey(); err == nil {
			err = kerr
		}
	}
	return err
}

// Options selects what Open wires.
type Options struct {
	DataDir string
	// DatabaseURL selects PostgreSQL; empty means the embedded SQLite store.
	DatabaseURL string
	// Seal configures the seal; the zero value is the demo seal.
	Seal config.Seal
	Now  func() time.Time
	// DocumentRetention is how long engines keep issued PDFs; zero keeps
	// none (config.DefaultPDFRetention is the command's default).
	DocumentRetention time.Duration
}

// OpenEmbedded opens (creating on first use) the embedded default in dir.
func OpenEmbedded(ctx context.Context, dir string, now func() time.Time) (*Env, error) {
	return Open(ctx, Options{DataDir: dir, Now: now})
}

// Open prepares the data directory and opens the configured store.
func Open(ctx context.Context, o Options) (*Env, error) {
	dir, now := o.DataDir, o.Now
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("setup: data directory: %w", err)
	}
	if fi, err := os.Stat(dir); err == nil && fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return nil, fmt.Errorf("setup: data directory %s is open to others and cannot be restricted: %w", dir, err)
		}
	}
	comune, ok := comuni.Current(DemoComuneCode)
	if !ok {
		return nil, fmt.Errorf("setup: demo comune %s missing from the embedded archive", DemoComuneCode)
	}
	issuer := IssuerOf(comune)
	sl, err := openSeal(dir, o.Seal, "Comune di "+templates.TitleCase(comune.Name), now())
	if err != nil {
		return nil, err
	}
	var st store.Store
	if o.DatabaseURL == "" {
		st, err = sqlite.Open(filepath.Join(dir, "certa.db"), now)
	} else {
		st, err = postgres.Open(ctx, o.DatabaseURL, now)
	}
	if err != nil {
		sl.close()
		return nil, fmt.Errorf("setup: store: %w", err)
	}
	e := &Env{Dir: dir, Store: st, Seal: sl.seal, Roots: sl.roots, TSARoots: sl.tsaRoots, SignOptions: sl.opts,
		QRSeal: sl.qrSeal, RetiredSeals: sl.retired, DemoSeal: sl.demo, RootPath: sl.rootPath, DemoCA: sl.demoCA, Issuer: issuer, Comune: comune, closeKey: sl.closeKey}
	e.DocumentRetention = o.DocumentRetention
	if o.DatabaseURL == "" {
		if e.Seeded, err = seedIfEmpty(ctx, st, comune, now()); err != nil {
			e.Close()
			return nil, err
		}
	}
	e.APIKeyPath = filepath.Join(dir, "demo-api-key")
	key, err := ensureAPIKey(e.APIKeyPath)
	if err != nil {
		e.Close()
		return nil, err
	}
	e.APIKeys = map[string]string{httpapi.HashAPIKey(key): DemoClientID}
	e.AdminKeyPath = filepath.Join(dir, "demo-admin-key")
	admin, err := ensureAPIKey(e.AdminKeyPath)
	if err != nil {
		e.Close()
		return nil, err
	}
	e.AdminKeys = map[string]string{httpapi.HashAPIKey(admin): DemoAdminID}
	return e, nil
}

// IssuerOf returns the issuer of certificates for comune c: its name,
// province and registry office, and its second official language with
// its name in it (comuni.Comune.SecondLanguage), which bilingual
// certificates need; Lodi, the demo comune, has none.
func IssuerOf(c comuni.Comune) templates.Issuer {
	iss := templates.Issuer{Comune: c.Name, Code: c.Cadastral, Province: c.Province, Office: "Ufficio Anagrafe"}
	if lang, name, ok := c.SecondLanguage(); ok {
		iss.Language, iss.ComuneAlt = i18n.Lang(lang), name
	}
	return iss
}

// Engine builds the issue pipeline on this environment: the renderer,
// the PDF signer for the seal and the engine. With the demo seal,
// documents say DEMO.
func (e *Env) Engine(publicURL string, now func() time.Time) (*engine.Engine, error) {
	return e.EngineObserved(publicURL, now, nil)
}

// EngineObserved is Engine with an observer of issuance (nil: none).
func (e *Env) EngineObserved(publicURL string, now func() time.Time, obs engine.Observer) (*engine.Engine, error) {
	r, err := templates.New()
	if err != nil {
		return nil, err
	}
	comune := templates.TitleCase(e.Issuer.Comune)
	ps, err := signer.NewPDFSigner(e.Seal, signer.Info{
		Name:     "Comune di " + comune + " - " + e.Issuer.Office,
		Location: comune,
		Reason:   "Certificato anagrafico",
	}, e.SignOptions)
	if err != nil {
		return nil, err
	}
	// Lookups may reuse a record for a second: a burst of checks of one
	// code reads the ledger once (engine.Config.LookupCacheTTL).
	cfg := engine.Config{Issuer: e.Issuer, PublicURL: publicURL, Demo: e.DemoSeal, Now: now, LookupCacheTTL: time.Second, Observer: obs,
		DocumentRetention: e.DocumentRetention}
	if e.QRSeal {
		cfg.SealKey, cfg.SealCert = e.Seal.Key, e.Seal.Certificate()
	}
	cfg.SealTrust = e.SealTrust()
	return engine.New(cfg, e.Store, r, ps)
}

// SealCertificates returns the seal certificates QR seals are checked
// against: the current one first (when QR seals are on), then the retired.
func (e *Env) SealCertificates() []*x509.Certificate {
	var out []*x509.Certificate
	if e.QRSeal {
		out = append(out, e.Seal.Certificate())
	}
	return append(out, e.RetiredSeals...)
}

// SealTrust returns the lookup of SealCertificates by kid.
func (e *Env) SealTrust() func(kid []byte) (*x509.Certificate, bool) {
	byKID := map[string]*x509.Certificate{}
	for _, c := range e.SealCertificates() {
		byKID[string(seal.KID(c))] = c
	}
	return func(kid []byte) (*x509.Certificate, bool) {
		c, ok := byKID[string(kid)]
		return c, ok
	}
}

// Ready reports whether the store and the seal can serve now.
func (e *Env) Ready(ctx context.Context) error {
	if err := e.Store.Ready(ctx); err != nil {
		return err
	}
	return e.Seal.Probe(ctx)
}

// openedSeal is the seal and what goes with it.
type openedSeal struct {
	seal     *signer.Seal
	roots    *x509.CertPool
	tsaRoots *x509.CertPool
	opts     signer.Options
	qrSeal   bool
	retired  []*x509.Certificate
	demo     bool
	rootPath string
	demoCA   *pki.CA
	closeKey func() error
}

func (o openedSeal) close() {
	if o.closeKey != nil {
		o.closeKey()
	}
}

// openSeal opens the configured seal, or the demo PKI in dir/pki.
func openSeal(dir string, c config.Seal, comune string, now time.Time) (o openedSeal, err error) {
	chainDir := filepath.Dir(c.Chain)
	if c.Key == "" {
		chainDir = filepath.Join(dir, "pki")
	}
	switch {
	case c.Key == "" && c.Chain != "":
		return o, errors.New("setup: --seal-chain needs --seal-key")
	case c.Key == "":
		demo, err := pki.EnsureDemo(filepath.Join(dir, "pki"), comune, now)
		if err != nil {
			return o, fmt.Errorf("setup: demo PKI: %w", err)
		}
		if o.seal, err = signer.LoadFileSeal(demo.KeyPath, demo.ChainPath); err != nil {
			return o, err
		}
		o.demo, o.rootPath = true, demo.RootPath
		if c.TrustRoots == "" {
			c.TrustRoots = demo.RootPath
		}
	case c.Chain == "":
		return o, errors.New("setup: --seal-key needs --seal-chain, the PEM seal certificate and its chain")
	case strings.HasPrefix(c.Key, "pkcs11:"):
		u, err := pkcs11.ParseURI(c.Key)
		if err != nil {
			return o, fmt.Errorf("setup: --seal-key: %w", err)
		}
		pin, err := pkcs11.ReadPIN(u, nil)
		if err != nil {
			return o, fmt.Errorf("setup: --seal-key: %w", err)
		}
		key, err := pkcs11.Open(u, pin, pkcs11.Options{})
		if err != nil {
			return o, fmt.Errorf("setup: --seal-key: %w", err)
		}
		o.closeKey = key.Close
		chain, err := readChain(c.Chain)
		if err == nil {
			o.seal, err = signer.NewSeal(key, chain)
		}
		if err != nil {
			o.close()
			return openedSeal{}, err
		}
	default:
		if o.seal, err = signer.LoadFileSeal(c.Key, c.Chain); err != nil {
			return o, err
		}
	}
	defer func() {
		if err != nil {
			o.close()
		}
	}()
	if c.TrustRoots != "" {
		if o.roots, _, err = pki.LoadRoots(c.TrustRoots); err != nil {
			return o, fmt.Errorf("setup: --trust-roots: %w", err)
		}
	} else {
		root := o.seal.Chain[len(o.seal.Chain)-1]
		if root.CheckSignatureFrom(root) != nil {
			return o, errors.New("setup: the seal chain does not end with its root: give --trust-roots")
		}
		o.roots = x509.NewCertPool()
		o.roots.AddCert(root)
	}
	if c.TSAURL == "" && c.TSARoots != "" {
		return o, errors.New("setup: --tsa-roots needs --tsa-url")
	}
	if c.TSAURL != "" {
		if c.TSARoots == "" {
			return o, errors.New("setup: --tsa-url needs --tsa-roots, the roots of the TSA's certificate")
		}
		if o.tsaRoots, _, err = pki.LoadRoots(c.TSARoots); err != nil {
			return o, fmt.Errorf("setup: --tsa-roots: %w", err)
		}
		if o.opts.TSA, err = tsa.New(c.TSAURL, tsa.Options{Roots: o.tsaRoots}); err != nil {
			return o, fmt.Errorf("setup: --tsa-url: %w", err)
		}
	}
	if c.Level != "" {
		if o.opts.Level, err = signer.ParseLevel(c.Level); err != nil {
			return o, fmt.Errorf("setup: --signature-level: %w", err)
		}
	}
	o.demoCA = demoCABeside(o.seal, chainDir)
	if o.opts.Level == 0 {
		o.opts.Level = signer.LevelBB
		if o.opts.TSA != nil {
			o.opts.Level = signer.LevelBT
		}
	}
	o.opts.Validation = &signer.RevocationFetcher{}
	switch c.QR {
	case "", "on":
		if err := seal.CheckKey(o.seal.Key, o.seal.Certificate()); err != nil {
			return o, errors.New("setup: the QR seal needs an ECDSA P-256 seal key; this one is not: use a P-256 key or --qr-seal=off")
		}
		o.qrSeal = true
	case "off":
	default:
		return o, fmt.Errorf("setup: --qr-seal must be on or off, not %q", c.QR)
	}
	if c.Retired != "" {
		data, err := os.ReadFile(c.Retired)
		if err != nil {
			return o, fmt.Errorf("setup: --seal-retired: %w", err)
		}
		if o.retired, err = signer.ParseCertificatesPEM(data); err != nil {
			return o, fmt.Errorf("setup: --seal-retired: %w", err)
		}
	}
	// Check the combination now, not at the first document.
	if _, err = signer.NewPDFSigner(o.seal, signer.Info{}, o.opts); err != nil {
		return o, fmt.Errorf("setup: %w", err)
	}
	return o, nil
}

// demoCABeside returns the CA in dir when it issued the seal, else nil.
func demoCABeside(seal *signer.Seal, dir string) *pki.CA {
	if len(seal.Chain) < 2 {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, pki.CAKeyFile)); err != nil {
		return nil
	}
	ca, err := pki.LoadCA(dir)
	if err != nil || !ca.Cert.Equal(seal.Chain[1]) {
		return nil
	}
	return &ca
}

func readChain(path string) ([]*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("setup: --seal-chain: %w", err)
	}
	chain, err := signer.ParseCertificatesPEM(b)
	if err != nil {
		return nil, fmt.Errorf("setup: --seal-chain %s: %w", path, err)
	}
	return chain, nil
}

// seedIfEmpty fills an empty registry with the demo population.
func seedIfEmpty(ctx context.Context, st store.Store, c comuni.Comune, now time.Time) (bool, error) {
	n, err := st.CountResidents(ctx)
	if err != nil {
		return false, fmt.Errorf("setup: %w", err)
	}
	if n > 0 {
		return false, nil
	}
	if _, err := Seed(ctx, st, c, DemoPostalCode, DemoSeed, DemoHouseholds, now); err != nil {
		return false, err
	}
	return true, nil
}

// Seed adds a synthetic population of households at addresses with the
// given postal code to the registry of comune, and returns the number of
// persons added. It is deterministic for a seed; the same seed twice
// conflicts (errs.Conflict) and adds nothing.
func Seed(ctx context.Context, st store.Store, c comuni.Comune, postalCode string, seed int64, households int, now time.Time) (int, error) {
	hs, err := synth.Generate(seed, c, postalCode, households, now)
	if err != nil {
		return 0, fmt.Errorf("setup: synthetic registry: %w", err)
	}
	if err := st.PutHouseholds(ctx, hs); err != nil {
		return 0, fmt.Errorf("setup: synthetic registry: %w", err)
	}
	n := 0
	for _, h := range hs {
		n += len(h.Members)
	}
	return n, nil
}

// ensureAPIKey returns the key stored at path, creating it if missing.
func ensureAPIKey(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		key := strings.TrimSpace(string(b))
		if len(key) < 32 {
			return "", fmt.Errorf("setup: %s holds no usable API key; delete it to make a new one", path)
		}
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	key := "certa_demo_" + base64.RawURLEncoding.EncodeToString(raw[:])
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	if _, err := f.WriteString(key + "\n"); err != nil {
		f.Close()
		return "", err
	}
	return key, f.Close()
}

// plainResidentTypes are the certificates any plain resident qualifies
// for: the others need a particular record (a death, a removal, AIRE, a
// marriage, a civil union, a contract, a convivenza) or its absence.
var plainResidentTypes = []string{"residenza", "stato_famiglia", "esistenza_in_vita"}

// CertifiableResidents returns up to limit plain residents: persons for
// whom residenza, stato di famiglia and esistenza in vita may all be issued
// (the synthetic registry also holds AIRE, removed and blocked people), for
// demos, tests and benchmarks. Other types need particular records.
func CertifiableResidents(ctx context.Context, st store.Store, limit int) ([]registry.Person, error) {
	// Most people qualify: read a margin more and stop at limit.
	all, err := st.Residents(ctx, min(limit*3+20, 10000))
	if err != nil {
		return nil, err
	}
	var out []registry.Person
	for _, p := range all {
		if len(out) == limit {
			break
		}
		subj, err := st.Subject(ctx, p.FiscalCode)
		if err != nil {
			return nil, err
		}
		ok := true
		for _, ty := range plainResidentTypes {
			if engine.CheckRules(ty, subj) != nil {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, p)
		}
	}
	return out, nil
}

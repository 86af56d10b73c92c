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
// Until PKCS#11 seals arrive, both use the demo PKI: everything signed says
// DEMO.
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
	"certa.example/certa/internal/httpapi"
	"certa.example/certa/internal/pki"
	"certa.example/certa/internal/registry"
	"certa.example/certa/internal/store"
	"certa.example/certa/internal/store/postgres"
	"certa.example/certa/internal/store/sqlite"
	"certa.example/certa/internal/synth"
	"certa.example/certa/signer"
	"certa.example/certa/templates"
)

// The demo comune and the size of its synthetic registry.
const (
	DemoComuneCode = "E648" // Lodi
	DemoPostalCode = "26900"
	DemoSeed       = 20261123
	DemoHouseholds = 160
	DemoClientID   = "demo"
)

// Embedded is an opened embedded default.
type Env struct {
	Dir        string
	Store      store.Store
	Seal       *signer.Seal
	Roots      *x509.CertPool
	RootPath   string
	Issuer     templates.Issuer
	Comune     comuni.Comune
	APIKeyPath string
	// APIKeys maps key hashes to client IDs (see httpapi.HashAPIKey).
	APIKeys map[string]string
	// Seeded is true when this call created the synthetic registry.
	Seeded bool
}

// Close releases the store.
func (e *Env) Close() error { return e.Store.Close() }

// Options selects what Open wires.
type Options struct {
	DataDir string
	// DatabaseURL selects PostgreSQL; empty means the embedded SQLite store.
	DatabaseURL string
	Now         func() time.Time
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
	issuer := templates.Issuer{Comune: comune.Name, Province: comune.Province, Office: "Ufficio Anagrafe"}
	demo, err := pki.EnsureDemo(filepath.Join(dir, "pki"), "Comune di "+templates.TitleCase(comune.Name), now())
	if err != nil {
		return nil, fmt.Errorf("setup: demo PKI: %w", err)
	}
	seal, err := signer.LoadFileSeal(demo.KeyPath, demo.ChainPath)
	if err != nil {
		return nil, err
	}
	roots, _, err := pki.LoadRoots(demo.RootPath)
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
		return nil, fmt.Errorf("setup: store: %w", err)
	}
	e := &Env{Dir: dir, Store: st, Seal: seal, Roots: roots, RootPath: demo.RootPath, Issuer: issuer, Comune: comune}
	if o.DatabaseURL == "" {
		if e.Seeded, err = seedIfEmpty(ctx, st, comune, now()); err != nil {
			st.Close()
			return nil, err
		}
	}
	e.APIKeyPath = filepath.Join(dir, "demo-api-key")
	key, err := ensureAPIKey(e.APIKeyPath)
	if err != nil {
		st.Close()
		return nil, err
	}
	e.APIKeys = map[string]string{httpapi.HashAPIKey(key): DemoClientID}
	return e, nil
}

// Engine builds the issue pipeline on this environment: the renderer,
// the PDF signer for the demo seal and the engine. Documents say DEMO.
func (e *Env) Engine(publicURL string, now func() time.Time) (*engine.Engine, error) {
	r, err := templates.New()
	if err != nil {
		return nil, err
	}
	comune := templates.TitleCase(e.Issuer.Comune)
	ps, err := signer.NewPDFSigner(e.Seal, signer.Info{
		Name:     signer.ASCII("Comune di " + comune + " - " + e.Issuer.Office),
		Location: signer.ASCII(comune),
		Reason:   "Certificato anagrafico",
	})
	if err != nil {
		return nil, err
	}
	return engine.New(engine.Config{Issuer: e.Issuer, PublicURL: publicURL, Demo: true, Now: now}, e.Store, r, ps)
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

// CertifiableResidents returns up to limit persons for whom every
// certificate type may be issued (the synthetic registry also holds AIRE,
// removed and blocked people), for demos, tests and benchmarks.
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
		for _, ty := range templates.Types() {
			if engine.CheckRules(ty.Name, subj) != nil {
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

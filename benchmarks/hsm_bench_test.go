package benchmarks

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"certa.example/certa/engine"
	"certa.example/certa/internal/config"
	"certa.example/certa/internal/pki"
	"certa.example/certa/internal/registry"
	"certa.example/certa/internal/setup"
	"certa.example/certa/internal/store/postgres"
	"certa.example/certa/internal/testutil"
	"certa.example/certa/signer/pkcs11"
)

// BenchmarkHSM measures the seal key in SoftHSM through PKCS#11: raw
// signatures/s of the key, and documents/s issued end to end with it
// (embedded store, B-B), for P-256 and RSA-3072, with 1, 2 and 8 workers.
// With P-256 each document takes two signatures of the key: the PDF's and
// the QR seal's; RSA keys issue QR codes without a seal.
// Comparing the two in one run says what share of a document the HSM is.
func BenchmarkHSM(b *testing.B) {
	module, token, pinFile := testutil.SoftHSM(b)
	for _, alg := range []string{"P-256", "RSA-3072"} {
		h := newHSMEnv(b, module, token, pinFile, alg, "")
		for _, workers := range []int{1, 2, 8} {
			b.Run(fmt.Sprintf("%s/raw/workers=%d", alg, workers), func(b *testing.B) { h.raw(b, workers) })
			b.Run(fmt.Sprintf("%s/issue/workers=%d", alg, workers), func(b *testing.B) { h.issue(b, workers) })
		}
		h.env.Close()
	}
}

// BenchmarkHSMPostgres is the production set-up of issue 9's second goal:
// the seal's P-256 key in SoftHSM and the ledger in PostgreSQL (a fresh
// schema on the test server), documents/s end to end beside the key's raw
// signatures/s, in one run.
//
//	CERTA_REQUIRE_INTEGRATION=1 go test -run '^$' -bench BenchmarkHSMPostgres -benchtime 3s ./benchmarks/
func BenchmarkHSMPostgres(b *testing.B) {
	module, token, pinFile := testutil.SoftHSM(b)
	dbURL := testutil.PostgresSchema(b)
	h := newHSMEnv(b, module, token, pinFile, "P-256", dbURL)
	defer h.env.Close()
	b.Run("raw/workers=8", func(b *testing.B) { h.raw(b, 8) })
	for _, workers := range []int{8, 16} {
		b.Run(fmt.Sprintf("issue/workers=%d", workers), func(b *testing.B) { h.issue(b, workers) })
	}
}

type hsmEnv struct {
	env    *setup.Env
	eng    *engine.Engine
	people []registry.Person
	alg    string
}

// newHSMEnv makes a seal key of alg in SoftHSM and an engine using it, on
// the embedded store or, with dbURL, on PostgreSQL (migrated and seeded).
func newHSMEnv(b *testing.B, module, token, pinFile, alg, dbURL string) *hsmEnv {
	uri := fmt.Sprintf("pkcs11:token=%s;object=seal-%s?module-path=%s&pin-source=file:%s&max-sessions=8", token, alg, module, pinFile)
	u, err := pkcs11.ParseURI(uri)
	if err != nil {
		b.Fatal(err)
	}
	pub, err := pkcs11.Generate(u, testutil.SoftHSMPIN, alg)
	if err != nil {
		b.Fatal(err)
	}
	ca, err := pki.NewCA(pkix.Name{CommonName: "certa bench CA", Country: []string{"IT"}}, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	leaf, err := pki.IssueSeal(ca, pub, pki.SealSubject{CommonName: "Comune di Lodi", Organization: "Comune di Lodi",
		OrganizationIdentifier: pki.DemoOrganizationIdentifier, Country: "IT"}, pki.RevocationURLs{}, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	chain := filepath.Join(b.TempDir(), "chain.pem")
	pemChain := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})...)
	if err := os.WriteFile(chain, pemChain, 0o600); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	// The QR seal is ES256 only: with an RSA key the QR holds the URL.
	qr := "on"
	if strings.HasPrefix(alg, "RSA") {
		qr = "off"
	}
	if dbURL != "" {
		if err := postgres.Migrate(ctx, dbURL, time.Now); err != nil {
			b.Fatal(err)
		}
	}
	env, err := setup.Open(ctx, setup.Options{DataDir: b.TempDir(), DatabaseURL: dbURL, Now: time.Now, Seal: config.Seal{Key: uri, Chain: chain, QR: qr}})
	if err != nil {
		b.Fatal(err)
	}
	if dbURL != "" {
		if _, err := setup.Seed(ctx, env.Store, env.Comune, setup.DemoPostalCode, 11, 2000, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	eng, people := engineWithResidents(b, env)
	return &hsmEnv{env: env, eng: eng, people: people, alg: alg}
}

func (h *hsmEnv) raw(b *testing.B, workers int) {
	digest := sha256.Sum256([]byte("certa"))
	var opts crypto.SignerOpts = crypto.SHA256
	if h.alg != "P-256" {
		opts = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}
	}
	runWorkers(b, workers, func(int) error {
		_, err := h.env.Seal.Key.Sign(rand.Reader, digest[:], opts)
		return err
	})
	reportDocs(b, "sigs/s")
}

func (h *hsmEnv) issue(b *testing.B, workers int) {
	ctx := context.Background()
	runWorkers(b, workers, func(i int) error {
		p := h.people[i%len(h.people)]
		_, err := h.eng.Issue(ctx, counterRequest("residenza", p.FiscalCode))
		return err
	})
	reportDocs(b, "docs/s")
}

// runWorkers runs b.N calls of fn spread over the given number of
// goroutines.
func runWorkers(b *testing.B, workers int, fn func(i int) error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				if err := fn(i); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

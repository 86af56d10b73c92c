// Package benchmarks measures certa's issue path stage by stage, in one run,
// so that ratios between stages and against the raw signing speed of the
// same key are meaningful on a shared, noisy machine. Run with `make bench`
// (which passes -cpu 1,2: one worker and GOMAXPROCS workers). Results and
// the command that produced them are in README.md beside this file.
package benchmarks

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"sync/atomic"
	"testing"
	"time"

	"certa.example/certa/engine"
	"certa.example/certa/internal/registry"
	"certa.example/certa/internal/seal"
	"certa.example/certa/internal/setup"
	"certa.example/certa/signer"
	"certa.example/certa/templates"
)

// testIDDocument is the identification document of counter requests in tests.
var testIDDocument = engine.IDDocument{Type: engine.IDCartaIdentitaEl, Number: "CA00000AA"}

// counterRequest asks for a certificate of type typ for cf at the counter.
func counterRequest(typ, cf string) engine.Request {
	return engine.Request{Type: typ, Subject: cf, Requester: "bench", Channel: engine.ChannelCounter, Operator: "t", IDDocument: testIDDocument}
}

type fixture struct {
	env      *setup.Env
	renderer *templates.Renderer
	signer   *signer.PDFSigner
	engine   *engine.Engine
	subjects []registry.Person
	doc      *templates.Document
}

func newFixture(b *testing.B) *fixture {
	b.Helper()
	ctx := context.Background()
	env, err := setup.OpenEmbedded(ctx, b.TempDir(), time.Now)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { env.Close() })
	r, err := templates.New()
	if err != nil {
		b.Fatal(err)
	}
	ps, err := signer.NewPDFSigner(env.Seal, signer.Info{Name: "Comune di Lodi", Location: "Lodi", Reason: "Certificato anagrafico"}, signer.Options{})
	if err != nil {
		b.Fatal(err)
	}
	eng, people := engineWithResidents(b, env)
	subj, err := env.Store.Subject(ctx, people[0].FiscalCode)
	if err != nil {
		b.Fatal(err)
	}
	ty, _ := templates.LookupType("stato_famiglia")
	now := time.Now().UTC().Truncate(time.Second)
	doc := &templates.Document{
		Type: ty, Code: "ABCD-EFGH-JKMN-PQRS", VerifyURL: "HTTP://127.0.0.1:8080/V/ABCD-EFGH-JKMN-PQRS",
		IssuedAt: now, ExpiresAt: now.AddDate(0, 6, 0), Issuer: env.Issuer, Subject: subj, Demo: true,
	}
	// The QR code holds the signed seal, as the engine's documents do.
	payload, err := seal.Sign(seal.Claims{
		Version: seal.Version, Code: doc.Code, Type: ty.Name, ComuneCode: env.Issuer.Code,
		ComuneName: env.Issuer.Comune, Issued: doc.IssuedAt, Expires: doc.ExpiresAt,
		Holder: subj.Person.Surname + " " + subj.Person.Name, BirthDate: subj.Person.BirthDate,
		Facts: templates.SealFacts(doc),
	}, env.Seal.Key, env.Seal.Certificate())
	if err != nil {
		b.Fatal(err)
	}
	doc.QRText = seal.URL("HTTP://127.0.0.1:8080", doc.Code, payload)
	return &fixture{env: env, renderer: r, signer: ps, engine: eng, subjects: people, doc: doc}
}

// engineWithResidents returns env's engine and up to 10,000 of its
// certifiable residents.
func engineWithResidents(b *testing.B, env *setup.Env) (*engine.Engine, []registry.Person) {
	b.Helper()
	eng, err := env.Engine("http://127.0.0.1:8080", time.Now)
	if err != nil {
		b.Fatal(err)
	}
	people, err := setup.CertifiableResidents(context.Background(), env.Store, 10000)
	if err != nil || len(people) == 0 {
		b.Fatal("no residents", err)
	}
	return eng, people
}

func reportDocs(b *testing.B, unit string) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), unit)
}

// BenchmarkRender: layout, fonts, QR (with a seal, as issued) and PDF
// serialisation of one page.
func BenchmarkRender(b *testing.B) {
	f := newFixture(b)
	b.ReportAllocs()
	b.ResetTimer()
	var size atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := f.renderer.Render(f.doc)
			if err != nil {
				b.Fatal(err)
			}
			size.Store(int64(len(res.PDF)))
		}
	})
	reportDocs(b, "docs/s")
	b.ReportMetric(float64(size.Load()), "bytes/doc")
}

// BenchmarkSign: PAdES signing of an already rendered page.
func BenchmarkSign(b *testing.B) {
	f := newFixture(b)
	res, err := f.renderer.Render(f.doc)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var size atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			out, err := f.signer.Sign(context.Background(), res.PDF, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			size.Store(int64(len(out)))
		}
	})
	reportDocs(b, "docs/s")
	b.ReportMetric(float64(size.Load()), "bytes/doc")
}

// BenchmarkIssue: the whole path through the engine: registry read,
// rules, render, sign, ledger and audit commit (embedded SQLite store).
func BenchmarkIssue(b *testing.B) {
	f := newFixture(b)
	ctx := context.Background()
	var next, bytes atomic.Int64
	b.ReportAllocs()
	// Four requests in flight per core, as a server has: the ledger's
	// group commit then gathers several issuances per transaction.
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			p := f.subjects[int(next.Add(1))%len(f.subjects)]
			typ := "residenza"
			if p.FiscalCode[15]%2 == 0 {
				typ = "stato_famiglia"
			}
			iss, err := f.engine.Issue(ctx, counterRequest(typ, p.FiscalCode))
			if err != nil {
				b.Fatal(err)
			}
			bytes.Add(int64(len(iss.PDF)))
		}
	})
	reportDocs(b, "docs/s")
	b.ReportMetric(float64(bytes.Load())/float64(b.N), "bytes/doc")
}

// BenchmarkRawSignature: the seal key alone, ECDSA over a SHA-256 digest.
// Documents/s divided by this is the share of the signature in the cost.
func BenchmarkRawSignature(b *testing.B) {
	f := newFixture(b)
	key := f.env.Seal.Key
	digest := sha256.Sum256([]byte("certa"))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := key.Sign(rand.Reader, digest[:], crypto.SHA256); err != nil {
				b.Fatal(err)
			}
		}
	})
	reportDocs(b, "sigs/s")
}

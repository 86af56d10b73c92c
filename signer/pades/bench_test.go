package pades_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"certa.example/certa/signer/pades"
)

// benchDoc is a one-page fpdf document of about 70 KB, the size of a
// rendered certificate (uncompressed text and an embedded image).
func benchDoc(b *testing.B) []byte {
	doc := makePDF(b, pdfOpts{link: true, image: 140, text: 40})
	if len(doc) < 60_000 || len(doc) > 80_000 {
		b.Fatalf("benchmark document is %d bytes, want about 70 KB", len(doc))
	}
	return doc
}

// runSign runs sign in parallel and reports documents per second and
// the output size.
func runSign(b *testing.B, doc []byte, sign func([]byte) ([]byte, error)) {
	var size atomic.Int64
	b.ReportAllocs()
	b.SetBytes(int64(len(doc)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			out, err := sign(doc)
			if err != nil {
				b.Error(err)
				return
			}
			size.Store(int64(len(out)))
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
	b.ReportMetric(float64(size.Load()), "bytes/doc")
}

// BenchmarkSign signs a 70 KB document with an in-memory P-256 key (B-B).
func BenchmarkSign(b *testing.B) {
	p := ecPKI(b)
	s, err := pades.NewSigner(pades.Options{Signer: p.leaves["P-256"].key, Chain: p.chain("P-256"),
		Name: "Comune di Lodi", Location: "Lodi", Reason: "Certificato anagrafico"})
	if err != nil {
		b.Fatal(err)
	}
	ctx, at := context.Background(), time.Now()
	runSign(b, benchDoc(b), func(doc []byte) ([]byte, error) { return s.Sign(ctx, doc, at) })
}

// BenchmarkPdfsign signs the same document with the same key through
// certa's previous signer, the pinned github.com/digitorus/pdfsign.
func BenchmarkPdfsign(b *testing.B) {
	p := ecPKI(b)
	key, chain := p.leaves["P-256"].key, p.chain("P-256")
	at := time.Now()
	runSign(b, benchDoc(b), func(doc []byte) ([]byte, error) { return pdfsignSign(key, chain, doc, at) })
}

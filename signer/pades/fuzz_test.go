package pades_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"testing"

	"certa.example/certa/signer/pades"
)

// FuzzSign feeds arbitrary bytes to Sign and AddDSS: they must not
// panic; when Sign succeeds its output must start with the input, and
// the package must be able to sign and extend its own output again.
func FuzzSign(f *testing.F) {
	p := ecPKI(f)
	s, err := pades.NewSigner(pades.Options{Signer: p.leaves["P-256"].key, Chain: p.chain("P-256"), Name: "Comune di Forlì"})
	if err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	doc := makePDF(f, pdfOpts{link: true})
	signed, err := s.Sign(ctx, doc, signingTime)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(doc)
	f.Add(signed)
	f.Add(buildPDF([]string{"<< /Type /Catalog /Pages 2 0 R /AcroForm 4 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Annots 5 0 R >>", "<< /Fields 5 0 R >>", "[]"}, " /ID [<00> (x)]"))
	f.Add([]byte("%PDF-1.4\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 >>\nstartxref\n9\n%%EOF\n"))
	v := pades.Validation{Certs: []*x509.Certificate{p.root}}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := pades.AddDSS(data, v); err != nil && len(data) > 0 && bytes.Equal(data, signed) {
			t.Fatalf("AddDSS on a signed seed: %v", err)
		}
		out, err := s.Sign(ctx, data, signingTime)
		if err != nil {
			return
		}
		if !bytes.HasPrefix(out, data) {
			t.Fatal("output does not start with the input")
		}
		again, err := s.Sign(ctx, out, signingTime)
		if err != nil {
			t.Fatalf("cannot sign own output: %v", err)
		}
		if _, err := pades.AddDSS(again, v); err != nil {
			t.Fatalf("cannot extend own output: %v", err)
		}
	})
}

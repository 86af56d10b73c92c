package signer_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"certa.example/certa/internal/pki"
	"certa.example/certa/internal/testutil"
	"certa.example/certa/signer"
)

func demoSeal(t testing.TB) (*signer.Seal, pki.Demo) {
	t.Helper()
	d, err := pki.EnsureDemo(t.TempDir(), "Comune di Lodi", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s, err := signer.LoadFileSeal(d.KeyPath, d.ChainPath)
	if err != nil {
		t.Fatal(err)
	}
	return s, d
}

func samplePDF(t testing.TB) []byte {
	t.Helper()
	p := fpdf.New("P", "mm", "A4", "")
	p.AddPage()
	p.SetFont("Helvetica", "", 12)
	p.Cell(0, 10, "certificato di prova")
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestNewSealRejectsMismatchedKey(t *testing.T) {
	s, _ := demoSeal(t)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, err := signer.NewSeal(other, s.Chain)
	if err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("mismatched key accepted: %v", err)
	}
	if _, err := signer.NewSeal(s.Key, s.Chain[1:]); err == nil {
		t.Fatal("CA certificate accepted as seal")
	}
	if _, err := signer.NewSeal(s.Key, nil); err == nil {
		t.Fatal("empty chain accepted")
	}
}

func TestLoadFileSealRefusesReadableKey(t *testing.T) {
	_, d := demoSeal(t)
	if err := os.Chmod(d.KeyPath, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := signer.LoadFileSeal(d.KeyPath, d.ChainPath); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("world-readable key accepted: %v", err)
	}
}

func TestEnsureDemoReuses(t *testing.T) {
	dir := t.TempDir()
	a, err := pki.EnsureDemo(dir, "Comune di Lodi", time.Now())
	if err != nil || !a.Created {
		t.Fatal(err, a.Created)
	}
	before, _ := os.ReadFile(a.KeyPath)
	b, err := pki.EnsureDemo(dir, "Comune di Lodi", time.Now())
	if err != nil || b.Created {
		t.Fatal(err, b.Created)
	}
	after, _ := os.ReadFile(b.KeyPath)
	if !bytes.Equal(before, after) {
		t.Fatal("demo key regenerated")
	}
	os.Remove(filepath.Join(dir, pki.RootFile))
	if _, err := pki.EnsureDemo(dir, "Comune di Lodi", time.Now()); err == nil {
		t.Fatal("partial PKI accepted")
	}
}

func TestNewPDFSignerRejectsNonASCII(t *testing.T) {
	s, _ := demoSeal(t)
	if _, err := signer.NewPDFSigner(s, signer.Info{Name: "Comune di Forlì"}); err == nil {
		t.Fatal("non-ASCII signature info accepted")
	}
}

// TestSignedPDFPassesPdfsig checks a signed document with independent tools.
func TestSignedPDFPassesPdfsig(t *testing.T) {
	testutil.RequireTools(t, "pdfsig", "qpdf", "certutil")
	s, d := demoSeal(t)
	ps, err := signer.NewPDFSigner(s, signer.Info{Name: "Comune di Lodi", Location: "Lodi", Reason: "Certificato anagrafico"})
	if err != nil {
		t.Fatal(err)
	}
	doc := samplePDF(t)
	signed, err := ps.Sign(doc, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	path := testutil.WriteTemp(t, "signed.pdf", signed)
	rep := testutil.Pdfsig(t, testutil.NSSDB(t, d.RootPath), path)
	if !rep.Valid || !rep.Trusted || !rep.WholeDocument {
		t.Fatalf("pdfsig:\n%s", rep.Raw)
	}
	if out, code := testutil.Run(t, "qpdf", "--check", path); code != 0 {
		t.Fatalf("qpdf --check exit %d:\n%s", code, out)
	}
	// Appending bytes must make pdfsig report a partial signature.
	appended := testutil.WriteTemp(t, "appended.pdf", append(append([]byte{}, signed...), []byte("\n% tail\n")...))
	if rep := testutil.Pdfsig(t, testutil.NSSDB(t, d.RootPath), appended); rep.WholeDocument {
		t.Fatalf("pdfsig says an appended file is wholly signed:\n%s", rep.Raw)
	}
}

func BenchmarkSign(b *testing.B) {
	s, _ := demoSeal(b)
	ps, _ := signer.NewPDFSigner(s, signer.Info{Name: "Comune di Lodi"})
	doc := samplePDF(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := ps.Sign(doc, time.Now()); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestASCII(t *testing.T) {
	for in, want := range map[string]string{
		"Comune di Forlì":          "Comune di Forli",
		"Città (Sant'Angelo) \\ x": "Citta Sant'Angelo  x",
		"Ștefan Łódź":              "Stefan odz",
	} {
		if got := signer.ASCII(in); got != want {
			t.Errorf("ASCII(%q) = %q, want %q", in, got, want)
		}
		if _, err := signer.NewPDFSigner(mustSeal(t), signer.Info{Name: signer.ASCII(in)}); err != nil {
			t.Errorf("ASCII(%q) not accepted: %v", in, err)
		}
	}
}

func mustSeal(t *testing.T) *signer.Seal {
	s, _ := demoSeal(t)
	return s
}

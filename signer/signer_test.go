package signer_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/pki"
	"certa.example/certa/internal/testpki"
	"certa.example/certa/internal/testutil"
	"certa.example/certa/signer"
	"certa.example/certa/signer/tsa"
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

// levelPKI is a seal whose certificate points at a live OCSP responder,
// and a test TSA: what B-T and B-LT need.
type levelPKI struct {
	seal *signer.Seal
	root string // PEM path of the seal's root
	tsa  *testpki.TSA
	rev  *testpki.Revocation
}

func newLevelPKI(t testing.TB) levelPKI {
	t.Helper()
	now := time.Now()
	ca, err := pki.NewCA(pkix.Name{CommonName: "certa test root", Country: []string{"IT"}}, now)
	if err != nil {
		t.Fatal(err)
	}
	rev := testpki.NewRevocation(t, ca, nil)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leaf, err := pki.IssueSeal(ca, key.Public(), pki.SealSubject{
		CommonName: "Comune di Forlì - Ufficio Anagrafe", Organization: "Comune di Forlì",
		OrganizationIdentifier: pki.DemoOrganizationIdentifier, Country: "IT",
	}, rev.URLs(), now)
	if err != nil {
		t.Fatal(err)
	}
	seal, err := signer.NewSeal(key, []*x509.Certificate{leaf, ca.Cert})
	if err != nil {
		t.Fatal(err)
	}
	root := testutil.WriteTemp(t, "root.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw}))
	return levelPKI{seal: seal, root: root, tsa: testpki.NewTSA(t, nil), rev: rev}
}

func (p levelPKI) signer(t testing.TB, level signer.Level) *signer.PDFSigner {
	t.Helper()
	client, err := tsa.New(p.tsa.URL, tsa.Options{Roots: p.tsa.Roots})
	if err != nil {
		t.Fatal(err)
	}
	opts := signer.Options{Level: level, TSA: client, Validation: &signer.RevocationFetcher{}}
	if level == signer.LevelBB {
		opts = signer.Options{}
	}
	ps, err := signer.NewPDFSigner(p.seal, signer.Info{Name: "Comune di Forlì - Ufficio Anagrafe", Location: "Forlì", Reason: "Certificato anagrafico"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// TestLevels signs at each level and checks the result with poppler's
// pdfsig (which asks the seal's OCSP responder), qpdf and OpenSSL.
func TestLevels(t *testing.T) {
	testutil.RequireTools(t, "pdfsig", "qpdf", "certutil")
	p := newLevelPKI(t)
	nss := testutil.NSSDB(t, p.root)
	for _, level := range []signer.Level{signer.LevelBB, signer.LevelBT, signer.LevelBLT} {
		t.Run(level.String(), func(t *testing.T) {
			ps := p.signer(t, level)
			if ps.Level() != level {
				t.Fatalf("Level() = %v", ps.Level())
			}
			tsaBefore := p.tsa.Issued()
			signed, err := ps.Sign(context.Background(), samplePDF(t), time.Now())
			if err != nil {
				t.Fatal(err)
			}
			path := testutil.WriteTemp(t, "signed.pdf", signed)
			rep := testutil.Pdfsig(t, nss, path)
			if !rep.Valid || !rep.Trusted || !strings.Contains(rep.Raw, "ETSI.CAdES.detached") {
				t.Fatalf("pdfsig:\n%s", rep.Raw)
			}
			if rep.WholeDocument != (level != signer.LevelBLT) {
				t.Errorf("pdfsig total document signed = %v at %s:\n%s", rep.WholeDocument, level, rep.Raw)
			}
			if out, code := testutil.Run(t, "qpdf", "--check", path); code != 0 {
				t.Fatalf("qpdf --check exit %d:\n%s", code, out)
			}
			if got := p.tsa.Issued() - tsaBefore; (level >= signer.LevelBT) != (got == 1) {
				t.Errorf("%d timestamps issued for one %s signature", got, level)
			}
			hasDSS := bytes.Contains(signed, []byte("/DSS")) && bytes.Contains(signed, []byte("/OCSPs"))
			if hasDSS != (level == signer.LevelBLT) {
				t.Errorf("DSS with OCSP responses present = %v at %s", hasDSS, level)
			}
		})
	}
}

// TestBLTCachesRevocation: B-LT asks the responder once for many
// documents, and refuses to seal once the seal is revoked.
func TestBLTCachesRevocation(t *testing.T) {
	p := newLevelPKI(t)
	fetcher := &signer.RevocationFetcher{}
	client, _ := tsa.New(p.tsa.URL, tsa.Options{Roots: p.tsa.Roots})
	ps, err := signer.NewPDFSigner(p.seal, signer.Info{Name: "x"}, signer.Options{Level: signer.LevelBLT, TSA: client, Validation: fetcher})
	if err != nil {
		t.Fatal(err)
	}
	doc := samplePDF(t)
	for range 5 {
		if _, err := ps.Sign(context.Background(), doc, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	// One OCSP request for the seal, one for the TSA certificate's chain
	// (which has no OCSP pointer: none).
	if n := p.rev.OCSPRequests(); n != 1 {
		t.Errorf("%d OCSP requests for 5 documents, want 1", n)
	}
	p.rev.Revoke(p.seal.Certificate().SerialNumber, time.Now().Add(-time.Minute))
	fresh := &signer.RevocationFetcher{}
	ps2, _ := signer.NewPDFSigner(p.seal, signer.Info{Name: "x"}, signer.Options{Level: signer.LevelBLT, TSA: client, Validation: fresh})
	_, err = ps2.Sign(context.Background(), doc, time.Now())
	if !errors.Is(err, signer.ErrRevoked) || errs.KindOf(err) != errs.SigningFailed {
		t.Fatalf("sealing with a revoked seal: %v", err)
	}
}

// TestTSAOutageIsUnavailable: a TSA that does not answer makes the
// document fail as a retryable outage, not a signing failure.
func TestTSAOutageIsUnavailable(t *testing.T) {
	p := newLevelPKI(t)
	p.tsa.FailNext(10, 503)
	client, _ := tsa.New(p.tsa.URL, tsa.Options{Roots: p.tsa.Roots, Retries: -1})
	ps, err := signer.NewPDFSigner(p.seal, signer.Info{Name: "x"}, signer.Options{TSA: client})
	if err != nil {
		t.Fatal(err)
	}
	if ps.Level() != signer.LevelBT {
		t.Fatalf("a TSA without a level gives %v, want B-T", ps.Level())
	}
	_, err = ps.Sign(context.Background(), samplePDF(t), time.Now())
	if errs.KindOf(err) != errs.Unavailable {
		t.Fatalf("TSA outage: kind %v, %v", errs.KindOf(err), err)
	}
}

func TestNewPDFSignerChecksLevel(t *testing.T) {
	s, _ := demoSeal(t)
	for _, tc := range []struct {
		opts signer.Options
		want string
	}{
		{signer.Options{Level: signer.LevelBT}, "timestamp authority"},
		{signer.Options{Level: signer.LevelBLT}, "timestamp authority"},
	} {
		if _, err := signer.NewPDFSigner(s, signer.Info{}, tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v", tc.opts.Level, err)
		}
	}
	for in, want := range map[string]signer.Level{"B-B": signer.LevelBB, "b-t": signer.LevelBT, "B-LT": signer.LevelBLT} {
		if got, err := signer.ParseLevel(in); err != nil || got != want {
			t.Errorf("ParseLevel(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := signer.ParseLevel("B-LTA"); err == nil {
		t.Error("ParseLevel accepted B-LTA")
	}
}

func TestProbe(t *testing.T) {
	s, _ := demoSeal(t)
	if err := s.Probe(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Probe(ctx); errs.KindOf(err) != errs.Unavailable {
		t.Fatalf("cancelled probe: %v", err)
	}
}

// TestSignedPDFPassesPdfsig checks a demo-sealed document with independent tools.
func TestSignedPDFPassesPdfsig(t *testing.T) {
	testutil.RequireTools(t, "pdfsig", "qpdf", "certutil")
	s, d := demoSeal(t)
	ps, err := signer.NewPDFSigner(s, signer.Info{Name: "Comune di Lodi", Location: "Lodi", Reason: "Certificato anagrafico"}, signer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	doc := samplePDF(t)
	signed, err := ps.Sign(context.Background(), doc, time.Now())
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

// BenchmarkSign signs a small document at each level, the TSA and the
// OCSP responder local (httptest): the cost of B-T and B-LT over B-B.
func BenchmarkSign(b *testing.B) {
	p := newLevelPKI(b)
	doc := samplePDF(b)
	for _, level := range []signer.Level{signer.LevelBB, signer.LevelBT, signer.LevelBLT} {
		b.Run(level.String(), func(b *testing.B) {
			ps := p.signer(b, level)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := ps.Sign(context.Background(), doc, time.Now()); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
		})
	}
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
	}
}

// failingKey is a seal key whose every signature fails with err.
type failingKey struct {
	crypto.Signer
	err error
}

func (k failingKey) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) { return nil, k.err }

// TestKeyErrorsKeepTheirKind: an HSM outage (errs.Unavailable, as
// signer/pkcs11 reports it) stays a retryable outage; any other key
// failure is a signing failure.
func TestKeyErrorsKeepTheirKind(t *testing.T) {
	s, _ := demoSeal(t)
	for _, tc := range []struct {
		err  error
		want errs.Kind
	}{
		{errs.Wrap(errs.Unavailable, "HSM unavailable", errors.New("CKR_DEVICE_REMOVED")), errs.Unavailable},
		{errors.New("CKR_FUNCTION_FAILED"), errs.SigningFailed},
	} {
		broken := &signer.Seal{Key: failingKey{s.Key, tc.err}, Chain: s.Chain}
		ps, err := signer.NewPDFSigner(broken, signer.Info{Name: "x"}, signer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ps.Sign(context.Background(), samplePDF(t), time.Now()); errs.KindOf(err) != tc.want {
			t.Errorf("key error %v: kind %v, want %v", tc.err, errs.KindOf(err), tc.want)
		}
		if err := broken.Probe(context.Background()); errs.KindOf(err) != tc.want {
			t.Errorf("Probe with key error %v: kind %v, want %v", tc.err, errs.KindOf(err), tc.want)
		}
	}
}

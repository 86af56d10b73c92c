package pki_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"net"
	"strings"
	"testing"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"certa.example/certa/internal/pki"
	"certa.example/certa/internal/testpki"
	"certa.example/certa/internal/testutil"
	"certa.example/certa/signer"
)

// signWith signs a small PDF with a new seal issued by ca with urls and
// returns the file's path.
func signWith(t *testing.T, ca pki.CA, urls pki.RevocationURLs) (string, *x509.Certificate) {
	t.Helper()
	key := newKey(t)
	cert, err := pki.IssueSeal(ca, key.Public(), testSubject, urls, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	seal, err := signer.NewSeal(key, []*x509.Certificate{cert, ca.Cert})
	if err != nil {
		t.Fatal(err)
	}
	ps, err := signer.NewPDFSigner(seal, signer.Info{Name: "Comune di Lodi"}, signer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := fpdf.New("P", "mm", "A4", "")
	p.AddPage()
	p.SetFont("Helvetica", "", 12)
	p.Cell(0, 10, "revocation check")
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		t.Fatal(err)
	}
	signed, err := ps.Sign(context.Background(), b.Bytes(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return testutil.WriteTemp(t, "signed.pdf", signed), cert
}

// TestPdfsigAsksTheResponder checks what poppler's pdfsig (NSS, OCSP on by
// default) makes of a seal whose AIA points at the Responder: trusted
// while good, revoked once revoked. It logs the verdict with the
// responder unreachable: poppler 22.12 does not soft-fail there but says
// "Unknown issue with Certificate", which is why demo seals carry no URLs
// unless asked.
func TestPdfsigAsksTheResponder(t *testing.T) {
	testutil.RequireTools(t, "pdfsig", "certutil")
	ca := newCA(t, time.Now())
	rv := testpki.NewRevocation(t, ca, nil)
	rootPath := testutil.WriteTemp(t, "root.pem", pemOf(ca.Cert))
	db := testutil.NSSDB(t, rootPath)

	good, _ := signWith(t, ca, rv.URLs())
	rep := testutil.Pdfsig(t, db, good)
	if !rep.Valid || !rep.Trusted {
		t.Fatalf("good seal:\n%s", rep.Raw)
	}
	if rv.OCSPRequests() == 0 {
		t.Fatalf("pdfsig did not ask the OCSP responder:\n%s", rep.Raw)
	}

	revoked, cert := signWith(t, ca, rv.URLs())
	rv.Revoke(cert.SerialNumber, time.Now().Add(-time.Minute))
	if rep := testutil.Pdfsig(t, db, revoked); rep.Trusted || !strings.Contains(rep.Raw, "Revoked") {
		t.Fatalf("revoked seal:\n%s", rep.Raw)
	}

	// A port nobody listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close()
	offline, _ := signWith(t, ca, pki.RevocationURLsAt(dead))
	rep = testutil.Pdfsig(t, db, offline)
	t.Logf("pdfsig with the responder down:\n%s", rep.Raw)
}

package pki_test

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"certa.example/certa/internal/pki"
	"certa.example/certa/internal/testpki"
	"certa.example/certa/internal/testutil"
)

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// revocationFixture is a CA with a revocation server, and a seal that
// points at it.
type revocationFixture struct {
	clock *testClock
	ca    pki.CA
	rv    *testpki.Revocation
	seal  *x509.Certificate
}

func newRevocationFixture(t *testing.T) *revocationFixture {
	t.Helper()
	clock := &testClock{t: time.Now().UTC().Truncate(time.Second)}
	ca := newCA(t, clock.Now())
	rv := testpki.NewRevocation(t, ca, clock.Now)
	seal, err := pki.IssueSeal(ca, newKey(t).Public(), testSubject, rv.URLs(), clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &revocationFixture{clock: clock, ca: ca, rv: rv, seal: seal}
}

func get(t *testing.T, u string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// askOCSP sends an OCSP request for cert by POST or GET and returns the
// raw answer.
func askOCSP(t *testing.T, u, method string, cert, issuer *x509.Certificate, h crypto.Hash) []byte {
	t.Helper()
	req, err := ocsp.CreateRequest(cert, issuer, &ocsp.RequestOptions{Hash: h})
	if err != nil {
		t.Fatal(err)
	}
	var resp *http.Response
	if method == http.MethodPost {
		resp, err = http.Post(u, "application/ocsp-request", bytes.NewReader(req))
	} else {
		resp, err = http.Get(u + "/" + url.PathEscape(base64.StdEncoding.EncodeToString(req)))
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/ocsp-response" {
		t.Fatalf("HTTP %s, %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func TestOCSP(t *testing.T) {
	f := newRevocationFixture(t)
	for _, method := range []string{http.MethodPost, http.MethodGet} {
		for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256} {
			t.Run(method+" "+h.String(), func(t *testing.T) {
				der := askOCSP(t, f.seal.OCSPServer[0], method, f.seal, f.ca.Cert, h)
				resp, err := ocsp.ParseResponseForCert(der, f.seal, f.ca.Cert)
				if err != nil {
					t.Fatal(err)
				}
				now := f.clock.Now().Truncate(time.Minute)
				if resp.Status != ocsp.Good || resp.SerialNumber.Cmp(f.seal.SerialNumber) != 0 || resp.IssuerHash != h ||
					!resp.ThisUpdate.Equal(now) || !resp.NextUpdate.Equal(now.Add(7*24*time.Hour)) || resp.ThisUpdate.After(resp.ProducedAt) {
					t.Fatalf("response: status %d, serial %v, hash %v, %s to %s", resp.Status, resp.SerialNumber, resp.IssuerHash, resp.ThisUpdate, resp.NextUpdate)
				}
				if err := resp.CheckSignatureFrom(f.ca.Cert); err != nil {
					t.Fatal(err)
				}
			})
		}
	}

	revokedAt := f.clock.Now().Add(-time.Minute)
	f.rv.Revoke(f.seal.SerialNumber, revokedAt)
	t.Run("revoked", func(t *testing.T) {
		for _, method := range []string{http.MethodPost, http.MethodGet} {
			resp, err := ocsp.ParseResponseForCert(askOCSP(t, f.seal.OCSPServer[0], method, f.seal, f.ca.Cert, crypto.SHA1), f.seal, f.ca.Cert)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != ocsp.Revoked || !resp.RevokedAt.Equal(revokedAt) {
				t.Fatalf("%s: status %d, revoked at %s", method, resp.Status, resp.RevokedAt)
			}
		}
	})

	t.Run("another issuer", func(t *testing.T) {
		other := newCA(t, f.clock.Now())
		stranger, err := pki.IssueSeal(other, newKey(t).Public(), testSubject, pki.RevocationURLs{}, f.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		_, err = ocsp.ParseResponse(askOCSP(t, f.seal.OCSPServer[0], http.MethodPost, stranger, other.Cert, crypto.SHA1), nil)
		var re ocsp.ResponseError
		if !errors.As(err, &re) || re.Status != ocsp.Unauthorized {
			t.Fatalf("error %v, want unauthorized", err)
		}
	})

	t.Run("malformed", func(t *testing.T) {
		for _, send := range []func() (*http.Response, error){
			func() (*http.Response, error) {
				return http.Post(f.seal.OCSPServer[0], "application/ocsp-request", strings.NewReader("not OCSP"))
			},
			func() (*http.Response, error) { return http.Get(f.seal.OCSPServer[0] + "/bm90IE9DU1A=") },
		} {
			resp, err := send()
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			_, err = ocsp.ParseResponse(body, nil)
			var re ocsp.ResponseError
			if resp.StatusCode != http.StatusOK || !errors.As(err, &re) || re.Status != ocsp.Malformed {
				t.Fatalf("HTTP %s, error %v", resp.Status, err)
			}
		}
	})

	t.Run("method", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPut, f.seal.OCSPServer[0], nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Fatalf("PUT: HTTP %s", resp.Status)
		}
	})
	if f.rv.OCSPRequests() == 0 {
		t.Fatal("the OCSP counter did not move")
	}
}

func TestCRL(t *testing.T) {
	f := newRevocationFixture(t)
	fetch := func(t *testing.T) *x509.RevocationList {
		t.Helper()
		resp, der := get(t, f.seal.CRLDistributionPoints[0])
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pkix-crl" {
			t.Fatalf("HTTP %s, %q", resp.Status, resp.Header.Get("Content-Type"))
		}
		crl, err := x509.ParseRevocationList(der)
		if err != nil {
			t.Fatal(err)
		}
		if err := crl.CheckSignatureFrom(f.ca.Cert); err != nil {
			t.Fatal(err)
		}
		if !crl.NextUpdate.Equal(crl.ThisUpdate.Add(7 * 24 * time.Hour)) {
			t.Fatalf("CRL %s to %s", crl.ThisUpdate, crl.NextUpdate)
		}
		return crl
	}

	first := fetch(t)
	if len(first.RevokedCertificateEntries) != 0 || !first.ThisUpdate.Equal(f.clock.Now()) {
		t.Fatalf("first CRL: %d entries, this update %s", len(first.RevokedCertificateEntries), first.ThisUpdate)
	}
	if again := fetch(t); again.Number.Cmp(first.Number) != 0 {
		t.Fatal("an unchanged CRL was re-signed within the hour")
	}

	at := f.clock.Now().Add(-time.Minute)
	f.rv.Revoke(f.seal.SerialNumber, at)
	f.rv.Revoke(big.NewInt(7), at)
	second := fetch(t)
	if second.Number.Cmp(first.Number) <= 0 {
		t.Fatalf("CRL number %v after %v", second.Number, first.Number)
	}
	if len(second.RevokedCertificateEntries) != 2 || second.RevokedCertificateEntries[0].SerialNumber.Int64() != 7 ||
		second.RevokedCertificateEntries[1].SerialNumber.Cmp(f.seal.SerialNumber) != 0 ||
		!second.RevokedCertificateEntries[1].RevocationTime.Equal(at) {
		t.Fatalf("entries %+v", second.RevokedCertificateEntries)
	}

	f.clock.Add(2 * time.Hour)
	third := fetch(t)
	if third.Number.Cmp(second.Number) <= 0 || !third.ThisUpdate.Equal(f.clock.Now()) {
		t.Fatalf("stale CRL not re-signed: number %v after %v", third.Number, second.Number)
	}
	if f.rv.CRLRequests() != 4 {
		t.Fatalf("%d CRL requests counted, want 4", f.rv.CRLRequests())
	}
}

func TestIssuerEndpoint(t *testing.T) {
	f := newRevocationFixture(t)
	resp, der := get(t, f.seal.IssuingCertificateURL[0])
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pkix-cert" || !bytes.Equal(der, f.ca.Cert.Raw) {
		t.Fatalf("HTTP %s, %q, %d bytes", resp.Status, resp.Header.Get("Content-Type"), len(der))
	}
	if resp, _ := get(t, f.rv.URL+"/nothing"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown path: HTTP %s", resp.Status)
	}
}

// TestResponderWithoutCA checks that a misconfigured Responder answers
// 500 rather than panicking.
func TestResponderWithoutCA(t *testing.T) {
	r := &pki.Responder{}
	for _, path := range []string{pki.OCSPPath, pki.CRLPath, pki.IssuerPath} {
		rec := &recorder{header: http.Header{}}
		req, _ := http.NewRequest(http.MethodGet, "http://x"+path, nil)
		r.Handler().ServeHTTP(rec, req)
		if rec.code != http.StatusInternalServerError {
			t.Fatalf("%s: HTTP %d", path, rec.code)
		}
	}
}

type recorder struct {
	header http.Header
	code   int
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *recorder) WriteHeader(code int)        { r.code = code }

// TestOpenSSLChecksRevocation cross-checks the responder with `openssl
// ocsp` and `openssl crl`.
func TestOpenSSLChecksRevocation(t *testing.T) {
	testutil.RequireTools(t, "openssl")
	f := newRevocationFixture(t)
	root := testutil.WriteTemp(t, "root.pem", pemOf(f.ca.Cert))
	seal := testutil.WriteTemp(t, "seal.pem", pemOf(f.seal))
	check := func(want string) {
		t.Helper()
		out, _ := testutil.Run(t, "openssl", "ocsp", "-issuer", root, "-cert", seal, "-url", f.seal.OCSPServer[0], "-CAfile", root, "-no_nonce")
		if !strings.Contains(out, "Response verify OK") || !strings.Contains(out, seal+": "+want) {
			t.Fatalf("openssl ocsp, want %s:\n%s", want, out)
		}
	}
	check("good")
	f.rv.Revoke(f.seal.SerialNumber, f.clock.Now())
	check("revoked")

	_, der := get(t, f.seal.CRLDistributionPoints[0])
	crl := testutil.WriteTemp(t, "ca.crl", der)
	out, _ := testutil.Run(t, "openssl", "crl", "-inform", "DER", "-in", crl, "-CAfile", root, "-noout", "-text")
	serial := strings.ToUpper(f.seal.SerialNumber.Text(16))
	if len(serial)%2 == 1 {
		serial = "0" + serial
	}
	if !strings.Contains(out, "verify OK") || !strings.Contains(out, "Serial Number: "+serial) {
		t.Fatalf("openssl crl:\n%s", out)
	}
}

package testpki_test

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/timestamp"

	"certa.example/certa/internal/testpki"
	"certa.example/certa/internal/testutil"
)

func post(t *testing.T, url, contentType string, body []byte) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Post(url, contentType, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func request(t *testing.T, policy []int) []byte {
	t.Helper()
	sum := sha256.Sum256([]byte("data"))
	der, err := (&timestamp.Request{HashAlgorithm: crypto.SHA256, HashedMessage: sum[:], Certificates: true, Nonce: big.NewInt(42), TSAPolicyOID: policy}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestTSA(t *testing.T) {
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	s := testpki.NewTSA(t, func() time.Time { return at })

	resp, body := post(t, s.URL, "application/timestamp-query", request(t, nil))
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/timestamp-reply" {
		t.Fatalf("HTTP %s, %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	ts, err := timestamp.ParseResponse(body)
	if err != nil {
		t.Fatal(err)
	}
	if !ts.Time.Equal(at) || ts.Nonce.Int64() != 42 || len(ts.Certificates) != 1 || !ts.Certificates[0].Equal(s.Cert) {
		t.Fatalf("token: time %s, nonce %v, %d certificates", ts.Time, ts.Nonce, len(ts.Certificates))
	}
	if _, err := s.Cert.Verify(x509VerifyOptions(s)); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name        string
		contentType string
		body        []byte
		setup       func()
		code        int
		granted     bool
	}{
		{"wrong content type", "application/octet-stream", request(t, nil), func() {}, http.StatusUnsupportedMediaType, false},
		{"told to fail", "application/timestamp-query", request(t, nil), func() { s.FailNext(1, http.StatusTeapot) }, http.StatusTeapot, false},
		{"told to reject", "application/timestamp-query", request(t, nil), func() { s.RejectNext(1) }, http.StatusOK, false},
		{"unknown policy", "application/timestamp-query", request(t, []int{1, 2, 3}), func() {}, http.StatusOK, false},
		{"known policy", "application/timestamp-query", request(t, testpki.TSAPolicy), func() {}, http.StatusOK, true},
		{"garbage", "application/timestamp-query", []byte("garbage"), func() {}, http.StatusOK, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.setup()
			resp, body := post(t, s.URL, tc.contentType, tc.body)
			if resp.StatusCode != tc.code {
				t.Fatalf("HTTP %s", resp.Status)
			}
			if tc.code != http.StatusOK {
				return
			}
			if _, err := timestamp.ParseResponse(body); (err == nil) != tc.granted {
				t.Fatalf("granted %v, error %v", tc.granted, err)
			}
		})
	}
	if s.Requests() != 7 || s.Issued() != 2 {
		t.Fatalf("%d requests, %d tokens", s.Requests(), s.Issued())
	}
}

// TestTSAAnswersOpenSSL sends a request made by `openssl ts -query` and
// has OpenSSL verify the reply against it.
func TestTSAAnswersOpenSSL(t *testing.T) {
	testutil.RequireTools(t, "openssl")
	s := testpki.NewTSA(t, nil)
	data := testutil.WriteTemp(t, "data.txt", []byte("hello"))
	query := data + ".tsq"
	if out, code := testutil.Run(t, "openssl", "ts", "-query", "-data", data, "-sha256", "-cert", "-out", query); code != 0 {
		t.Fatalf("openssl ts -query: %s", out)
	}
	q, err := os.ReadFile(query)
	if err != nil {
		t.Fatal(err)
	}
	_, reply := post(t, s.URL, "application/timestamp-query", q)
	replyPath := testutil.WriteTemp(t, "reply.tsr", reply)
	root := testutil.WriteTemp(t, "root.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.RootCert.Raw}))
	out, _ := testutil.Run(t, "openssl", "ts", "-verify", "-queryfile", query, "-in", replyPath, "-CAfile", root)
	if !strings.Contains(out, "Verification: OK") {
		t.Fatalf("openssl ts -verify:\n%s", out)
	}
}

func x509VerifyOptions(s *testpki.TSA) x509.VerifyOptions {
	return x509.VerifyOptions{Roots: s.Roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}}
}

package tsa_test

import (
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/timestamp"

	"certa.example/certa/internal/testpki"
	"certa.example/certa/internal/testutil"
	"certa.example/certa/signer/tsa"
)

// sigValue stands for the signature value of a CMS SignerInfo.
var sigValue = []byte("signature value of a SignerInfo")

func sum(h crypto.Hash, b []byte) []byte {
	d := h.New()
	d.Write(b)
	return d.Sum(nil)
}

// clock is a fixed test time, whole seconds (genTime has no fraction).
func clock() func() time.Time {
	at := time.Now().UTC().Truncate(time.Second)
	return func() time.Time { return at }
}

func newClient(t *testing.T, url string, o tsa.Options) *tsa.Client {
	t.Helper()
	if o.Backoff == 0 {
		o.Backoff = 10 * time.Millisecond
	}
	c, err := tsa.New(url, o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewDefaultsAndErrors(t *testing.T) {
	c, err := tsa.New("http://tsa.example/tsr", tsa.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Timeout != 5*time.Second || c.Retries != 2 || c.Backoff != 500*time.Millisecond || c.Hash != crypto.SHA256 || c.HTTP == nil || c.Now == nil {
		t.Fatalf("defaults: %+v", c)
	}
	if c, _ := tsa.New("http://tsa.example", tsa.Options{Retries: -1}); c.Retries != 0 {
		t.Fatalf("Retries -1 gave %d retries", c.Retries)
	}
	for _, tc := range []struct {
		name string
		url  string
		o    tsa.Options
	}{
		{"relative URL", "/tsr", tsa.Options{}},
		{"ftp URL", "ftp://tsa.example/", tsa.Options{}},
		{"SHA-1", "http://tsa.example/", tsa.Options{Hash: crypto.SHA1}},
		{"negative timeout", "http://tsa.example/", tsa.Options{Timeout: -time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tsa.New(tc.url, tc.o); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestTimestamp(t *testing.T) {
	now := clock()
	s := testpki.NewTSA(t, now)
	for _, tc := range []struct {
		name string
		o    tsa.Options
	}{
		{"defaults", tsa.Options{}},
		{"SHA-384", tsa.Options{Hash: crypto.SHA384}},
		{"SHA-512", tsa.Options{Hash: crypto.SHA512}},
		{"policy", tsa.Options{Policy: testpki.TSAPolicy}},
		{"roots", tsa.Options{Roots: s.Roots}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.o.Now = now
			c := newClient(t, s.URL, tc.o)
			token, err := c.Timestamp(context.Background(), sum(c.Hash, sigValue))
			if err != nil {
				t.Fatal(err)
			}
			info, err := tsa.VerifyToken(token, sigValue, s.Roots)
			if err != nil {
				t.Fatal(err)
			}
			if !info.GenTime.Equal(now()) || !info.TSA.Equal(s.Cert) || info.HashAlg != c.Hash ||
				!info.Policy.Equal(testpki.TSAPolicy) || info.Serial == nil || info.Nonce == nil || info.Accuracy != time.Second {
				t.Fatalf("info: %+v", info)
			}
			if got := c.MaxTokenLen(); got != len(token)+1024 {
				t.Fatalf("MaxTokenLen %d after a %d-byte token", got, len(token))
			}
		})
	}
}

func TestTimestampChecksTheAnswer(t *testing.T) {
	now := clock()
	s := testpki.NewTSA(t, now)
	other := testpki.NewTSA(t, now)
	for _, tc := range []struct {
		name   string
		tamper func(*timestamp.Timestamp)
		o      tsa.Options
		want   []error
	}{
		{"nonce", func(ts *timestamp.Timestamp) { ts.Nonce = new(big.Int).Add(ts.Nonce, big.NewInt(1)) }, tsa.Options{}, []error{tsa.ErrBadResponse}},
		{"no nonce", func(ts *timestamp.Timestamp) { ts.Nonce = nil }, tsa.Options{}, []error{tsa.ErrBadResponse}},
		{"imprint", func(ts *timestamp.Timestamp) { ts.HashedMessage[0] ^= 1 }, tsa.Options{}, []error{tsa.ErrBadResponse}},
		{"imprint algorithm", func(ts *timestamp.Timestamp) {
			ts.HashAlgorithm = crypto.SHA512
			ts.HashedMessage = sum(crypto.SHA512, sigValue)
		}, tsa.Options{}, []error{tsa.ErrBadResponse}},
		{"no certificate", func(ts *timestamp.Timestamp) { ts.AddTSACertificate = false }, tsa.Options{}, []error{tsa.ErrBadResponse, tsa.ErrInvalidToken}},
		{"genTime", func(ts *timestamp.Timestamp) { ts.Time = ts.Time.Add(time.Hour) }, tsa.Options{}, []error{tsa.ErrBadResponse}},
		{"policy", func(ts *timestamp.Timestamp) { ts.Policy = []int{2, 999, 1} }, tsa.Options{Policy: testpki.TSAPolicy}, []error{tsa.ErrBadResponse}},
		{"untrusted", nil, tsa.Options{Roots: other.Roots}, []error{tsa.ErrBadResponse, tsa.ErrUntrusted}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.Tamper(tc.tamper)
			tc.o.Now = now
			c := newClient(t, s.URL, tc.o)
			before := s.Requests()
			_, err := c.Timestamp(context.Background(), sum(c.Hash, sigValue))
			for _, w := range tc.want {
				if !errors.Is(err, w) {
					t.Fatalf("error %v, want %v", err, w)
				}
			}
			if n := s.Requests() - before; n != 1 {
				t.Fatalf("%d requests for a bad answer, want 1 (no retry)", n)
			}
			if c.MaxTokenLen() != tsa.DefaultMaxTokenLen {
				t.Fatal("a refused token was measured")
			}
		})
	}
}

func TestTimestampRetries(t *testing.T) {
	now := clock()
	for _, tc := range []struct {
		name     string
		setup    func(*testpki.TSA)
		retries  int
		ok       bool
		want     error
		requests int
	}{
		{"500 then success", func(s *testpki.TSA) { s.FailNext(2, http.StatusInternalServerError) }, 0, true, nil, 3},
		{"503 beyond the retries", func(s *testpki.TSA) { s.FailNext(3, http.StatusServiceUnavailable) }, 0, false, nil, 3},
		{"no retries", func(s *testpki.TSA) { s.FailNext(1, http.StatusBadGateway) }, -1, false, nil, 1},
		{"400 not retried", func(s *testpki.TSA) { s.FailNext(1, http.StatusBadRequest) }, 0, false, nil, 1},
		{"404 not retried", func(s *testpki.TSA) { s.FailNext(1, http.StatusNotFound) }, 0, false, nil, 1},
		{"rejection not retried", func(s *testpki.TSA) { s.RejectNext(1) }, 0, false, tsa.ErrRejected, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := testpki.NewTSA(t, now)
			tc.setup(s)
			c := newClient(t, s.URL, tsa.Options{Retries: tc.retries, Now: now})
			_, err := c.Timestamp(context.Background(), sum(crypto.SHA256, sigValue))
			if tc.ok != (err == nil) {
				t.Fatalf("error %v", err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if s.Requests() != tc.requests {
				t.Fatalf("%d requests, want %d (error %v)", s.Requests(), tc.requests, err)
			}
		})
	}
}

func TestTimestampTimeout(t *testing.T) {
	now := clock()
	for _, tc := range []struct {
		name     string
		retries  int
		requests int
		min, max time.Duration
	}{
		{"one attempt", -1, 1, 200 * time.Millisecond, 2 * time.Second},
		{"timeouts are retried", 1, 2, 400 * time.Millisecond, 3 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := testpki.NewTSA(t, now)
			s.HangNext(10)
			c := newClient(t, s.URL, tsa.Options{Timeout: 200 * time.Millisecond, Retries: tc.retries, Now: now})
			start := time.Now()
			_, err := c.Timestamp(context.Background(), sum(crypto.SHA256, sigValue))
			took := time.Since(start)
			if err == nil || !strings.Contains(err.Error(), "no answer within 200ms") {
				t.Fatalf("error %v", err)
			}
			if took < tc.min || took > tc.max {
				t.Fatalf("took %v, want %v to %v", took, tc.min, tc.max)
			}
			if s.Requests() != tc.requests {
				t.Fatalf("%d requests, want %d", s.Requests(), tc.requests)
			}
		})
	}
	t.Run("context deadline", func(t *testing.T) {
		s := testpki.NewTSA(t, now)
		s.HangNext(10)
		c := newClient(t, s.URL, tsa.Options{Now: now}) // 5 s per attempt
		ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.Timestamp(ctx, sum(crypto.SHA256, sigValue))
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
			t.Fatalf("error %v after %v", err, time.Since(start))
		}
		if s.Requests() != 1 {
			t.Fatalf("%d requests after the caller gave up", s.Requests())
		}
	})
}

func TestTimestampRejectsWrongDigestLength(t *testing.T) {
	c := newClient(t, "http://127.0.0.1:9/", tsa.Options{})
	if _, err := c.Timestamp(context.Background(), []byte("short")); err == nil {
		t.Fatal("short digest accepted")
	}
}

func TestMaxTokenLen(t *testing.T) {
	now := clock()
	s := testpki.NewTSA(t, now)
	c := newClient(t, s.URL, tsa.Options{Now: now})
	if c.MaxTokenLen() != tsa.DefaultMaxTokenLen {
		t.Fatalf("MaxTokenLen %d before any token", c.MaxTokenLen())
	}
	longest := 0
	for i := range 5 {
		token, err := c.Timestamp(context.Background(), sum(crypto.SHA256, []byte{byte(i)}))
		if err != nil {
			t.Fatal(err)
		}
		longest = max(longest, len(token))
		if len(token) > tsa.DefaultMaxTokenLen {
			t.Fatalf("token of %d bytes beyond the default bound", len(token))
		}
	}
	if c.MaxTokenLen() != longest+1024 {
		t.Fatalf("MaxTokenLen %d, longest token %d", c.MaxTokenLen(), longest)
	}
}

// TestOpenSSLVerifiesToken cross-checks the client's token, and so the
// test TSA, with `openssl ts -verify`.
func TestOpenSSLVerifiesToken(t *testing.T) {
	testutil.RequireTools(t, "openssl")
	now := clock()
	s := testpki.NewTSA(t, now)
	c := newClient(t, s.URL, tsa.Options{Now: now, Roots: s.Roots})
	digest := sha256.Sum256(sigValue)
	token, err := c.Timestamp(context.Background(), digest[:])
	if err != nil {
		t.Fatal(err)
	}
	tok := testutil.WriteTemp(t, "token.der", token)
	root := testutil.WriteTemp(t, "root.pem", pemCert(s.RootCert.Raw))
	out, _ := testutil.Run(t, "openssl", "ts", "-verify", "-token_in", "-in", tok, "-digest", hex.EncodeToString(digest[:]), "-CAfile", root)
	if !strings.Contains(out, "Verification: OK") {
		t.Fatalf("openssl ts -verify:\n%s", out)
	}
	other := sha256.Sum256([]byte("other"))
	out, _ = testutil.Run(t, "openssl", "ts", "-verify", "-token_in", "-in", tok, "-digest", hex.EncodeToString(other[:]), "-CAfile", root)
	if strings.Contains(out, "Verification: OK") {
		t.Fatalf("openssl accepted the token for another digest:\n%s", out)
	}
}

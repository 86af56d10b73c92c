// Package testpki runs in-process PKI servers for tests: an RFC 3161
// time-stamping authority (NewTSA) and an OCSP/CRL responder
// (NewRevocation). Each server stops when its test ends. Production code
// must not import this package.
//
// The TSA can be told to misbehave (FailNext, HangNext, RejectNext,
// Tamper) so that clients' error paths can be tested.
package testpki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
)

// TSAPolicy is the policy of the test TSA's tokens (under the 2.999
// example arc).
var TSAPolicy = asn1.ObjectIdentifier{2, 999, 3161, 1}

// TSA is a test time-stamping authority answering RFC 3161 requests sent
// by HTTP POST (application/timestamp-query) with
// application/timestamp-reply. genTime comes from the clock given to
// NewTSA; the tokens are signed with ECDSA P-256 and SHA-256 and carry the
// TSA certificate when the request asks for it.
//
// Caveat: github.com/digitorus/pkcs7 stamps the CMS signingTime attribute
// with the system clock, so the TSA certificate is valid around both the
// system time and the test clock (from an hour before the earlier to a
// year after the later).
type TSA struct {
	URL      string
	RootCert *x509.Certificate // the test CA
	Roots    *x509.CertPool    // holds RootCert only
	Cert     *x509.Certificate // the TSA's signing certificate

	key      crypto.Signer
	now      func() time.Time
	release  chan struct{}
	requests atomic.Int64
	issued   atomic.Int64

	mu       sync.Mutex
	failN    int
	failCode int
	hangN    int
	rejectN  int
	tamper   func(*timestamp.Timestamp)
}

// NewTSA starts a test TSA with its own CA. now is the TSA's clock (nil
// means time.Now).
func NewTSA(t testing.TB, now func() time.Time) *TSA {
	t.Helper()
	if now == nil {
		now = time.Now
	}
	earliest, latest := now(), time.Now()
	if latest.Before(earliest) {
		earliest, latest = latest, earliest
	}
	root, rootKey := newRoot(t, "certa TEST TSA Root", earliest, latest)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	// RFC 3161 §2.3: the only EKU is id-kp-timeStamping and the extension
	// is critical. crypto/x509 writes ExtKeyUsage non-critical, so the
	// extension is built by hand.
	eku, err := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:    serial(t),
		Subject:         pkix.Name{CommonName: "certa TEST TSA", Organization: []string{"certa TEST"}, Country: []string{"IT"}},
		NotBefore:       earliest.Add(-time.Hour),
		NotAfter:        latest.AddDate(1, 0, 0),
		KeyUsage:        x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: eku}},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, root, key.Public(), rootKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	s := &TSA{RootCert: root, Roots: x509.NewCertPool(), Cert: cert, key: key, now: now, release: make(chan struct{})}
	s.Roots.AddCert(root)
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(s.release) }) // runs first: frees hung handlers
	s.URL = srv.URL
	return s
}

// FailNext makes the next n requests fail with HTTP status code.
func (s *TSA) FailNext(n, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failN, s.failCode = n, code
}

// HangNext makes the next n requests hang until the client gives up or the
// test ends.
func (s *TSA) HangNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hangN = n
}

// RejectNext makes the next n requests get PKIStatus rejection
// (failInfo badRequest).
func (s *TSA) RejectNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejectN = n
}

// Tamper sets a function that edits every following token before it is
// signed (nil stops tampering): change the nonce, the message imprint,
// Time, or clear AddTSACertificate to leave the certificate out.
func (s *TSA) Tamper(f func(*timestamp.Timestamp)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tamper = f
}

// Requests counts the HTTP requests received, including failed ones.
func (s *TSA) Requests() int { return int(s.requests.Load()) }

// Issued counts the tokens issued.
func (s *TSA) Issued() int { return int(s.issued.Load()) }

func (s *TSA) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	s.mu.Lock()
	fail, code, hang, reject, tamper := false, s.failCode, false, false, s.tamper
	switch {
	case s.failN > 0:
		s.failN--
		fail = true
	case s.hangN > 0:
		s.hangN--
		hang = true
	case s.rejectN > 0:
		s.rejectN--
		reject = true
	}
	s.mu.Unlock()
	switch {
	case fail:
		http.Error(w, "test TSA told to fail", code)
		return
	case hang:
		select {
		case <-r.Context().Done():
		case <-s.release:
		}
		return
	}
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	if r.Header.Get("Content-Type") != "application/timestamp-query" {
		http.Error(w, "want application/timestamp-query", http.StatusUnsupportedMediaType)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	req, err := timestamp.ParseRequest(body)
	switch {
	case err != nil:
		s.reply(w, errorReply(timestamp.BadDataFormat))
		return
	case reject:
		s.reply(w, errorReply(timestamp.BadRequest))
		return
	case req.TSAPolicyOID != nil && !req.TSAPolicyOID.Equal(TSAPolicy):
		s.reply(w, errorReply(timestamp.UnacceptedPolicy))
		return
	}
	ts := &timestamp.Timestamp{
		HashAlgorithm:     req.HashAlgorithm,
		HashedMessage:     append([]byte(nil), req.HashedMessage...),
		Time:              s.now().UTC(),
		Accuracy:          time.Second,
		Policy:            TSAPolicy,
		Nonce:             req.Nonce,
		AddTSACertificate: req.Certificates,
	}
	if tamper != nil {
		tamper(ts)
	}
	resp, err := ts.CreateResponseWithOpts(s.Cert, s.key, crypto.SHA256)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	s.issued.Add(1)
	s.reply(w, resp)
}

func (s *TSA) reply(w http.ResponseWriter, der []byte) {
	w.Header().Set("Content-Type", "application/timestamp-reply")
	_, _ = w.Write(der)
}

func errorReply(fi timestamp.FailureInfo) []byte {
	der, err := timestamp.CreateErrorResponse(timestamp.Rejection, fi)
	if err != nil {
		// Marshalling a fixed structure cannot fail; answer with a
		// bare rejection, hand-encoded, all the same.
		return []byte{0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x02}
	}
	return der
}

// newRoot makes a self-signed CA valid from an hour before from to ten
// years after to.
func newRoot(t testing.TB, cn string, from, to time.Time) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"certa TEST"}, Country: []string{"IT"}},
		NotBefore:             from.Add(-time.Hour),
		NotAfter:              to.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

func serial(t testing.TB) *big.Int {
	t.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		t.Fatal(err)
	}
	return n.Add(n, big.NewInt(1))
}

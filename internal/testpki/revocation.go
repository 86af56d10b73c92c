package testpki

import (
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"certa.example/certa/internal/pki"
)

// Revocation is a test OCSP and CRL server for one CA: pki.Responder's
// Handler behind an httptest server, with request counters. Issue
// certificates with URLs() so that they point at it.
type Revocation struct {
	URL       string
	Responder *pki.Responder

	ocsp, crl atomic.Int64
}

// NewRevocation starts a revocation server for ca. now is its clock (nil
// means time.Now). It fails the test if ca cannot sign.
func NewRevocation(t testing.TB, ca pki.CA, now func() time.Time) *Revocation {
	t.Helper()
	if ca.Cert == nil || ca.Key == nil {
		t.Fatal("testpki: NewRevocation needs a CA certificate and key")
	}
	rv := &Revocation{Responder: &pki.Responder{CA: ca, Now: now}}
	h := rv.Responder.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, pki.OCSPPath):
			rv.ocsp.Add(1)
		case r.URL.Path == pki.CRLPath:
			rv.crl.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	rv.URL = srv.URL
	return rv
}

// URLs returns the revocation URLs to put in certificates the CA issues.
func (rv *Revocation) URLs() pki.RevocationURLs { return pki.RevocationURLsAt(rv.URL) }

// Revoke marks serial revoked since at.
func (rv *Revocation) Revoke(serial *big.Int, at time.Time) { rv.Responder.Revoke(serial, at) }

// OCSPRequests counts the OCSP requests received.
func (rv *Revocation) OCSPRequests() int { return int(rv.ocsp.Load()) }

// CRLRequests counts the CRL requests received.
func (rv *Revocation) CRLRequests() int { return int(rv.crl.Load()) }

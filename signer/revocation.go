package signer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ocsp"

	"certa.example/certa/signer/pades"
)

// ErrRevoked means a certificate of the chain is revoked.
var ErrRevoked = errors.New("certificate revoked")

// RevocationFetcher is a ValidationSource that fetches, for each
// certificate of a chain but the last, an OCSP response from the URL in
// its authority information access or, failing that, the CRL from its
// distribution point, checks that it is signed by the issuer and says the
// certificate is good, and caches it until its next update (at most
// MaxAge). A revoked certificate is an error: certa does not seal with a
// revoked key. A certificate with no revocation pointer contributes
// itself only.
//
// Documents are sealed from the cache: a chain is fetched again only when
// one of its answers expires, by one caller while the others wait.
type RevocationFetcher struct {
	// HTTP defaults to a client with a 10-second timeout.
	HTTP *http.Client
	// Now defaults to time.Now.
	Now func() time.Time
	// MaxAge bounds how long an answer is reused; default 1 hour.
	MaxAge time.Duration

	mu    sync.RWMutex
	cache map[[32]byte]*fetched // by the SHA-256 of the chain's certificates
}

// fetched is a chain's cache entry: the current answers, replaced as a
// whole, read without a lock.
type fetched struct {
	mu   sync.Mutex // held while fetching: one fetch at a time
	snap atomic.Pointer[snapshot]
}

type snapshot struct {
	v     pades.Validation
	until time.Time
}

func (f *RevocationFetcher) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

func (f *RevocationFetcher) client() *http.Client {
	if f.HTTP != nil {
		return f.HTTP
	}
	return &http.Client{Timeout: 10 * time.Second}
}

// Validation returns the chain's certificates and revocation answers.
func (f *RevocationFetcher) Validation(ctx context.Context, chain []*x509.Certificate) (pades.Validation, error) {
	h := sha256.New()
	for _, c := range chain {
		h.Write(c.Raw)
	}
	var key [32]byte
	h.Sum(key[:0])
	f.mu.RLock()
	e := f.cache[key]
	f.mu.RUnlock()
	if e != nil {
		if s := e.snap.Load(); s != nil && f.now().Before(s.until) {
			return s.v, nil
		}
	} else {
		f.mu.Lock()
		if f.cache == nil {
			f.cache = map[[32]byte]*fetched{}
		}
		if e = f.cache[key]; e == nil {
			e = &fetched{}
			f.cache[key] = e
		}
		f.mu.Unlock()
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	now := f.now()
	if s := e.snap.Load(); s != nil && now.Before(s.until) {
		return s.v, nil // fetched by another caller meanwhile
	}
	v, until, err := f.fetch(ctx, chain, now)
	if err != nil {
		return pades.Validation{}, err
	}
	e.snap.Store(&snapshot{v: v, until: until})
	return v, nil
}

func (f *RevocationFetcher) fetch(ctx context.Context, chain []*x509.Certificate, now time.Time) (pades.Validation, time.Time, error) {
	maxAge := f.MaxAge
	if maxAge <= 0 {
		maxAge = time.Hour
	}
	until := now.Add(maxAge)
	v := pades.Validation{Certs: chain}
	for i := 0; i+1 < len(chain); i++ {
		cert, issuer := chain[i], chain[i+1]
		switch {
		case len(cert.OCSPServer) > 0:
			der, next, err := f.ocsp(ctx, cert, issuer, now)
			if err != nil {
				return v, until, fmt.Errorf("OCSP for %q: %w", cert.Subject.CommonName, err)
			}
			v.OCSPs = append(v.OCSPs, der)
			if !next.IsZero() && next.Before(until) {
				until = next
			}
		case len(cert.CRLDistributionPoints) > 0:
			der, next, err := f.crl(ctx, cert, issuer, now)
			if err != nil {
				return v, until, fmt.Errorf("CRL for %q: %w", cert.Subject.CommonName, err)
			}
			v.CRLs = append(v.CRLs, der)
			if !next.IsZero() && next.Before(until) {
				until = next
			}
		}
	}
	return v, until, nil
}

func (f *RevocationFetcher) get(ctx context.Context, method, url, contentType string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := f.client().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %s", url, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 4<<20))
}

func (f *RevocationFetcher) ocsp(ctx context.Context, cert, issuer *x509.Certificate, now time.Time) ([]byte, time.Time, error) {
	req, err := ocsp.CreateRequest(cert, issuer, nil)
	if err != nil {
		return nil, time.Time{}, err
	}
	der, err := f.get(ctx, http.MethodPost, cert.OCSPServer[0], "application/ocsp-request", req)
	if err != nil {
		return nil, time.Time{}, err
	}
	resp, err := ocsp.ParseResponseForCert(der, cert, issuer)
	if err != nil {
		return nil, time.Time{}, err
	}
	switch {
	case resp.Status == ocsp.Revoked:
		return nil, time.Time{}, fmt.Errorf("%w at %s", ErrRevoked, resp.RevokedAt.UTC().Format(time.RFC3339))
	case resp.Status != ocsp.Good:
		return nil, time.Time{}, errors.New("the responder does not know the certificate")
	case !resp.NextUpdate.IsZero() && now.After(resp.NextUpdate):
		return nil, time.Time{}, errors.New("the response is out of date")
	}
	return der, resp.NextUpdate, nil
}

func (f *RevocationFetcher) crl(ctx context.Context, cert, issuer *x509.Certificate, now time.Time) ([]byte, time.Time, error) {
	der, err := f.get(ctx, http.MethodGet, cert.CRLDistributionPoints[0], "", nil)
	if err != nil {
		return nil, time.Time{}, err
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		return nil, time.Time{}, err
	}
	if err := crl.CheckSignatureFrom(issuer); err != nil {
		return nil, time.Time{}, err
	}
	if !crl.NextUpdate.IsZero() && now.After(crl.NextUpdate) {
		return nil, time.Time{}, errors.New("the CRL is out of date")
	}
	for _, r := range crl.RevokedCertificateEntries {
		if r.SerialNumber.Cmp(cert.SerialNumber) == 0 {
			return nil, time.Time{}, fmt.Errorf("%w at %s", ErrRevoked, r.RevocationTime.UTC().Format(time.RFC3339))
		}
	}
	return der, crl.NextUpdate, nil
}

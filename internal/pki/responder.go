package pki

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ocsp"
)

// Responder answers OCSP requests (RFC 6960) and serves the CRL (RFC 5280)
// and the certificate of one CA, signing with the CA's own key (no
// delegated responder).
//
// It keeps no record of what the CA issued: every serial number the CA
// did not revoke through Revoke is reported good, which suits the demo CA
// and tests, not a production CA. Requests about another issuer get the
// "unauthorized" OCSP error. Responses are valid for seven days
// (nextUpdate); the CRL is re-signed, with a higher CRL number, after a
// revocation or when it is an hour old. Revocations live in memory only.
//
// OCSP nonces are not echoed (golang.org/x/crypto/ocsp cannot read them);
// clients that insist on one, like `openssl ocsp` without -no_nonce, only
// warn. The producedAt time of OCSP responses comes from the system clock
// cut to the minute (x/crypto/ocsp does not take a clock); thisUpdate is
// Now cut to the minute, but never after producedAt, which NSS would
// refuse.
//
// Set CA (and optionally Now) before first use and do not copy a
// Responder after that; its methods are safe for concurrent use.
type Responder struct {
	CA  CA
	Now func() time.Time // nil means time.Now

	mu      sync.Mutex
	revoked map[string]x509.RevocationListEntry // by serial.String()
	crl     []byte
	crlAt   time.Time
	crlNum  *big.Int
}

// ResponseValidity is how long OCSP responses and CRLs stay current.
const ResponseValidity = 7 * 24 * time.Hour

// crlRefresh is the age after which a request gets a freshly signed CRL.
const crlRefresh = time.Hour

// maxOCSPRequest bounds the body of an OCSP POST.
const maxOCSPRequest = 16 << 10

func (r *Responder) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Revoke marks serial revoked since at, for OCSP and the next CRL.
func (r *Responder) Revoke(serial *big.Int, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.revoked == nil {
		r.revoked = make(map[string]x509.RevocationListEntry)
	}
	r.revoked[serial.String()] = x509.RevocationListEntry{
		SerialNumber:   new(big.Int).Set(serial),
		RevocationTime: at.UTC().Truncate(time.Second),
	}
	r.crl = nil
}

// Handler serves OCSP at OCSPPath (POST, and GET below OCSPPath/), the
// CRL at CRLPath and the CA certificate at IssuerPath. Mount it with
// http.StripPrefix under the base given to RevocationURLsAt. Beware of
// routers that clean paths (http.ServeMux does): base64 may hold "//",
// and cleaning a GET request's path corrupts it.
func (r *Responder) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		p := req.URL.Path
		switch {
		case p == OCSPPath || strings.HasPrefix(p, OCSPPath+"/"):
			r.OCSP(w, req)
		case p == CRLPath:
			r.CRL(w, req)
		case p == IssuerPath:
			r.Issuer(w, req)
		default:
			http.NotFound(w, req)
		}
	})
}

// OCSP answers an OCSP request sent by POST (the DER request as the body)
// or by GET (base64 of the DER request as the last path segments, RFC
// 6960 appendix A.1; the handler finds where it begins, so it works at any
// mount point). Malformed requests get the malformedRequest OCSP error
// with HTTP 200, as RFC 6960 expects.
func (r *Responder) OCSP(w http.ResponseWriter, req *http.Request) {
	var der []byte
	switch req.Method {
	case http.MethodPost:
		body, err := io.ReadAll(io.LimitReader(req.Body, maxOCSPRequest+1))
		if err != nil {
			http.Error(w, "cannot read the request", http.StatusBadRequest)
			return
		}
		if len(body) > maxOCSPRequest {
			http.Error(w, "OCSP request too large", http.StatusRequestEntityTooLarge)
			return
		}
		der = body
	case http.MethodGet:
		der = ocspFromPath(req.URL.Path)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	resp, err := r.respond(der)
	if err != nil {
		http.Error(w, "cannot sign the OCSP response", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/ocsp-response")
	if req.Method == http.MethodGet {
		w.Header().Set("Cache-Control", "max-age=3600, public, no-transform, must-revalidate")
	}
	_, _ = w.Write(resp)
}

// ocspFromPath returns the DER request encoded in the longest suffix of
// path that is base64 of an OCSP request, or nil.
func ocspFromPath(path string) []byte {
	for i := 0; i < len(path); i++ {
		if path[i] != '/' {
			continue
		}
		der, err := base64.StdEncoding.DecodeString(path[i+1:])
		if err != nil || len(der) == 0 {
			continue
		}
		if _, err := ocsp.ParseRequest(der); err == nil {
			return der
		}
	}
	return nil
}

// respond returns the DER OCSP response to the DER request der; an error
// means the response could not be signed.
func (r *Responder) respond(der []byte) ([]byte, error) {
	if err := r.CA.check(); err != nil {
		return nil, err
	}
	q, err := ocsp.ParseRequest(der)
	if err != nil || q.SerialNumber == nil {
		return ocsp.MalformedRequestErrorResponse, nil
	}
	name, key, err := issuerHashes(r.CA.Cert, q.HashAlgorithm)
	if err != nil || !bytes.Equal(name, q.IssuerNameHash) || !bytes.Equal(key, q.IssuerKeyHash) {
		return ocsp.UnauthorizedErrorResponse, nil
	}
	// x/crypto/ocsp sets producedAt to the system time cut to the
	// minute, and NSS rejects a response whose thisUpdate is later than
	// its producedAt, reporting the certificate as revoked
	// (SEC_ERROR_REVOKED_CERTIFICATE). So thisUpdate is cut to the minute
	// too, and never later than the system clock's minute.
	thisUpdate := r.now().UTC().Truncate(time.Minute)
	if sys := time.Now().UTC().Truncate(time.Minute); thisUpdate.After(sys) {
		thisUpdate = sys
	}
	tmpl := ocsp.Response{
		Status:       ocsp.Good,
		SerialNumber: q.SerialNumber,
		ThisUpdate:   thisUpdate,
		NextUpdate:   thisUpdate.Add(ResponseValidity),
		IssuerHash:   q.HashAlgorithm,
	}
	r.mu.Lock()
	if e, ok := r.revoked[q.SerialNumber.String()]; ok {
		tmpl.Status = ocsp.Revoked
		tmpl.RevokedAt = e.RevocationTime
		tmpl.RevocationReason = ocsp.Unspecified
	}
	r.mu.Unlock()
	return ocsp.CreateResponse(r.CA.Cert, r.CA.Cert, tmpl, r.CA.Key)
}

// CRL serves the CA's DER CRL (application/pkix-crl).
func (r *Responder) CRL(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	der, err := r.CurrentCRL()
	if err != nil {
		http.Error(w, "cannot sign the CRL", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/pkix-crl")
	_, _ = w.Write(der)
}

// Issuer serves the CA certificate (application/pkix-cert, DER), for the
// caIssuers URL.
func (r *Responder) Issuer(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.CA.Cert == nil {
		http.Error(w, "no CA certificate", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/pkix-cert")
	_, _ = w.Write(r.CA.Cert.Raw)
}

// CurrentCRL returns the DER CRL that CRL serves, signing a new one when
// the last is stale. CRL numbers strictly increase within a Responder and,
// being at least the Unix time of signing, across restarts too (unless
// the clock goes back).
func (r *Responder) CurrentCRL() ([]byte, error) {
	if err := r.CA.check(); err != nil {
		return nil, err
	}
	if r.CA.Cert.KeyUsage&x509.KeyUsageCRLSign == 0 {
		return nil, fmt.Errorf("pki: CA %q may not sign CRLs", r.CA.Cert.Subject.CommonName)
	}
	now := r.now().UTC().Truncate(time.Second)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.crl != nil && !now.Before(r.crlAt) && now.Sub(r.crlAt) < crlRefresh {
		return r.crl, nil
	}
	num := big.NewInt(now.Unix())
	if r.crlNum != nil && num.Cmp(r.crlNum) <= 0 {
		num.Add(r.crlNum, big.NewInt(1))
	}
	entries := make([]x509.RevocationListEntry, 0, len(r.revoked))
	for _, e := range r.revoked {
		entries = append(entries, e)
	}
	slices.SortFunc(entries, func(a, b x509.RevocationListEntry) int { return a.SerialNumber.Cmp(b.SerialNumber) })
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number:                    num,
		ThisUpdate:                now,
		NextUpdate:                now.Add(ResponseValidity),
		RevokedCertificateEntries: entries,
	}, r.CA.Cert, r.CA.Key)
	if err != nil {
		return nil, fmt.Errorf("pki: CRL: %w", err)
	}
	r.crl, r.crlAt, r.crlNum = der, now, num
	return der, nil
}

// Package tsa gets and checks RFC 3161 time-stamp tokens for PAdES B-T
// signatures.
//
// A Client sends a time-stamp request over HTTP POST for the hash of a
// CMS signature value and returns the DER TimeStampToken, ready to be put
// as the unsigned attribute id-aa-signatureTimeStampToken
// (OIDSignatureTimeStampToken) of that SignerInfo. Before returning it
// checks what the TSA answered: PKIStatus granted or grantedWithMods, the
// random 64-bit nonce echoed, the message imprint (algorithm and hash)
// equal to the request's, the requested policy if any, the TSA certificate
// included (the request sets certReq), the CMS signature valid, genTime
// within MaxSkew of the local clock and, when Roots is set, the TSA chain
// as VerifyToken checks it.
//
// ParseToken and VerifyToken read tokens from anyone, as a verifier does.
//
// Retries: each attempt has its own timeout; network errors (timeouts
// included) and HTTP 5xx answers are retried with exponential backoff,
// other HTTP statuses, unreadable answers and rejections are not.
// Qualified TSAs usually bill per token, and a retry after a timeout may
// be billed although the first answer was lost.
//
// Caveats of github.com/digitorus/timestamp, which this package builds
// on: its ParseResponse treats grantedWithMods as a failure, so the
// TimeStampResp is decoded here; its Parse verifies the CMS signature only
// when the token carries certificates, so a token without the TSA
// certificate is refused here; it knows SHA-1, SHA-256, SHA-384 and
// SHA-512 imprints only.
package tsa

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/digitorus/timestamp"
)

// Errors of Client.Timestamp, to be matched with errors.Is.
var (
	// ErrRejected: the TSA answered with a PKIStatus other than granted
	// or grantedWithMods. It is not retried.
	ErrRejected = errors.New("tsa: request rejected")
	// ErrBadResponse: the answer is malformed or does not match the
	// request (nonce, imprint, policy, time, certificate). The error also
	// matches ErrInvalidToken or ErrUntrusted when one of those is the
	// cause.
	ErrBadResponse = errors.New("tsa: bad response")
)

// Defaults of Options.
const (
	DefaultTimeout = 5 * time.Second
	DefaultRetries = 2
	DefaultBackoff = 500 * time.Millisecond
	DefaultMaxSkew = 5 * time.Minute
)

// DefaultMaxTokenLen is what MaxTokenLen returns before the first token:
// a conservative bound on the DER size of a token. A token is about 1 KB
// of CMS plus the certificates the TSA includes; an RSA-4096 TSA sending
// a three-certificate chain stays under 8 KB.
const DefaultMaxTokenLen = 16 << 10

// tokenSlack is added to the largest token seen: tokens of one TSA vary
// by a few bytes (serial number, signature and genTime lengths).
const tokenSlack = 1024

// maxResponse bounds the body read from a TSA.
const maxResponse = 1 << 20

// Options configures New. Zero values mean the defaults.
type Options struct {
	HTTP    *http.Client  // nil means a new client with the default transport
	Timeout time.Duration // per attempt, including reading the answer; 0 means DefaultTimeout
	Retries int           // extra attempts; 0 means DefaultRetries, negative means none
	Backoff time.Duration // wait before the first retry, doubled after each; 0 means DefaultBackoff
	Hash    crypto.Hash   // imprint hash: SHA-256 (default), SHA-384 or SHA-512
	// Roots, when set, are the trust anchors the TSA certificate must
	// chain to (see VerifyToken).
	Roots *x509.CertPool
	// Policy, when set, is requested (reqPolicy) and required in tokens.
	Policy  asn1.ObjectIdentifier
	Now     func() time.Time // the local clock; nil means time.Now
	MaxSkew time.Duration    // largest accepted |genTime - Now()|; 0 means DefaultMaxSkew
}

// Client is a time-stamp client for one TSA. Its fields are set by New,
// with the defaults of Options resolved (Retries is the exact number of
// extra attempts), and must not change afterwards; a Client is safe for
// concurrent use and must not be copied.
type Client struct {
	URL     string
	HTTP    *http.Client
	Timeout time.Duration // per attempt
	Retries int           // extra attempts after a network error or HTTP 5xx
	Backoff time.Duration // before the first retry, doubled after each
	Hash    crypto.Hash
	Roots   *x509.CertPool // nil: the TSA chain is not checked
	Policy  asn1.ObjectIdentifier
	Now     func() time.Time
	MaxSkew time.Duration

	maxSeen atomic.Int64 // largest token returned so far
}

// New returns a client for the TSA at rawURL (http or https).
func New(rawURL string, opts Options) (*Client, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("tsa: URL %q: %w", rawURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("tsa: URL %q is not an absolute http or https URL", rawURL)
	}
	c := &Client{
		URL:     rawURL,
		HTTP:    opts.HTTP,
		Timeout: opts.Timeout,
		Retries: opts.Retries,
		Backoff: opts.Backoff,
		Hash:    opts.Hash,
		Roots:   opts.Roots,
		Policy:  opts.Policy,
		Now:     opts.Now,
		MaxSkew: opts.MaxSkew,
	}
	if c.HTTP == nil {
		c.HTTP = &http.Client{}
	}
	switch {
	case c.Timeout < 0 || c.Backoff < 0 || c.MaxSkew < 0:
		return nil, errors.New("tsa: negative Timeout, Backoff or MaxSkew")
	case c.Retries == 0:
		c.Retries = DefaultRetries
	case c.Retries < 0:
		c.Retries = 0
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Backoff == 0 {
		c.Backoff = DefaultBackoff
	}
	if c.MaxSkew == 0 {
		c.MaxSkew = DefaultMaxSkew
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	switch c.Hash {
	case 0:
		c.Hash = crypto.SHA256
	case crypto.SHA256, crypto.SHA384, crypto.SHA512:
	default:
		return nil, fmt.Errorf("tsa: hash %v not supported; use SHA-256, SHA-384 or SHA-512", c.Hash)
	}
	return c, nil
}

// MaxTokenLen bounds the size of the tokens Timestamp returns, for sizing
// a signature placeholder: DefaultMaxTokenLen until a token has been
// returned, then the largest token returned so far plus 1 KiB. A TSA that
// changes its certificate chain can exceed it, so callers must still
// check the length of the token they get and, if it does not fit, sign
// again with more room. Getting a token only to measure it costs a
// request, which a qualified TSA may bill.
func (c *Client) MaxTokenLen() int {
	if n := c.maxSeen.Load(); n > 0 {
		return int(n) + tokenSlack
	}
	return DefaultMaxTokenLen
}

// Timestamp gets a token whose message imprint is digest, the hash with
// c.Hash of the signature value to stamp (for CAdES and PAdES, the
// octets of the SignerInfo's signature OCTET STRING, without its tag and
// length). It returns the DER TimeStampToken after the checks listed in
// the package documentation. ctx bounds the whole call, retries included.
func (c *Client) Timestamp(ctx context.Context, digest []byte) ([]byte, error) {
	if len(digest) != c.Hash.Size() {
		return nil, fmt.Errorf("tsa: digest is %d bytes, want %d for %v", len(digest), c.Hash.Size(), c.Hash)
	}
	nonce, err := newNonce()
	if err != nil {
		return nil, err
	}
	req, err := (&timestamp.Request{
		HashAlgorithm: c.Hash,
		HashedMessage: digest,
		Certificates:  true,
		TSAPolicyOID:  c.Policy,
		Nonce:         nonce,
	}).Marshal()
	if err != nil {
		return nil, fmt.Errorf("tsa: request: %w", err)
	}
	body, err := c.post(ctx, req)
	if err != nil {
		return nil, err
	}
	token, err := parseResponse(body)
	if err != nil {
		return nil, err
	}
	if err := c.check(token, digest, nonce); err != nil {
		return nil, err
	}
	for {
		seen := c.maxSeen.Load()
		if int64(len(token)) <= seen || c.maxSeen.CompareAndSwap(seen, int64(len(token))) {
			break
		}
	}
	return token, nil
}

// check compares a token with the request it answers.
func (c *Client) check(token, digest []byte, nonce *big.Int) error {
	info, err := ParseToken(token)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadResponse, err)
	}
	if info.Nonce == nil || info.Nonce.Cmp(nonce) != 0 {
		return fmt.Errorf("%w: the nonce was not echoed", ErrBadResponse)
	}
	if info.HashAlg != c.Hash || !bytes.Equal(info.MessageImprint, digest) {
		return fmt.Errorf("%w: the message imprint differs from the request's", ErrBadResponse)
	}
	if c.Policy != nil && !info.Policy.Equal(c.Policy) {
		return fmt.Errorf("%w: policy %v, requested %v", ErrBadResponse, info.Policy, c.Policy)
	}
	now := c.Now()
	if skew := info.GenTime.Sub(now).Abs(); skew > c.MaxSkew {
		return fmt.Errorf("%w: genTime %s is %v away from the local clock (%s)", ErrBadResponse,
			info.GenTime.UTC().Format(time.RFC3339), skew.Round(time.Second), now.UTC().Format(time.RFC3339))
	}
	if c.Roots != nil {
		if err := verifyTSA(info, c.Roots); err != nil {
			return fmt.Errorf("%w: %w", ErrBadResponse, err)
		}
	}
	return nil
}

// post sends der to the TSA, retrying as the package documentation says,
// and returns the body of the 200 answer.
func (c *Client) post(ctx context.Context, der []byte) ([]byte, error) {
	var last error
	attempts := 0
	for attempts <= c.Retries {
		if attempts > 0 {
			t := time.NewTimer(c.Backoff << (attempts - 1))
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, fmt.Errorf("tsa: %s: %w after %d attempts (last: %v)", c.URL, ctx.Err(), attempts, last)
			case <-t.C:
			}
		}
		attempts++
		body, retry, err := c.attempt(ctx, der)
		if err == nil {
			return body, nil
		}
		last = err
		if !retry || ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("tsa: %s: %w (%d attempts)", c.URL, last, attempts)
}

// attempt makes one request; retry says whether a failure may be retried.
func (c *Client) attempt(ctx context.Context, der []byte) (body []byte, retry bool, err error) {
	actx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	timedOut := func(err error) error {
		if ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("no answer within %v", c.Timeout)
		}
		return err
	}
	req, err := http.NewRequestWithContext(actx, http.MethodPost, c.URL, bytes.NewReader(der))
	if err != nil {
		return nil, false, err
	}
	req.Header.Set("Content-Type", "application/timestamp-query")
	req.Header.Set("Accept", "application/timestamp-reply")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, true, timedOut(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		err := fmt.Errorf("HTTP %s: %q", resp.Status, strings.TrimSpace(string(snippet)))
		return nil, resp.StatusCode >= 500, err
	}
	body, err = io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, true, timedOut(err)
	}
	if len(body) > maxResponse {
		return nil, false, fmt.Errorf("%w: answer larger than %d bytes", ErrBadResponse, maxResponse)
	}
	return body, false, nil
}

// TimeStampResp (RFC 3161 §2.4.2).
type pkiStatusInfo struct {
	Status       int
	StatusString []string       `asn1:"optional,utf8"`
	FailInfo     asn1.BitString `asn1:"optional"`
}

type timeStampResp struct {
	Status pkiStatusInfo
	Token  asn1.RawValue `asn1:"optional"`
}

// parseResponse returns the token of a granted TimeStampResp.
func parseResponse(der []byte) ([]byte, error) {
	var resp timeStampResp
	rest, err := asn1.Unmarshal(der, &resp)
	if err != nil {
		return nil, fmt.Errorf("%w: not a TimeStampResp: %v", ErrBadResponse, err)
	}
	if len(rest) > 0 {
		return nil, fmt.Errorf("%w: trailing data after the TimeStampResp", ErrBadResponse)
	}
	st := timestamp.Status(resp.Status.Status)
	if st != timestamp.Granted && st != timestamp.GrantedWithMods {
		var why []string
		for i := 0; i < resp.Status.FailInfo.BitLength; i++ {
			if resp.Status.FailInfo.At(i) == 1 {
				why = append(why, timestamp.FailureInfo(i).String())
			}
		}
		return nil, fmt.Errorf("%w: %s %q %v", ErrRejected, st, resp.Status.StatusString, why)
	}
	if len(resp.Token.FullBytes) == 0 {
		return nil, fmt.Errorf("%w: status %q but no token", ErrBadResponse, st)
	}
	return resp.Token.FullBytes, nil
}

func newNonce() (*big.Int, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("tsa: nonce: %w", err)
	}
	return new(big.Int).SetBytes(b[:]), nil
}

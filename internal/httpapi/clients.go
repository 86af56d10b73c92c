package httpapi

import (
	"context"
	"crypto/sha256"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"certa.example/certa/internal/apiclient"
	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/ratelimit"
)

// ClientStore is what the server needs of the store of API clients
// (store.Clients).
type ClientStore interface {
	ClientByKeyHash(ctx context.Context, sum [32]byte) (apiclient.Record, error)
	UseClientQuota(ctx context.Context, id string, day time.Time, quota int64) (used int64, ok bool, err error)
	ReturnClientQuota(ctx context.Context, id string, day time.Time) error
}

// DefaultClientCacheTTL is how long a stored client's look-up is reused:
// the longest a revocation (or a new client) takes to reach a process.
const DefaultClientCacheTTL = 5 * time.Second

// clientCacheSize bounds the keys whose look-up is remembered.
const clientCacheSize = 4096

const storedClientCtxKey ctxKey = 1

// storedClientOf returns the stored client authenticate found, if the
// request came with a stored client's key (not a configured one).
func storedClientOf(ctx context.Context) (apiclient.Record, bool) {
	rec, ok := ctx.Value(storedClientCtxKey).(apiclient.Record)
	return rec, ok
}

// clientCache remembers look-ups of stored clients by key hash, found or
// not, for ttl; it holds at most clientCacheSize keys. Store errors are
// not remembered.
type clientCache struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[[32]byte]cachedClient
}

type cachedClient struct {
	rec     apiclient.Record
	found   bool
	expires time.Time
}

func newClientCache(ttl time.Duration) *clientCache {
	return &clientCache{ttl: ttl, m: make(map[[32]byte]cachedClient)}
}

func (c *clientCache) get(sum [32]byte, now time.Time) (cachedClient, bool) {
	if c.ttl <= 0 {
		return cachedClient{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[sum]
	if !ok || !now.Before(e.expires) {
		return cachedClient{}, false
	}
	return e, true
}

func (c *clientCache) put(sum [32]byte, e cachedClient, now time.Time) {
	if c.ttl <= 0 {
		return
	}
	e.expires = now.Add(c.ttl)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[sum]; !ok && len(c.m) >= clientCacheSize {
		for k, old := range c.m { // expired entries first
			if !now.Before(old.expires) {
				delete(c.m, k)
			}
		}
		for k := range c.m { // then any, until a quarter is free
			if len(c.m) < clientCacheSize*3/4 {
				break
			}
			delete(c.m, k)
		}
	}
	c.m[sum] = e
}

// lookupClient finds the stored client of key hash sum: found false for
// an unknown key; an error when the store failed.
func (s *Server) lookupClient(ctx context.Context, sum [32]byte) (apiclient.Record, bool, error) {
	now := s.engine.Now()
	if e, ok := s.clientCache.get(sum, now); ok {
		return e.rec, e.found, nil
	}
	rec, err := s.clients.ClientByKeyHash(ctx, sum)
	switch {
	case errs.KindOf(err) == errs.NotFound:
		s.clientCache.put(sum, cachedClient{}, now)
		return apiclient.Record{}, false, nil
	case err != nil:
		return apiclient.Record{}, false, err
	}
	s.clientCache.put(sum, cachedClient{rec: rec, found: true}, now)
	return rec, true, nil
}

// admitStored checks what a stored client's key needs beyond itself: not
// revoked, the bound TLS client certificate, and the client's own rate
// limit. It writes the refusal and returns false, or returns true.
func (s *Server) admitStored(w http.ResponseWriter, r *http.Request, rec apiclient.Record) bool {
	if rec.Revoked() {
		s.writeProblem(w, r, errs.New(errs.Unauthorized, "this API key is revoked"))
		return false
	}
	if rec.BoundToCert() && !presentsCert(r, rec.TLSCertSHA256) {
		s.writeProblem(w, r, errs.New(errs.Unauthorized, "this API key must come with its client certificate (mutual TLS)"))
		return false
	}
	if rec.RateLimit > 0 {
		if ok, retry := s.clientLimiter(rec).Allow(rec.ID); !ok {
			w.Header().Set("Retry-After", strconv.FormatInt(ratelimit.RetryAfterSeconds(retry), 10))
			s.writeProblem(w, r, errs.New(errs.RateLimited, "this client's rate limit is reached; retry after the time in Retry-After"))
			return false
		}
	}
	return true
}

// presentsCert reports whether the request came over TLS with the client
// certificate whose DER has SHA-256 pin. The server must ask for client
// certificates (tls.Config.ClientAuth RequestClientCert or stronger);
// the pin, not a CA, decides.
func presentsCert(r *http.Request, pin [32]byte) bool {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return false
	}
	return sha256.Sum256(r.TLS.PeerCertificates[0].Raw) == pin
}

// limitKey groups clients with the same limit on one Limiter, keyed by
// client ID.
type limitKey struct {
	rate  float64
	burst int
}

// clientLimiter returns the limiter for rec's rate limit.
func (s *Server) clientLimiter(rec apiclient.Record) *ratelimit.Limiter {
	// Read without a lock: a limiter per distinct (rate, burst) is made
	// once and shared by the clients that have those settings.
	k := limitKey{rec.RateLimit, rec.Burst()}
	if l, ok := s.limiters.Load(k); ok {
		return l.(*ratelimit.Limiter)
	}
	l, _ := s.limiters.LoadOrStore(k, ratelimit.New(ratelimit.Config{Rate: k.rate, Burst: k.burst, Now: s.engine.Now}))
	return l.(*ratelimit.Limiter)
}

// issueQuota counts an issuance against the daily quota of a stored
// client that has one, before the handler runs, and takes the count back
// when the handler does not answer with success or replays an idempotent
// request: refused and failed requests, and retries answered with a
// certificate issued already, do not use the quota. The day is the
// calendar day in the server's time zone.
func (s *Server) issueQuota(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec, ok := storedClientOf(r.Context())
		if !ok || rec.DailyQuota <= 0 {
			next.ServeHTTP(w, r)
			return
		}
		now := s.engine.Now().In(s.loc)
		_, counted, err := s.clients.UseClientQuota(r.Context(), rec.ID, now, rec.DailyQuota)
		if err != nil {
			s.writeProblem(w, r, err)
			return
		}
		if !counted {
			w.Header().Set("Retry-After", strconv.FormatInt(untilMidnight(now), 10))
			s.writeProblem(w, r, errs.New(errs.QuotaExceeded,
				"this client's daily issuance quota ("+strconv.FormatInt(rec.DailyQuota, 10)+") is used up; it renews at midnight, see Retry-After"))
			return
		}
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if sw.status < 200 || sw.status > 299 || sw.Header().Get(ReplayedHeader) == "true" {
				ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
				defer cancel()
				if err := s.clients.ReturnClientQuota(ctx, rec.ID, now); err != nil {
					s.log.ErrorContext(ctx, "returning a quota count failed", "client", rec.ID, "err", err.Error())
				}
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

// untilMidnight is the number of whole seconds, at least 1, from now to
// the next midnight in now's location.
func untilMidnight(now time.Time) int64 {
	y, m, d := now.Date()
	next := time.Date(y, m, d+1, 0, 0, 0, 0, now.Location())
	return max(1, int64(math.Ceil(next.Sub(now).Seconds())))
}

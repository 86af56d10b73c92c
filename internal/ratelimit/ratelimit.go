// Package ratelimit limits the request rate of each client of certa's public
// endpoints (the verification page /v/{code} and its JSON form, the upload
// page /verifica and POST /api/v1/verify).
//
// # Algorithm
//
// A Limiter runs the generic cell rate algorithm (GCRA), which is an exact
// token bucket of capacity Burst refilled at Rate tokens per second, stored
// as one number per client: the theoretical arrival time TAT. With the
// emission interval T = 1s/Rate (rounded to the nanosecond; Config.Rate
// gives the extremes) and the tolerance τ = Burst·T, a request at time now
// is decided so:
//
//	tat := max(TAT, now)       // an absent client has TAT = now: a full bucket
//	if tat+T-τ > now {         // fewer than one token left
//	        refuse, retry after tat+T-τ-now
//	} else {
//	        TAT = tat+T           // take one token
//	}
//
// So after a pause a client may send Burst requests at once, then one every
// T; a refused request changes nothing, and its retry-after is exactly the
// time until the next request would be allowed (T right after a burst). The
// bucket's content is (now+τ-TAT)/T tokens, capped at Burst.
//
// # Concurrency
//
// The state is split into 64 shards chosen by the top bits of a
// hash/maphash of the key (with a seed drawn per Limiter, which clients
// cannot predict); each shard has its own mutex, held for one map look-up
// and store. Clients are stored by their 64-bit hash, not their key string:
// an entry is 16 bytes whatever the key, and storing it allocates nothing.
// Two keys that share a hash (probability about n²/2⁶⁵ for n clients) share
// a bucket.
//
// # Memory bound and eviction
//
// A Limiter remembers at most MaxKeys clients (MaxKeys/64 per shard, the
// remainder spread over the first shards). Only allowed requests store
// anything: a refused request never adds an entry. An entry whose TAT is not
// after now is a full bucket again and carries no information: forgetting
// it changes no decision. When a new client arrives at a full shard, the
// shard is swept once:
//
//  1. every full-bucket entry (TAT ≤ now) is deleted;
//  2. if that leaves fewer than 1/8 of the shard's slots free (a flood of
//     live clients, such as spoofed IPv6 addresses), the entries with the
//     earliest TAT, which are the fullest buckets and lose the least
//     information, are deleted until 1/8 is free.
//
// A sweep costs time linear in the shard size and frees at least 1/8 of it,
// so its cost per new client is constant on average. Step 2 forgives the
// least-limited clients (their next request finds a full bucket): under a
// flood of distinct keys the limiter fails open for them, never closed for
// everyone, and a client being throttled (TAT near now+τ, the latest there
// is) is the last to be forgotten. Burst ≥ 2 keeps a throttled client strictly
// ahead of flood entries that sent one request each.
package ratelimit

import (
	"fmt"
	"hash/maphash"
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// DefaultMaxKeys is the number of clients a Limiter remembers when
// Config.MaxKeys is zero or negative: under 3 MiB of heap once full (about
// 45 bytes per client, maps and sweep buffers included).
const DefaultMaxKeys = 1 << 16

const (
	shardBits = 6
	numShards = 1 << shardBits
)

// Config configures a Limiter.
type Config struct {
	// Rate is the sustained rate allowed to each client, in requests per
	// second. It must be positive and finite; rates above 1e9 act as 1e9,
	// and a rate so low that Burst tokens take more than a century to
	// refill acts as if they took a century.
	Rate float64
	// Burst is the number of requests a client may send at once after a
	// pause (the bucket's capacity), from 1 to 2³⁰.
	Burst int
	// MaxKeys bounds the number of clients remembered (the memory); zero or
	// negative means DefaultMaxKeys, values below 64 are raised to 64.
	MaxKeys int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Validate reports whether c can make a Limiter.
func (c Config) Validate() error {
	if math.IsNaN(c.Rate) || math.IsInf(c.Rate, 0) || c.Rate <= 0 {
		return fmt.Errorf("ratelimit: rate %v must be a positive number of requests per second", c.Rate)
	}
	if c.Burst < 1 || c.Burst > maxBurst {
		return fmt.Errorf("ratelimit: burst %d must be between 1 and %d", c.Burst, maxBurst)
	}
	return nil
}

// maxBurst bounds Config.Burst.
const maxBurst = 1 << 30

// maxTolerance bounds τ = Burst·T, so that times stay far from overflow.
const maxTolerance = 100 * 365 * 24 * time.Hour

// emission is the interval T between requests at a steady rate, at least
// 1 ns and at most maxTolerance/burst.
func emission(rate float64, burst int) time.Duration {
	limit := maxTolerance / time.Duration(burst)
	if float64(time.Second)/rate >= float64(limit) {
		return max(limit, 1)
	}
	t := time.Duration(math.Round(float64(time.Second) / rate))
	return max(t, 1)
}

// Limiter is a per-key GCRA rate limiter; see the package documentation. It
// is safe for concurrent use. A nil *Limiter allows every request.
type Limiter struct {
	interval int64 // T, ns
	tau      int64 // Burst·T, ns
	now      func() time.Time
	base     time.Time // times are ns since base
	seed     maphash.Seed
	shards   [numShards]shard
}

type shard struct {
	mu      sync.Mutex
	tat     map[uint64]int64 // key hash → TAT, ns since base
	limit   int              // most entries
	scratch []int64          // sweep buffer, reused
	_       [64]byte         // keeps neighbouring mutexes off one cache line
}

// New returns a limiter. It panics if cfg does not pass Validate: a bad rate
// is a programming error, and configuration read at run time should be
// checked with Validate first.
func New(cfg Config) *Limiter {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	maxKeys := cfg.MaxKeys
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	maxKeys = max(maxKeys, numShards)
	t := emission(cfg.Rate, cfg.Burst)
	l := &Limiter{
		interval: int64(t),
		tau:      int64(t) * int64(cfg.Burst),
		now:      now,
		base:     now(),
		seed:     maphash.MakeSeed(),
	}
	for i := range l.shards {
		s := &l.shards[i]
		s.limit = maxKeys / numShards
		if i < maxKeys%numShards {
			s.limit++
		}
		s.tat = make(map[uint64]int64)
	}
	return l
}

// Allow takes one token from key's bucket. It reports whether the request
// may proceed and, when it may not, how long until the next request by key
// would be allowed.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	if l == nil {
		return true, 0
	}
	now := int64(l.now().Sub(l.base))
	h := maphash.String(l.seed, key)
	s := &l.shards[h>>(64-shardBits)]

	s.mu.Lock()
	tat, known := s.tat[h]
	if !known || tat < now {
		tat = now // absent, or idle long enough: a full bucket
	}
	next := tat + l.interval
	if allowAt := next - l.tau; allowAt > now {
		s.mu.Unlock()
		return false, time.Duration(allowAt - now)
	}
	if !known && len(s.tat) >= s.limit {
		s.sweep(now)
	}
	s.tat[h] = next
	s.mu.Unlock()
	return true, 0
}

// Len returns the number of clients remembered; at most MaxKeys.
func (l *Limiter) Len() int {
	if l == nil {
		return 0
	}
	n := 0
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		n += len(s.tat)
		s.mu.Unlock()
	}
	return n
}

// sweep makes room in a full shard, with s.mu held: see "Memory bound and
// eviction" in the package documentation.
func (s *shard) sweep(now int64) {
	if s.scratch == nil {
		s.scratch = make([]int64, 0, s.limit)
	}
	// One pass drops the full buckets and collects the others' TATs.
	live := s.scratch[:0]
	for h, tat := range s.tat {
		if tat <= now {
			delete(s.tat, h)
		} else {
			live = append(live, tat)
		}
	}
	s.scratch = live[:0]
	excess := len(live) - (s.limit - max(1, s.limit/8))
	if excess <= 0 {
		return
	}
	// Then the excess entries with the earliest TAT go: every entry before
	// the excess-th earliest TAT and enough of those equal to it.
	threshold := nthSmallest(live, excess-1)
	for h, tat := range s.tat {
		if tat <= threshold {
			delete(s.tat, h)
			if excess--; excess == 0 {
				break
			}
		}
	}
}

// nthSmallest returns the element that would be at index k if a were
// sorted ascending, reordering a (Hoare's quickselect, median of three).
func nthSmallest(a []int64, k int) int64 {
	lo, hi := 0, len(a)-1
	for hi-lo > 16 {
		mid := lo + (hi-lo)/2
		if a[mid] < a[lo] {
			a[mid], a[lo] = a[lo], a[mid]
		}
		if a[hi] < a[lo] {
			a[hi], a[lo] = a[lo], a[hi]
		}
		if a[hi] < a[mid] {
			a[hi], a[mid] = a[mid], a[hi]
		}
		pivot := a[mid]
		i, j := lo, hi
		for i <= j {
			for a[i] < pivot {
				i++
			}
			for a[j] > pivot {
				j--
			}
			if i <= j {
				a[i], a[j] = a[j], a[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return a[k]
		}
	}
	slices.Sort(a[lo : hi+1])
	return a[k]
}

// Middleware limits each request by key(r) with l. A refused request gets
// a Retry-After header (whole seconds, rounded up, at least 1) and is then
// handed to limited, which writes the response (certa's is an RFC 9457
// problem with status 429); the next handler is not called. A nil key
// means ClientKey(r, nil); a nil limited writes a plain-text 429. A nil l
// allows everything.
func Middleware(l *Limiter, key func(*http.Request) string, limited func(w http.ResponseWriter, r *http.Request, retryAfter time.Duration)) func(http.Handler) http.Handler {
	if key == nil {
		key = func(r *http.Request) string { return ClientKey(r, nil) }
	}
	if limited == nil {
		limited = func(w http.ResponseWriter, _ *http.Request, _ time.Duration) {
			http.Error(w, http.StatusText(http.StatusTooManyRequests), http.StatusTooManyRequests)
		}
	}
	return func(next http.Handler) http.Handler {
		if l == nil {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ok, retry := l.Allow(key(r))
			if !ok {
				w.Header().Set("Retry-After", strconv.FormatInt(RetryAfterSeconds(retry), 10))
				limited(w, r, retry)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// RetryAfterSeconds is d in whole seconds, rounded up, at least 1: the value
// of a Retry-After header.
func RetryAfterSeconds(d time.Duration) int64 {
	s := int64(d / time.Second)
	if d%time.Second > 0 {
		s++
	}
	return max(s, 1)
}

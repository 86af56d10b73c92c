package ratelimit

import (
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clock is a manual clock, safe for concurrent use.
type clock struct{ ns atomic.Int64 }

var epoch = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func (c *clock) Now() time.Time          { return epoch.Add(time.Duration(c.ns.Load())) }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

func newTest(t testing.TB, rate float64, burst, maxKeys int) (*Limiter, *clock) {
	t.Helper()
	c := &clock{}
	return New(Config{Rate: rate, Burst: burst, MaxKeys: maxKeys, Now: c.Now}), c
}

// step is one request (or a clock advance) in a scripted scenario.
type step struct {
	advance time.Duration
	key     string
	ok      bool
	retry   time.Duration
}

func TestAllowScenarios(t *testing.T) {
	tests := []struct {
		name  string
		rate  float64
		burst int
		steps []step
	}{
		{
			name: "burst then refusal", rate: 1, burst: 3,
			steps: []step{
				{key: "a", ok: true}, {key: "a", ok: true}, {key: "a", ok: true},
				{key: "a", ok: false, retry: time.Second},
				{key: "a", ok: false, retry: time.Second}, // a refusal costs nothing
				{advance: 400 * time.Millisecond, key: "a", ok: false, retry: 600 * time.Millisecond},
			},
		},
		{
			name: "refill over time", rate: 10, burst: 2,
			steps: []step{
				{key: "a", ok: true}, {key: "a", ok: true},
				{key: "a", ok: false, retry: 100 * time.Millisecond},
				{advance: 100 * time.Millisecond, key: "a", ok: true},
				{key: "a", ok: false, retry: 100 * time.Millisecond},
				{advance: 150 * time.Millisecond, key: "a", ok: true}, // 1.5 tokens
				{key: "a", ok: false, retry: 50 * time.Millisecond},   // 0.5 left
				{advance: 250 * time.Millisecond, key: "a", ok: true}, // 3 tokens, capped at 2
				{key: "a", ok: true},
				{key: "a", ok: false, retry: 100 * time.Millisecond},
				{advance: time.Hour, key: "a", ok: true}, // never more than the burst after a long pause
				{key: "a", ok: true},
				{key: "a", ok: false, retry: 100 * time.Millisecond},
			},
		},
		{
			name: "steady rate at exactly the emission interval", rate: 4, burst: 1,
			steps: []step{
				{key: "a", ok: true},
				{advance: 250 * time.Millisecond, key: "a", ok: true},
				{advance: 250 * time.Millisecond, key: "a", ok: true},
				{advance: 249 * time.Millisecond, key: "a", ok: false, retry: time.Millisecond},
				{advance: time.Millisecond, key: "a", ok: true},
			},
		},
		{
			name: "independent keys", rate: 1, burst: 1,
			steps: []step{
				{key: "a", ok: true}, {key: "a", ok: false, retry: time.Second},
				{key: "b", ok: true}, {key: "b", ok: false, retry: time.Second},
				{key: "", ok: true}, {key: "", ok: false, retry: time.Second},
				{advance: 500 * time.Millisecond, key: "c", ok: true},
				{key: "a", ok: false, retry: 500 * time.Millisecond},
			},
		},
		{
			name: "slow rate", rate: 1.0 / 60, burst: 2,
			steps: []step{
				{key: "a", ok: true}, {key: "a", ok: true},
				{key: "a", ok: false, retry: time.Minute},
				{advance: 59 * time.Second, key: "a", ok: false, retry: time.Second},
				{advance: time.Second, key: "a", ok: true},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, c := newTest(t, tt.rate, tt.burst, 0)
			for i, s := range tt.steps {
				c.Advance(s.advance)
				ok, retry := l.Allow(s.key)
				if ok != s.ok || retry != s.retry {
					t.Fatalf("step %d (%q after +%v): Allow = %v, %v; want %v, %v", i, s.key, s.advance, ok, retry, s.ok, s.retry)
				}
			}
		})
	}
}

// TestLongRun checks the exact count over a long stretch: in d seconds at
// rate r with burst b, a client that asks all the time gets b + r·d.
func TestLongRun(t *testing.T) {
	for _, tc := range []struct {
		rate  float64
		burst int
	}{{5, 1}, {5, 10}, {100, 20}, {0.5, 3}} {
		t.Run(fmt.Sprintf("rate=%v/burst=%d", tc.rate, tc.burst), func(t *testing.T) {
			l, c := newTest(t, tc.rate, tc.burst, 0)
			const seconds = 100
			got := 0
			for range seconds * 1000 {
				for {
					ok, _ := l.Allow("k")
					if !ok {
						break
					}
					got++
				}
				c.Advance(time.Millisecond)
			}
			// The last advance is not followed by a request.
			want := tc.burst + int(tc.rate*(seconds-0.001))
			if got != want {
				t.Fatalf("allowed %d requests, want %d", got, want)
			}
		})
	}
}

func TestRetryAfterIsWhenAllowed(t *testing.T) {
	l, c := newTest(t, 3, 4, 0) // T = 333,333,333 ns
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		c.Advance(time.Duration(r.Int64N(int64(400 * time.Millisecond))))
		ok, retry := l.Allow("k")
		if ok {
			continue
		}
		if retry <= 0 {
			t.Fatalf("request %d: refused with retry-after %v", i, retry)
		}
		c.Advance(retry - 1)
		if ok, _ := l.Allow("k"); ok {
			t.Fatalf("request %d: allowed 1 ns before retry-after", i)
		}
		c.Advance(1)
		if ok, _ := l.Allow("k"); !ok {
			t.Fatalf("request %d: refused at retry-after", i)
		}
	}
}

func TestClockBackwards(t *testing.T) {
	l, c := newTest(t, 1, 1, 0)
	c.Advance(10 * time.Second)
	if ok, _ := l.Allow("k"); !ok {
		t.Fatal("first request refused")
	}
	c.Advance(-20 * time.Second)
	ok, retry := l.Allow("k")
	if ok || retry != 21*time.Second {
		t.Fatalf("after the clock went back: Allow = %v, %v; want false, 21s", ok, retry)
	}
	if ok, _ := l.Allow("new"); !ok {
		t.Fatal("a new key before the limiter's creation time was refused")
	}
}

func TestEvictionBoundsMemory(t *testing.T) {
	n := 1_000_000
	if testing.Short() {
		n = 100_000
	}
	const maxKeys = 4096
	// Burst 10 at 1/s: the hot key, once throttled, has the latest TAT.
	l, c := newTest(t, 1, 10, maxKeys)
	hot := "2001:db8:dead:beef::/64"
	hotAllowed := 0
	for i := range n {
		// A flood of distinct keys, 1 µs apart, none ever returning:
		// each entry is a full bucket again only 1 s after its request.
		l.Allow(strconv.Itoa(i))
		c.Advance(time.Microsecond)
		if i%1000 == 0 {
			if ok, _ := l.Allow(hot); ok {
				hotAllowed++
			}
		}
		if i%50_000 == 0 {
			if got := l.Len(); got > maxKeys {
				t.Fatalf("after %d keys the limiter holds %d, more than MaxKeys %d", i+1, got, maxKeys)
			}
		}
	}
	if got := l.Len(); got > maxKeys || got < maxKeys*7/8-numShards {
		t.Fatalf("holds %d keys, want at most %d and near it", got, maxKeys)
	}
	// n µs passed: the hot key may have burst 10 and then 1 per second.
	elapsed := time.Duration(n) * time.Microsecond
	if want := 10 + int(elapsed/time.Second); hotAllowed > want {
		t.Fatalf("hot key allowed %d times in %v under the flood, limit %d", hotAllowed, elapsed, want)
	}
	if ok, _ := l.Allow(hot); ok {
		t.Fatal("hot key forgotten: allowed at once after the flood")
	}
	// Memory: the map sizes are bounded, check the shards directly.
	for i := range l.shards {
		if s := &l.shards[i]; len(s.tat) > s.limit || cap(s.scratch) > 2*s.limit {
			t.Fatalf("shard %d: %d entries, scratch %d, limit %d", i, len(s.tat), cap(s.scratch), s.limit)
		}
	}
}

func TestEvictionPrefersFullBuckets(t *testing.T) {
	tests := []struct {
		name string
		// idle is how long the old keys have been quiet when new ones come.
		idle time.Duration
		// oldKept is whether the drained old keys are still remembered.
		oldKept bool
	}{
		{name: "buckets full again are dropped", idle: time.Hour, oldKept: false},
		{name: "throttled keys outlive a flood of one-shot keys", idle: 0, oldKept: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const maxKeys = 640
			l, c := newTest(t, 1, 5, maxKeys)
			// 64 old keys, each drained to zero tokens.
			for i := range 64 {
				for range 5 {
					l.Allow(fmt.Sprint("old", i))
				}
			}
			c.Advance(tt.idle)
			for i := range 20 * maxKeys {
				l.Allow(fmt.Sprint("new", i))
			}
			kept := 0
			for i := range 64 {
				h := maphash.String(l.seed, fmt.Sprint("old", i))
				if _, ok := l.shards[h>>(64-shardBits)].tat[h]; ok {
					kept++
				}
			}
			if tt.oldKept {
				for i := range 64 {
					if ok, _ := l.Allow(fmt.Sprint("old", i)); ok {
						t.Fatalf("old%d allowed after the flood", i)
					}
				}
			}
			if tt.oldKept && kept != 64 {
				t.Fatalf("%d of 64 throttled keys remembered, want all", kept)
			}
			if !tt.oldKept && kept != 0 {
				t.Fatalf("%d of 64 full buckets still stored after a flood", kept)
			}
			if l.Len() > maxKeys {
				t.Fatalf("holds %d keys", l.Len())
			}
		})
	}
}

func TestConcurrentExactCount(t *testing.T) {
	// The clock stands still: across all goroutines exactly Burst requests
	// per key pass.
	const burst, keys, workers = 50, 16, 8
	l, _ := newTest(t, 1, burst, 0)
	var allowed [keys]atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 400 {
				k := (i + w) % keys
				if ok, _ := l.Allow(fmt.Sprint("key", k)); ok {
					allowed[k].Add(1)
				}
			}
		}()
	}
	wg.Wait()
	for k := range allowed {
		if got := allowed[k].Load(); got != burst {
			t.Errorf("key%d: %d allowed, want %d", k, got, burst)
		}
	}
}

func TestConcurrentWithEviction(t *testing.T) {
	// Many goroutines, distinct keys, a moving clock and a small bound:
	// exercises sweep under -race.
	l, c := newTest(t, 100, 2, 128)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 5000 {
				l.Allow(fmt.Sprint(w, "/", i%700))
				if i%100 == 0 {
					c.Advance(time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	if n := l.Len(); n > 128 {
		t.Fatalf("holds %d keys, want at most 128", n)
	}
}

func TestNilLimiter(t *testing.T) {
	var l *Limiter
	if ok, retry := l.Allow("x"); !ok || retry != 0 || l.Len() != 0 {
		t.Fatal("a nil limiter must allow everything")
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		cfg Config
		ok  bool
	}{
		{Config{Rate: 1, Burst: 1}, true},
		{Config{Rate: 1e12, Burst: 1}, true},
		{Config{Rate: 0.001, Burst: 1000}, true},
		{Config{Rate: 0, Burst: 1}, false},
		{Config{Rate: -1, Burst: 1}, false},
		{Config{Rate: 1, Burst: 0}, false},
		{Config{Rate: nan(), Burst: 1}, false},
		{Config{Rate: inf(), Burst: 1}, false},
		{Config{Rate: 1e-12, Burst: 1}, true},
		{Config{Rate: 1e-300, Burst: 1 << 30}, true},
		{Config{Rate: 1, Burst: 1<<30 + 1}, false},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprintf("%d/rate=%v/burst=%d", i, tt.cfg.Rate, tt.cfg.Burst), func(t *testing.T) {
			if err := tt.cfg.Validate(); (err == nil) != tt.ok {
				t.Fatalf("Validate = %v, want ok %v", err, tt.ok)
			}
			defer func() {
				if p := recover(); (p == nil) != tt.ok {
					t.Fatalf("New panicked with %v, want ok %v", p, tt.ok)
				}
			}()
			New(tt.cfg)
		})
	}
	t.Run("emission interval", func(t *testing.T) {
		for _, tc := range []struct {
			rate  float64
			burst int
			want  time.Duration
		}{
			{1, 1, time.Second},
			{3, 1, 333_333_333},
			{2e9, 1, 1},
			{1e-12, 1, maxTolerance},
			{1e-300, 1000, maxTolerance / 1000},
		} {
			l := New(Config{Rate: tc.rate, Burst: tc.burst})
			if got := time.Duration(l.interval); got != tc.want || l.tau != l.interval*int64(tc.burst) {
				t.Errorf("rate %v burst %d: T = %v, τ = %v; want T = %v", tc.rate, tc.burst, got, time.Duration(l.tau), tc.want)
			}
		}
	})
	t.Run("MaxKeys", func(t *testing.T) {
		for _, tc := range []struct{ in, want int }{{0, DefaultMaxKeys}, {-5, DefaultMaxKeys}, {1, 64}, {100, 100}, {1000, 1000}} {
			l := New(Config{Rate: 1, Burst: 1, MaxKeys: tc.in})
			sum := 0
			for i := range l.shards {
				sum += l.shards[i].limit
			}
			if sum != tc.want {
				t.Errorf("MaxKeys %d: total %d, want %d", tc.in, sum, tc.want)
			}
		}
	})
}

func nan() float64 { z := 0.0; return z / z }
func inf() float64 { z := 0.0; return 1 / z }

func TestNthSmallest(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 500 {
		n := 1 + r.IntN(300)
		a := make([]int64, n)
		spread := int64(1 + r.IntN(50)) // many duplicates sometimes
		for i := range a {
			a[i] = r.Int64N(spread)
		}
		sorted := slices.Sorted(slices.Values(a))
		k := r.IntN(n)
		if got := nthSmallest(a, k); got != sorted[k] {
			t.Fatalf("nthSmallest(k=%d) = %d, want %d", k, got, sorted[k])
		}
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want int64
	}{{0, 1}, {time.Nanosecond, 1}, {time.Second, 1}, {time.Second + 1, 2}, {1500 * time.Millisecond, 2}, {time.Minute, 60}, {-time.Second, 1}} {
		if got := RetryAfterSeconds(tc.d); got != tc.want {
			t.Errorf("RetryAfterSeconds(%v) = %d, want %d", tc.d, got, tc.want)
		}
	}
}

func TestMiddleware(t *testing.T) {
	l, c := newTest(t, 0.4, 2, 0) // T = 2.5 s
	var gotRetry time.Duration
	limited := func(w http.ResponseWriter, r *http.Request, retry time.Duration) {
		gotRetry = retry
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusTooManyRequests)
	}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	h := Middleware(l, nil, limited)(next)

	tests := []struct {
		name    string
		advance time.Duration
		remote  string
		status  int
		retry   string
	}{
		{"first", 0, "192.0.2.1:1000", http.StatusNoContent, ""},
		{"second", 0, "192.0.2.1:1001", http.StatusNoContent, ""},
		{"third is limited, 2.5 s rounds up", 0, "192.0.2.1:1002", http.StatusTooManyRequests, "3"},
		{"other client", 0, "192.0.2.2:1000", http.StatusNoContent, ""},
		{"same /64", 0, "[2001:db8::1]:1", http.StatusNoContent, ""},
		{"same /64 again", 0, "[2001:db8::2]:1", http.StatusNoContent, ""},
		{"same /64 limited", 0, "[2001:db8::3]:1", http.StatusTooManyRequests, "3"},
		{"under a second left rounds to 1", 2400 * time.Millisecond, "192.0.2.1:1", http.StatusTooManyRequests, "1"},
		{"refilled", 100 * time.Millisecond, "192.0.2.1:1", http.StatusNoContent, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.Advance(tt.advance)
			req := httptest.NewRequest(http.MethodGet, "/v/ABCD-EFGH-JKMN-PQRS", nil)
			req.RemoteAddr = tt.remote
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status || rec.Header().Get("Retry-After") != tt.retry {
				t.Fatalf("status %d Retry-After %q; want %d %q", rec.Code, rec.Header().Get("Retry-After"), tt.status, tt.retry)
			}
			if tt.status == http.StatusTooManyRequests && gotRetry <= 0 {
				t.Fatalf("limited callback got retry %v", gotRetry)
			}
		})
	}

	t.Run("defaults and nil limiter", func(t *testing.T) {
		l, _ := newTest(t, 1, 1, 0)
		h := Middleware(l, func(*http.Request) string { return "all" }, nil)(next)
		for i, want := range []int{http.StatusNoContent, http.StatusTooManyRequests} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
			if rec.Code != want {
				t.Fatalf("request %d: status %d, want %d", i, rec.Code, want)
			}
			if want == http.StatusTooManyRequests && rec.Header().Get("Retry-After") != "1" {
				t.Fatalf("Retry-After %q, want 1", rec.Header().Get("Retry-After"))
			}
		}
		off := Middleware(nil, nil, nil)(next)
		for range 10 {
			rec := httptest.NewRecorder()
			off.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
			if rec.Code != http.StatusNoContent {
				t.Fatalf("nil limiter: status %d", rec.Code)
			}
		}
	})
}

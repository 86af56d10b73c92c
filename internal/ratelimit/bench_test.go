package ratelimit

import (
	"fmt"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
)

// BenchmarkAllowParallel measures Allow with the real clock across
// GOMAXPROCS goroutines (run with -cpu 1,2,...): "hot" is one key every
// goroutine shares (one shard, one mutex), "keys=N" spreads the load over
// N clients, "flood" gives every request a new key on a limiter bounded at
// DefaultMaxKeys, so that every shard keeps sweeping.
func BenchmarkAllowParallel(b *testing.B) {
	for _, n := range []int{1, 1_000, 100_000} {
		name := fmt.Sprintf("keys=%d", n)
		if n == 1 {
			name = "hot"
		}
		b.Run(name, func(b *testing.B) {
			keys := make([]string, n)
			for i := range keys {
				keys[i] = netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}).String()
			}
			l := New(Config{Rate: 10, Burst: 20})
			var next atomic.Uint64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := int(next.Add(7919)) // each goroutine starts elsewhere
				for pb.Next() {
					l.Allow(keys[i%n])
					i++
				}
			})
		})
	}
	b.Run("flood", func(b *testing.B) {
		keys := floodKeys()
		l := New(Config{Rate: 1, Burst: 10})
		var next atomic.Uint64
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				l.Allow(keys[next.Add(1)&(1<<20-1)])
			}
		})
		if l.Len() > DefaultMaxKeys {
			b.Fatalf("holds %d keys", l.Len())
		}
	})
}

// floodKeys are 2²⁰ distinct IPv6 /64 keys, made once.
var floodKeys = sync.OnceValue(func() []string {
	keys := make([]string, 1<<20)
	for i := range keys {
		keys[i] = fmt.Sprintf("2001:db8:%x:%x::/64", i>>16, i&0xffff)
	}
	return keys
})

// BenchmarkClientKey is the cost of finding the key behind one proxy.
func BenchmarkClientKey(b *testing.B) {
	r := &http.Request{RemoteAddr: "10.0.0.2:4711", Header: http.Header{}}
	r.Header.Set("X-Forwarded-For", "198.51.100.1, 2001:db8:1:2::77")
	b.ReportAllocs()
	for b.Loop() {
		ClientKey(r, testProxies)
	}
}

package httpapi

import (
	"testing"
	"time"
)

func TestClientCacheBounded(t *testing.T) {
	c := newClientCache(time.Minute)
	now := time.Unix(1e9, 0)
	for i := range clientCacheSize + 500 {
		var k [32]byte
		k[0], k[1] = byte(i), byte(i>>8)
		c.put(k, cachedClient{found: true}, now)
		if len(c.m) > clientCacheSize {
			t.Fatalf("%d entries, bound %d", len(c.m), clientCacheSize)
		}
		if _, ok := c.get(k, now); !ok {
			t.Fatalf("entry %d missing right after put", i)
		}
	}
	var k [32]byte
	if _, ok := c.get(k, now.Add(time.Minute)); ok {
		t.Error("an entry outlived its TTL")
	}
	off := newClientCache(-1)
	off.put(k, cachedClient{found: true}, now)
	if _, ok := off.get(k, now); ok || len(off.m) != 0 {
		t.Error("a negative TTL cached")
	}
}

func TestUntilMidnight(t *testing.T) {
	rome := time.FixedZone("CET", 3600)
	for _, tc := range []struct {
		now  time.Time
		want int64
	}{
		{time.Date(2026, 3, 14, 23, 59, 59, 500e6, rome), 1},
		{time.Date(2026, 3, 14, 0, 0, 0, 0, rome), 86400},
		{time.Date(2026, 12, 31, 12, 0, 0, 0, rome), 43200},
	} {
		if got := untilMidnight(tc.now); got != tc.want {
			t.Errorf("untilMidnight(%v) = %d, want %d", tc.now, got, tc.want)
		}
	}
}

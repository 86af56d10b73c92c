package engine

import (
	"hash/maphash"
	"sync"
	"time"

	"certa.example/certa/internal/ledger"
	"certa.example/certa/internal/seal"
)

// boundedMap is a map split in shards under their own locks, each holding
// at most cacheShardMax entries: a full shard is emptied (cheap, and under
// a flood of distinct keys a cache could not help anyway).
type boundedMap[K comparable, V any] struct {
	seed   maphash.Seed
	shards [32]struct {
		mu sync.Mutex
		m  map[K]V
	}
}

const cacheShardMax = 4096

func newBoundedMap[K comparable, V any]() *boundedMap[K, V] {
	b := &boundedMap[K, V]{seed: maphash.MakeSeed()}
	for i := range b.shards {
		b.shards[i].m = make(map[K]V)
	}
	return b
}

func (b *boundedMap[K, V]) shard(k K) int {
	return int(maphash.Comparable(b.seed, k) % uint64(len(b.shards)))
}

func (b *boundedMap[K, V]) get(k K) (V, bool) {
	sh := &b.shards[b.shard(k)]
	sh.mu.Lock()
	v, ok := sh.m[k]
	sh.mu.Unlock()
	return v, ok
}

func (b *boundedMap[K, V]) put(k K, v V) {
	sh := &b.shards[b.shard(k)]
	sh.mu.Lock()
	if len(sh.m) >= cacheShardMax {
		clear(sh.m)
	}
	sh.m[k] = v
	sh.mu.Unlock()
}

func (b *boundedMap[K, V]) delete(k K) {
	sh := &b.shards[b.shard(k)]
	sh.mu.Lock()
	delete(sh.m, k)
	sh.mu.Unlock()
}

// recordCache keeps ledger records read by Lookup for a short time, so that
// a code checked many times in a burst (a QR code scanned at a counter, a
// batch of verifications) reads the ledger about once per TTL. Statuses are
// still computed at each look-up from the record and the clock, so expiry
// is exact; a revocation through this engine evicts the record, one made
// by another process shows within the TTL. Unknown codes are not cached.
// A nil *recordCache caches nothing.
type recordCache struct {
	ttl time.Duration
	m   *boundedMap[string, cachedRecord]
}

type cachedRecord struct {
	rec  ledger.Record
	read time.Time
}

func newRecordCache(ttl time.Duration) *recordCache {
	if ttl <= 0 {
		return nil
	}
	return &recordCache{ttl: ttl, m: newBoundedMap[string, cachedRecord]()}
}

func (c *recordCache) get(code string, now time.Time) (ledger.Record, bool) {
	if c == nil {
		return ledger.Record{}, false
	}
	e, ok := c.m.get(code)
	if !ok || now.Before(e.read) || now.Sub(e.read) >= c.ttl {
		return ledger.Record{}, false
	}
	return e.rec, true
}

func (c *recordCache) put(rec ledger.Record, now time.Time) {
	if c != nil {
		c.m.put(rec.Code, cachedRecord{rec: rec, read: now})
	}
}

func (c *recordCache) evict(code string) {
	if c != nil {
		c.m.delete(code)
	}
}

// sealCache remembers the claims of authentic seals by the SHA-256 of
// their text.
type sealCache = boundedMap[[32]byte, seal.Claims]

func newSealCache() *sealCache { return newBoundedMap[[32]byte, seal.Claims]() }

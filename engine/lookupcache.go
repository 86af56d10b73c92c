package engine

import (
	"hash/maphash"
	"sync"
	"time"

	"certa.example/certa/internal/ledger"
	"certa.example/certa/internal/seal"
)

// recordCache keeps ledger records read by Lookup for a short time, so that
// a code checked many times in a burst (a QR code scanned at a counter, a
// batch of verifications) reads the ledger about once per TTL. Statuses are
// still computed at each look-up from the record and the clock, so expiry
// is exact; a revocation through this engine evicts the record, one made
// by another process shows within the TTL. Unknown codes are not cached.
type recordCache struct {
	ttl    time.Duration
	seed   maphash.Seed
	shards [32]cacheShard
}

type cacheShard struct {
	mu sync.Mutex
	m  map[string]cachedRecord
}

type cachedRecord struct {
	rec  ledger.Record
	read time.Time
}

// cacheShardMax bounds each shard; a full shard is emptied (cheap, and
// under a flood of distinct codes the cache could not help anyway).
const cacheShardMax = 4096

func newRecordCache(ttl time.Duration) *recordCache {
	if ttl <= 0 {
		return nil
	}
	c := &recordCache{ttl: ttl, seed: maphash.MakeSeed()}
	for i := range c.shards {
		c.shards[i].m = make(map[string]cachedRecord)
	}
	return c
}

func (c *recordCache) shard(code string) *cacheShard {
	return &c.shards[maphash.String(c.seed, code)%uint64(len(c.shards))]
}

func (c *recordCache) get(code string, now time.Time) (ledger.Record, bool) {
	if c == nil {
		return ledger.Record{}, false
	}
	sh := c.shard(code)
	sh.mu.Lock()
	e, ok := sh.m[code]
	sh.mu.Unlock()
	if !ok || now.Before(e.read) || now.Sub(e.read) >= c.ttl {
		return ledger.Record{}, false
	}
	return e.rec, true
}

func (c *recordCache) put(rec ledger.Record, now time.Time) {
	if c == nil {
		return
	}
	sh := c.shard(rec.Code)
	sh.mu.Lock()
	if len(sh.m) >= cacheShardMax {
		clear(sh.m)
	}
	sh.m[rec.Code] = cachedRecord{rec: rec, read: now}
	sh.mu.Unlock()
}

func (c *recordCache) evict(code string) {
	if c == nil {
		return
	}
	sh := c.shard(code)
	sh.mu.Lock()
	delete(sh.m, code)
	sh.mu.Unlock()
}

// sealCache remembers the claims of authentic seals by the SHA-256 of
// their text, bounded like recordCache.
type sealCache struct {
	shards [32]struct {
		mu sync.Mutex
		m  map[[32]byte]seal.Claims
	}
}

func newSealCache() *sealCache {
	c := &sealCache{}
	for i := range c.shards {
		c.shards[i].m = make(map[[32]byte]seal.Claims)
	}
	return c
}

func (c *sealCache) get(key [32]byte) (seal.Claims, bool) {
	sh := &c.shards[key[0]%32]
	sh.mu.Lock()
	v, ok := sh.m[key]
	sh.mu.Unlock()
	return v, ok
}

func (c *sealCache) put(key [32]byte, v seal.Claims) {
	sh := &c.shards[key[0]%32]
	sh.mu.Lock()
	if len(sh.m) >= cacheShardMax {
		clear(sh.m)
	}
	sh.m[key] = v
	sh.mu.Unlock()
}

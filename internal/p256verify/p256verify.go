// Package p256verify checks ECDSA P-256 signatures about 2.5 times as fast
// as crypto/ecdsa for a public key that checks many of them, such as the
// seal key of a trust list.
//
// For each key it precomputes, once, the multiples j·2^(10i)·Q of the key
// point Q (26 windows of 512 points, 1.2 MiB), so that u2·Q in the
// verification equation R = u1·G + u2·Q costs at most 26 point additions
// instead of a variable-base scalar multiplication. u1·G uses the
// constant-time fixed-base multiplication of filippo.io/nistec (the standard
// library's P-256 with its assembly, published as a module). All group
// operations are nistec's; this package only chooses the table entries.
//
// Caveats:
//   - The table look-ups depend on u2, so verification is not constant time.
//     That is fine for verification: the key, the message and the signature
//     are all public. Never use this code with secret scalars.
//   - A table takes about 7 ms to build, so a key pays off after about a
//     hundred verifications. Cache keeps at most a fixed number of tables;
//     for further keys it returns nil and callers use crypto/ecdsa.
//   - The result must equal crypto/ecdsa.Verify's for every input; the
//     tests and FuzzVerify compare the two.
package p256verify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/binary"
	"errors"
	"math/big"
	"sync"
	"sync/atomic"

	"filippo.io/nistec"
)

const (
	window  = 10                              // bits per window
	half    = 1 << (window - 1)               // table entries per window: 1..half
	windows = (256 + 1 + window - 1) / window // one more bit for the final carry
)

// order is n, the order of the P-256 base point.
var order = elliptic.P256().Params().N

// Key is a P-256 public key with its precomputed table. It is immutable
// and safe for concurrent use.
type Key struct {
	table *[windows][half]nistec.P256Point
}

// NewKey precomputes the table for pub, which must be a valid P-256 key.
func NewKey(pub *ecdsa.PublicKey) (*Key, error) {
	if pub == nil || pub.Curve != elliptic.P256() {
		return nil, errors.New("p256verify: not a P-256 key")
	}
	raw, err := pub.Bytes()
	if err != nil {
		return nil, errors.New("p256verify: invalid P-256 key")
	}
	q, err := nistec.NewP256Point().SetBytes(raw)
	if err != nil || q.IsInfinity() == 1 {
		return nil, errors.New("p256verify: invalid P-256 key")
	}
	t := new([windows][half]nistec.P256Point)
	base := q // 2^(8i)·Q
	for i := range t {
		t[i][0].Set(base)
		for j := 1; j < half; j++ {
			t[i][j].Add(&t[i][j-1], base)
		}
		for range window {
			base.Double(base)
		}
	}
	return &Key{table: t}, nil
}

// Verify reports whether sig, the concatenation r‖s of two 32-byte
// big-endian integers (the COSE and JWS form), is a valid signature of
// digest. As in crypto/ecdsa, a digest longer than 32 bytes is truncated.
func (k *Key) Verify(digest, sig []byte) bool {
	if len(sig) != 64 {
		return false
	}
	r := new(big.Int).SetBytes(sig[:32])
	s := new(big.Int).SetBytes(sig[32:])
	if r.Sign() <= 0 || s.Sign() <= 0 || r.Cmp(order) >= 0 || s.Cmp(order) >= 0 {
		return false
	}
	if len(digest) > 32 {
		digest = digest[:32]
	}
	w := new(big.Int).ModInverse(s, order)
	u1 := new(big.Int).SetBytes(digest)
	u1.Mul(u1, w).Mod(u1, order)
	u2 := w.Mul(r, w).Mod(w, order)
	var b1, b2 [32]byte
	u1.FillBytes(b1[:])
	u2.FillBytes(b2[:])

	p, err := nistec.NewP256Point().ScalarBaseMult(b1[:])
	if err != nil {
		return false
	}
	p.Add(p, k.mul(&b2))
	x, err := p.BytesX() // fails for the point at infinity
	if err != nil {
		return false
	}
	v := new(big.Int).SetBytes(x)
	return v.Mod(v, order).Cmp(r) == 0
}

// mul returns scalar·Q for a 32-byte big-endian scalar, reading it in
// signed digits d ∈ [-2^(w-1)+1, 2^(w-1)] of w = window bits, so that the
// table holds only the positive half: a negative digit adds the negated
// entry.
func (k *Key) mul(scalar *[32]byte) *nistec.P256Point {
	var limbs [5]uint64 // little-endian, with a zero limb above the top
	for i := range 4 {
		limbs[i] = binary.BigEndian.Uint64(scalar[24-8*i:])
	}
	acc := nistec.NewP256Point() // the point at infinity
	var neg nistec.P256Point
	carry := 0
	for i := range windows {
		bit := i * window
		v := limbs[bit/64] >> (bit % 64)
		if bit%64+window > 64 && bit/64 < 4 {
			v |= limbs[bit/64+1] << (64 - bit%64)
		}
		d := int(v&(1<<window-1)) + carry
		carry = 0
		if d > half {
			d -= 1 << window
			carry = 1
		}
		switch {
		case d > 0:
			acc.Add(acc, &k.table[i][d-1])
		case d < 0:
			acc.Add(acc, neg.Negate(&k.table[i][-d-1]))
		}
	}
	return acc
}

// Cache holds the tables of up to a fixed number of keys, looked up by the
// key's encoding without a lock on the hot path. The zero value is not
// usable; use NewCache.
type Cache struct {
	max     int32
	entries atomic.Int32
	keys    sync.Map // string(uncompressed point) -> *cacheEntry
}

type cacheEntry struct {
	once sync.Once
	key  *Key
}

// NewCache returns a cache for at most max keys.
func NewCache(max int) *Cache { return &Cache{max: int32(max)} }

// Key returns the table for pub, building it on first use, or nil when pub
// is not a valid P-256 key or the cache is full.
func (c *Cache) Key(pub *ecdsa.PublicKey) *Key {
	if pub == nil || pub.Curve != elliptic.P256() {
		return nil
	}
	raw, err := pub.Bytes()
	if err != nil {
		return nil
	}
	v, ok := c.keys.Load(string(raw))
	if !ok {
		if c.entries.Add(1) > c.max {
			c.entries.Add(-1)
			return nil
		}
		var loaded bool
		if v, loaded = c.keys.LoadOrStore(string(raw), new(cacheEntry)); loaded {
			c.entries.Add(-1)
		}
	}
	e := v.(*cacheEntry)
	e.once.Do(func() { e.key, _ = NewKey(pub) })
	return e.key
}

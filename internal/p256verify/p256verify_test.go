package p256verify

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"math/big"
	mrand "math/rand/v2"
	"sync"
	"testing"

	"filippo.io/nistec"
)

// testKey is a fixed key, so that failures reproduce.
func testKey(t testing.TB, seed uint64) *ecdsa.PrivateKey {
	t.Helper()
	rng := mrand.New(mrand.NewPCG(seed, 1))
	d := new(big.Int)
	for d.Sign() == 0 {
		var b [32]byte
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		d.SetBytes(b[:]).Mod(d, order)
	}
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d.FillBytes(make([]byte, 32)))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func rawSig(r, s *big.Int) []byte {
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return sig
}

// stdVerify is the reference: crypto/ecdsa on the same r‖s.
func stdVerify(pub *ecdsa.PublicKey, digest, sig []byte) bool {
	if len(sig) != 64 {
		return false
	}
	return ecdsa.Verify(pub, digest, new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
}

func TestVerifyAgreesWithCryptoECDSA(t *testing.T) {
	for seed := range uint64(3) {
		priv := testKey(t, seed)
		k, err := NewKey(&priv.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		rng := mrand.New(mrand.NewPCG(seed, 2))
		for i := range 300 {
			digest := make([]byte, 32)
			for j := range digest {
				digest[j] = byte(rng.Uint32())
			}
			r, s, err := ecdsa.Sign(rand.Reader, priv, digest)
			if err != nil {
				t.Fatal(err)
			}
			sig := rawSig(r, s)
			if !k.Verify(digest, sig) {
				t.Fatalf("key %d, signature %d: valid signature rejected", seed, i)
			}
			// One flipped bit anywhere must be rejected, as crypto/ecdsa does.
			bit := rng.IntN(8 * 96)
			d2, s2 := bytes.Clone(digest), bytes.Clone(sig)
			if bit < 256 {
				d2[bit/8] ^= 1 << (bit % 8)
			} else {
				s2[(bit-256)/8] ^= 1 << (bit % 8)
			}
			if got, want := k.Verify(d2, s2), stdVerify(&priv.PublicKey, d2, s2); got != want || got {
				t.Fatalf("key %d, signature %d, bit %d flipped: got %v, crypto/ecdsa %v", seed, i, bit, got, want)
			}
		}
	}
}

func TestVerifyEdgeCases(t *testing.T) {
	priv := testKey(t, 7)
	pub := &priv.PublicKey
	k, err := NewKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte("certa"))
	r, s, err := ecdsa.Sign(rand.Reader, priv, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	one := big.NewInt(1)
	nMinus1 := new(big.Int).Sub(order, one)
	rawD, err := priv.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	d := new(big.Int).SetBytes(rawD)

	// e ≡ -r·d (mod n) makes u1·G + u2·Q the point at infinity.
	infR := big.NewInt(12345)
	infE := new(big.Int).Mul(infR, d)
	infE.Neg(infE).Mod(infE, order)

	// Pad a digest with garbage after 32 bytes: only the first 32 count.
	long := append(bytes.Clone(digest[:]), 0xde, 0xad)

	tests := []struct {
		name   string
		digest []byte
		sig    []byte
		want   bool
	}{
		{"valid", digest[:], rawSig(r, s), true},
		{"digest longer than 32 bytes is truncated", long, rawSig(r, s), true},
		{"empty digest", nil, rawSig(r, s), false},
		{"r = 0", digest[:], rawSig(new(big.Int), s), false},
		{"s = 0", digest[:], rawSig(r, new(big.Int)), false},
		{"r = n", digest[:], rawSig(order, s), false},
		{"s = n", digest[:], rawSig(r, order), false},
		{"r = n-1, s = 1", digest[:], rawSig(nMinus1, one), false},
		{"r + n overflowing 32 bytes", digest[:], append(bytes.Repeat([]byte{0xff}, 32), rawSig(r, s)[32:]...), false},
		{"sum is the point at infinity", infE.FillBytes(make([]byte, 32)), rawSig(infR, one), false},
		{"short signature", digest[:], rawSig(r, s)[:63], false},
		{"long signature", digest[:], append(rawSig(r, s), 0), false},
		{"nil signature", digest[:], nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := k.Verify(tt.digest, tt.sig); got != tt.want {
				t.Errorf("Verify = %v, want %v", got, tt.want)
			}
			if std := stdVerify(pub, tt.digest, tt.sig); std != tt.want {
				t.Errorf("crypto/ecdsa says %v, test expects %v", std, tt.want)
			}
		})
	}
}

// TestMulAgreesWithScalarMult checks the table multiplication, including
// every signed-digit carry pattern, against nistec's ScalarMult.
func TestMulAgreesWithScalarMult(t *testing.T) {
	priv := testKey(t, 11)
	k, err := NewKey(&priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := priv.PublicKey.Bytes()
	q, err := nistec.NewP256Point().SetBytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	scalars := map[string][]byte{
		"zero":             make([]byte, 32),
		"one":              big.NewInt(1).FillBytes(make([]byte, 32)),
		"n-1":              new(big.Int).Sub(order, big.NewInt(1)).FillBytes(make([]byte, 32)),
		"n":                order.FillBytes(make([]byte, 32)),
		"2^256-1":          bytes.Repeat([]byte{0xff}, 32),
		"all digits 128":   bytes.Repeat([]byte{0x80}, 32),
		"all digits 129":   bytes.Repeat([]byte{0x81}, 32),
		"all digits 127":   bytes.Repeat([]byte{0x7f}, 32),
		"top digit 0xff":   append([]byte{0xff}, make([]byte, 31)...),
		"low digit 0xff":   append(make([]byte, 31), 0xff),
		"alternating 80ff": bytes.Repeat([]byte{0x80, 0xff}, 16),
	}
	rng := mrand.New(mrand.NewPCG(11, 3))
	for i := range 200 {
		b := make([]byte, 32)
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		scalars["random "+string(rune('a'+i%26))+big.NewInt(int64(i)).String()] = b
	}
	for name, sc := range scalars {
		t.Run(name, func(t *testing.T) {
			want, err := nistec.NewP256Point().ScalarMult(q, sc)
			if err != nil {
				t.Fatal(err)
			}
			if got := k.mul((*[32]byte)(sc)); got.Equal(want) != 1 {
				t.Errorf("mul(%x) differs from ScalarMult", sc)
			}
		})
	}
}

func TestNewKeyRejects(t *testing.T) {
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	//lint:ignore SA1019 an invalid key cannot be built through the new API
	offCurve := &ecdsa.PublicKey{Curve: elliptic.P256(), X: big.NewInt(1), Y: big.NewInt(1)}
	for name, pub := range map[string]*ecdsa.PublicKey{"nil": nil, "P-384": &p384.PublicKey, "off the curve": offCurve} {
		t.Run(name, func(t *testing.T) {
			if k, err := NewKey(pub); err == nil || k != nil {
				t.Errorf("NewKey = %v, %v; want an error", k, err)
			}
			if k := NewCache(4).Key(pub); k != nil {
				t.Errorf("Cache.Key = %v, want nil", k)
			}
		})
	}
}

func TestCache(t *testing.T) {
	c := NewCache(2)
	a, b, third := testKey(t, 21), testKey(t, 22), testKey(t, 23)

	// Concurrent first uses build one table.
	var wg sync.WaitGroup
	got := make([]*Key, 8)
	for i := range got {
		wg.Go(func() {
			// A distinct *ecdsa.PublicKey with the same point shares the entry.
			pub := a.PublicKey
			got[i] = c.Key(&pub)
		})
	}
	wg.Wait()
	for i := range got {
		if got[i] == nil || got[i] != got[0] {
			t.Fatalf("concurrent Key calls returned %p and %p", got[0], got[i])
		}
	}
	if c.Key(&b.PublicKey) == nil {
		t.Fatal("second key not cached")
	}
	if c.Key(&third.PublicKey) != nil {
		t.Fatal("cache grew beyond its limit")
	}
	if c.Key(&a.PublicKey) != got[0] {
		t.Fatal("first key lost")
	}
	if n := c.entries.Load(); n != 2 {
		t.Fatalf("entries = %d, want 2", n)
	}
}

// FuzzVerify: Verify must agree with crypto/ecdsa on any digest and
// signature for a fixed key.
func FuzzVerify(f *testing.F) {
	priv := testKey(f, 31)
	k, err := NewKey(&priv.PublicKey)
	if err != nil {
		f.Fatal(err)
	}
	for i := range 4 {
		digest := sha256.Sum256([]byte{byte(i)})
		r, s, err := ecdsa.Sign(rand.Reader, priv, digest[:])
		if err != nil {
			f.Fatal(err)
		}
		f.Add(digest[:], rawSig(r, s))
	}
	f.Add([]byte{}, make([]byte, 64))
	f.Fuzz(func(t *testing.T, digest, sig []byte) {
		if got, want := k.Verify(digest, sig), stdVerify(&priv.PublicKey, digest, sig); got != want {
			t.Fatalf("Verify(%x, %x) = %v, crypto/ecdsa %v", digest, sig, got, want)
		}
	})
}

// BenchmarkVerify runs with -cpu 1 beside BenchmarkCryptoECDSAVerify, the
// standard library on the same key and signature, so that their ratio
// comes from one run.
func BenchmarkVerify(b *testing.B) {
	priv := testKey(b, 41)
	k, err := NewKey(&priv.PublicKey)
	if err != nil {
		b.Fatal(err)
	}
	digest := sha256.Sum256([]byte("certa"))
	r, s, _ := ecdsa.Sign(rand.Reader, priv, digest[:])
	sig := rawSig(r, s)
	b.ReportAllocs()
	for b.Loop() {
		if !k.Verify(digest[:], sig) {
			b.Fatal("rejected")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
}

func BenchmarkCryptoECDSAVerify(b *testing.B) {
	priv := testKey(b, 41)
	digest := sha256.Sum256([]byte("certa"))
	sig, _ := ecdsa.SignASN1(rand.Reader, priv, digest[:])
	b.ReportAllocs()
	for b.Loop() {
		if !ecdsa.VerifyASN1(&priv.PublicKey, digest[:], sig) {
			b.Fatal("rejected")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
}

func BenchmarkNewKey(b *testing.B) {
	priv := testKey(b, 41)
	for b.Loop() {
		if _, err := NewKey(&priv.PublicKey); err != nil {
			b.Fatal(err)
		}
	}
}

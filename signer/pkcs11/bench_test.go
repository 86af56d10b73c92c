package pkcs11

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"sync"
	"testing"
)

// BenchmarkSign measures signatures per second through SoftHSM with 1, 2
// and 8 concurrent callers (max-sessions=8). Run it with
//
//	go test -run '^$' -bench BenchmarkSign -benchtime 3s ./signer/pkcs11/
func BenchmarkSign(b *testing.B) {
	base, pin := token(b)
	for _, alg := range []struct {
		name string
		opts crypto.SignerOpts
	}{
		{"P-256", crypto.SHA256},
		{"RSA-3072", &rsa.PSSOptions{Hash: crypto.SHA256, SaltLength: rsa.PSSSaltLengthEqualsHash}},
	} {
		u, _ := generate(b, base, pin, "bench-"+alg.name, alg.name)
		u.MaxSessions = 8
		k := open(b, u, pin, Options{})
		digest := sha256.Sum256([]byte("benchmark"))
		for _, workers := range []int{1, 2, 8} {
			b.Run(fmt.Sprintf("%s/workers=%d", alg.name, workers), func(b *testing.B) {
				var wg sync.WaitGroup
				b.ResetTimer()
				for w := range workers {
					n := b.N / workers
					if w < b.N%workers {
						n++
					}
					wg.Add(1)
					go func() {
						defer wg.Done()
						for range n {
							if _, err := k.Sign(nil, digest[:], alg.opts); err != nil {
								b.Error(err)
								return
							}
						}
					}()
				}
				wg.Wait()
				b.StopTimer()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sigs/s")
			})
		}
	}
}

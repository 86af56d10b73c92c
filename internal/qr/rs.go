package qr

import "sync"

// Reed-Solomon over GF(256) with the QR polynomial x^8+x^4+x^3+x^2+1.

var gfExp, gfLog = func() (exp [512]byte, log [256]byte) {
	x := 1
	for i := range 255 {
		exp[i] = byte(x)
		log[x] = byte(i)
		x <<= 1
		if x&0x100 != 0 {
			x ^= 0x11D
		}
	}
	for i := 255; i < 512; i++ {
		exp[i] = exp[i-255]
	}
	return exp, log
}()

var generators sync.Map // ecc length -> []byte, generator coefficients as logs

// generator returns the logs of the coefficients of prod (x - a^i), i < n,
// highest degree first, leading 1 omitted.
func generator(n int) []byte {
	if g, ok := generators.Load(n); ok {
		return g.([]byte)
	}
	// poly[0] is the x^n coefficient.
	poly := make([]byte, n+1)
	poly[0] = 1
	for i := range n {
		// multiply by (x + a^i)
		for j := i + 1; j >= 1; j-- {
			c := poly[j]
			if poly[j-1] != 0 {
				c ^= gfExp[int(gfLog[poly[j-1]])+i]
			}
			poly[j] = c
		}
	}
	logs := make([]byte, n)
	for j := 1; j <= n; j++ {
		logs[j-1] = gfLog[poly[j]] // generator coefficients are never 0
	}
	g, _ := generators.LoadOrStore(n, logs)
	return g.([]byte)
}

// appendECC appends the n error correction codewords of data to dst.
func appendECC(dst, data []byte, n int) []byte {
	g := generator(n)
	start := len(dst)
	for range n {
		dst = append(dst, 0)
	}
	rem := dst[start:]
	for _, d := range data {
		f := d ^ rem[0]
		copy(rem, rem[1:])
		rem[n-1] = 0
		if f != 0 {
			lf := int(gfLog[f])
			for j, lg := range g {
				rem[j] ^= gfExp[lf+int(lg)]
			}
		}
	}
	return dst
}

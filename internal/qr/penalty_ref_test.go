package qr

import (
	"math/rand/v2"
	"testing"
)

// The reference penalty: one module at a time, on the byte matrix; the
// bit-parallel penalty must agree with it.

// penaltyBytes is go-qrcode's penalty score of a symbol, rule for rule, including
// its reading of rule 3 (an 11-module window matching 0000 1011101 or
// 1011101 0000, restarting after a match, plus a 1011101 that ends a row).
// The loops are branch-free per module (runs are capped at 7, where the
// score stops depending on the length, and rule 3 is a table look-up), as
// random-looking data makes every branch a coin toss.
func penaltyBytes(m []byte, size int) int {
	p, dark := 0, 0
	for y := range size {
		row := m[y*size : (y+1)*size]
		p += lineBytes(row, 1, size)
		for _, v := range row {
			dark += int(v)
		}
		if y > 0 {
			above := m[(y-1)*size : y*size]
			same := 0
			for x := 1; x < size; x++ {
				c := row[x]
				same += int(1 ^ ((c ^ row[x-1]) | (c ^ above[x]) | (c ^ above[x-1])))
			}
			p += weight2 * same
		}
	}
	for x := range size {
		p += lineBytes(m[x:], size, size)
	}
	total := size * size
	dev := total/2 - dark
	if dev < 0 {
		dev = -dev
	}
	return p + weight4*(dev/(total/20))
}

// runScore[r] is rule 1's increment when a run reaches length r (capped at 7).
var runScoreBytes = [8]int{6: weight1 + 1, 7: 1}

// finderLikeBytes marks the 11-bit windows rule 3 scores.
var finderLikeBytes = func() (t [2048]bool) {
	t[0x05d], t[0x5d0] = true, true
	return t
}()

// lineBytes scores rules 1 and 3 along n modules of m, step apart.
func lineBytes(m []byte, step, n int) int {
	p := 0
	last := m[0]
	run := 1
	window := uint16(last)
	for i, at := 1, step; i < n; i, at = i+1, at+step {
		v := m[at]
		run = min(run*int(1^(v^last))+1, 7)
		p += runScoreBytes[run]
		last = v
		window = window<<1 | uint16(v)
		if finderLikeBytes[window&0x7ff] {
			p += weight3
			window = 0xff
		}
	}
	if window&0x7f == 0x5d && window != 0xff {
		p += weight3
	}
	return p
}

// TestLineScoreMatchesReference checks rules 1 and 3 line by line on lines
// built from finder-like pieces, so that matches follow each other within
// go-qrcode's restart reach, end lines, and straddle words.
func TestLineScoreMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	pieces := [][]byte{
		{0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1},
		{1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0},
		{1, 0, 1, 1, 1, 0, 1},
		{0, 0, 0, 0},
		{1}, {0}, {1, 1, 1, 1, 1, 1, 1, 1},
	}
	for trial := range 20000 {
		n := 7 + rng.IntN(171)
		m := make([]byte, 0, n+11)
		for len(m) < n {
			if rng.IntN(4) == 0 {
				m = append(m, byte(rng.IntN(2)))
				continue
			}
			m = append(m, pieces[rng.IntN(len(pieces))]...)
		}
		m = m[:n]
		var b line
		for i, v := range m {
			if v == 1 {
				b.set(i)
			}
		}
		valid := firstN(n)
		inner := andNot(valid, line{w0: 1})
		if got, want := lineScore(&b, n, valid, inner), lineBytes(m, 1, n); got != want {
			t.Fatalf("trial %d, line %v: score %d, reference %d", trial, m, got, want)
		}
	}
}

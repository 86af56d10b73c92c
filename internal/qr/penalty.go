package qr

import "math/bits"

// Penalty weights (ISO/IEC 18004).
const (
	weight1 = 3
	weight2 = 3
	weight3 = 40
	weight4 = 10
)

// line is one row or column of a symbol, one bit per module, module i at
// bit i%64 of word i/64 (177 modules at most). A struct, not an array, so
// that the compiler keeps it in registers.
type line struct{ w0, w1, w2 uint64 }

func (b *line) set(i int) { b.or(i, 1) }

// or sets module i if bit (0 or 1) is 1.
func (b *line) or(i int, bit uint64) {
	bit <<= i & 63
	switch i >> 6 {
	case 0:
		b.w0 |= bit
	case 1:
		b.w1 |= bit
	default:
		b.w2 |= bit
	}
}

func (b *line) bit(i int) uint64 {
	w := b.w0
	switch i >> 6 {
	case 1:
		w = b.w1
	case 2:
		w = b.w2
	}
	return w >> (i & 63) & 1
}

// shl moves every module k places up: result bit i is bit i-k, 0 below k.
func (b line) shl(k uint) line {
	return line{b.w0 << k, b.w1<<k | b.w0>>(64-k), b.w2<<k | b.w1>>(64-k)}
}

func and(a, b line) line    { return line{a.w0 & b.w0, a.w1 & b.w1, a.w2 & b.w2} }
func or(a, b line) line     { return line{a.w0 | b.w0, a.w1 | b.w1, a.w2 | b.w2} }
func xor(a, b line) line    { return line{a.w0 ^ b.w0, a.w1 ^ b.w1, a.w2 ^ b.w2} }
func not(a line) line       { return line{^a.w0, ^a.w1, ^a.w2} }
func andNot(a, b line) line { return line{a.w0 &^ b.w0, a.w1 &^ b.w1, a.w2 &^ b.w2} }
func count(a line) int {
	return bits.OnesCount64(a.w0) + bits.OnesCount64(a.w1) + bits.OnesCount64(a.w2)
}

// firstN has bits 0..n-1 set.
func firstN(n int) line {
	var l line
	for i := range n {
		l.set(i)
	}
	return l
}

// penalty is go-qrcode's penalty score (see penaltyBytes in the tests for
// the module-at-a-time reading it must agree with) of the symbol whose rows
// and columns are given, computed a word at a time.
func penalty(rows, cols []line, size int) int {
	valid := firstN(size)
	inner := andNot(valid, line{w0: 1}) // modules 1..size-1
	p, dark := 0, 0
	for y := range rows {
		p += lineScore(&rows[y], size, valid, inner)
		p += lineScore(&cols[y], size, valid, inner)
		dark += count(rows[y])
		if y > 0 {
			s, r := rows[y], rows[y-1]
			same := and(and(not(xor(s, s.shl(1))), not(xor(s, r))), and(not(xor(s, r.shl(1))), inner))
			p += weight2 * count(same)
		}
	}
	total := size * size
	dev := total/2 - dark
	if dev < 0 {
		dev = -dev
	}
	return p + weight4*(dev/(total/20))
}

// Rule 3's patterns as 11-module windows, the latest module in bit 0.
const (
	finderAfter  = 0x05d // 0000 1011101
	finderBefore = 0x5d0 // 1011101 0000
)

// lineScore scores rules 1 and 3 along one line.
func lineScore(b *line, n int, valid, inner line) int {
	// Rule 1: a run of L >= 6 scores L-2: one per module that ends six
	// equal ones, plus three per run.
	eq := and(not(xor(*b, b.shl(1))), inner)
	six := and(and(eq, eq.shl(1)), and(and(eq.shl(2), eq.shl(3)), eq.shl(4)))
	p := count(six) + 3*count(andNot(six, six.shl(1)))

	// Rule 3: without a true 11-module match go-qrcode's window is the
	// true window everywhere; with one, its restart after each match can
	// change later ones, so the line is scanned as go-qrcode scans it.
	if m := finderLike(b, valid); m != (line{}) {
		return p + scanRule3(b, n, nextSet(m, 0), m)
	}
	if n >= 7 && b.last7(n) == 0x5d {
		p += weight3
	}
	return p
}

// finderLike returns the ends of the 11-module windows of b that are
// 0000 1011101 or 1011101 0000, modules before the line's start counting
// as light.
func finderLike(b *line, valid line) line {
	s1 := b.shl(1)
	s2 := s1.shl(1)
	s3 := s2.shl(1)
	s4 := s3.shl(1)
	s5 := s4.shl(1)
	s6 := s5.shl(1)
	// core ends a 1011101 at each of its bits.
	core := and(and(andNot(*b, s1), and(s2, s3)), andNot(and(s4, s6), s5))
	if core == (line{}) {
		return line{}
	}
	light4 := not(or(or(*b, s1), or(s2, s3))) // four light modules end here
	lightBefore := light4.shl(7)
	lightBefore.w0 |= 1<<7 - 1 // the line's start counts as light
	return and(or(and(core, lightBefore), and(core.shl(4), light4)), valid)
}

// nextSet returns the first module at or after i that is set in m, or -1.
func nextSet(m line, i int) int {
	if i >= 192 {
		return -1
	}
	var below line
	below.w0 = 1<<min(i, 64) - 1
	if i >= 64 {
		below.w0 = ^uint64(0)
		below.w1 = 1<<min(i-64, 64) - 1
	}
	if i >= 128 {
		below.w1 = ^uint64(0)
		below.w2 = 1<<(i-128) - 1
	}
	m = andNot(m, below)
	switch {
	case m.w0 != 0:
		return bits.TrailingZeros64(m.w0)
	case m.w1 != 0:
		return 64 + bits.TrailingZeros64(m.w1)
	case m.w2 != 0:
		return 128 + bits.TrailingZeros64(m.w2)
	}
	return -1
}

// last7 returns the last 7 of n modules (n >= 7), module n-7 in bit 0.
// Rule 3 compares it with 1011101, which reads the same both ways.
func (b *line) last7(n int) uint64 {
	i := n - 7
	lo, hi := b.w0, b.w1
	if i >= 64 {
		lo, hi = b.w1, b.w2
	}
	if i >= 128 {
		lo, hi = b.w2, 0
	}
	return (lo>>(i&63) | hi<<(64-i&63)) & 0x7f
}

// scanRule3 is go-qrcode's rule 3 from the first true match, at first
// (before it go-qrcode's window is the true one and matches nothing); m
// holds the true matches (finderLike). After each match go-qrcode restarts
// its window as eight dark modules, so the ten windows that follow are
// read module by module; from the eleventh on the window is the true one
// again and the next true match is looked up in m.
func scanRule3(b *line, n, first int, m line) int {
	p := weight3
	for r := first; ; {
		window := uint16(0xff)
		j := r + 1
		for ; j < n && j <= r+10; j++ {
			window = window<<1 | uint16(b.bit(j))
			if w := window & 0x7ff; w == finderAfter || w == finderBefore {
				break
			}
		}
		switch {
		case j < n && j <= r+10: // a match in the restart's reach
			p += weight3
			r = j
			continue
		case j == n: // the line ended within it
			if window&0x7f == 0x5d {
				p += weight3
			}
			return p
		}
		next := nextSet(m, r+11)
		if next < 0 {
			if b.last7(n) == 0x5d {
				p += weight3
			}
			return p
		}
		p += weight3
		r = next
	}
}

// Package qr encodes QR codes (ISO/IEC 18004) fast enough to draw one per
// certificate without it dominating the cost of issuance.
//
// The output is bit for bit what github.com/skip2/go-qrcode produces for the
// same text and level (the design's QR library, which the tests use as the
// oracle): the same segmentation into numeric, alphanumeric and byte
// segments, the same smallest version, the same padding, Reed-Solomon
// blocks and interleaving, and the same choice among the eight masks by the
// same penalty score. What differs is the cost: go-qrcode builds each of
// the eight candidate symbols from scratch as [][]bool with per-module
// bookkeeping and allocates for every Reed-Solomon step, about 2.4 ms for
// the 430-character seal URL of a certificate (version 13); here each
// version's function patterns and module order are computed once per
// process, Reed-Solomon uses log tables and cached generators, and the
// masks are applied and scored on one reused matrix, with no allocation
// but the returned Code.
//
// Encode is safe for concurrent use.
package qr

import (
	"errors"
	"fmt"
	"sync"
)

// Level is the error correction level.
type Level int

// The four levels, in go-qrcode's order (Low, Medium, High, Highest).
const (
	L Level = iota // about 7% of codewords recoverable
	M              // about 15%
	Q              // about 25%
	H              // about 30%
)

// Code is an encoded symbol without its quiet zone.
type Code struct {
	Version int
	Size    int    // modules per side: 17 + 4*Version
	Mask    int    // the mask pattern chosen, 0-7
	modules []byte // Size*Size, row by row, 1 = dark
}

// Black reports whether the module at column x, row y is dark.
func (c *Code) Black(x, y int) bool { return c.modules[y*c.Size+x] == 1 }

// Row returns row y, one byte per module (1 = dark). It aliases the Code.
func (c *Code) Row(y int) []byte { return c.modules[y*c.Size : (y+1)*c.Size] }

// ErrTooLong is returned for text that no version holds at the level.
var ErrTooLong = errors.New("qr: text too long to encode")

// Encode encodes text at level l.
func Encode(text string, l Level) (*Code, error) {
	if l < L || l > H {
		return nil, fmt.Errorf("qr: invalid level %d", l)
	}
	if text == "" {
		return nil, errors.New("qr: no text to encode")
	}
	e := encoders.Get().(*encoder)
	defer encoders.Put(e)
	return e.encode(text, l)
}

var encoders = sync.Pool{New: func() any { return new(encoder) }}

// encoder holds the scratch buffers of one encoding.
type encoder struct {
	segs   []segment
	merged []segment
	data   bitWriter
	final  []byte // interleaved codewords
	ecc    []byte
	stream []byte // final codewords XOR a mask, as bits in module order
	// the unmasked data modules, and a masked symbol, by rows and columns
	dRows, dCols, rows, cols []line
}

// Modes, ordered as go-qrcode orders them (a higher mode holds more).
type mode uint8

const (
	modeNone mode = iota
	modeNumeric
	modeAlphanumeric
	modeByte
)

type segment struct {
	mode       mode
	start, end int
}

// versionRange is one of the three ranges of versions that share the
// widths of the character count fields.
type versionRange struct {
	min, max  int
	countBits [4]int // by mode
}

var ranges = [3]versionRange{
	{1, 9, [4]int{0, 10, 9, 8}},
	{10, 26, [4]int{0, 12, 11, 16}},
	{27, 40, [4]int{0, 14, 13, 16}},
}

var errCount = errors.New("qr: segment too long for its count field")

// encodedLength is the length in bits of n characters in mode m, or an
// error when n does not fit the character count field.
func (r *versionRange) encodedLength(m mode, n int) (int, error) {
	cb := r.countBits[m]
	if n > 1<<cb-1 {
		return 0, errCount
	}
	l := 4 + cb
	switch m {
	case modeNumeric:
		l += 10 * (n / 3)
		if n%3 != 0 {
			l += 1 + 3*(n%3)
		}
	case modeAlphanumeric:
		l += 11*(n/2) + 6*(n%2)
	case modeByte:
		l += 8 * n
	}
	return l, nil
}

func classify(c byte) mode {
	switch {
	case c >= '0' && c <= '9':
		return modeNumeric
	case alnumValue[c] >= 0:
		return modeAlphanumeric
	}
	return modeByte
}

var alnumValue = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i, c := range []byte("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:") {
		t[c] = int8(i)
	}
	return t
}()

// segmentsFor splits text as go-qrcode does for range r: runs of one mode,
// each run merged with the following lower-mode runs while that is
// shorter, or the whole text as one segment of its highest mode when that
// is no longer.
func (e *encoder) segmentsFor(text string, r *versionRange) ([]segment, error) {
	e.segs = e.segs[:0]
	highest := modeNone
	cur, start := modeNone, 0
	for i := 0; i < len(text); i++ {
		m := classify(text[i])
		if m != cur {
			if i > 0 {
				e.segs = append(e.segs, segment{cur, start, i})
				start = i
			}
			cur = m
		}
		highest = max(highest, m)
	}
	e.segs = append(e.segs, segment{cur, start, len(text)})

	e.merged = e.merged[:0]
	for i := 0; i < len(e.segs); {
		m := e.segs[i].mode
		n := e.segs[i].end - e.segs[i].start
		j := i + 1
		for ; j < len(e.segs); j++ {
			next := e.segs[j]
			nn := next.end - next.start
			if next.mode > m {
				break
			}
			joined, err := r.encodedLength(m, n+nn)
			if err != nil {
				return nil, err
			}
			a, err := r.encodedLength(m, n)
			if err != nil {
				return nil, err
			}
			b, err := r.encodedLength(next.mode, nn)
			if err != nil {
				return nil, err
			}
			if joined >= a+b {
				break
			}
			n += nn
		}
		e.merged = append(e.merged, segment{m, e.segs[i].start, e.segs[j-1].end})
		i = j
	}

	total := 0
	for _, s := range e.merged {
		l, err := r.encodedLength(s.mode, s.end-s.start)
		if err != nil {
			return nil, err
		}
		total += l
	}
	single, err := r.encodedLength(highest, len(text))
	if err != nil {
		return nil, err
	}
	if single <= total {
		e.merged = append(e.merged[:0], segment{highest, 0, len(text)})
	}
	return e.merged, nil
}

// writeSegments appends the segments' bits to e.data.
func (e *encoder) writeSegments(text string, segs []segment, r *versionRange) {
	w := &e.data
	for _, s := range segs {
		w.write(1<<(s.mode-1), 4) // 0001, 0010, 0100
		w.write(uint32(s.end-s.start), r.countBits[s.mode])
		d := text[s.start:s.end]
		switch s.mode {
		case modeNumeric:
			for i := 0; i < len(d); i += 3 {
				v, bits := uint32(0), 1
				for j := i; j < len(d) && j < i+3; j++ {
					v = v*10 + uint32(d[j]-'0')
					bits += 3
				}
				w.write(v, bits)
			}
		case modeAlphanumeric:
			for i := 0; i < len(d); i += 2 {
				if i+1 < len(d) {
					w.write(uint32(alnumValue[d[i]])*45+uint32(alnumValue[d[i+1]]), 11)
				} else {
					w.write(uint32(alnumValue[d[i]]), 6)
				}
			}
		case modeByte:
			for i := 0; i < len(d); i++ {
				w.write(uint32(d[i]), 8)
			}
		}
	}
}

func (e *encoder) encode(text string, l Level) (*Code, error) {
	var ver *version
	var err error
	for ri := range ranges {
		r := &ranges[ri]
		var segs []segment
		segs, err = e.segmentsFor(text, r)
		if err != nil {
			continue
		}
		e.data.reset()
		e.writeSegments(text, segs, r)
		for v := r.min; v <= r.max; v++ {
			if blocksOf(v, l).dataBits() >= e.data.n {
				ver = versionOf(v)
				break
			}
		}
		if ver != nil {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	if ver == nil {
		return nil, ErrTooLong
	}
	bl := blocksOf(ver.number, l)

	// Terminator, padding to a codeword boundary, pad codewords.
	capacity := bl.dataBits()
	e.data.write(0, min(4, capacity-e.data.n))
	if e.data.n%8 != 0 {
		e.data.write(0, 8-e.data.n%8)
	}
	for pad := uint32(0xEC); e.data.n < capacity; pad ^= 0xEC ^ 0x11 {
		e.data.write(pad, 8)
	}
	data := e.data.buf[:capacity/8]

	e.final = bl.interleave(e.final[:0], data, &e.ecc)
	return e.place(ver, l, e.final), nil
}

// bitWriter appends bits, most significant first, to a byte slice.
type bitWriter struct {
	buf []byte
	n   int // bits written
}

func (w *bitWriter) reset() { w.buf, w.n = w.buf[:0], 0 }

// write appends the low bits (at most 24) of v.
func (w *bitWriter) write(v uint32, bits int) {
	for bits > 0 {
		if w.n%8 == 0 {
			w.buf = append(w.buf, 0)
		}
		free := 8 - w.n%8 // bits left in the last byte
		take := min(free, bits)
		chunk := byte(v>>(bits-take)) & (1<<take - 1)
		w.buf[len(w.buf)-1] |= chunk << (free - take)
		w.n += take
		bits -= take
	}
}

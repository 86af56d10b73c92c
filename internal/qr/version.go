package qr

import "sync"

// Error correction codewords per block and number of blocks, by level and
// version (ISO/IEC 18004:2015 table 9); index 0 is unused.
var eccPerBlock = [4][41]int{
	{0, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30},
	{0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28},
	{0, 13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30, 28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30},
	{0, 17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28, 30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30},
}

var numBlocks = [4][41]int{
	{0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25},
	{0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49},
	{0, 1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68},
	{0, 1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81},
}

// rawModules is the number of data and error correction modules of a
// version (everything but function patterns, format and version
// information), remainder bits included.
func rawModules(v int) int {
	n := (16*v+128)*v + 64
	if v >= 2 {
		a := v/7 + 2
		n -= (25*a-10)*a - 55
		if v >= 7 {
			n -= 36
		}
	}
	return n
}

// blocks is the block structure of one version at one level: short blocks
// first, then blocks one data codeword longer.
type blocks struct {
	count      int // blocks
	short      int // blocks of shortData data codewords; the rest have one more
	shortData  int
	ecc        int // error correction codewords per block
	totalWords int
}

func blocksOf(v int, l Level) blocks {
	total := rawModules(v) / 8
	n := numBlocks[l][v]
	ecc := eccPerBlock[l][v]
	return blocks{
		count:      n,
		short:      n - total%n,
		shortData:  total/n - ecc,
		ecc:        ecc,
		totalWords: total,
	}
}

func (b blocks) dataBits() int { return 8 * (b.totalWords - b.count*b.ecc) }

// interleave appends the data codewords of every block, interleaved, then
// their error correction codewords, interleaved.
func (b blocks) interleave(dst, data []byte, scratch *[]byte) []byte {
	ecc := (*scratch)[:0]
	start := 0
	for i := 0; i < b.count; i++ {
		n := b.shortData
		if i >= b.short {
			n++
		}
		ecc = appendECC(ecc, data[start:start+n], b.ecc)
		start += n
	}
	*scratch = ecc
	for col := 0; col <= b.shortData; col++ {
		start = 0
		for i := 0; i < b.count; i++ {
			n := b.shortData
			if i >= b.short {
				n++
			}
			if col < n {
				dst = append(dst, data[start+col])
			}
			start += n
		}
	}
	for col := 0; col < b.ecc; col++ {
		for i := 0; i < b.count; i++ {
			dst = append(dst, ecc[i*b.ecc+col])
		}
	}
	return dst
}

// version is what depends on the version only, computed once.
type version struct {
	number   int
	size     int
	template []byte   // function patterns and version information; data modules 0
	order    []uint32 // data module indices (y*size+x) in placement order
	// maskBits[m] is mask m over order, as bits packed most significant
	// first, so that the data stream is masked a byte at a time.
	maskBits [8][]byte
	// format[i] are the two places of format bit i (bit 0 least significant).
	format [15][2]uint32

	// The same, a line at a time, for scoring the masks: the template's
	// rows and columns, and each mask's rows and columns over the data
	// modules only; xy[k] is the column and row of order[k].
	rows, cols         []line
	maskRows, maskCols [8][]line
	xy                 [][2]uint8
}

var (
	versionOnce [41]sync.Once
	versions    [41]*version
)

func versionOf(v int) *version {
	versionOnce[v].Do(func() { versions[v] = newVersion(v) })
	return versions[v]
}

// alignmentCenters returns the row/column centres of alignment patterns.
func alignmentCenters(v int) []int {
	if v == 1 {
		return nil
	}
	n := v/7 + 2
	step := 26
	if v != 32 {
		step = (v*4 + n*2 + 1) / (n*2 - 2) * 2
	}
	size := 17 + 4*v
	c := make([]int, n)
	c[0] = 6
	for i, pos := n-1, size-7; i >= 1; i, pos = i-1, pos-step {
		c[i] = pos
	}
	return c
}

func newVersion(v int) *version {
	size := 17 + 4*v
	m := make([]byte, size*size)
	used := make([]bool, size*size)
	set := func(x, y int, dark bool) {
		m[y*size+x] = 0
		if dark {
			m[y*size+x] = 1
		}
		used[y*size+x] = true
	}
	// Finder patterns with their separators.
	for _, c := range [][2]int{{3, 3}, {size - 4, 3}, {3, size - 4}} {
		for dy := -4; dy <= 4; dy++ {
			for dx := -4; dx <= 4; dx++ {
				x, y := c[0]+dx, c[1]+dy
				if x < 0 || y < 0 || x >= size || y >= size {
					continue
				}
				d := max(abs(dx), abs(dy))
				set(x, y, d != 2 && d != 4)
			}
		}
	}
	// Alignment patterns, where they do not overlap the finders.
	centers := alignmentCenters(v)
	for _, cx := range centers {
		for _, cy := range centers {
			if used[cy*size+cx] {
				continue
			}
			for dy := -2; dy <= 2; dy++ {
				for dx := -2; dx <= 2; dx++ {
					set(cx+dx, cy+dy, max(abs(dx), abs(dy)) != 1)
				}
			}
		}
	}
	// Timing patterns.
	for i := 8; i < size-8; i++ {
		set(i, 6, i%2 == 0)
		set(6, i, i%2 == 0)
	}
	// Format information places (filled per mask) and the dark module.
	ver := &version{number: v, size: size}
	for i := 0; i <= 5; i++ {
		ver.format[i][0] = uint32(i*size + 8)
	}
	ver.format[6][0] = uint32(7*size + 8)
	ver.format[7][0] = uint32(8*size + 8)
	ver.format[8][0] = uint32(8*size + 7)
	for i := 9; i <= 14; i++ {
		ver.format[i][0] = uint32(8*size + 14 - i)
	}
	for i := 0; i <= 7; i++ {
		ver.format[i][1] = uint32(8*size + size - 1 - i)
	}
	for i := 8; i <= 14; i++ {
		ver.format[i][1] = uint32((size-15+i)*size + 8)
	}
	for _, f := range ver.format {
		used[f[0]], used[f[1]] = true, true
	}
	set(8, size-8, true)
	// Version information.
	if v >= 7 {
		rem := v
		for range 12 {
			rem = rem<<1 ^ (rem>>11)*0x1F25
		}
		bits := v<<12 | rem
		for i := range 18 {
			a, b := size-11+i%3, i/3
			dark := bits>>i&1 == 1
			set(a, b, dark)
			set(b, a, dark)
		}
	}
	// Data modules in placement order: two-column strips from the right,
	// upwards then downwards, skipping the vertical timing pattern.
	order := make([]uint32, 0, rawModules(v))
	for right := size - 1; right >= 1; right -= 2 {
		if right == 6 {
			right = 5
		}
		upward := (right+1)&2 == 0
		for k := range size {
			y := k
			if upward {
				y = size - 1 - k
			}
			for _, x := range [2]int{right, right - 1} {
				if !used[y*size+x] {
					order = append(order, uint32(y*size+x))
				}
			}
		}
	}
	if len(order) != rawModules(v) {
		panic("qr: module count mismatch")
	}
	for mask := range 8 {
		bits := make([]byte, (len(order)+7)/8)
		for k, idx := range order {
			x, y := int(idx)%size, int(idx)/size
			if maskAt(mask, x, y) {
				bits[k/8] |= 0x80 >> (k % 8)
			}
		}
		ver.maskBits[mask] = bits
	}
	ver.template, ver.order = m, order
	ver.rows, ver.cols = make([]line, size), make([]line, size)
	for y := range size {
		for x := range size {
			if m[y*size+x] == 1 {
				ver.rows[y].set(x)
				ver.cols[x].set(y)
			}
		}
	}
	ver.xy = make([][2]uint8, len(order))
	for mask := range 8 {
		ver.maskRows[mask], ver.maskCols[mask] = make([]line, size), make([]line, size)
	}
	for k, idx := range order {
		x, y := int(idx)%size, int(idx)/size
		ver.xy[k] = [2]uint8{uint8(x), uint8(y)}
		for mask := range 8 {
			if maskAt(mask, x, y) {
				ver.maskRows[mask][y].set(x)
				ver.maskCols[mask][x].set(y)
			}
		}
	}
	return ver
}

func maskAt(mask, x, y int) bool {
	switch mask {
	case 0:
		return (y+x)%2 == 0
	case 1:
		return y%2 == 0
	case 2:
		return x%3 == 0
	case 3:
		return (y+x)%3 == 0
	case 4:
		return (y/2+x/3)%2 == 0
	case 5:
		return (y*x)%2+(y*x)%3 == 0
	case 6:
		return ((y*x)%2+(y*x)%3)%2 == 0
	default:
		return ((y+x)%2+(y*x)%3)%2 == 0
	}
}

func abs(a int) int {
	if a < 0 {
		return -a
	}
	return a
}

// formatBits returns the 15 format information bits for a level and mask.
func formatBits(l Level, mask int) int {
	levelBits := [4]int{1, 0, 3, 2}[l]
	data := levelBits<<3 | mask
	rem := data
	for range 10 {
		rem = rem<<1 ^ (rem>>9)*0x537
	}
	return (data<<10 | rem) ^ 0x5412
}

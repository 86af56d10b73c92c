package qr

// place scores the codewords under each of the eight masks as go-qrcode
// does, a line at a time, and draws the first with the lowest score.
func (e *encoder) place(v *version, l Level, codewords []byte) *Code {
	size := v.size
	e.dRows, e.dCols = resetLines(e.dRows, size), resetLines(e.dCols, size)
	e.rows, e.cols = resetLines(e.rows, size), resetLines(e.cols, size)
	// Data bits are random: set them without a branch on their value.
	xy := v.xy[:min(len(v.xy), 8*len(codewords))]
	for k, at := range xy {
		bit := uint64(codewords[k>>3] >> (7 - k&7) & 1)
		x, y := int(at[0]), int(at[1])
		e.dRows[y].or(x, bit)
		e.dCols[x].or(y, bit)
	}
	best, bestScore := -1, 0
	for mask := range 8 {
		mr, mc := v.maskRows[mask], v.maskCols[mask]
		for i := range size {
			e.rows[i] = or(v.rows[i], xor(e.dRows[i], mr[i]))
			e.cols[i] = or(v.cols[i], xor(e.dCols[i], mc[i]))
		}
		f := formatBits(l, mask)
		for i, at := range v.format {
			if f>>i&1 == 1 {
				for _, idx := range at {
					x, y := int(idx)%size, int(idx)/size
					e.rows[y].set(x)
					e.cols[x].set(y)
				}
			}
		}
		if s := penalty(e.rows, e.cols, size); best < 0 || s < bestScore {
			best, bestScore = mask, s
		}
	}
	nb := (len(v.order) + 7) / 8
	if cap(e.stream) < nb {
		e.stream = make([]byte, nb)
	}
	c := &Code{Version: v.number, Size: size, Mask: best, modules: make([]byte, len(v.template))}
	e.draw(v, l, best, codewords, e.stream[:nb], c.modules)
	return c
}

func resetLines(l []line, n int) []line {
	if cap(l) < n {
		return make([]line, n)
	}
	l = l[:n]
	clear(l)
	return l
}

// draw fills m with the version's template, the format information of
// level l and mask, and the masked codewords.
func (e *encoder) draw(v *version, l Level, mask int, codewords, stream, m []byte) {
	copy(m, v.template)
	maskBits := v.maskBits[mask]
	for i := range stream {
		var c byte
		if i < len(codewords) {
			c = codewords[i] // remainder bits past the codewords are 0
		}
		stream[i] = c ^ maskBits[i]
	}
	for k, idx := range v.order {
		m[idx] = stream[k>>3] >> (7 - k&7) & 1
	}
	f := formatBits(l, mask)
	for i, at := range v.format {
		b := byte(f >> i & 1)
		m[at[0]], m[at[1]] = b, b
	}
}

package pades

import (
	"crypto/rand"
	"fmt"
	"slices"
	"strconv"
)

// xobj is an object written by an incremental update.
type xobj struct{ num, gen, off int }

// update appends one incremental update to out.
type update struct {
	out  []byte
	objs []xobj
}

// newUpdate starts an update after orig, copied into a buffer of capacity
// len(orig)+extra.
func newUpdate(orig []byte, extra int) *update {
	u := &update{out: make([]byte, 0, len(orig)+extra), objs: make([]xobj, 0, 8)}
	u.out = append(u.out, orig...)
	if n := len(orig); n > 0 && orig[n-1] != '\n' && orig[n-1] != '\r' {
		u.out = append(u.out, '\n')
	}
	return u
}

// begin starts indirect object num gen.
func (u *update) begin(num, gen int) {
	u.objs = append(u.objs, xobj{num, gen, len(u.out)})
	u.out = appendRef(u.out, ref{num, gen}, " obj\n")
}

// end closes the current object.
func (u *update) end() { u.out = append(u.out, "\nendobj\n"...) }

// appendRef appends "num gen" and suffix (" R", " obj\n").
func appendRef(dst []byte, r ref, suffix string) []byte {
	dst = strconv.AppendInt(dst, int64(r.num), 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(r.gen), 10)
	return append(dst, suffix...)
}

// finish writes the xref section for the update's objects and a trailer
// chained to d's newest section.
func (u *update) finish(d *doc, size int) error {
	slices.SortFunc(u.objs, func(a, b xobj) int { return a.num - b.num })
	for i := 1; i < len(u.objs); i++ {
		if u.objs[i].num == u.objs[i-1].num {
			return fmt.Errorf("object %d would be written twice: the document's objects are inconsistent", u.objs[i].num)
		}
	}
	xref := len(u.out)
	u.out = append(u.out, "xref\n"...)
	for i := 0; i < len(u.objs); {
		j := i + 1
		for j < len(u.objs) && u.objs[j].num == u.objs[j-1].num+1 {
			j++
		}
		u.out = strconv.AppendInt(u.out, int64(u.objs[i].num), 10)
		u.out = append(u.out, ' ')
		u.out = strconv.AppendInt(u.out, int64(j-i), 10)
		u.out = append(u.out, '\n')
		for _, o := range u.objs[i:j] {
			u.out = appendPad(u.out, o.off, 10)
			u.out = append(u.out, ' ')
			u.out = appendPad(u.out, o.gen, 5)
			u.out = append(u.out, " n \n"...)
		}
		i = j
	}
	u.out = append(u.out, "trailer\n<</Size "...)
	u.out = strconv.AppendInt(u.out, int64(size), 10)
	u.out = append(u.out, " /Root "...)
	u.out = appendRef(u.out, d.root, " R")
	if d.info.e > d.info.s {
		u.out = append(u.out, " /Info "...)
		u.out = append(u.out, d.b[d.info.s:d.info.e]...)
	}
	u.out = append(u.out, " /Prev "...)
	u.out = strconv.AppendInt(u.out, int64(d.startxref), 10)
	// /ID: keep the permanent identifier, change the second one (ISO
	// 32000-1, 14.4). PDF/A needs the entry; fpdf does not write it.
	var id [32]byte
	if _, err := rand.Read(id[:]); err != nil {
		return err
	}
	u.out = append(u.out, " /ID ["...)
	if len(d.id) == 2 {
		u.out = append(u.out, d.b[d.id[0].s:d.id[0].e]...)
	} else {
		u.out = appendHexString(u.out, id[:16])
	}
	u.out = append(u.out, ' ')
	u.out = appendHexString(u.out, id[16:])
	u.out = append(u.out, "]>>\nstartxref\n"...)
	u.out = strconv.AppendInt(u.out, int64(xref), 10)
	u.out = append(u.out, "\n%%EOF\n"...)
	return nil
}

const hexUpper = "0123456789ABCDEF"

// appendHexString appends <hex> for b.
func appendHexString(dst, b []byte) []byte {
	dst = append(dst, '<')
	for _, c := range b {
		dst = append(dst, hexUpper[c>>4], hexUpper[c&15])
	}
	return append(dst, '>')
}

// copyEntries appends the entries of d except those named in skip, each
// preceded by a space, copying keys and values verbatim.
func copyEntries(dst []byte, d dict, skip ...string) []byte {
next:
	for _, e := range d.entries {
		for _, k := range skip {
			if nameIs(d.raw(e.key), k) {
				continue next
			}
		}
		dst = append(dst, ' ')
		dst = append(dst, d.raw(e.key)...)
		dst = append(dst, ' ')
		dst = append(dst, d.raw(e.val)...)
	}
	return dst
}

// slot is an array entry of a dictionary that the update appends to: a
// direct array, an indirect array object, or missing (null counts as
// missing).
type slot struct {
	present  bool
	indirect bool
	ref      ref  // the array object, when indirect
	arr      span // the array, direct value or object value
}

// arraySlot looks up key in dc.
func (d *doc) arraySlot(dc dict, key string) (slot, error) {
	e, ok := dc.get(key)
	switch {
	case !ok || e.k == kNull:
		return slot{}, nil
	case e.k == kArray:
		return slot{present: true, arr: e.val}, nil
	case e.k == kRef:
		r, err := parseRef(dc.raw(e.val))
		if err != nil {
			return slot{}, err
		}
		sp, k, err := d.object(r)
		if err != nil {
			return slot{}, fmt.Errorf("/%s: %w", key, err)
		}
		if k != kArray {
			return slot{}, fmt.Errorf("/%s is not an array", key)
		}
		return slot{present: true, indirect: true, ref: r, arr: sp}, nil
	}
	return slot{}, fmt.Errorf("/%s is neither an array nor a reference", key)
}

// appendValue appends the slot's value for its dictionary: the same
// reference when indirect, else the array with more appended.
func (s slot) appendValue(dst, b []byte, more ...ref) []byte {
	if s.indirect {
		return appendRef(dst, s.ref, " R")
	}
	return s.appendArray(dst, b, more...)
}

// appendArray appends the slot's array (empty when missing) followed by more.
func (s slot) appendArray(dst, b []byte, more ...ref) []byte {
	dst = append(dst, '[')
	if s.present {
		dst = append(dst, b[s.arr.s+1:s.arr.e-1]...)
	}
	for _, r := range more {
		dst = append(dst, ' ')
		dst = appendRef(dst, r, " R")
	}
	return append(dst, ']')
}

// items calls f for each element of the slot's array.
func (s slot) items(b []byte, f func(v span, k kind) error) error {
	if !s.present {
		return nil
	}
	return arrayItems(b, s.arr, f)
}

// rawLen is the size of the slot's array, for sizing buffers.
func (s slot) rawLen() int { return s.arr.e - s.arr.s }

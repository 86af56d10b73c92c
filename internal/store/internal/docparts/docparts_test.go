package docparts

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
)

func lookupIn(parts []Part) func([32]byte) ([]byte, error) {
	return func(sum [32]byte) ([]byte, error) {
		for _, p := range parts {
			if p.Sum == sum {
				return p.Body, nil
			}
		}
		return nil, errors.New("no such part")
	}
}

func TestSplitJoin(t *testing.T) {
	random := randomBytes(rand.New(rand.NewPCG(5, 6)))
	fontA, fontB, icc := NewPart(random(6000)), NewPart(random(12000)), NewPart(random(400))
	small := NewPart(random(MinPart - 1))
	parts := []Part{fontA, fontB, icc, small}
	cat := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
	for _, tc := range []struct {
		name      string
		doc       []byte
		usedParts int
	}{
		{"no part", random(3000), 0},
		{"empty", nil, 0},
		{"both fonts", cat([]byte("%PDF-1.7\n"), random(200), fontA.Body, random(50), fontB.Body, []byte("%%EOF\n")), 2},
		{"part at both ends", cat(icc.Body, random(10), icc.Body), 1},
		{"parts back to back", cat([]byte("%PDF"), fontB.Body, fontA.Body, icc.Body), 3},
		{"a part shorter than MinPart stays", cat([]byte("%PDF"), small.Body, fontA.Body), 1},
		{"the whole document is a part", fontA.Body, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stored, used := Split(tc.doc, parts, nil)
			if len(used) != tc.usedParts {
				t.Fatalf("%d parts used, want %d", len(used), tc.usedParts)
			}
			if tc.usedParts == 0 && !bytes.Equal(stored, tc.doc) {
				t.Fatal("a document without parts was changed")
			}
			if tc.usedParts > 0 && (!IsSplit(stored) || len(stored) >= len(tc.doc)) {
				t.Fatalf("stored %d bytes for %d", len(stored), len(tc.doc))
			}
			back, err := Join(stored, lookupIn(used))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(back, tc.doc) {
				t.Fatal("Join does not give the document back")
			}
		})
	}
}

func TestJoinErrors(t *testing.T) {
	part := NewPart(bytes.Repeat([]byte("font "), 100))
	stored, _ := Split(append([]byte("%PDF"), part.Body...), []Part{part}, nil)
	for i, bad := range [][]byte{
		[]byte(Magic + "\x01"),             // literal without length
		[]byte(Magic + "\x01\x05abc"),      // literal past the end
		[]byte(Magic + "\x02abc"),          // short sum
		[]byte(Magic + "\x07"),             // unknown tag
		[]byte(Magic + "\x01\xff\xff\xff"), // bad uvarint
	} {
		if _, err := Join(bad, lookupIn(nil)); !errors.Is(err, ErrMalformed) {
			t.Errorf("case %d: %v, want ErrMalformed", i, err)
		}
	}
	if _, err := Join(stored, lookupIn(nil)); err == nil {
		t.Error("a missing part was not reported")
	}
}

func FuzzJoin(f *testing.F) {
	part := NewPart(bytes.Repeat([]byte("font "), 100))
	stored, _ := Split(append([]byte("%PDF"), part.Body...), []Part{part}, nil)
	f.Add(stored)
	f.Add([]byte(Magic + "\x01\x03abc"))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := Join(b, lookupIn([]Part{part}))
		if err == nil && !IsSplit(b) && !bytes.Equal(out, b) {
			t.Fatal("a whole document changed")
		}
		if err == nil && IsSplit(b) {
			// What Join accepts, Split of its output gives back.
			re, _ := Split(out, []Part{part}, nil)
			if back, err := Join(re, lookupIn([]Part{part})); err != nil || !bytes.Equal(back, out) {
				t.Fatal(fmt.Sprint("round trip failed: ", err))
			}
		}
	})
}

// TestSplitAt: the writer's places give what the search gives; a wrong
// place falls back to the search; a part said to be absent stays literal.
func TestSplitAt(t *testing.T) {
	random := randomBytes(rand.New(rand.NewPCG(9, 10)))
	a, b := NewPart(random(3000)), NewPart(random(500))
	parts := []Part{a, b}
	head := random(100)
	doc := bytes.Join([][]byte{head, a.Body, random(7), b.Body, random(20)}, nil)
	atA, atB := len(head), len(head)+len(a.Body)+7
	searched, _ := Split(doc, parts, nil)
	for _, tc := range []struct {
		name string
		at   []int
		same bool // as searching
		used int
	}{
		{"right places", []int{atA, atB}, true, 2},
		{"a wrong place", []int{atA + 1, atB}, true, 2},
		{"out of range", []int{len(doc), atB}, true, 2},
		{"b said absent", []int{atA, -1}, false, 1},
		{"fewer places than parts", []int{atA}, true, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stored, used := Split(doc, parts, tc.at)
			if len(used) != tc.used || bytes.Equal(stored, searched) != tc.same {
				t.Fatalf("%d parts used (want %d), same as searching %v (want %v)", len(used), tc.used, bytes.Equal(stored, searched), tc.same)
			}
			back, err := Join(stored, lookupIn(used))
			if err != nil || !bytes.Equal(back, doc) {
				t.Fatalf("Join: %v", err)
			}
		})
	}
}

// randomBytes returns a source of n random bytes.
func randomBytes(rng *rand.Rand) func(n int) []byte {
	return func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		return b
	}
}

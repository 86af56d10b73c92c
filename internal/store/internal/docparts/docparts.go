// Package docparts stores documents without repeating the parts they
// share: every certificate embeds the same font programs and colour
// profile, 12 to 24 KB of a 30 KB PDF. Split replaces each occurrence of a
// known part with its SHA-256; the stores keep each part once
// (document_parts) and Join puts the document back together, byte for
// byte.
//
// A split document starts with Magic, which no PDF does (they start with
// "%PDF"), so documents stored whole, before this package or without
// parts, read as they are.
package docparts

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// Magic starts a split document.
const Magic = "\x00certa-doc-1\n"

// MinPart is the shortest part Split takes out: a reference costs 33
// bytes.
const MinPart = 256

const (
	tagLiteral = 0x01 // uvarint length, then the bytes
	tagPart    = 0x02 // the part's SHA-256
)

// Part is a shared byte sequence and its SHA-256.
type Part struct {
	Sum  [32]byte
	Body []byte
}

// NewPart returns body as a Part.
func NewPart(body []byte) Part { return Part{Sum: sha256.Sum256(body), Body: body} }

// Split returns doc with every occurrence of parts (of at least MinPart
// bytes, not overlapping an earlier one) replaced by a reference, and the
// parts it references; doc itself when none occurs.
//
// at, when not nil, says where each part is (-1: nowhere), as the
// document's writer knows: a part found there is taken without searching
// doc, and a part said to be absent is not looked for. A wrong place is
// searched as without at.
func Split(doc []byte, parts []Part, at []int) (stored []byte, used []Part) {
	type hit struct {
		at int
		p  Part
	}
	var hits []hit
	for i, p := range parts {
		if len(p.Body) < MinPart {
			continue
		}
		if i < len(at) {
			if a := at[i]; a < 0 {
				continue
			} else if a+len(p.Body) <= len(doc) && bytes.Equal(doc[a:a+len(p.Body)], p.Body) {
				hits = append(hits, hit{a, p})
				continue
			}
		}
		for from := 0; ; {
			i := bytes.Index(doc[from:], p.Body)
			if i < 0 {
				break
			}
			hits = append(hits, hit{from + i, p})
			from += i + len(p.Body)
		}
	}
	if len(hits) == 0 {
		return doc, nil
	}
	slices.SortFunc(hits, func(a, b hit) int { return a.at - b.at })
	out := make([]byte, 0, len(doc)/2)
	out = append(out, Magic...)
	pos := 0
	for _, h := range hits {
		if h.at < pos { // overlaps the previous part
			continue
		}
		out = appendLiteral(out, doc[pos:h.at])
		out = append(out, tagPart)
		out = append(out, h.p.Sum[:]...)
		pos = h.at + len(h.p.Body)
		if !slices.ContainsFunc(used, func(u Part) bool { return u.Sum == h.p.Sum }) {
			used = append(used, h.p)
		}
	}
	out = appendLiteral(out, doc[pos:])
	return out, used
}

func appendLiteral(out, b []byte) []byte {
	if len(b) == 0 {
		return out
	}
	out = append(out, tagLiteral)
	out = binary.AppendUvarint(out, uint64(len(b)))
	return append(out, b...)
}

// IsSplit reports whether stored is a split document.
func IsSplit(stored []byte) bool { return bytes.HasPrefix(stored, []byte(Magic)) }

// ErrMalformed is returned by Join for a split document it cannot read.
var ErrMalformed = errors.New("docparts: malformed stored document")

// Join returns the document stored holds: stored itself unless IsSplit,
// else the literals and parts in order, each part's body from lookup.
func Join(stored []byte, lookup func(sum [32]byte) ([]byte, error)) ([]byte, error) {
	if !IsSplit(stored) {
		return stored, nil
	}
	rest := stored[len(Magic):]
	out := make([]byte, 0, 3*len(stored))
	for len(rest) > 0 {
		tag := rest[0]
		rest = rest[1:]
		switch tag {
		case tagLiteral:
			n, k := binary.Uvarint(rest)
			if k <= 0 || n > uint64(len(rest)-k) {
				return nil, ErrMalformed
			}
			out = append(out, rest[k:k+int(n)]...)
			rest = rest[k+int(n):]
		case tagPart:
			if len(rest) < 32 {
				return nil, ErrMalformed
			}
			var sum [32]byte
			copy(sum[:], rest)
			rest = rest[32:]
			body, err := lookup(sum)
			if err != nil {
				return nil, fmt.Errorf("docparts: part %x: %w", sum[:4], err)
			}
			out = append(out, body...)
		default:
			return nil, ErrMalformed
		}
	}
	return out, nil
}

// Package vcode makes and reads verification codes: 80 random bits written
// as 16 Crockford base32 characters in four groups, XXXX-XXXX-XXXX-XXXX.
//
// Parse is lenient in what people type from paper: case, missing or extra
// dashes and spaces, and the Crockford confusables (O for 0, I and L for 1)
// are accepted; the result is always the canonical form.
package vcode

import (
	"crypto/rand"
	"errors"
	"io"
)

const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// Len is the number of significant characters in a code.
const Len = 16

// ErrInvalid is returned for text that is not a verification code.
var ErrInvalid = errors.New("not a verification code")

// New returns a fresh random code read from r (crypto/rand.Reader when nil).
func New(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	var b [10]byte // 80 bits
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", err
	}
	var out [Len + 3]byte
	var acc uint64
	var bits uint
	n := 0
	for _, x := range b {
		acc = acc<<8 | uint64(x)
		bits += 8
		for bits >= 5 {
			bits -= 5
			if n > 0 && n%4 == 0 {
				out[n+n/4-1] = '-'
			}
			out[n+n/4] = alphabet[(acc>>bits)&31]
			n++
		}
	}
	return string(out[:]), nil
}

// Parse returns the canonical form of a typed or scanned code.
func Parse(s string) (string, error) {
	if len(s) > 64 {
		return "", ErrInvalid
	}
	var out [Len + 3]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '-' || c == ' ':
			continue
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		}
		switch c {
		case 'O':
			c = '0'
		case 'I', 'L':
			c = '1'
		}
		if !isAlphabet(c) || n == Len {
			return "", ErrInvalid
		}
		if n > 0 && n%4 == 0 {
			out[n+n/4-1] = '-'
		}
		out[n+n/4] = c
		n++
	}
	if n != Len {
		return "", ErrInvalid
	}
	return string(out[:]), nil
}

func isAlphabet(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z' && c != 'I' && c != 'L' && c != 'O' && c != 'U')
}

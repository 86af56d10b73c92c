package pades

import (
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// appendText appends s as a PDF text string: a literal string when s is
// printable ASCII (parentheses and backslashes escaped), otherwise a hex
// string holding UTF-16BE with a byte order mark, which needs no escaping
// and survives any transport.
func appendText(dst []byte, s string) ([]byte, error) {
	if !utf8.ValidString(s) {
		return dst, fmt.Errorf("%q is not valid UTF-8", s)
	}
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			ascii = false
			break
		}
	}
	if ascii {
		dst = append(dst, '(')
		for i := 0; i < len(s); i++ {
			if c := s[i]; c == '(' || c == ')' || c == '\\' {
				dst = append(dst, '\\')
			}
			dst = append(dst, s[i])
		}
		return append(dst, ')'), nil
	}
	const hexdigits = "0123456789ABCDEF"
	dst = append(dst, "<FEFF"...)
	for _, r := range s {
		var u [2]rune
		n := 1
		if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
			u[0], u[1], n = r1, r2, 2
		} else {
			u[0] = r
		}
		for _, v := range u[:n] {
			dst = append(dst, hexdigits[v>>12&15], hexdigits[v>>8&15], hexdigits[v>>4&15], hexdigits[v&15])
		}
	}
	return append(dst, '>'), nil
}

// decodeString returns the bytes of a literal or hex string token.
func decodeString(raw []byte, k kind) ([]byte, error) {
	if len(raw) < 2 {
		return nil, errors.New("string expected")
	}
	raw = raw[1 : len(raw)-1]
	out := make([]byte, 0, len(raw))
	switch k {
	case kHex:
		var hi byte
		half := false
		for _, c := range raw {
			if isWS(c) {
				continue
			}
			if !isHex(c) {
				return nil, errors.New("bad hex string")
			}
			if half {
				out = append(out, hi<<4|unhex(c))
			} else {
				hi = unhex(c)
			}
			half = !half
		}
		if half {
			out = append(out, hi<<4)
		}
		return out, nil
	case kString:
		for i := 0; i < len(raw); i++ {
			c := raw[i]
			switch {
			case c == '\r':
				// An unescaped end of line reads as a line feed.
				if i+1 < len(raw) && raw[i+1] == '\n' {
					i++
				}
				out = append(out, '\n')
				continue
			case c != '\\':
				out = append(out, c)
				continue
			}
			i++
			if i >= len(raw) {
				break
			}
			switch c = raw[i]; c {
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case '\r':
				if i+1 < len(raw) && raw[i+1] == '\n' {
					i++
				}
			case '\n':
			default:
				if c >= '0' && c <= '7' {
					v := 0
					for n := 0; n < 3 && i < len(raw) && raw[i] >= '0' && raw[i] <= '7'; n++ {
						v = v*8 + int(raw[i]-'0')
						i++
					}
					i--
					out = append(out, byte(v))
				} else {
					out = append(out, c)
				}
			}
		}
		return out, nil
	}
	return nil, errors.New("string expected")
}

// textString decodes a PDF text string: UTF-16BE after a byte order mark,
// otherwise PDFDocEncoding, read here as Latin-1 (they differ in a few
// punctuation code points only, enough to compare field names).
func textString(b []byte) string {
	if len(b) >= 2 && b[0] == 0xfe && b[1] == 0xff {
		u := make([]uint16, 0, len(b)/2)
		for i := 2; i+1 < len(b); i += 2 {
			u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
		}
		return string(utf16.Decode(u))
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// appendDate appends t as a PDF date string (D:YYYYMMDDHHmmSS+hh'mm') in
// t's own time zone.
func appendDate(dst []byte, t time.Time) ([]byte, error) {
	if y := t.Year(); y < 1 || y > 9999 {
		return dst, fmt.Errorf("signing time %v out of range", t)
	}
	dst = append(dst, "(D:"...)
	dst = t.AppendFormat(dst, "20060102150405")
	_, off := t.Zone()
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	off /= 60
	dst = append(dst, sign)
	dst = appendPad(dst, off/60, 2)
	dst = append(dst, '\'')
	dst = appendPad(dst, off%60, 2)
	return append(dst, "')"...), nil
}

// appendPad appends n in decimal, zero-padded to width digits.
func appendPad(dst []byte, n, width int) []byte {
	var buf [20]byte
	s := strconv.AppendInt(buf[:0], int64(n), 10)
	for i := len(s); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

package seal

import "errors"

// base45Alphabet is the RFC 9285 alphabet: value i is base45Alphabet[i].
const base45Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

var base45Value [256]int8

func init() {
	for i := range base45Value {
		base45Value[i] = -1
	}
	for i := 0; i < len(base45Alphabet); i++ {
		base45Value[base45Alphabet[i]] = int8(i)
	}
}

var errBase45 = errors.New("seal: invalid base45")

// Base45Encode encodes b as RFC 9285 base45: every 2 bytes become 3
// characters, a final single byte becomes 2 characters.
func Base45Encode(b []byte) string {
	out := make([]byte, 0, len(b)/2*3+2)
	for i := 0; i+1 < len(b); i += 2 {
		n := int(b[i])<<8 | int(b[i+1])
		out = append(out, base45Alphabet[n%45], base45Alphabet[n/45%45], base45Alphabet[n/2025])
	}
	if len(b)%2 == 1 {
		n := int(b[len(b)-1])
		out = append(out, base45Alphabet[n%45], base45Alphabet[n/45])
	}
	return string(out)
}

// Base45Decode decodes RFC 9285 base45 strictly: it rejects characters
// outside the alphabet (lower case included), a length that is 1 modulo 3,
// a 3-character chunk worth more than 65535 and a 2-character tail worth
// more than 255. Every accepted string is the unique encoding of its
// result, so Base45Encode(Base45Decode(s)) == s.
func Base45Decode(s string) ([]byte, error) {
	if len(s)%3 == 1 {
		return nil, errBase45
	}
	out := make([]byte, 0, len(s)/3*2+1)
	for i := 0; i < len(s); i += 3 {
		rest := len(s) - i
		if rest >= 3 {
			c, d, e := base45Value[s[i]], base45Value[s[i+1]], base45Value[s[i+2]]
			if c < 0 || d < 0 || e < 0 {
				return nil, errBase45
			}
			n := int(c) + int(d)*45 + int(e)*2025
			if n > 0xFFFF {
				return nil, errBase45
			}
			out = append(out, byte(n>>8), byte(n))
			continue
		}
		c, d := base45Value[s[i]], base45Value[s[i+1]]
		if c < 0 || d < 0 {
			return nil, errBase45
		}
		n := int(c) + int(d)*45
		if n > 0xFF {
			return nil, errBase45
		}
		out = append(out, byte(n))
	}
	return out, nil
}

package seal

import (
	"errors"
	"strings"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/vcode"
)

// MaxURL is the longest URL ParseURL accepts.
const MaxURL = 3*MaxPayload + 512

// URL returns base + "/V/" + code + "/" + payload, with the payload's '%',
// ' ' and '/' escaped as %25, %20 and %2F (upper-case hex, so that the URL
// stays in the QR alphanumeric set when base and code are upper case).
// base is e.g. "HTTPS://CERTA.EXAMPLE"; a trailing '/' is dropped.
func URL(base, code, payload string) string {
	var b strings.Builder
	b.Grow(len(base) + len(code) + len(payload) + 32)
	b.WriteString(strings.TrimRight(base, "/"))
	b.WriteString("/V/")
	b.WriteString(code)
	b.WriteByte('/')
	for i := 0; i < len(payload); i++ {
		switch c := payload[i]; c {
		case '%':
			b.WriteString("%25")
		case ' ':
			b.WriteString("%20")
		case '/':
			b.WriteString("%2F")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

var errURL = errors.New("seal: not a seal URL")

func badURL() error { return errs.Wrap(errs.InvalidRequest, "malformed seal URL", errURL) }

// ParseURL splits a seal URL made by URL into the verification code (in
// canonical form) and the base45 payload (unescaped). It accepts the scheme
// (https, or http) and host in any case, "/V/" or "/v/", hex escapes in either case, and a
// raw '/' in the payload; it rejects other schemes, a query or fragment,
// escapes of anything but '%', ' ' and '/', and characters outside base45.
// The payload itself is checked by Verify.
func ParseURL(s string) (code, payload string, err error) {
	if len(s) > MaxURL {
		return "", "", badURL()
	}
	// https, or http for a test or demo installation (the seal's signature,
	// not the scheme, makes it authentic).
	var rest string
	switch {
	case len(s) >= len("https://") && strings.EqualFold(s[:len("https://")], "https://"):
		rest = s[len("https://"):]
	case len(s) >= len("http://") && strings.EqualFold(s[:len("http://")], "http://"):
		rest = s[len("http://"):]
	default:
		return "", "", badURL()
	}
	slash := strings.IndexByte(rest, '/')
	if slash <= 0 {
		return "", "", badURL()
	}
	rest = rest[slash:]
	if len(rest) < 3 || rest[0] != '/' || (rest[1] != 'V' && rest[1] != 'v') || rest[2] != '/' {
		return "", "", badURL()
	}
	rest = rest[3:]
	slash = strings.IndexByte(rest, '/')
	if slash <= 0 {
		return "", "", badURL()
	}
	code, err = vcode.Parse(rest[:slash])
	if err != nil {
		return "", "", badURL()
	}
	enc := rest[slash+1:]
	var b strings.Builder
	b.Grow(len(enc))
	for i := 0; i < len(enc); i++ {
		c := enc[i]
		if c == '%' {
			if i+2 >= len(enc) {
				return "", "", badURL()
			}
			switch strings.ToUpper(enc[i+1 : i+3]) {
			case "25":
				c = '%'
			case "20":
				c = ' '
			case "2F":
				c = '/'
			default:
				return "", "", badURL()
			}
			i += 2
		} else if c == ' ' || base45Value[c] < 0 {
			return "", "", badURL()
		}
		b.WriteByte(c)
	}
	if b.Len() == 0 {
		return "", "", badURL()
	}
	return code, b.String(), nil
}

package ratelimit

import (
	"net/http"
	"net/netip"
	"strings"
)

// ClientKey returns the rate-limiting key of r's client: its IP address,
// an IPv4 address whole (/32) and an IPv6 address as its /64 network
// ("2001:db8:1:2::/64"), since one subscriber usually holds a whole /64.
// IPv4-mapped IPv6 addresses count as IPv4; zones are dropped.
//
// The client is r.RemoteAddr unless that address is in trustedProxies.
// Then X-Forwarded-For is read from the right (the last header line first)
// and the client is the first hop that is not a trusted proxy: every hop
// to its right was appended by a proxy certa trusts, while anything to its
// left is whatever the client sent and is never looked at. A hop may carry
// a port ("192.0.2.1:5678", "[2001:db8::1]:443"). A hop that is not an
// address (empty, "unknown", an obfuscated RFC 7239 name, garbage) ends the
// walk and the client is the last trusted hop reached, so a malformed header
// can only make the key coarser (the proxy's), never chosen by the sender.
// When every hop is trusted, the client is the leftmost one. The Forwarded
// header (RFC 7239) is not read.
//
// ClientKey never returns "": when RemoteAddr is not an IP address (a
// Unix socket, a test) the key is RemoteAddr itself, or "unknown" when
// that is empty too.
func ClientKey(r *http.Request, trustedProxies []netip.Prefix) string {
	addr, ok := parseHop(r.RemoteAddr)
	if !ok {
		if r.RemoteAddr == "" {
			return "unknown"
		}
		return r.RemoteAddr
	}
	if trusted(addr, trustedProxies) {
		addr = forwardedClient(r.Header.Values("X-Forwarded-For"), addr, trustedProxies)
	}
	return groupKey(addr)
}

// forwardedClient walks the X-Forwarded-For lines from the right, starting
// at the trusted proxy last, and returns the first untrusted hop.
func forwardedClient(lines []string, last netip.Addr, trustedProxies []netip.Prefix) netip.Addr {
	for i := len(lines) - 1; i >= 0; i-- {
		rest := lines[i]
		for {
			hop := rest
			if j := strings.LastIndexByte(rest, ','); j >= 0 {
				hop, rest = rest[j+1:], rest[:j]
			} else {
				rest = ""
			}
			a, ok := parseHop(strings.TrimSpace(hop))
			if !ok {
				return last
			}
			if !trusted(a, trustedProxies) {
				return a
			}
			last = a
			if rest == "" {
				break
			}
		}
	}
	return last
}

// parseHop parses "addr", "addr:port" or "[addr]:port" and normalises it:
// no zone, IPv4-mapped IPv6 as IPv4.
func parseHop(s string) (netip.Addr, bool) {
	var a netip.Addr
	var err error
	// Pick the parser by shape, so that well-formed input never takes the
	// (allocating) failure path: a port follows "]" or IPv4's only colon.
	if strings.HasPrefix(s, "[") || strings.Count(s, ":") == 1 {
		var ap netip.AddrPort
		ap, err = netip.ParseAddrPort(s)
		a = ap.Addr()
	} else {
		a, err = netip.ParseAddr(s)
	}
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

func trusted(a netip.Addr, prefixes []netip.Prefix) bool {
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// groupKey is the key of a: the address for IPv4, the /64 for IPv6.
func groupKey(a netip.Addr) string {
	if a.Is4() {
		return a.String()
	}
	return netip.PrefixFrom(a, 64).Masked().String()
}

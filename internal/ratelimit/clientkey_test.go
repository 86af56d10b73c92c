package ratelimit

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

var testProxies = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("fd00::/8"),
	netip.MustParsePrefix("127.0.0.1/32"),
}

func TestClientKey(t *testing.T) {
	tests := []struct {
		name    string
		remote  string
		xff     []string // X-Forwarded-For lines, in order
		trusted []netip.Prefix
		want    string
	}{
		// Direct clients.
		{name: "ipv4", remote: "192.0.2.7:51234", want: "192.0.2.7"},
		{name: "ipv4 without port", remote: "192.0.2.7", want: "192.0.2.7"},
		{name: "ipv6 grouped by /64", remote: "[2001:db8:1:2:aaaa:bbbb:cccc:dddd]:443", want: "2001:db8:1:2::/64"},
		{name: "ipv6 same /64 other host", remote: "[2001:db8:1:2::1]:443", want: "2001:db8:1:2::/64"},
		{name: "ipv6 next /64", remote: "[2001:db8:1:3::1]:443", want: "2001:db8:1:3::/64"},
		{name: "ipv6 zone dropped", remote: "[fe80::1%eth0]:80", want: "fe80::/64"},
		{name: "ipv4-mapped ipv6 is ipv4", remote: "[::ffff:192.0.2.9]:80", want: "192.0.2.9"},
		{name: "not an address", remote: "@/run/certa.sock", want: "@/run/certa.sock"},
		{name: "empty remote", remote: "", want: "unknown"},

		// X-Forwarded-For is ignored unless RemoteAddr is a trusted proxy.
		{name: "untrusted peer spoofs xff", remote: "192.0.2.7:1", xff: []string{"203.0.113.1"}, trusted: testProxies, want: "192.0.2.7"},
		{name: "no trusted proxies configured", remote: "10.1.1.1:1", xff: []string{"203.0.113.1"}, want: "10.1.1.1"},

		// Behind trusted proxies.
		{name: "one proxy", remote: "10.0.0.2:1", xff: []string{"203.0.113.1"}, trusted: testProxies, want: "203.0.113.1"},
		{name: "spoofed left part ignored", remote: "10.0.0.2:1", xff: []string{"1.1.1.1, 2.2.2.2, 203.0.113.1"}, trusted: testProxies, want: "203.0.113.1"},
		{name: "two proxies", remote: "10.0.0.2:1", xff: []string{"1.1.1.1, 203.0.113.1, 10.9.9.9"}, trusted: testProxies, want: "203.0.113.1"},
		{name: "several header lines", remote: "10.0.0.2:1", xff: []string{"1.1.1.1", "203.0.113.1", "10.9.9.9"}, trusted: testProxies, want: "203.0.113.1"},
		{name: "lines and commas", remote: "10.0.0.2:1", xff: []string{"6.6.6.6, 203.0.113.1", "10.3.3.3,10.9.9.9"}, trusted: testProxies, want: "203.0.113.1"},
		{name: "spoofed trusted address left of the client", remote: "10.0.0.2:1", xff: []string{"10.0.0.1, 203.0.113.1"}, trusted: testProxies, want: "203.0.113.1"},
		{name: "ipv6 client behind proxy grouped", remote: "[fd00::1]:1", xff: []string{"2001:db8:a:b:c:d:e:f"}, trusted: testProxies, want: "2001:db8:a:b::/64"},
		{name: "hop with port", remote: "10.0.0.2:1", xff: []string{"203.0.113.1:5678"}, trusted: testProxies, want: "203.0.113.1"},
		{name: "ipv6 hop with port", remote: "10.0.0.2:1", xff: []string{"[2001:db8::1]:443"}, trusted: testProxies, want: "2001:db8::/64"},
		{name: "spaces", remote: "10.0.0.2:1", xff: []string{"  203.0.113.1  ,\t10.1.1.1 "}, trusted: testProxies, want: "203.0.113.1"},
		{name: "mapped client", remote: "10.0.0.2:1", xff: []string{"::ffff:203.0.113.1"}, trusted: testProxies, want: "203.0.113.1"},
		{name: "all hops trusted: leftmost", remote: "10.0.0.2:1", xff: []string{"10.5.5.5, 10.6.6.6"}, trusted: testProxies, want: "10.5.5.5"},
		{name: "trusted proxy without xff", remote: "10.0.0.2:1", trusted: testProxies, want: "10.0.0.2"},
		{name: "loopback proxy", remote: "127.0.0.1:9", xff: []string{"198.51.100.4"}, trusted: testProxies, want: "198.51.100.4"},

		// Malformed headers: the last trusted hop, never a chosen value.
		{name: "empty header", remote: "10.0.0.2:1", xff: []string{""}, trusted: testProxies, want: "10.0.0.2"},
		{name: "garbage", remote: "10.0.0.2:1", xff: []string{"not an ip"}, trusted: testProxies, want: "10.0.0.2"},
		{name: "unknown token", remote: "10.0.0.2:1", xff: []string{"unknown"}, trusted: testProxies, want: "10.0.0.2"},
		{name: "trailing comma", remote: "10.0.0.2:1", xff: []string{"203.0.113.1,"}, trusted: testProxies, want: "10.0.0.2"},
		{name: "garbage after a trusted hop", remote: "10.0.0.2:1", xff: []string{"203.0.113.1, bogus, 10.7.7.7"}, trusted: testProxies, want: "10.7.7.7"},
		{name: "garbage left of the client is not read", remote: "10.0.0.2:1", xff: []string{"bogus, 203.0.113.1"}, trusted: testProxies, want: "203.0.113.1"},
		{name: "obfuscated identifier", remote: "10.0.0.2:1", xff: []string{"_hidden"}, trusted: testProxies, want: "10.0.0.2"},
		{name: "prefix is not an address", remote: "10.0.0.2:1", xff: []string{"203.0.113.0/24"}, trusted: testProxies, want: "10.0.0.2"},
		{name: "bracketed without port", remote: "10.0.0.2:1", xff: []string{"[2001:db8::1]"}, trusted: testProxies, want: "10.0.0.2"},
		{name: "huge header", remote: "10.0.0.2:1", xff: []string{strings.Repeat("1.2.3.4,", 5000) + "203.0.113.1"}, trusted: testProxies, want: "203.0.113.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/v/X", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := ClientKey(r, tt.trusted); got != tt.want {
				t.Fatalf("ClientKey = %q, want %q", got, tt.want)
			}
		})
	}
}

func FuzzClientKey(f *testing.F) {
	f.Add("10.0.0.2:1", "203.0.113.1, 10.9.9.9")
	f.Add("10.0.0.2:1", "1.1.1.1,,bogus , [2001:db8::1]:443,fd00::5")
	f.Add("[fd00::1]:80", "::ffff:1.2.3.4%eth0, fe80::1%25en0")
	f.Add("192.0.2.1:5", "203.0.113.1")
	f.Add("", "")
	f.Add("garbage", "unknown")
	f.Fuzz(func(t *testing.T, remote, xff string) {
		r := &http.Request{RemoteAddr: remote, Header: http.Header{}}
		bare := ClientKey(r, testProxies)
		r.Header.Set("X-Forwarded-For", xff)
		got := ClientKey(r, testProxies)
		if got == "" || bare == "" {
			t.Fatal("empty key")
		}
		if again := ClientKey(r, testProxies); again != got {
			t.Fatalf("not deterministic: %q then %q", got, again)
		}
		addr, ok := parseHop(remote)
		if !ok {
			if got != bare {
				t.Fatalf("unparsable RemoteAddr %q: the header changed the key to %q", remote, got)
			}
			return
		}
		if !trusted(addr, testProxies) {
			if got != bare {
				t.Fatalf("untrusted peer %q chose its key with X-Forwarded-For: %q, not %q", remote, got, bare)
			}
			return
		}
		// Behind a trusted proxy the key is RemoteAddr's or that of a hop
		// of the header, and always an IPv4 address or an IPv6 /64.
		if got != bare {
			found := false
			for _, hop := range strings.Split(xff, ",") {
				if a, ok := parseHop(strings.TrimSpace(hop)); ok && groupKey(a) == got {
					found = true
				}
			}
			if !found {
				t.Fatalf("key %q is neither RemoteAddr's nor any hop of %q", got, xff)
			}
		}
		if a, err := netip.ParseAddr(got); err == nil {
			if !a.Is4() {
				t.Fatalf("key %q is a bare IPv6 address", got)
			}
		} else if p, err := netip.ParsePrefix(got); err != nil || p.Bits() != 64 || p.Masked() != p {
			t.Fatalf("key %q is neither an IPv4 address nor an IPv6 /64", got)
		}
	})
}

package seal

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/vcode"
)

func TestRevocationHash(t *testing.T) {
	want := sha256.Sum256([]byte("ABCD-EFGH-JKMN-PQRS"))
	for _, code := range []string{"ABCD-EFGH-JKMN-PQRS", "abcd efgh jkmn pqrs", "ABCDEFGHJKMNPQRS"} {
		if RevocationHash(code) != want {
			t.Fatalf("RevocationHash(%q) is not the hash of the canonical form", code)
		}
	}
	if RevocationHash("not a code") != sha256.Sum256([]byte("not a code")) {
		t.Fatal("invalid code not hashed as is")
	}
}

func TestRevocationListRoundTrip(t *testing.T) {
	p := testPKI()
	l := p.revocationList
	if l.PrefixLen != DefaultPrefixLen || l.Len() != len(p.revokedCodes) || len(l.Groups) != 256 {
		t.Fatalf("PrefixLen %d, Len %d, %d groups", l.PrefixLen, l.Len(), len(l.Groups))
	}
	got, err := ParseRevocationList(p.signedRL, p.roots, t0)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 3 || !got.Issued.Equal(p.issued) || !got.Expires.Equal(p.expires) || got.PrefixLen != 8 ||
		!reflect.DeepEqual(got.Groups, l.Groups) {
		t.Fatal("round trip differs")
	}
	for _, tc := range []struct {
		name  string
		codes []string
		want  bool
	}{
		{"revoked", p.revokedCodes, true},
		{"revoked, lower case without dashes", func() []string {
			var s []string
			for _, c := range p.revokedCodes[:100] {
				s = append(s, strings.ToLower(strings.ReplaceAll(c, "-", "")))
			}
			return s
		}(), true},
		{"not revoked", func() []string {
			var s []string
			for range 5000 {
				s = append(s, must(vcode.New(nil)))
			}
			return s
		}(), false},
		{"garbage", []string{"", "x", strings.Repeat("A", 100)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, c := range tc.codes {
				if got.Contains(c) != tc.want {
					t.Fatalf("Contains(%q) = %v", c, !tc.want)
				}
			}
		})
	}
	var zero RevocationList
	var nilList *RevocationList
	if zero.Contains(p.revokedCodes[0]) || nilList.Contains(p.revokedCodes[0]) {
		t.Fatal("empty list contains a code")
	}
}

func TestRevocationListSmall(t *testing.T) {
	p := testPKI()
	codes := []string{"ABCD-EFGH-JKMN-PQRS", "abcd-efgh-jkmn-pqrs", "0000-0000-0000-0000"}
	l := NewRevocationList(1, p.issued, p.expires, codes)
	if l.Len() != 2 {
		t.Fatalf("Len = %d, want 2 (duplicates removed)", l.Len())
	}
	for _, tl := range []RevocationList{l, {Version: 1, Issued: p.issued, Expires: p.expires, PrefixLen: 32,
		Groups: map[byte][][]byte{0x10: nil}}} {
		b, err := SignRevocationList(tl, p.signer384Key, []*x509.Certificate{p.signer384})
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseRevocationList(b, p.roots, t0)
		if err != nil {
			t.Fatal(err)
		}
		if got.Len() != tl.Len() || got.PrefixLen != tl.PrefixLen {
			t.Fatalf("got %d prefixes of %d bytes", got.Len(), got.PrefixLen)
		}
	}
	// The JSON view.
	b, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Version   int64               `json:"version"`
		Issued    time.Time           `json:"issued"`
		Expires   time.Time           `json:"expires"`
		PrefixLen int                 `json:"prefix_len"`
		Count     int                 `json:"count"`
		Groups    map[string][]string `json:"groups"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	h := RevocationHash(codes[0])
	g := v.Groups[hex.EncodeToString(h[:1])]
	if v.Version != 1 || !v.Issued.Equal(p.issued) || v.PrefixLen != 8 || v.Count != 2 || len(g) == 0 || g[0] != hex.EncodeToString(h[:8]) {
		t.Fatalf("%s", b)
	}
}

func TestSignRevocationListRefuses(t *testing.T) {
	p := testPKI()
	chain := []*x509.Certificate{p.signer}
	base := func(f func(*RevocationList)) RevocationList {
		l := RevocationList{Version: 1, Issued: p.issued, Expires: p.expires, PrefixLen: 8,
			Groups: map[byte][][]byte{0xAB: {{0xAB, 1, 2, 3, 4, 5, 6, 7}}}}
		f(&l)
		return l
	}
	for _, tc := range []struct {
		name string
		l    RevocationList
	}{
		{"prefix length 7", base(func(l *RevocationList) { l.PrefixLen = 7; l.Groups[0xAB][0] = l.Groups[0xAB][0][:7] })},
		{"prefix length 33", base(func(l *RevocationList) { l.PrefixLen = 33 })},
		{"prefix of wrong length", base(func(l *RevocationList) { l.Groups[0xAB] = append(l.Groups[0xAB], []byte{0xAB, 1}) })},
		{"prefix in wrong group", base(func(l *RevocationList) { l.Groups[0xAC] = [][]byte{{0xAB, 1, 2, 3, 4, 5, 6, 8}} })},
		{"version 0", base(func(l *RevocationList) { l.Version = 0 })},
		{"expires before issued", base(func(l *RevocationList) { l.Expires = l.Issued.Add(-time.Second) })},
		{"before 1970", base(func(l *RevocationList) { l.Issued = time.Date(1969, 1, 1, 0, 0, 0, 0, time.UTC) })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := SignRevocationList(tc.l, p.signerKey, chain)
			if errs.KindOf(err) != errs.InvalidRequest || errs.PublicOf(err) != "invalid revocation list" {
				t.Fatalf("err = %v", err)
			}
		})
	}
	if _, err := SignRevocationList(base(func(*RevocationList) {}), p.otherKey, chain); !errors.Is(err, ErrListKeyType) {
		t.Fatalf("leaf not for the key: %v", err)
	}
	if _, err := SignRevocationList(base(func(*RevocationList) {}), p.signerKey, chain); err != nil {
		t.Fatalf("the base list: %v", err)
	}
}

func TestParseRevocationListRejects(t *testing.T) {
	p := testPKI()
	k := revocationListKind
	w := func(f func(*revWire)) []byte {
		rw := revWire{Version: 1, Issued: p.issued.Unix(), Expires: p.expires.Unix(), PrefixLen: 8,
			Groups: map[byte][]byte{0xAB: {0xAB, 1, 2, 3, 4, 5, 6, 7, 0xAB, 1, 2, 3, 4, 5, 6, 8}}}
		f(&rw)
		return signedPayload(t, k, mustCBOR(t, rw))
	}
	// Sanity: the helper gives a valid list.
	if l, err := ParseRevocationList(w(func(*revWire) {}), p.roots, t0); err != nil || l.Len() != 2 {
		t.Fatal(err)
	}
	cases := envelopeCases(t, k, p.signedRL, p.signedRLPayload, trustListKind)
	cases = append(cases, []listCase{
		{name: "prefix length 4", data: w(func(rw *revWire) {
			rw.PrefixLen = 4
			rw.Groups = map[byte][]byte{0xAB: {0xAB, 1, 2, 3}}
		})},
		{name: "prefix length 0", data: w(func(rw *revWire) { rw.PrefixLen = 0 })},
		{name: "prefix length negative", data: w(func(rw *revWire) { rw.PrefixLen = -8 })},
		{name: "group not a multiple", data: w(func(rw *revWire) { rw.Groups[0xAB] = rw.Groups[0xAB][:12] })},
		{name: "empty group", data: w(func(rw *revWire) { rw.Groups[0x01] = []byte{} })},
		{name: "prefix in wrong group", data: w(func(rw *revWire) { rw.Groups[0xAC] = rw.Groups[0xAB]; delete(rw.Groups, 0xAB) })},
		{name: "second prefix in wrong group", data: w(func(rw *revWire) { rw.Groups[0xAB][8] = 0xAC })},
		{name: "duplicate prefix", data: w(func(rw *revWire) { copy(rw.Groups[0xAB][8:], rw.Groups[0xAB][:8]) })},
		{name: "prefixes not sorted", data: w(func(rw *revWire) { rw.Groups[0xAB][7] = 9 })},
		{name: "group key 256", data: signedPayload(t, k, mustCBOR(t, map[int]any{1: 1, 2: 1, 3: 2, 4: 8,
			5: map[int][]byte{256: {0, 1, 2, 3, 4, 5, 6, 7}}}))},
		{name: "group as array", data: signedPayload(t, k, mustCBOR(t, map[int]any{1: 1, 2: 1, 3: 2, 4: 8,
			5: map[int]any{0: []any{[]byte{0, 1, 2, 3, 4, 5, 6, 7}}}}))},
		{name: "null groups", data: signedPayload(t, k, mustCBOR(t, map[int]any{1: 1, 2: 1, 3: 2, 4: 8, 5: nil}))},
		{name: "too many prefixes", data: w(func(rw *revWire) {
			// MaxRevocations+1 ascending prefixes spread over 256 groups.
			rw.Groups = map[byte][]byte{}
			per := (MaxRevocations + 1 + 255) / 256
			for g := range 256 {
				flat := make([]byte, 0, per*8)
				for i := range per {
					flat = append(flat, byte(g), 0, 0, 0, 0, byte(i>>16), byte(i>>8), byte(i))
				}
				rw.Groups[byte(g)] = flat
			}
		})},
	}...)
	for i := range cases {
		if cases[i].want == "" {
			cases[i].want = "malformed"
		}
	}
	checkRefused(t, cases, "revocation list", ErrRevocationListExpired, ParseRevocationList)

	for i := 0; i < 2000; i += 7 {
		b := bytes.Clone(p.signedRL)
		b[i] ^= 0x10
		if _, err := ParseRevocationList(b, p.roots, t0); err == nil || errs.KindOf(err) != errs.InvalidRequest {
			t.Fatalf("bit flip at %d: %v", i, err)
		}
	}
}

package seal

import (
	"bytes"
	"compress/zlib"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/skip2/go-qrcode"
	"github.com/veraison/go-cose"

	"certa.example/certa/internal/errs"
)

var (
	t0      = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	theKey  *ecdsa.PrivateKey
	theCert *x509.Certificate
)

func init() {
	theKey, theCert = newCert(nil, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC))
}

func newCert(key crypto.Signer, notBefore, notAfter time.Time) (*ecdsa.PrivateKey, *x509.Certificate) {
	var ek *ecdsa.PrivateKey
	if key == nil {
		var err error
		ek, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		key = ek
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(42),
		Subject:      pkix.Name{CommonName: "Comune di Roma - sigillo QR", Country: []string{"IT"}},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		panic(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	return ek, cert
}

func lookupFor(certs ...*x509.Certificate) func([]byte) (*x509.Certificate, bool) {
	return func(kid []byte) (*x509.Certificate, bool) {
		for _, c := range certs {
			if bytes.Equal(KID(c), kid) {
				return c, true
			}
		}
		return nil, false
	}
}

// residenza is a realistic claim set for a certificato di residenza.
func residenza() Claims {
	return Claims{
		Version:    1,
		Code:       "ABCD-EFGH-JKMN-PQRS",
		Type:       "residenza",
		ComuneCode: "H501",
		ComuneName: "ROMA",
		Issued:     time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
		Expires:    time.Date(2027, 5, 23, 0, 0, 0, 0, time.UTC),
		Holder:     "ROSSI MARIA GIOVANNA",
		BirthDate:  time.Date(1985, 3, 14, 0, 0, 0, 0, time.UTC),
		Facts:      map[string]string{"address": "VIA DEI FORI IMPERIALI 123 SC. B INT. 7"},
	}
}

func mustSign(t testing.TB, c Claims) string {
	t.Helper()
	p, err := Sign(c, theKey, theCert)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBase45Vectors(t *testing.T) {
	for _, tc := range []struct{ in, out string }{
		{"AB", "BB8"},
		{"Hello!!", "%69 VD92EX0"},
		{"base-45", "UJCLQE7W581"},
		{"ietf!", "QED8WEX0"},
		{"", ""},
		{"\x00", "00"},
		{"\xff\xff", "FGW"},
		{"\xff", "U5"},
	} {
		t.Run(tc.out, func(t *testing.T) {
			if got := Base45Encode([]byte(tc.in)); got != tc.out {
				t.Fatalf("encode %q = %q, want %q", tc.in, got, tc.out)
			}
			got, err := Base45Decode(tc.out)
			if err != nil || string(got) != tc.in {
				t.Fatalf("decode %q = %q, %v", tc.out, got, err)
			}
		})
	}
}

func TestBase45DecodeRejects(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"lower case", "bb8"},
		{"invalid char", "BB#"},
		{"length 1 mod 3", "BB8A"},
		{"single char", "A"},
		{"chunk > 65535", "GGW"}, // 16+16*45+32*2025 = 65536
		{"max chunk", ":::"},
		{"tail > 255", "V5"}, // 31+5*45 = 256
		{"tail max", "::"},
		{"non-ascii", "BB\xc3\xa8"},
		{"NUL", "BB\x00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if b, err := Base45Decode(tc.in); err == nil {
				t.Fatalf("decode %q = %x, want error", tc.in, b)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	lookup := lookupFor(theCert)
	cases := map[string]Claims{"residenza": residenza()}
	c := residenza()
	c.Type, c.Facts = "nascita", nil
	cases["no facts"] = c
	c = residenza()
	c.Type = "residenza+stato-famiglia"
	c.Facts = map[string]string{"address": "VIA ROMA 1", "members": "3"}
	cases["contestuale"] = c
	c = residenza()
	c.BirthDate = time.Date(1921, 2, 3, 0, 0, 0, 0, time.UTC)
	c.Issued = time.Date(2026, 11, 23, 23, 59, 0, 0, time.FixedZone("CET", 3600))
	cases["old birth date, local issue time"] = c
	c = residenza()
	c.Facts = map[string]string{}
	for _, k := range []string{"a", "b", "c", "d", "e", "f"} {
		c.Facts[k] = strings.Repeat("VIA ROMA ", 20)
	}
	cases["compressible"] = c
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			p := mustSign(t, c)
			raw, _ := Base45Decode(p)
			if (raw[0] == firstZlib) != (name == "compressible") {
				t.Fatalf("compressed = %v", raw[0] == firstZlib)
			}
			got, cert, err := Verify(p, lookup, t0)
			if err != nil {
				t.Fatal(err)
			}
			if cert != theCert {
				t.Fatal("wrong certificate")
			}
			want := c
			want.Issued = dayOf(c.Issued)
			want.Expires = dayOf(c.Expires)
			want.BirthDate = dayOf(c.BirthDate)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got %+v\nwant %+v", got, want)
			}
		})
	}
}

func dayOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func TestRealisticSizeAndQR(t *testing.T) {
	long := residenza()
	long.Holder = "DELLA VALLE BERTOLINI MARIA GIOVANNA ASSUNTA"
	long.Facts["address"] = "VIA DEI FORI IMPERIALI 123 SC. B INT. 7, 00186 ROMA (RM)"
	t.Logf("long residenza seal: %d base45 characters", len(mustSign(t, long)))
	p := mustSign(t, residenza())
	raw, _ := Base45Decode(p)
	t.Logf("residenza seal: %d base45 characters (%d bytes, compressed=%v)", len(p), len(raw), raw[0] == firstZlib)
	if len(p) > 350 {
		t.Fatalf("seal is %d characters, want <= 350", len(p))
	}
	u := URL("HTTPS://CERTA.EXAMPLE", "ABCD-EFGH-JKMN-PQRS", p)
	t.Logf("URL: %d characters", len(u))
	for i := 0; i < len(u); i++ {
		if !strings.ContainsRune("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", rune(u[i])) {
			t.Fatalf("URL char %q at %d is not QR alphanumeric", u[i], i)
		}
	}
	for _, level := range []qrcode.RecoveryLevel{qrcode.Low, qrcode.Medium} {
		q, err := qrcode.New(u, level)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("QR (level %d): version %d (%d modules with quiet zone)", level, q.VersionNumber, len(q.Bitmap()))
		// The URL only fits the chosen version in alphanumeric mode: its
		// byte-mode capacity (ISO/IEC 18004 table 7, level M) is too small.
		byteCapM := map[int]int{9: 180, 10: 213, 11: 251, 12: 287, 13: 331, 14: 362, 15: 412, 16: 450}
		if level == qrcode.Medium {
			if c, ok := byteCapM[q.VersionNumber]; !ok || c >= len(u) {
				t.Fatalf("QR version %d: byte mode would fit too (%d >= %d), alphanumeric not proven", q.VersionNumber, c, len(u))
			}
		}
	}
}

func TestSignRefusesKeys(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, rsaCert := newCert(rsaKey, t0.Add(-day), t0.Add(day))
	for _, tc := range []struct {
		name string
		key  crypto.Signer
		cert *x509.Certificate
	}{
		{"rsa", rsaKey, rsaCert},
		{"ed25519", edKey, theCert},
		{"p384", p384, theCert},
		{"key not the certificate's", other, theCert},
		{"nil cert", theKey, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Sign(residenza(), tc.key, tc.cert)
			if !errors.Is(err, ErrKeyType) {
				t.Fatalf("err = %v, want ErrKeyType", err)
			}
		})
	}
}

func TestSignRefusesClaims(t *testing.T) {
	for name, mod := range map[string]func(*Claims){
		"version":     func(c *Claims) { c.Version = 2 },
		"code":        func(c *Claims) { c.Code = "abcd-efgh-jkmn-pqrs" },
		"no type":     func(c *Claims) { c.Type = "" },
		"no holder":   func(c *Claims) { c.Holder = "" },
		"zero birth":  func(c *Claims) { c.BirthDate = time.Time{} },
		"expires < i": func(c *Claims) { c.Expires = c.Issued.Add(-day) },
		"long fact":   func(c *Claims) { c.Facts["address"] = strings.Repeat("x", 300) },
	} {
		t.Run(name, func(t *testing.T) {
			c := residenza()
			mod(&c)
			_, err := Sign(c, theKey, theCert)
			if errs.KindOf(err) != errs.InvalidRequest {
				t.Fatalf("err = %v, want invalid request", err)
			}
		})
	}
}

// sign1 builds a seal by hand, for headers Sign never writes.
func sign1(t *testing.T, prot cose.ProtectedHeader, unprot cose.UnprotectedHeader, payload []byte, compress bool) string {
	t.Helper()
	var signer cose.Signer
	signer, err := cose.NewSigner(cose.AlgorithmES256, theKey)
	if err != nil {
		t.Fatal(err)
	}
	if alg, _ := prot.Algorithm(); alg != cose.AlgorithmES256 {
		signer = liar{signer, alg}
	}
	msg := cose.NewSign1Message()
	msg.Headers.Protected = prot
	msg.Headers.Unprotected = unprot
	msg.Payload = payload
	if err := msg.Sign(rand.Reader, nil, signer); err != nil {
		t.Fatal(err)
	}
	raw, err := msg.MarshalCBOR()
	if err != nil {
		t.Fatal(err)
	}
	if compress {
		raw = deflate(raw)
	}
	return Base45Encode(raw)
}

func deflate(b []byte) []byte {
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return z.Bytes()
}

func claimsCBOR(t *testing.T, w any) []byte {
	b, err := cbor.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func wireOf(c Claims) wire {
	return wire{Version: c.Version, Code: c.Code, Type: c.Type, ComuneCode: c.ComuneCode, ComuneName: c.ComuneName,
		Issued: toDays(c.Issued), Expires: toDays(c.Expires), Holder: c.Holder, BirthDate: toDays(c.BirthDate), Facts: c.Facts}
}

func TestVerifyRejects(t *testing.T) {
	good := mustSign(t, residenza())
	body := claimsCBOR(t, wireOf(residenza()))
	kid := KID(theCert)
	prot := func(extra map[any]any) cose.ProtectedHeader {
		h := cose.ProtectedHeader{cose.HeaderLabelAlgorithm: cose.AlgorithmES256, cose.HeaderLabelKeyID: kid}
		for k, v := range extra {
			h[k] = v
		}
		return h
	}
	otherKey, otherCert := newCert(nil, t0.Add(-day), t0.Add(day))
	_ = otherKey
	// A certificate with the same key, but not valid on the issue date.
	_, lateCert := newCert(theKey, t0.Add(30*day), t0.Add(60*day))
	lateKID := KID(lateCert)
	lookupLate := func(k []byte) (*x509.Certificate, bool) {
		if bytes.Equal(k, lateKID) {
			return lateCert, true
		}
		return nil, false
	}
	bomb := deflate(bytes.Repeat([]byte{0xD2}, 1<<20))

	type tc struct {
		name      string
		payload   string
		lookup    func([]byte) (*x509.Certificate, bool)
		now       time.Time
		untrusted bool
		expired   bool
	}
	cases := []tc{
		{name: "empty", payload: ""},
		{name: "oversize", payload: strings.Repeat("BB8", MaxPayload/3+1)},
		{name: "not base45", payload: strings.ToLower(good)},
		{name: "truncated", payload: good[:len(good)-1]},
		{name: "unknown marker", payload: Base45Encode([]byte{0x84, 0x40, 0xa0, 0xf6, 0x40})},
		{name: "untagged COSE", payload: Base45Encode(func() []byte { r, _ := Base45Decode(good); return r[1:] }())},
		{name: "zlib bomb", payload: Base45Encode(bomb)},
		{name: "zlib of zlib", payload: Base45Encode(deflate(deflate([]byte{0xD2})))},
		{name: "zlib trailing data", payload: Base45Encode(append(deflate(func() []byte { r, _ := Base45Decode(mustSign(t, residenza())); return r }()), 0))},
		{name: "wrong alg", payload: sign1(t, cose.ProtectedHeader{cose.HeaderLabelAlgorithm: cose.AlgorithmES384, cose.HeaderLabelKeyID: kid}, nil, body, false)},
		{name: "no kid", payload: sign1(t, cose.ProtectedHeader{cose.HeaderLabelAlgorithm: cose.AlgorithmES256}, nil, body, false)},
		{name: "short kid", payload: sign1(t, cose.ProtectedHeader{cose.HeaderLabelAlgorithm: cose.AlgorithmES256, cose.HeaderLabelKeyID: kid[:4]}, nil, body, false)},
		{name: "critical header", payload: sign1(t, prot(map[any]any{cose.HeaderLabelCritical: []any{int64(99)}, int64(99): 1}), nil, body, false)},
		{name: "extra protected header", payload: sign1(t, prot(map[any]any{cose.HeaderLabelContentType: "text/plain"}), nil, body, false)},
		{name: "unprotected header", payload: sign1(t, prot(nil), cose.UnprotectedHeader{cose.HeaderLabelContentType: "text/plain"}, body, true)},
		{name: "unknown claim key", payload: sign1(t, prot(nil), nil, claimsCBOR(t, map[int]any{1: 1, 2: "ABCD-EFGH-JKMN-PQRS", 3: "x", 4: "H501", 6: 1, 7: 2, 8: "X", 9: 0, 11: "x"}), true)},
		{name: "wrong version", payload: sign1(t, prot(nil), nil, claimsCBOR(t, func() wire { w := wireOf(residenza()); w.Version = 2; return w }()), true)},
		{name: "claims not a map", payload: sign1(t, prot(nil), nil, []byte{0x01}, false)},
		{name: "unknown kid", payload: good, lookup: lookupFor(otherCert), untrusted: true},
		{name: "nil lookup", payload: good, lookup: func([]byte) (*x509.Certificate, bool) { return nil, false }, untrusted: true},
		{name: "right kid, other key", payload: good, lookup: func([]byte) (*x509.Certificate, bool) { return otherCert, true }, untrusted: true},
		{name: "cert not valid at issue date", payload: func() string {
			p, err := Sign(residenza(), theKey, lateCert)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}(), lookup: lookupLate, untrusted: true},
		{name: "issued in the future", payload: good, now: t0.Add(-3 * day), untrusted: true},
		{name: "expired", payload: good, now: time.Date(2027, 5, 24, 0, 0, 0, 0, time.UTC), expired: true},
	}
	// Flip bits in every base45 character: decode, structure or signature
	// must fail (never a silent success).
	for i := 0; i < len(good); i++ {
		b := []byte(good)
		j := strings.IndexByte(base45Alphabet, b[i])
		b[i] = base45Alphabet[(j+1)%45]
		cases = append(cases, tc{name: "tamper", payload: string(b)})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lookup := c.lookup
			if lookup == nil {
				lookup = lookupFor(theCert)
			}
			now := c.now
			if now.IsZero() {
				now = t0
			}
			claims, cert, err := Verify(c.payload, lookup, now)
			if err == nil {
				t.Fatal("verified")
			}
			if errs.KindOf(err) != errs.InvalidRequest {
				t.Fatalf("kind %v: %v", errs.KindOf(err), err)
			}
			if pub := errs.PublicOf(err); strings.Contains(pub, "ROSSI") || len(pub) > 40 {
				t.Fatalf("public text %q", pub)
			}
			if c.name == "tamper" {
				return // malformed or untrusted, both fine
			}
			if got := errors.Is(err, ErrUntrusted); got != c.untrusted {
				t.Fatalf("untrusted = %v (%v)", got, err)
			}
			if got := errors.Is(err, ErrExpired); got != c.expired {
				t.Fatalf("expired = %v (%v)", got, err)
			}
			if c.expired != (cert != nil && claims.Holder != "") {
				t.Fatalf("claims returned = %v", claims.Holder != "")
			}
		})
	}
}

func TestURL(t *testing.T) {
	p := mustSign(t, residenza())
	for _, payload := range []string{"%69 VD92EX0", "A%B C/D//E/../F", p, "BB8"} {
		u := URL("HTTPS://CERTA.EXAMPLE/", "ABCD-EFGH-JKMN-PQRS", payload)
		if strings.ContainsAny(u[len("HTTPS://CERTA.EXAMPLE/V/ABCD-EFGH-JKMN-PQRS/"):], " /") || strings.Contains(u, "//V") {
			t.Fatalf("unescaped: %s", u)
		}
		for _, variant := range []string{u, strings.ToLower(u),
			"https://certa.example/V/" + u[len("HTTPS://CERTA.EXAMPLE/V/"):],
			strings.ReplaceAll(u, "%2F", "/"), strings.ReplaceAll(u, "%2F", "%2f")} {
			t.Run(variant, func(t *testing.T) {
				if variant == strings.ToLower(u) {
					// Lower case also lowers the payload: base45 refuses it,
					// so ParseURL does too (the code is case-insensitive).
					if strings.ToLower(payload) != payload {
						if _, _, err := ParseURL(variant); err == nil {
							t.Fatal("lower-case payload accepted")
						}
						return
					}
				}
				code, got, err := ParseURL(variant)
				if err != nil {
					t.Fatal(err)
				}
				if code != "ABCD-EFGH-JKMN-PQRS" || got != payload {
					t.Fatalf("got %q %q", code, got)
				}
			})
		}
	}
	for _, bad := range []string{
		"", "FTP://X/V/ABCD-EFGH-JKMN-PQRS/BB8", "HTTPS:///V/ABCD-EFGH-JKMN-PQRS/BB8",
		"HTTPS://X/W/ABCD-EFGH-JKMN-PQRS/BB8", "HTTPS://X/V/ABCD/BB8", "HTTPS://X/V/ABCD-EFGH-JKMN-PQRS/",
		"HTTPS://X/V/ABCD-EFGH-JKMN-PQRS/BB8?x=1", "HTTPS://X/V/ABCD-EFGH-JKMN-PQRS/BB%", "HTTPS://X/V/ABCD-EFGH-JKMN-PQRS/BB%4",
		"HTTPS://X/V/ABCD-EFGH-JKMN-PQRS/BB%41", "HTTPS://X/V/ABCD-EFGH-JKMN-PQRS/B B", "HTTPS://X/V/ABCD-EFGH-JKMN-PQRS/BB8#f",
		"HTTPS://X/V/ABCD-EFGH-JKMN-PQRS/" + strings.Repeat("A", MaxURL),
	} {
		if _, _, err := ParseURL(bad); err == nil || errs.KindOf(err) != errs.InvalidRequest {
			t.Errorf("ParseURL(%.60q) = %v", bad, err)
		}
	}
}

// TestURLThroughServeMux checks that net/http and ServeMux take the URL
// as is (no 400 for '%', no 307 for '//' or dot segments) and that the
// escaped path parses back.
func TestURLThroughServeMux(t *testing.T) {
	mux := http.NewServeMux()
	var got string
	mux.HandleFunc("GET /V/{code}/{seal}", func(w http.ResponseWriter, r *http.Request) {
		_, p, err := ParseURL("HTTPS://" + r.Host + r.URL.EscapedPath())
		if err != nil {
			http.Error(w, "bad", 400)
			return
		}
		got = p
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for _, payload := range []string{"A%B C//D/../E", mustSign(t, residenza())} {
		u := URL(srv.URL, "ABCD-EFGH-JKMN-PQRS", payload)
		resp, err := client.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || got != payload {
			t.Fatalf("status %d, payload %q", resp.StatusCode, got)
		}
	}
}

// liar claims another algorithm but signs with ES256.
type liar struct {
	cose.Signer
	alg cose.Algorithm
}

func (l liar) Algorithm() cose.Algorithm { return l.alg }

func TestParseURLAcceptsHTTP(t *testing.T) {
	// A demo installation's public URL is http; the signature makes a seal
	// authentic, not the scheme.
	for _, u := range []string{"HTTP://127.0.0.1:8080/V/ABCD-EFGH-JKMN-PQRS/BB8", "http://x/v/abcd-efgh-jkmn-pqrs/BB8"} {
		code, payload, err := ParseURL(u)
		if err != nil || code != "ABCD-EFGH-JKMN-PQRS" || payload != "BB8" {
			t.Errorf("ParseURL(%q) = %q %q %v", u, code, payload, err)
		}
	}
}

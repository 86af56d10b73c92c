package seal

import (
	"testing"
)

func FuzzBase45Decode(f *testing.F) {
	for _, s := range []string{"", "BB8", "%69 VD92EX0", "UJCLQE7W581", "QED8WEX0", "GGW", "V5", "A", "::"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := Base45Decode(s)
		if err != nil {
			return
		}
		if got := Base45Encode(b); got != s {
			t.Fatalf("encode(decode(%q)) = %q", s, got)
		}
	})
}

func FuzzVerify(f *testing.F) {
	f.Add(mustSign(f, residenza()))
	f.Add(Base45Encode(deflate([]byte{0xD2, 0x84})))
	f.Add("BB8")
	f.Add("")
	lookup := lookupFor(theCert)
	f.Fuzz(func(t *testing.T, s string) {
		c, cert, err := Verify(s, lookup, t0)
		if err == nil && (cert == nil || c.Version != Version) {
			t.Fatal("verified without certificate or version")
		}
		if code, p, err := ParseURL("HTTPS://X/V/ABCD-EFGH-JKMN-PQRS/" + s); err == nil {
			if code != "ABCD-EFGH-JKMN-PQRS" {
				t.Fatal(code)
			}
			_, _, _ = Verify(p, lookup, t0)
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	p := mustSign(b, residenza())
	lookup := lookupFor(theCert)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := Verify(p, lookup, t0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
}

func BenchmarkSign(b *testing.B) {
	c := residenza()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Sign(c, theKey, theCert); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signatures/s")
}

package seal

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"testing"
	"time"

	"certa.example/certa/internal/errs"
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

// FuzzParseTrustList feeds both the signed form (ParseTrustList) and a
// bare payload (decodeTrustList, which the signature check otherwise hides
// from the fuzzer). Whatever decodes must re-encode to the same bytes.
func FuzzParseTrustList(f *testing.F) {
	p := testPKI()
	for _, b := range [][]byte{p.signedTL, p.signedTL384, p.signedTLWithRoot, p.signedTLPayload, p.signedRL, {0xD2, 0x84}} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tl, err := ParseTrustList(data, p.roots, t0)
		if err != nil {
			if errs.KindOf(err) != errs.InvalidRequest {
				t.Fatalf("kind %v: %v", errs.KindOf(err), err)
			}
		} else {
			for _, e := range tl.Entries {
				if c, ok := tl.Lookup(e.KID); !ok || c != e.Cert || !bytes.Equal(e.KID, KID(c)) {
					t.Fatal("entry not found by its kid")
				}
			}
		}
		if tl, err := decodeTrustList(data); err == nil {
			again, err := encodeTrustList(*tl)
			if err != nil || !bytes.Equal(again, data) {
				t.Fatalf("decoded payload does not re-encode: %v", err)
			}
		}
	})
}

// FuzzParseRevocationList is FuzzParseTrustList for revocation lists.
func FuzzParseRevocationList(f *testing.F) {
	p := testPKI()
	small := NewRevocationList(1, p.issued, p.expires, p.revokedCodes[:20])
	smallSigned, err := SignRevocationList(small, p.signerKey, []*x509.Certificate{p.signer})
	if err != nil {
		f.Fatal(err)
	}
	for _, b := range [][]byte{smallSigned, must(encodeRevocationList(small)), p.signedTL, {0xD2, 0x84}} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseRevocationList(data, p.roots, t0)
		if err != nil {
			if errs.KindOf(err) != errs.InvalidRequest {
				t.Fatalf("kind %v: %v", errs.KindOf(err), err)
			}
		} else {
			for _, g := range l.Groups {
				for _, prefix := range g {
					if len(prefix) != l.PrefixLen {
						t.Fatal("prefix length")
					}
				}
			}
		}
		if l, err := decodeRevocationList(data); err == nil {
			again, err := encodeRevocationList(*l)
			if err != nil || !bytes.Equal(again, data) {
				t.Fatalf("decoded payload does not re-encode: %v", err)
			}
		}
	})
}

// BenchmarkVerify measures Verify with a parsed trust list's Lookup. Run
// it with -cpu 1 next to BenchmarkECDSAVerifyP256, the bare P-256
// signature check that bounds it (see docs/seal.md, "Performance").
func BenchmarkVerify(b *testing.B) {
	p := testPKI()
	tl, err := ParseTrustList(p.signedTL, p.roots, t0)
	if err != nil {
		b.Fatal(err)
	}
	seal := mustSign(b, residenza())
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		if _, _, err := Verify(seal, tl.Lookup, t0); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b, cpuTime()-cpu)
}

// reportRate reports verifications per wall-clock second and, where the
// CPU time is known, per CPU-second (with -cpu 1: per core).
func reportRate(b *testing.B, cpu time.Duration) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
	if cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "verifications/cpu-s")
	}
}

// BenchmarkECDSAVerifyP256 is crypto/ecdsa's P-256 verification alone.
func BenchmarkECDSAVerifyP256(b *testing.B) {
	digest := sha256.Sum256([]byte("Signature1"))
	sig, err := ecdsa.SignASN1(rand.Reader, theKey, digest[:])
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		if !ecdsa.VerifyASN1(&theKey.PublicKey, digest[:], sig) {
			b.Fatal("bad signature")
		}
	}
	reportRate(b, cpuTime()-cpu)
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

// FuzzParseURL: a scanned QR text is outside input. Whatever ParseURL
// accepts must round-trip through URL to an equivalent seal URL.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{
		"HTTPS://X/V/ABCD-EFGH-JKMN-PQRS/BB8", "http://x/v/abcd-efgh-jkmn-pqrs/B%2FB%2520",
		"HTTPS://X/V/ABCD-EFGH-JKMN-PQRS/", "HTTPS://X/V/ABCD/BB8", "HTTPS://X/V/ABCD-EFGH-JKMN-PQRS/B/B",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, payload, err := ParseURL(s)
		if err != nil {
			if errs.KindOf(err) != errs.InvalidRequest {
				t.Fatalf("error kind %v", errs.KindOf(err))
			}
			return
		}
		c2, p2, err := ParseURL(URL("HTTPS://X", code, payload))
		if err != nil || c2 != code || p2 != payload {
			t.Fatalf("round trip of %q: %q %q %v", s, c2, p2, err)
		}
	})
}

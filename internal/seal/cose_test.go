package seal

import (
	"bytes"
	"encoding/asn1"
	"math/big"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"certa.example/certa/internal/errs"
)

func TestCBORHeads(t *testing.T) {
	for _, n := range []uint64{0, 23, 24, 255, 256, 65535, 65536, 1<<32 - 1, 1 << 32, 1<<64 - 1} {
		b := appendHead(nil, 2, n)
		want, _ := cbor.Marshal(n) // major type 0, same head layout
		want[0] |= 2 << 5
		if !bytes.Equal(b, want) {
			t.Fatalf("appendHead(%d) = %x, want %x", n, b, want)
		}
		major, arg, used, err := readHead(append(b, 0xFF))
		if err != nil || major != 2 || arg != n || used != len(b) {
			t.Fatalf("readHead(%x) = %d %d %d %v", b, major, arg, used, err)
		}
	}
	for _, bad := range [][]byte{
		nil, {0x58}, {0x58, 0x17}, {0x59, 0x00, 0xFF}, {0x5A, 0, 0, 0xFF, 0xFF},
		{0x5B, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF}, {0x5F}, {0x5C}, {0x5B, 1, 2},
	} {
		if _, _, _, err := readHead(bad); err == nil {
			t.Errorf("readHead(%x) accepted", bad)
		}
	}
	if _, _, err := readBstr([]byte{0x45, 1, 2, 3, 4}); err == nil {
		t.Error("readBstr past the end")
	}
	if _, _, err := readBstr([]byte{0x5B, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}); err == nil {
		t.Error("readBstr of a huge length")
	}
	if _, _, err := readBstr([]byte{0x41, 0x00}); err != nil {
		t.Error(err)
	}
}

func TestRawToDER(t *testing.T) {
	for _, tc := range []struct{ r, s []byte }{
		{bytes.Repeat([]byte{0x7F}, 32), bytes.Repeat([]byte{0x80}, 32)},
		{append(make([]byte, 31), 1), append([]byte{0, 0, 0x80}, make([]byte, 29)...)},
		{make([]byte, 32), bytes.Repeat([]byte{0xFF}, 32)},
		{bytes.Repeat([]byte{0xFF}, 48), append([]byte{0}, bytes.Repeat([]byte{0x01}, 47)...)},
	} {
		want, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(tc.r), new(big.Int).SetBytes(tc.s)})
		if err != nil {
			t.Fatal(err)
		}
		if got := rawToDER(append(bytes.Clone(tc.r), tc.s...)); !bytes.Equal(got, want) {
			t.Fatalf("rawToDER = %x, want %x", got, want)
		}
	}
}

// TestVerifyCanonicalOnly: Verify takes only the canonical encoding Sign
// writes; every other way of writing the same COSE_Sign1 is malformed,
// even when correctly signed.
func TestVerifyCanonicalOnly(t *testing.T) {
	body := claimsCBOR(t, wireOf(residenza()))
	kid := KID(theCert)
	signed := func(prot, payload []byte) []byte {
		sig, err := es256.sign(theKey, toBeSigned(prot, payload))
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	canon := sealProtected(kid)
	reversed := append(append([]byte{0xA2, 0x04, 0x48}, kid...), 0x01, 0x26)
	long := append([]byte{0xA2, 0x01, 0x26, 0x04, 0x58, 0x08}, kid...)
	sig := signed(canon, body)
	// The canonical form verifies.
	if _, _, err := Verify(Base45Encode(appendSign1(nil, canon, body, sig)), lookupFor(theCert), t0); err != nil {
		t.Fatal(err)
	}
	for name, raw := range map[string][]byte{
		"protected keys reversed":    appendSign1(nil, reversed, body, signed(reversed, body)),
		"kid with a long length":     appendSign1(nil, long, body, signed(long, body)),
		"payload with a long length": append(append(append([]byte{0xD2, 0x84}, appendBstr(nil, canon)...), 0xA0, 0x59, 0x00, byte(len(body))), appendBstr(body, sig)...),
		"detached payload":           append(append(append([]byte{0xD2, 0x84}, appendBstr(nil, canon)...), 0xA0, 0xF6), appendBstr(nil, sig)...),
		"signature of 63 bytes":      appendSign1(nil, canon, body, sig[:63]),
		"signature in DER":           appendSign1(nil, canon, body, rawToDER(sig)),
		"array of 5":                 append([]byte{0xD2, 0x85}, append(appendSign1(nil, canon, body, sig)[2:], 0x40)...),
		"tag 98 (COSE_Sign)":         append([]byte{0xD8, 0x62}, appendSign1(nil, canon, body, sig)[1:]...),
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := Verify(Base45Encode(raw), lookupFor(theCert), t0)
			if err == nil || errs.PublicOf(err) != "malformed seal" {
				t.Fatalf("err = %v, want malformed seal", err)
			}
		})
	}
}

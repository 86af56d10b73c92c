package qr

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	qrcode "github.com/skip2/go-qrcode"
)

// skip2Bitmap is the oracle: go-qrcode's symbol for text, without border.
func skip2Bitmap(t testing.TB, text string, l Level) [][]bool {
	t.Helper()
	q, err := qrcode.New(text, qrcode.RecoveryLevel(l))
	if err != nil {
		t.Fatalf("go-qrcode: %v", err)
	}
	q.DisableBorder = true
	return q.Bitmap()
}

func sameAsSkip2(t *testing.T, text string, l Level) {
	t.Helper()
	want := skip2Bitmap(t, text, l)
	got, err := Encode(text, l)
	if err != nil {
		t.Fatalf("Encode(%.40q…, %d): %v", text, l, err)
	}
	if got.Size != len(want) {
		t.Fatalf("Encode(%.40q…, %d): size %d (version %d), go-qrcode %d", text, l, got.Size, got.Version, len(want))
	}
	for y, row := range want {
		for x, b := range row {
			if got.Black(x, y) != b {
				t.Fatalf("Encode(%.40q… (%d bytes), %d): version %d mask %d differs from go-qrcode at (%d,%d)", text, len(text), l, got.Version, got.Mask, x, y)
			}
		}
	}
}

func TestSameAsGoQRCode(t *testing.T) {
	fixed := []string{
		"0", "A", "a", "01234567", "HELLO WORLD", "hello, world",
		"HTTPS://CERTA.EXAMPLE/V/ABCD-EFGH-JKMN-PQRS",
		"https://certa.example/v/ABCD-EFGH-JKMN-PQRS",
		"123456789012345678901234567890ABC", "ABC1234567890123DEF", "àèìòù €",
		strings.Repeat("9", 7089), // numeric capacity of 40-L
		strings.Repeat("Z", 4296), // alphanumeric capacity of 40-L
		strings.Repeat("z", 2953), // byte capacity of 40-L
	}
	for _, text := range fixed {
		for l := L; l <= H; l++ {
			if len(text) > 1800 && l != L {
				continue
			}
			t.Run(fmt.Sprintf("%.20s/%d", text, l), func(t *testing.T) { sameAsSkip2(t, text, l) })
		}
	}
	// Random texts of every mode mix and length, so every version,
	// level, block layout and mask is reached.
	rng := rand.New(rand.NewPCG(1, 2))
	alphabets := []string{
		"0123456789",
		"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:",
		"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:abcdefgh",
		"0123456789ABCDEF",
	}
	count := 600
	if testing.Short() {
		count = 150
	}
	for i := range count {
		alpha := alphabets[i%len(alphabets)]
		n := 1 + rng.IntN(1+rng.IntN(1500))
		var b strings.Builder
		for range n {
			b.WriteByte(alpha[rng.IntN(len(alpha))])
		}
		l := Level(rng.IntN(4))
		text := b.String()
		if _, err := qrcode.New(text, qrcode.RecoveryLevel(l)); err != nil {
			if _, err := Encode(text, l); err == nil {
				t.Fatalf("go-qrcode refuses %d bytes at level %d, Encode accepts them", n, l)
			}
			continue
		}
		t.Run(fmt.Sprintf("random%d", i), func(t *testing.T) { sameAsSkip2(t, text, l) })
	}
}

func TestEveryVersion(t *testing.T) {
	// The longest alphanumeric text of each version and level must land in
	// that version, as in go-qrcode.
	for v := 1; v <= 40; v++ {
		for l := L; l <= H; l++ {
			bits := blocksOf(v, l).dataBits()
			r := ranges[0]
			if v >= 27 {
				r = ranges[2]
			} else if v >= 10 {
				r = ranges[1]
			}
			n := (bits - 4 - r.countBits[modeAlphanumeric]) / 11 * 2
			if 4+r.countBits[modeAlphanumeric]+11*(n/2)+6 <= bits {
				n++
			}
			text := strings.Repeat("A", n)
			c, err := Encode(text, l)
			if err != nil {
				t.Fatalf("version %d level %d: %v", v, l, err)
			}
			if c.Version != v {
				t.Errorf("version %d level %d: %d characters chose version %d", v, l, n, c.Version)
			}
			if v%3 == 0 || v < 10 {
				sameAsSkip2(t, text, l)
			}
		}
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		text string
		l    Level
	}{
		{"empty", "", M},
		{"too long", strings.Repeat("z", 2332), M},
		{"bad level", "A", Level(4)},
		{"negative level", "A", Level(-1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if c, err := Encode(tc.text, tc.l); err == nil {
				t.Fatalf("Encode = version %d, want an error", c.Version)
			}
		})
	}
}

func TestECCKnownVector(t *testing.T) {
	// ISO/IEC 18004 annex I: "01234567" at 1-M; data codewords and their
	// ten error correction codewords.
	data := []byte{0x10, 0x20, 0x0C, 0x56, 0x61, 0x80, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11}
	want := []byte{0xA5, 0x24, 0xD4, 0xC1, 0xED, 0x36, 0xC7, 0x87, 0x2C, 0x55}
	got := appendECC(nil, data, 10)
	if string(got) != string(want) {
		t.Fatalf("ECC = % X, want % X", got, want)
	}
}

func BenchmarkEncode(b *testing.B) {
	text := "HTTPS://CERTA.EXAMPLE/S/" + strings.Repeat("6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDEXWK G2EP4J0B3KL6QM5/OA", 7)[:406]
	b.Run("certa", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Encode(text, M); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go-qrcode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			q, err := qrcode.New(text, qrcode.Medium)
			if err != nil {
				b.Fatal(err)
			}
			q.DisableBorder = true
			q.Bitmap()
		}
	})
}

// TestPenaltyMatchesReference compares the line-at-a-time score with the
// module-at-a-time reading of go-qrcode's rules, on random matrices and on
// matrices full of finder-like runs, for sizes across the three words.
func TestPenaltyMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, size := range []int{21, 25, 57, 61, 63, 64, 65, 69, 125, 127, 128, 129, 177} {
		for trial := range 40 {
			m := make([]byte, size*size)
			for i := range m {
				switch trial % 3 {
				case 0:
					m[i] = byte(rng.IntN(2))
				case 1: // finder-like stripes with noise
					m[i] = byte(uint(finderBefore)>>(i%11)&1) ^ byte(rng.IntN(9)/8)
				default: // long runs
					m[i] = byte(i / (1 + rng.IntN(12)) % 2)
				}
			}
			rows, cols := make([]line, size), make([]line, size)
			for y := range size {
				for x := range size {
					if m[y*size+x] == 1 {
						rows[y].set(x)
						cols[x].set(y)
					}
				}
			}
			if got, want := penalty(rows, cols, size), penaltyBytes(m, size); got != want {
				t.Fatalf("size %d trial %d: penalty %d, reference %d", size, trial, got, want)
			}
		}
	}
}

// FuzzEncode: any text at any level encodes to go-qrcode's symbol, or both
// refuse it.
func FuzzEncode(f *testing.F) {
	f.Add("HTTPS://CERTA.EXAMPLE/V/ABCD-EFGH-JKMN-PQRS", uint8(1))
	f.Add("0123456789", uint8(0))
	f.Add("a1B2c3", uint8(3))
	f.Fuzz(func(t *testing.T, text string, level uint8) {
		l := Level(level % 4)
		q, err := qrcode.New(text, qrcode.RecoveryLevel(l))
		c, err2 := Encode(text, l)
		if err != nil || err2 != nil {
			if (err == nil) != (err2 == nil) {
				t.Fatalf("go-qrcode error %v, Encode error %v", err, err2)
			}
			return
		}
		q.DisableBorder = true
		for y, row := range q.Bitmap() {
			for x, b := range row {
				if c.Black(x, y) != b {
					t.Fatalf("differs from go-qrcode at (%d,%d)", x, y)
				}
			}
		}
	})
}

package qr

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"certa.example/certa/internal/testutil"
)

// writePNG draws c with a four-module quiet zone, scale pixels a module.
func writePNG(t *testing.T, c *Code, path string, scale int) {
	t.Helper()
	side := (c.Size + 8) * scale
	img := image.NewGray(image.Rect(0, 0, side, side))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for y := range c.Size {
		for x := range c.Size {
			if !c.Black(x, y) {
				continue
			}
			for dy := range scale {
				for dx := range scale {
					img.SetGray((x+4)*scale+dx, (y+4)*scale+dy, color.Gray{})
				}
			}
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

// TestZbarimgReads checks the codes with an independent decoder.
func TestZbarimgReads(t *testing.T) {
	testutil.RequireTools(t, "zbarimg")
	texts := []struct {
		text string
		l    Level
	}{
		{"HTTPS://CERTA.EXAMPLE/V/ABCD-EFGH-JKMN-PQRS", M},
		{"https://certa.example/v/abcd-efgh-jkmn-pqrs?x=1", L},
		{"0123456789012345678901234567890123456789", Q},
		{"HTTP://127.0.0.1:8080/S/" + strings.Repeat("6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDEX", 9), M},
		{strings.Repeat("certa 2026 ", 60), H},
		{"ABC123def456GHI789", M},
	}
	dir := t.TempDir()
	for i, tc := range texts {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			c, err := Encode(tc.text, tc.l)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, fmt.Sprintf("%d.png", i))
			writePNG(t, c, path, 4)
			out, code := testutil.Output(t, "zbarimg", "-q", "--raw", "-Sdisable", "-Sqrcode.enable", path)
			if code != 0 {
				t.Fatalf("zbarimg found no code in version %d (exit %d)", c.Version, code)
			}
			if got := strings.TrimSuffix(out, "\n"); got != tc.text {
				t.Fatalf("zbarimg read %q, want %q", got, tc.text)
			}
		})
	}
}

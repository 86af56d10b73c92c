package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"certa.example/certa/internal/importer"
)

// progress draws a one-line bar on a terminal and stays silent otherwise.
type progress struct {
	w     io.Writer
	size  int64
	tty   bool
	start time.Time
	drawn bool
	pass  int
}

func newProgress(w io.Writer, size int64) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progress{w: w, size: size, tty: tty, start: time.Now()}
}

func passName(pass int) string {
	if pass == 1 {
		return "importing"
	}
	return "writing"
}

func (p *progress) update(pr importer.Progress) {
	if !p.tty {
		return
	}
	if pr.Pass != p.pass {
		p.pass, p.start = pr.Pass, time.Now()
	}
	line := fmt.Sprintf("\r%s: %d lines, %d persons", passName(pr.Pass), pr.Lines, pr.Persons)
	if p.size > 0 {
		frac := float64(pr.Bytes) / float64(p.size)
		const width = 30
		n := int(frac * width)
		if n > width {
			n = width
		}
		bar := make([]byte, width)
		for i := range bar {
			bar[i] = ' '
			if i < n {
				bar[i] = '='
			}
		}
		eta := ""
		if frac > 0.01 && frac < 1 {
			elapsed := time.Since(p.start)
			eta = fmt.Sprintf(", ETA %s", time.Duration(float64(elapsed)/frac-float64(elapsed)).Round(time.Second))
		}
		line = fmt.Sprintf("\r%-10s [%s] %3.0f%% %d lines, %d persons%s   ", passName(pr.Pass), bar, frac*100, pr.Lines, pr.Persons, eta)
	}
	fmt.Fprint(p.w, line)
	p.drawn = true
}

func (p *progress) finish() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}

package batch

import (
	"testing"
	"time"
)

type manualClock struct{ t time.Time }

func (c *manualClock) now() time.Time          { return c.t }
func (c *manualClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestProgress(t *testing.T) {
	t0 := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	type step struct {
		after time.Duration // since the previous step
		done  int64
	}
	tests := []struct {
		name      string
		total     int64
		steps     []step
		wantRate  float64
		wantETA   time.Duration
		wantKnown bool
		wantDone  int64
	}{
		{name: "no observation", total: 100},
		{name: "one observation", total: 100, steps: []step{{0, 10}}, wantDone: 10},
		{name: "no progress", total: 100, steps: []step{{0, 10}, {10 * time.Second, 10}}, wantDone: 10},
		{name: "steady", total: 1000, steps: []step{{0, 0}, {10 * time.Second, 100}, {10 * time.Second, 200}},
			wantRate: 10, wantETA: 80 * time.Second, wantKnown: true, wantDone: 200},
		{name: "window forgets a slow start", total: 10_000, steps: []step{
			{0, 0}, {10 * time.Minute, 10}, // 1 item a minute, ten minutes long
			{30 * time.Second, 1010}, {30 * time.Second, 2010}, {30 * time.Second, 3010}, // then 2,000 a minute
		}, wantRate: 1000.0 / 30, wantETA: 210 * time.Second, wantKnown: true, wantDone: 3010},
		{name: "finished", total: 50, steps: []step{{0, 0}, {time.Second, 50}}, wantKnown: true, wantDone: 50},
		{name: "stale count ignored", total: 1000, steps: []step{{0, 0}, {10 * time.Second, 100}, {time.Second, 40}, {9 * time.Second, 200}},
			wantRate: 10, wantETA: 80 * time.Second, wantKnown: true, wantDone: 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &manualClock{t: t0}
			p := NewProgress(tc.total, time.Minute, c.now)
			for _, s := range tc.steps {
				c.advance(s.after)
				p.Observe(s.done)
			}
			e := p.Estimate()
			if e.Done != tc.wantDone || e.Total != tc.total || e.Known != tc.wantKnown || e.ETA != tc.wantETA ||
				abs(e.Rate-tc.wantRate) > 1e-9 {
				t.Errorf("Estimate = %+v, want done %d rate %v ETA %v known %v", e, tc.wantDone, tc.wantRate, tc.wantETA, tc.wantKnown)
			}
		})
	}
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

// TestProgressBounded observes every millisecond for ten minutes: memory stays
// bounded and the rate is the steady one.
func TestProgressBounded(t *testing.T) {
	c := &manualClock{t: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)}
	p := NewProgress(10_000_000, time.Minute, c.now)
	for i := range int64(600_000) {
		c.advance(time.Millisecond)
		p.Observe(i * 2) // 2,000 items a second
	}
	if len(p.samples) > maxSamples {
		t.Errorf("%d samples kept", len(p.samples))
	}
	e := p.Estimate()
	if abs(e.Rate-2000) > 1 || !e.Known {
		t.Errorf("Estimate = %+v, want 2000 items/s", e)
	}
	if (Estimate{Done: 1, Total: 4}).Fraction() != 0.25 || (Estimate{}).Fraction() != 0 {
		t.Error("Fraction")
	}
}

package batch

import (
	"sync"
	"time"
)

// Progress estimates a batch's rate and remaining time from observations
// of the number of finished items, over a sliding window of time, so that
// the estimate follows the current pace rather than the average since the
// start (which a pause or a slow start would skew for hours). The CLI's
// progress bar and GET /api/v1/batches/{id} share it. It is safe for
// concurrent use; its memory is bounded (at most maxSamples samples).
type Progress struct {
	mu      sync.Mutex
	now     func() time.Time
	window  time.Duration
	total   int64
	samples []sample // oldest first, within the window (plus one older)
}

type sample struct {
	at   time.Time
	done int64
}

// maxSamples bounds the samples kept: closer ones are merged.
const maxSamples = 64

// Estimate is a snapshot of progress.
type Estimate struct {
	Done, Total int64
	// Rate is items per second over the window; 0 until two observations
	// a moment apart.
	Rate float64
	// ETA is the time left at Rate; Known is false while there is no rate
	// (and ETA is then 0), or when the batch is finished (ETA 0, Known
	// true).
	ETA   time.Duration
	Known bool
}

// Fraction is Done/Total, 0 for an empty batch.
func (e Estimate) Fraction() float64 {
	if e.Total <= 0 {
		return 0
	}
	return float64(e.Done) / float64(e.Total)
}

// NewProgress returns an estimator for total items over a window (e.g. a
// minute), reading the clock now.
func NewProgress(total int64, window time.Duration, now func() time.Time) *Progress {
	return &Progress{now: now, window: window, total: total}
}

// Observe records that done items are finished now. Observations that go
// backwards (another worker's stale count) are ignored.
func (p *Progress) Observe(done int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.now()
	if n := len(p.samples); n > 0 {
		last := p.samples[n-1]
		if done < last.done || t.Before(last.at) {
			return
		}
		// Merge with the last sample when they are closer than the
		// window's share of a sample, to bound memory.
		if n > 1 && t.Sub(p.samples[n-2].at) < p.window/maxSamples {
			p.samples[n-1] = sample{t, done}
			p.trim(t)
			return
		}
	}
	p.samples = append(p.samples, sample{t, done})
	p.trim(t)
}

// trim drops the samples older than the window, keeping one older than it
// as the window's start.
func (p *Progress) trim(now time.Time) {
	cut := 0
	for cut+1 < len(p.samples) && now.Sub(p.samples[cut+1].at) >= p.window {
		cut++
	}
	if cut > 0 {
		p.samples = append(p.samples[:0], p.samples[cut:]...)
	}
	if len(p.samples) > maxSamples {
		p.samples = append(p.samples[:0], p.samples[len(p.samples)-maxSamples:]...)
	}
}

// Estimate returns the progress as of the last observation.
func (p *Progress) Estimate() Estimate {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := Estimate{Total: p.total}
	n := len(p.samples)
	if n == 0 {
		return e
	}
	first, last := p.samples[0], p.samples[n-1]
	e.Done = last.done
	if e.Done >= e.Total {
		e.Known = true
		return e
	}
	elapsed := last.at.Sub(first.at)
	if elapsed <= 0 || last.done == first.done {
		return e
	}
	e.Rate = float64(last.done-first.done) / elapsed.Seconds()
	e.ETA = time.Duration(float64(e.Total-e.Done) / e.Rate * float64(time.Second))
	e.ETA = e.ETA.Round(time.Second)
	e.Known = true
	return e
}

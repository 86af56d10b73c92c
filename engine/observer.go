package engine

import (
	"time"

	"certa.example/certa/templates"
)

// Observer receives one Observation per Issue call, after it returns. It is
// called on the issuing goroutine, so it must be cheap and safe for
// concurrent use (internal/metrics implements it for Prometheus). A nil
// Config.Observer observes nothing and costs nothing.
//
// Batch progress is not an Issue outcome: batches report through their
// own hook when they land, beside this one.
type Observer interface {
	ObserveIssue(Observation)
}

// Stage is a stage of the issue pipeline, as Observation times it.
type Stage uint8

// The timed stages, in pipeline order.
const (
	// StageRender is everything before signing: validation, the registry
	// read, the rules, rendering and the text check.
	StageRender Stage = iota
	StageSign
	StageRecord
	NumStages
)

var stageNames = [NumStages]string{StageRender: "validate_render", StageSign: "sign", StageRecord: "record"}

// String is the stage's metric label.
func (s Stage) String() string {
	if s < NumStages {
		return stageNames[s]
	}
	return "unknown"
}

// Observation is the outcome and timing of one Issue call.
type Observation struct {
	// Type is the API name of the requested (first) type; "" when the
	// request named no known type. Never the client's raw text.
	Type string
	// Err is nil when the certificate was issued (errs.KindOf classifies it).
	Err error
	// Reached has bit 1<<s set for each stage s that completed;
	// Durations[s] is its time.
	Reached   uint8
	Durations [NumStages]time.Duration
	Total     time.Duration
}

// Completed reports whether stage s completed.
func (o *Observation) Completed(s Stage) bool { return o.Reached&(1<<s) != 0 }

// issueTimer times one Issue call for the Observer; its methods do
// nothing without one.
type issueTimer struct {
	obs   Observer
	now   func() time.Time
	start time.Time
	last  time.Time
	o     Observation
}

func (e *Engine) startTimer() issueTimer {
	if e.cfg.Observer == nil {
		return issueTimer{}
	}
	t := e.cfg.Now()
	return issueTimer{obs: e.cfg.Observer, now: e.cfg.Now, start: t, last: t}
}

func (t *issueTimer) setType(ty *templates.Type) {
	if t.obs != nil {
		t.o.Type = ty.Name
	}
}

// done marks the end of stage s.
func (t *issueTimer) done(s Stage) {
	if t.obs == nil {
		return
	}
	n := t.now()
	t.o.Durations[s] = n.Sub(t.last)
	t.o.Reached |= 1 << s
	t.last = n
}

func (t *issueTimer) finish(err error) {
	if t.obs == nil {
		return
	}
	t.o.Err = err
	t.o.Total = t.now().Sub(t.start)
	t.obs.ObserveIssue(t.o)
}

package store

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"certa.example/certa/internal/errs"
)

// GroupRecorder records several issuances in one transaction, all or none.
// Both stores implement it.
type GroupRecorder interface {
	RecordIssue(ctx context.Context, iss Issuance) error
	RecordIssues(ctx context.Context, group []Issuance) error
}

// GroupCommit records concurrent issuances in shared transactions (group
// commit): while one group commits, the issuances that arrive queue, and
// the first of them then commits the whole queue, up to MaxGroup, as one
// transaction. Each caller returns only after the transaction holding its
// issuance committed (or with its own error), so a 201 still means
// committed. If a group fails, each of its issuances is recorded again on
// its own, so that one conflicting issuance (a reused code or
// idempotency key) fails alone; a store that is down fails them all.
//
// There is no background goroutine: a caller leads the commit of its
// group and hands the lead to the first caller still queued.
//
// Callers that announce their issuance early (Track) let a leader wait for
// them: while some announced issuance has not been queued (or cancelled),
// the leader waits, at most its linger. A lone issuance never waits. A
// transaction costs about as much CPU as recording one issuance in it, so
// under load this trades at most Linger of latency for fewer of them.
type GroupCommit struct {
	rec      GroupRecorder
	maxGroup int
	linger   time.Duration

	mu     sync.Mutex
	queue  []*pendingIssue
	busy   bool // a group is committing; the queue waits for its lead
	coming int  // issuances announced by Track and not yet arrived
	// wake, when a leader lingers, is signalled as the queue grows or a
	// tracked issuance ends.
	wake chan struct{}
}

// MaxGroup bounds the issuances of one transaction.
const MaxGroup = 64

// groupTimeout bounds a group's transaction: it is not tied to any one
// caller's context, so that one client going away cannot roll back the
// others' issuances.
const groupTimeout = 30 * time.Second

type pendingIssue struct {
	iss  Issuance
	done chan error    // the outcome
	lead chan struct{} // this caller is to commit the queue
}

// Linger is the leader's wait that suits certa's issuances: on two cores
// at full load it lets two or three more join a group, and it is a small
// part of an issuance's latency.
const Linger = 500 * time.Microsecond

// NewGroupCommit returns a group committer over rec whose leaders wait at
// most linger for tracked issuances.
func NewGroupCommit(rec GroupRecorder, linger time.Duration) *GroupCommit {
	return &GroupCommit{rec: rec, maxGroup: MaxGroup, linger: linger, wake: make(chan struct{}, 1)}
}

// Queued returns the number of issuances queued for the next group, its
// leader included.
func (g *GroupCommit) Queued() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.queue)
}

// Track announces an issuance on its way to the ledger (being rendered and
// signed). Its caller records it with the ticket's RecordIssue, or calls
// Cancel when it fails before that.
func (g *GroupCommit) Track() *Ticket {
	g.mu.Lock()
	g.coming++
	g.mu.Unlock()
	return &Ticket{g: g}
}

// Ticket is an issuance announced by Track.
type Ticket struct {
	g    *GroupCommit
	used atomic.Bool
}

// RecordIssue records iss as g.RecordIssue does; the issuance stops being
// awaited as it joins the queue.
func (t *Ticket) RecordIssue(ctx context.Context, iss Issuance) error {
	return t.g.record(ctx, iss, !t.used.Swap(true))
}

// Cancel ends the announcement of an issuance that will not be recorded;
// after RecordIssue or another Cancel it does nothing. A nil Ticket may be
// cancelled.
func (t *Ticket) Cancel() {
	if t == nil || t.used.Swap(true) {
		return
	}
	t.g.stopAwaiting()
}

// stopAwaiting ends the wait for one announced issuance.
func (g *GroupCommit) stopAwaiting() {
	g.mu.Lock()
	g.coming--
	g.mu.Unlock()
	g.signal()
}

func (g *GroupCommit) signal() {
	select {
	case g.wake <- struct{}{}:
	default:
	}
}

// gather waits, at most linger, until no tracked issuance is still coming
// or the queue is full.
func (g *GroupCommit) gather() {
	ready := func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		return g.coming <= 0 || len(g.queue) >= g.maxGroup
	}
	if ready() {
		return
	}
	t := time.NewTimer(g.linger)
	defer t.Stop()
	for {
		select {
		case <-g.wake:
			if ready() {
				return
			}
		case <-t.C:
			return
		}
	}
}

// RecordIssue records iss, in a group with concurrent ones.
func (g *GroupCommit) RecordIssue(ctx context.Context, iss Issuance) error {
	return g.record(ctx, iss, false)
}

// record queues iss and waits for its group's outcome; tracked means iss
// was announced by Track and is now no longer coming.
func (g *GroupCommit) record(ctx context.Context, iss Issuance, tracked bool) error {
	if err := ctx.Err(); err != nil {
		if tracked {
			g.stopAwaiting()
		}
		return errs.Wrap(errs.Unavailable, "the request ended before it was recorded", err)
	}
	p := &pendingIssue{iss: iss, done: make(chan error, 1), lead: make(chan struct{}, 1)}
	g.mu.Lock()
	if tracked {
		g.coming--
	}
	g.queue = append(g.queue, p)
	if !g.busy {
		g.busy = true
		p.lead <- struct{}{}
	}
	g.mu.Unlock()
	g.signal()
	select {
	case err := <-p.done:
		return err
	case <-p.lead:
	}
	// Lead: take the queue (p is its first), commit it, pass the lead on.
	g.gather()
	g.mu.Lock()
	n := min(len(g.queue), g.maxGroup)
	group := append([]*pendingIssue(nil), g.queue[:n]...)
	g.queue = append(g.queue[:0], g.queue[n:]...)
	g.mu.Unlock()

	gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), groupTimeout)
	g.commit(gctx, group)
	cancel()

	g.mu.Lock()
	if len(g.queue) > 0 {
		g.queue[0].lead <- struct{}{}
	} else {
		g.busy = false
	}
	g.mu.Unlock()
	return <-p.done
}

func (g *GroupCommit) commit(ctx context.Context, group []*pendingIssue) {
	if len(group) == 1 {
		group[0].done <- g.rec.RecordIssue(ctx, group[0].iss)
		return
	}
	all := make([]Issuance, len(group))
	for i, p := range group {
		all[i] = p.iss
	}
	err := g.rec.RecordIssues(ctx, all)
	if err == nil || errs.KindOf(err) == errs.Unavailable {
		for _, p := range group {
			p.done <- err
		}
		return
	}
	for _, p := range group {
		p.done <- g.rec.RecordIssue(ctx, p.iss)
	}
}

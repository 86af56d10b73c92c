package store

import (
	"context"
	"sync"
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
type GroupCommit struct {
	rec      GroupRecorder
	maxGroup int

	mu    sync.Mutex
	queue []*pendingIssue
	busy  bool // a group is committing; the queue waits for its lead
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

// NewGroupCommit returns a group committer over rec.
func NewGroupCommit(rec GroupRecorder) *GroupCommit {
	return &GroupCommit{rec: rec, maxGroup: MaxGroup}
}

// RecordIssue records iss, in a group with concurrent ones.
func (g *GroupCommit) RecordIssue(ctx context.Context, iss Issuance) error {
	if err := ctx.Err(); err != nil {
		return errs.Wrap(errs.Unavailable, "the request ended before it was recorded", err)
	}
	p := &pendingIssue{iss: iss, done: make(chan error, 1), lead: make(chan struct{}, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, p)
	if !g.busy {
		g.busy = true
		p.lead <- struct{}{}
	}
	g.mu.Unlock()
	select {
	case err := <-p.done:
		return err
	case <-p.lead:
	}
	// Lead: take the queue (p is its first), commit it, pass the lead on.
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

// Package admission bounds the issuance work a process takes on, so that
// above capacity it refuses requests at once (HTTP 503 with Retry-After)
// instead of queueing them without bound, and the requests it admits keep
// a bounded latency.
//
// A Gate lets Limit requests run at once. A request that finds every slot
// taken waits, with at most Queue others, for at most Wait; a request that
// finds the queue full, or waits in vain, is refused. Refusing is cheap: no
// body is read and nothing is stored.
//
// Caveat: the gate counts requests in this process; several instances
// behind a balancer each shed their own excess.
package admission

import (
	"context"
	"sync/atomic"
	"time"
)

// Gate admits requests. Build it with New; it is safe for concurrent use.
type Gate struct {
	slots   chan struct{}
	queue   int64
	waiting atomic.Int64
	wait    time.Duration
	refused atomic.Int64
}

// New returns a gate running limit requests at once, with at most queue
// more waiting at most wait each.
func New(limit, queue int, wait time.Duration) *Gate {
	if limit < 1 {
		limit = 1
	}
	return &Gate{slots: make(chan struct{}, limit), queue: int64(max(queue, 0)), wait: wait}
}

// Enter admits the caller, who must call release when done, or reports
// false when the caller should be refused. It returns false too when ctx
// ends while waiting.
func (g *Gate) Enter(ctx context.Context) (release func(), ok bool) {
	select {
	case g.slots <- struct{}{}:
		return g.release, true
	default:
	}
	if g.wait <= 0 || g.waiting.Add(1) > g.queue {
		if g.wait > 0 {
			g.waiting.Add(-1)
		}
		g.refused.Add(1)
		return nil, false
	}
	defer g.waiting.Add(-1)
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return g.release, true
	case <-t.C:
	case <-ctx.Done():
	}
	g.refused.Add(1)
	return nil, false
}

func (g *Gate) release() { <-g.slots }

// InFlight is the number of admitted requests running now.
func (g *Gate) InFlight() int { return len(g.slots) }

// Limit is the number of requests the gate runs at once.
func (g *Gate) Limit() int { return cap(g.slots) }

// Refused is the number of requests refused so far.
func (g *Gate) Refused() int64 { return g.refused.Load() }

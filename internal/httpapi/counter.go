package httpapi

import (
	"context"
	"hash/maphash"
	"log/slog"
	"sync"
	"time"
)

// verificationCounter counts verifications per code in memory; Flush
// moves the counts to the ledger. Nothing about the verifier (IP, agent)
// is kept. Shards keep the hot path off a single lock.
type verificationCounter struct {
	seed   maphash.Seed
	shards [16]struct {
		mu sync.Mutex
		m  map[string]int64
	}
}

// maxPendingCodes bounds the codes held between flushes; past it counts
// are dropped (and the drop logged at flush) rather than memory grown.
const maxPendingCodes = 1 << 18

func newVerificationCounter() *verificationCounter {
	c := &verificationCounter{seed: maphash.MakeSeed()}
	for i := range c.shards {
		c.shards[i].m = map[string]int64{}
	}
	return c
}

func (c *verificationCounter) add(code string) { c.addN(code, 1) }

// addN adds n to code's pending count, unless the shard is full of other
// codes.
func (c *verificationCounter) addN(code string, n int64) {
	sh := &c.shards[maphash.String(c.seed, code)%uint64(len(c.shards))]
	sh.mu.Lock()
	if _, ok := sh.m[code]; ok || len(sh.m) < maxPendingCodes/len(c.shards) {
		sh.m[code] += n
	}
	sh.mu.Unlock()
}

// take returns the pending counts and starts afresh.
func (c *verificationCounter) take() map[string]int64 {
	out := map[string]int64{}
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		m := sh.m
		sh.m = make(map[string]int64, len(m))
		sh.mu.Unlock()
		for k, v := range m {
			out[k] += v
		}
	}
	return out
}

// putBack returns counts that could not be written, so a later flush
// retries them.
func (c *verificationCounter) putBack(counts map[string]int64) {
	for code, n := range counts {
		c.addN(code, n)
	}
}

// FlushVerifications writes the verification counts to the ledger every
// interval until ctx ends, and once more then. Run it beside the server.
func (s *Server) FlushVerifications(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			s.flushVerifications(fctx)
			cancel()
			return
		case <-t.C:
			s.flushVerifications(ctx)
		}
	}
}

func (s *Server) flushVerifications(ctx context.Context) {
	counts := s.counts.take()
	if len(counts) == 0 {
		return
	}
	if err := s.engine.AddVerifications(ctx, counts); err != nil {
		s.counts.putBack(counts)
		s.log.LogAttrs(ctx, slog.LevelWarn, "verification counts not written; retrying", slog.Int("codes", len(counts)), slog.String("err", err.Error()))
	}
}

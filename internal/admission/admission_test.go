package admission

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestGate(t *testing.T) {
	t.Run("runs up to the limit at once", func(t *testing.T) {
		g := New(2, 0, 0)
		r1, ok1 := g.Enter(context.Background())
		r2, ok2 := g.Enter(context.Background())
		_, ok3 := g.Enter(context.Background())
		if !ok1 || !ok2 || ok3 {
			t.Fatalf("admitted %v %v %v, want true true false", ok1, ok2, ok3)
		}
		if g.InFlight() != 2 || g.Refused() != 1 {
			t.Fatalf("in flight %d, refused %d", g.InFlight(), g.Refused())
		}
		r1()
		r3, ok := g.Enter(context.Background())
		if !ok {
			t.Fatal("a released slot was not reused")
		}
		r2()
		r3()
		if g.InFlight() != 0 {
			t.Fatalf("in flight %d after every release", g.InFlight())
		}
	})
	t.Run("a waiter gets a slot released in time", func(t *testing.T) {
		g := New(1, 1, time.Minute)
		release, _ := g.Enter(context.Background())
		done := make(chan bool)
		go func() {
			r, ok := g.Enter(context.Background())
			if ok {
				r()
			}
			done <- ok
		}()
		for g.waiting.Load() != 1 {
			time.Sleep(time.Millisecond)
		}
		release()
		if !<-done {
			t.Fatal("the waiter was refused")
		}
	})
	t.Run("the queue is bounded", func(t *testing.T) {
		g := New(1, 1, time.Minute)
		release, _ := g.Enter(context.Background())
		ctx, cancel := context.WithCancel(context.Background())
		waiter := make(chan bool)
		go func() { _, ok := g.Enter(ctx); waiter <- ok }()
		for g.waiting.Load() != 1 {
			time.Sleep(time.Millisecond)
		}
		start := time.Now()
		if _, ok := g.Enter(context.Background()); ok {
			t.Fatal("admitted past a full queue")
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("refusing past a full queue took %v", d)
		}
		cancel()
		if <-waiter {
			t.Fatal("a waiter whose context ended was admitted")
		}
		release()
		if g.Refused() != 2 || g.waiting.Load() != 0 {
			t.Fatalf("refused %d, waiting %d", g.Refused(), g.waiting.Load())
		}
	})
	t.Run("waiting is bounded in time", func(t *testing.T) {
		g := New(1, 4, 20*time.Millisecond)
		release, _ := g.Enter(context.Background())
		defer release()
		start := time.Now()
		if _, ok := g.Enter(context.Background()); ok {
			t.Fatal("admitted with no free slot")
		}
		if d := time.Since(start); d < 20*time.Millisecond {
			t.Fatalf("refused after %v, before the wait", d)
		}
	})
	t.Run("never more than the limit under contention", func(t *testing.T) {
		g := New(3, 100, time.Second)
		var mu sync.Mutex
		running, peak := 0, 0
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() {
				r, ok := g.Enter(context.Background())
				if !ok {
					return
				}
				mu.Lock()
				running++
				peak = max(peak, running)
				mu.Unlock()
				time.Sleep(time.Millisecond)
				mu.Lock()
				running--
				mu.Unlock()
				r()
			})
		}
		wg.Wait()
		if peak > 3 || peak == 0 {
			t.Fatalf("peak %d requests at once, limit 3", peak)
		}
	})
}

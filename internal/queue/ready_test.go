package queue

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"
)

// TestReadyGate checks the gate in front of the pulls: it holds while
// the check fails and lets go once it passes, trusts a good answer for
// readyTTL (one check for many pull loops), and asks again after it.
func TestReadyGate(t *testing.T) {
	clock := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	failures, calls := 3, 0
	g := &readyGate{log: slog.New(slog.DiscardHandler), now: func() time.Time { return clock },
		check: func(context.Context) error {
			calls++
			if calls <= failures {
				return errors.New("connection refused")
			}
			return nil
		}}
	ctx := t.Context()
	for i := range failures {
		if g.ready(ctx) {
			t.Fatalf("check %d: ready while the check fails", i+1)
		}
	}
	if !g.ready(ctx) || calls != failures+1 {
		t.Fatalf("after the store answers: ready %v after %d checks, want ready after %d", g.ready(ctx), calls, failures+1)
	}
	for range 10 {
		g.ready(ctx)
	}
	if calls != failures+1 {
		t.Errorf("within the TTL: got %d checks, want %d (a good answer is trusted)", calls, failures+1)
	}
	clock = clock.Add(readyTTL)
	if !g.ready(ctx) || calls != failures+2 {
		t.Errorf("after the TTL: got %d checks, want %d", calls, failures+2)
	}

	// wait returns once the check passes, and at once when ctx ends.
	calls, failures = 0, 2
	g.until = time.Time{}
	g.wait(ctx)
	if calls != 3 {
		t.Errorf("wait returned after %d checks, want 3", calls)
	}
	failures = 1 << 30
	g.until = time.Time{}
	cctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	g.wait(cctx)
	if cctx.Err() == nil {
		t.Errorf("wait returned while the check fails and ctx is live")
	}
	var none *readyGate
	none.wait(ctx) // no gate: never waits
}

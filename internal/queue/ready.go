package queue

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// readyGate holds a worker's pulls while what its handlers write to (the
// database) does not answer, and the messages whose work failed because
// of it. Without it, every message pulled during an outage failed at
// once and spent one of its attempts, and an outage longer than the
// back-offs (or a few outages in a row) sent the backlog to the dead
// letters; with it, the messages in flight are held and done again once
// the database is back, and the rest wait in the stream, unspent.
type readyGate struct {
	check func(ctx context.Context) error
	log   *slog.Logger
	now   func() time.Time

	mu    sync.Mutex
	until time.Time // a good answer is trusted until then
	down  bool
}

// readyTTL is how long a good answer stands: the many pull loops of a
// worker ask one check a second between them.
const readyTTL = time.Second

// wait returns once the check passes, or when ctx ends; while it fails,
// it asks again with a growing pause (up to 5 s).
func (g *readyGate) wait(ctx context.Context) {
	if g == nil {
		return
	}
	pause := 250 * time.Millisecond
	for ctx.Err() == nil {
		if g.ready(ctx) {
			return
		}
		sleep(ctx, pause)
		pause = min(2*pause, 5*time.Second)
	}
}

// ready runs the check (at most once a readyTTL while it passes, and
// once at a time) and logs the changes between up and down.
func (g *readyGate) ready(ctx context.Context) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.now().Before(g.until) {
		return true
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err := g.check(cctx)
	cancel()
	if ctx.Err() != nil {
		return false
	}
	if err != nil {
		if !g.down {
			g.log.Warn("queue: not taking work until the store answers", "error", err)
		}
		g.down = true
		return false
	}
	if g.down {
		g.log.Info("queue: the store answers again: taking work")
	}
	g.down = false
	g.until = g.now().Add(readyTTL)
	return true
}

// recheck asks again now, whatever the last answer: a handler just
// failed, and whether the store answers says whose fault it was. It
// also keeps the other pull loops from pulling on a stale good answer.
func (g *readyGate) recheck(ctx context.Context) bool {
	g.mu.Lock()
	g.until = time.Time{}
	g.mu.Unlock()
	return g.ready(ctx)
}

package queue_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/queue"
)

// TestOutageSpendsNoAttempt: while the store is down (Ready fails) the
// handlers fail; the messages in flight are held and done again once it
// is back, and the others are not pulled meanwhile. With 2 attempts and
// back-offs of 100 ms against an outage of a second, every message would
// otherwise end in the dead letters; here each is done once, on its
// first delivery.
func TestOutageSpendsNoAttempt(t *testing.T) {
	q := connect(t, queue.Config{MaxDeliver: 2, BackOff: []time.Duration{100 * time.Millisecond}})
	ctx := context.Background()
	const n = 6
	for i := range n {
		if err := q.Publish(ctx, queue.ExtractSubject, fmt.Sprintf("m%d", i), i); err != nil {
			t.Fatalf("publish: %v", err)
		}
	}
	var down atomic.Bool
	down.Store(true)
	var mu sync.Mutex
	attempts := map[string][]int{}
	var failed atomic.Int32
	h := func(ctx context.Context, m queue.Msg) error {
		mu.Lock()
		defer mu.Unlock()
		if down.Load() {
			failed.Add(1)
			return errors.New("connection refused")
		}
		attempts[m.ID] = append(attempts[m.ID], m.Attempt)
		return nil
	}
	ready := func(context.Context) error {
		if down.Load() {
			return errors.New("connection refused")
		}
		return nil
	}
	// The store comes back a second after the first failure.
	go func() {
		for failed.Load() == 0 {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(time.Second)
		down.Store(false)
	}()
	// The first pull goes ahead on the gate's first check only once the
	// store answers; to have work in flight when it fails, the gate
	// starts open: the test's Ready answers "up" to the first check.
	var first atomic.Bool
	gate := func(ctx context.Context) error {
		if first.CompareAndSwap(false, true) {
			return nil
		}
		return ready(ctx)
	}
	workUntil(t, q, queue.Handlers{queue.Extract: h}, queue.WorkOptions{Concurrency: 2, Ready: gate}, 30*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(attempts) == n
	})
	if failed.Load() == 0 {
		t.Fatal("no attempt failed: the outage hit no work in flight")
	}
	mu.Lock()
	defer mu.Unlock()
	for id, a := range attempts {
		if fmt.Sprint(a) != "[1]" {
			t.Errorf("%s: done on deliveries %v, want [1] (held through the outage, done once)", id, a)
		}
	}
	if b, err := q.Backlog(ctx); err != nil || b.Dead != 0 {
		t.Errorf("dead letters: %+v, %v; want none", b, err)
	}
}

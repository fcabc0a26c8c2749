package server

import (
	"sync"
	"time"
)

// throttle slows password guessing: after a few failures for a key (an
// account, an address) each further attempt must wait twice as long as
// the one before. It lives in memory only: a restart forgets it, and an
// address is forgotten as soon as its wait has passed and the window
// after it is over.
type throttle struct {
	mu     sync.Mutex
	free   int           // failures allowed before any wait
	base   time.Duration // first wait
	max    time.Duration // longest wait
	window time.Duration // a key with no failure for this long is forgotten
	keys   map[string]*strikes
	swept  time.Time
}

type strikes struct {
	n    int
	last time.Time
}

func newThrottle(free int, base, max, window time.Duration) *throttle {
	return &throttle{free: free, base: base, max: max, window: window, keys: map[string]*strikes{}}
}

// wait returns how long key must still wait before its next attempt.
func (t *throttle) wait(key string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sweep(now)
	s, ok := t.keys[key]
	if !ok || s.n < t.free {
		return 0
	}
	d := t.delay(s.n)
	if left := s.last.Add(d).Sub(now); left > 0 {
		return left
	}
	return 0
}

// delay is the wait after n failures.
func (t *throttle) delay(n int) time.Duration {
	d := t.base
	for i := t.free; i < n && d < t.max; i++ {
		d *= 2
	}
	return min(d, t.max)
}

// fail records a failure of key.
func (t *throttle) fail(key string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.keys[key]
	if !ok {
		s = &strikes{}
		t.keys[key] = s
	}
	s.n++
	s.last = now
}

// reset forgets key (after a success).
func (t *throttle) reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.keys, key)
}

// size is how many keys are remembered (for tests).
func (t *throttle) size(now time.Time) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sweep(now)
	return len(t.keys)
}

// sweep forgets the keys whose wait and window are over; it runs at most
// once a second, so that a flood of attempts does not sweep each time.
func (t *throttle) sweep(now time.Time) {
	if now.Sub(t.swept) < time.Second && !t.swept.IsZero() {
		return
	}
	t.swept = now
	for k, s := range t.keys {
		if now.Sub(s.last) > t.delay(s.n)+t.window {
			delete(t.keys, k)
		}
	}
}

// limiter allows each key (a client address) n events per window, and
// forgets the key when its window has passed: what it keeps of an
// address is a count and a time, for at most one window.
type limiter struct {
	mu     sync.Mutex
	n      int
	window time.Duration
	keys   map[string][]time.Time
	swept  time.Time
}

func newLimiter(n int, window time.Duration) *limiter {
	return &limiter{n: n, window: window, keys: map[string][]time.Time{}}
}

// allow records an event of key and reports whether it is within the
// limit; when it is not, it says how long until the next is.
func (l *limiter) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) >= time.Second || l.swept.IsZero() {
		l.swept = now
		for k, ts := range l.keys {
			if now.Sub(ts[len(ts)-1]) >= l.window {
				delete(l.keys, k)
			}
		}
	}
	ts := l.keys[key]
	kept := ts[:0]
	for _, t := range ts {
		if now.Sub(t) < l.window {
			kept = append(kept, t)
		}
	}
	if len(kept) >= l.n {
		l.keys[key] = kept
		return false, kept[0].Add(l.window).Sub(now)
	}
	l.keys[key] = append(kept, now)
	return true, 0
}

// size is how many keys are remembered (for tests).
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.keys)
}

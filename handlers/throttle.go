package handlers

import (
	"math"
	"sync"
	"time"
)

// loginThrottle slows down password guessing from one address: a few
// failures are free, then each further failure doubles the wait before the
// next attempt is even checked (2 s, 4 s, … up to maxWait).
type loginThrottle struct {
	mu      sync.Mutex
	now     func() time.Time
	entries map[string]*throttleEntry
}

type throttleEntry struct {
	failures int
	last     time.Time
	until    time.Time
}

const (
	freeFailures   = 5
	throttleWindow = 15 * time.Minute
	maxWait        = 5 * time.Minute
	// maxTracked bounds memory under a flood from many addresses.
	maxTracked = 10000
)

func newLoginThrottle(now func() time.Time) *loginThrottle {
	return &loginThrottle{now: now, entries: map[string]*throttleEntry{}}
}

// wait is how long addr must wait before its next attempt; zero means go.
func (t *loginThrottle) wait(addr string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.entries[addr]
	if !ok {
		return 0
	}
	return max(e.until.Sub(t.now()), 0)
}

// fail records a failed attempt from addr.
func (t *loginThrottle) fail(addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	e, ok := t.entries[addr]
	if !ok || now.Sub(e.last) > throttleWindow {
		if len(t.entries) >= maxTracked {
			t.prune(now)
		}
		e = &throttleEntry{}
		t.entries[addr] = e
	}
	e.failures++
	e.last = now
	if extra := e.failures - freeFailures; extra > 0 {
		wait := time.Duration(math.Pow(2, float64(min(extra, 12)))) * time.Second
		e.until = now.Add(min(wait, maxWait))
	}
}

// succeed forgets addr's failures.
func (t *loginThrottle) succeed(addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.entries, addr)
}

func (t *loginThrottle) prune(now time.Time) {
	for addr, e := range t.entries {
		if now.Sub(e.last) > throttleWindow {
			delete(t.entries, addr)
		}
	}
}

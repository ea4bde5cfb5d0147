package handlers

import (
	"sync"
	"time"
)

// windowCounter counts events per key in fixed windows (a minute): enough
// to cap an address's failed authentications or a source's deliveries
// without keeping a timestamp per request.
type windowCounter struct {
	mu      sync.Mutex
	now     func() time.Time
	window  time.Duration
	buckets map[string]*bucket
}

type bucket struct {
	start time.Time
	n     int
}

func newWindowCounter(window time.Duration, now func() time.Time) *windowCounter {
	return &windowCounter{now: now, window: window, buckets: map[string]*bucket{}}
}

// current is key's bucket for the window now falls in.
func (w *windowCounter) current(key string) *bucket {
	now := w.now()
	b, ok := w.buckets[key]
	if !ok || now.Sub(b.start) >= w.window {
		if len(w.buckets) >= maxTracked {
			w.prune(now)
		}
		b = &bucket{start: now}
		w.buckets[key] = b
	}
	return b
}

// add counts one event for key.
func (w *windowCounter) add(key string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.current(key).n++
}

// over tells whether key has reached limit in this window, and if so how
// long until the window ends.
func (w *windowCounter) over(key string, limit int) (bool, time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	b := w.current(key)
	if b.n < limit {
		return false, 0
	}
	return true, b.start.Add(w.window).Sub(w.now())
}

// take counts one event for key unless the key is at limit already.
func (w *windowCounter) take(key string, limit int) (bool, time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	b := w.current(key)
	if b.n >= limit {
		return false, b.start.Add(w.window).Sub(w.now())
	}
	b.n++
	return true, 0
}

func (w *windowCounter) prune(now time.Time) {
	for k, b := range w.buckets {
		if now.Sub(b.start) >= w.window {
			delete(w.buckets, k)
		}
	}
}

package store

import "time"

// The commit thread runs above normal priority only while many senders
// wait on it, as in a flood of deliveries: then every one of them waits for
// the next commit, and that must not wait for a CPU as well. Otherwise it
// stays an ordinary goroutine: a raised thread is one the scheduler must
// hand work to, and at ordinary rates that only lengthened forwarding's
// latency tail (README, "Deploy on a VPS").
const (
	// boostWindow is how long the number of waiting senders is averaged.
	boostWindow = 250 * time.Millisecond
	// boostAbove for boostSustain windows in a row raises the thread, and
	// one window below boostBelow lowers it: a flood lasts, whereas the
	// burst of work queued while a server starts is over in one or two.
	boostAbove   = 12
	boostSustain = 3
	boostBelow   = 4
)

// priorityBoost is the writer loop's measure of the senders waiting on it.
type priorityBoost struct {
	on          bool
	windowStart time.Time
	sum, n      int64
	// high counts the windows in a row at or above boostAbove.
	high int
	// err, once set, is why raising failed: it is not tried again.
	err error
}

// probePriority finds out at start whether the thread may be raised, so
// that an operator hears of it then rather than in the first flood.
func probePriority() error {
	if err := raiseWriterPriority(); err != nil {
		return err
	}
	lowerWriterPriority()
	return nil
}

// observe counts the senders waiting as a commit starts at now and, at the
// end of each window, raises or lowers the calling thread.
func (b *priorityBoost) observe(waiting int64, now time.Time) {
	if b.windowStart.IsZero() {
		b.windowStart = now
	}
	b.sum += waiting
	b.n++
	if now.Sub(b.windowStart) < boostWindow {
		return
	}
	avg := float64(b.sum) / float64(b.n)
	b.windowStart, b.sum, b.n = now, 0, 0
	if avg >= boostAbove {
		b.high++
	} else {
		b.high = 0
	}
	switch {
	case !b.on && b.high >= boostSustain && b.err == nil:
		b.err = raiseWriterPriority()
		b.on = b.err == nil
	case b.on && avg < boostBelow:
		lowerWriterPriority()
		b.on = false
	}
}

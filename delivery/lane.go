package delivery

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alertgate/alertgate/store"
	"github.com/alertgate/alertgate/store/db"
)

// lane sends one channel's messages with at most PerChannel in flight.
//
// New messages are handed to the lane right after their commit
// (store.OnMessages), so sending them costs no read. The lane also reads
// the outbox, at each poll, for what is due again (retries, redeliveries)
// and for untried messages up to readUpTo: those committed before the lane
// started, and those it dropped because its queue was full. A handed
// message at or below readUpTo is left to the reads, so the two paths
// never both send one message. A recorder goroutine writes the attempts,
// as many at a time as have finished, so thousands of messages cost few
// writes.
//
// A message stays "unsettled" from its send until its attempt is
// committed: reads skip it, since the outbox still shows it pending. The
// lane forgets a settled id only between reads, so no read that could
// still see the message as pending is trusted after the id is forgotten.
type lane struct {
	wake    chan struct{}
	config  chan db.Channel // a changed channel, taken before the next read
	handed  chan store.Message
	dropped atomic.Int64 // the highest id dropped from a full queue
	cancel  context.CancelFunc
	done    chan struct{}

	slot    chan struct{} // one per send in flight
	results chan store.Attempt
	sends   sync.WaitGroup
	gone    atomic.Bool // a 410 Gone: the channel is being disabled

	mu      sync.Mutex
	settled []int64 // ids committed since the lane last looked
}

// recordQueue is how many finished attempts a lane holds for its recorder
// before its sends wait.
const recordQueue = 1024

// handedQueue is how many handed-over messages a lane holds before it
// drops new ones (they stay in the outbox and are read back later).
const handedQueue = 4096

// laneSet is the worker's lanes by channel id. Run changes it; commits
// hand messages to it from their own goroutines.
type laneSet struct {
	mu        sync.RWMutex
	byChannel map[int64]*lane
}

func (ls *laneSet) handOver(msgs []store.Message) {
	ls.mu.RLock()
	defer ls.mu.RUnlock()
	for _, m := range msgs {
		l, ok := ls.byChannel[m.Outbox.ChannelID]
		if !ok {
			continue
		}
		select {
		case l.handed <- m:
		default:
			l.drop(m.Outbox.ID)
		}
	}
}

func (ls *laneSet) stopAll() {
	ls.mu.Lock()
	lanes := ls.byChannel
	ls.byChannel = map[int64]*lane{}
	ls.mu.Unlock()
	for _, l := range lanes {
		l.cancel()
	}
	for _, l := range lanes {
		<-l.done
	}
}

// syncLanes reads the channels and makes the lanes match: one per enabled
// channel, each woken to read what is due.
func (w *Worker) syncLanes(ctx context.Context, ls *laneSet) {
	channels, err := w.Store.Channels(ctx)
	if err != nil {
		if ctx.Err() == nil {
			w.Log.Error("load channels", "err", err)
		}
		return
	}
	enabled := map[int64]db.Channel{}
	for _, ch := range channels {
		if ch.Enabled {
			enabled[ch.ID] = ch
		}
	}
	// A lane stopped by a 410 is not restarted in the same pass: the
	// channel read above may predate the commit that disabled it.
	gone := ls.prune(enabled)
	ls.mu.Lock()
	defer ls.mu.Unlock()
	for id, ch := range enabled {
		if gone[id] {
			continue
		}
		l, ok := ls.byChannel[id]
		if !ok {
			// Started while the set is locked, so each commit's hand-over
			// either finished before the lane read the newest id (and its
			// messages are the reads') or finds the lane.
			l = w.startLane(ctx, ch)
			ls.byChannel[id] = l
		}
		l.update(ch)
		l.poke()
	}
}

// prune stops the lanes of channels no longer enabled, and those that met
// a 410 Gone (reported in gone): a channel enabled again after one gets a
// new lane at the next pass. Each
// stops (its sends ended and recorded) before any new lane for its channel
// starts, so the two never send one message both; and outside the lock,
// since a hanging receiver can make that take its whole timeout and every
// commit's hand-over waits for the lock.
func (ls *laneSet) prune(enabled map[int64]db.Channel) (gone map[int64]bool) {
	var stopped []*lane
	gone = map[int64]bool{}
	ls.mu.Lock()
	for id, l := range ls.byChannel {
		if _, ok := enabled[id]; !ok || l.gone.Load() {
			stopped = append(stopped, l)
			gone[id] = l.gone.Load()
			delete(ls.byChannel, id)
		}
	}
	ls.mu.Unlock()
	for _, l := range stopped {
		l.stop()
	}
	return gone
}

func (w *Worker) startLane(ctx context.Context, ch db.Channel) *lane {
	ctx, cancel := context.WithCancel(ctx)
	l := &lane{
		wake: make(chan struct{}, 1), config: make(chan db.Channel, 1), handed: make(chan store.Message, handedQueue),
		cancel: cancel, done: make(chan struct{}),
		slot: make(chan struct{}, w.PerChannel), results: make(chan store.Attempt, recordQueue),
	}
	recorded := make(chan struct{})
	go func() {
		defer close(recorded)
		w.recordLoop(l, ch.Name)
	}()
	go func() {
		defer close(l.done)
		w.runLane(ctx, l, ch)
		l.sends.Wait()
		close(l.results)
		<-recorded
	}()
	return l
}

// update hands the lane the channel as now configured, replacing any
// change it has not taken yet.
func (l *lane) update(ch db.Channel) {
	select {
	case <-l.config:
	default:
	}
	l.config <- ch
}

func (l *lane) poke() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// stop ends the lane once its sends in flight are done and recorded.
func (l *lane) stop() {
	l.cancel()
	<-l.done
}

// drop leaves a message to the reads: one the full queue cannot take, or
// one whose attempt could not be recorded.
func (l *lane) drop(id int64) {
	for {
		cur := l.dropped.Load()
		if id <= cur || l.dropped.CompareAndSwap(cur, id) {
			break
		}
	}
	l.poke()
}

// runLane starts from the newest committed message: every message above it
// is handed over, since the lane is in the set before it reads (see
// syncLanes); the rest is the reads'.
func (w *Worker) runLane(ctx context.Context, l *lane, ch db.Channel) {
	readUpTo, err := w.Store.MaxOutboxID(ctx)
	for err != nil {
		w.Log.Error("find the newest message", "channel", ch.Name, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(w.Poll):
		}
		readUpTo, err = w.Store.MaxOutboxID(ctx)
	}
	unsettled := map[int64]bool{}
	for {
		select {
		case <-ctx.Done():
			return
		case m := <-l.handed:
			select {
			case ch = <-l.config: // an edit: send by the new settings at once
			default:
			}
			if m.Outbox.ID > readUpTo && !l.gone.Load() {
				w.start(ctx, l, ch, m, unsettled)
			}
		case <-l.wake:
			select {
			case ch = <-l.config:
			default:
			}
			readUpTo = max(readUpTo, l.dropped.Load())
			l.forgetSettled(unsettled)
			for !l.gone.Load() && w.readDue(ctx, l, ch, readUpTo, unsettled) {
				l.forgetSettled(unsettled) // a full read: more may be due already
			}
		}
	}
}

// readDue reads the channel's due messages, starts a send for each one not
// already under way, and reports whether the read was full.
func (w *Worker) readDue(ctx context.Context, l *lane, ch db.Channel, readUpTo int64, unsettled map[int64]bool) bool {
	limit := dueBatch + len(unsettled)
	due, err := w.Store.DueForChannel(ctx, ch.ID, w.Now(), readUpTo, limit)
	if err != nil {
		if ctx.Err() == nil {
			w.Log.Error("list due deliveries", "channel", ch.Name, "err", err)
		}
		return false
	}
	for _, m := range due {
		if !w.start(ctx, l, ch, m, unsettled) {
			return false
		}
	}
	// Full means at least dueBatch new sends started, so reading again
	// makes progress rather than spinning on messages under way.
	return len(due) == limit
}

// start sends m unless it is under way already, waiting for a free slot.
// It reports false when the lane must stop starting sends.
func (w *Worker) start(ctx context.Context, l *lane, ch db.Channel, m store.Message, unsettled map[int64]bool) bool {
	if unsettled[m.Outbox.ID] {
		return true
	}
	select {
	case l.slot <- struct{}{}:
	case <-ctx.Done():
		return false
	}
	if l.gone.Load() {
		<-l.slot
		return false
	}
	unsettled[m.Outbox.ID] = true
	l.sends.Go(func() {
		// A send under way finishes (its channel's timeout bounds it)
		// rather than being cut off by shutdown and logged as a failure.
		res, a := w.send(context.WithoutCancel(ctx), m, ch)
		if Classify(res.Status, res.Err) == Gone {
			l.gone.Store(true)
		}
		// The slot is the receiver's: free it before waiting on the
		// recorder, whose writes queue behind everyone else's.
		<-l.slot
		l.results <- a
	})
	return true
}

// recordLoop writes attempts as they finish: whatever has finished by the
// time the previous write committed goes in the next one.
func (w *Worker) recordLoop(l *lane, channel string) {
	for a := range l.results {
		batch := []store.Attempt{a}
	more:
		for {
			select {
			case a, ok := <-l.results:
				if !ok {
					break more
				}
				batch = append(batch, a)
			default:
				break more
			}
		}
		w.record(l, channel, batch)
		l.settle(batch)
	}
}

// recordTries is how often a batch's attempts are written before the
// lane gives up on recording them.
const recordTries = 5

// record writes a batch's attempts, retrying a failed write: the sends
// happened, and the log must say so even while shutting down. If it still
// fails, the messages are left to the lane's reads (they are still pending
// in the outbox), so each is sent again rather than never: receivers tell
// the repeat by its webhook-id.
func (w *Worker) record(l *lane, channel string, batch []store.Attempt) {
	wait := 100 * time.Millisecond
	for try := 1; ; try++ {
		err := w.Store.RecordAttempts(context.Background(), batch)
		if err == nil {
			return
		}
		w.Log.Error("record delivery attempts", "channel", channel, "count", len(batch), "try", try, "err", err)
		if try == recordTries {
			break
		}
		time.Sleep(wait)
		wait *= 2
	}
	for _, a := range batch {
		l.drop(a.OutboxID)
	}
}

// settle hands the committed ids back to the lane; it forgets them before
// its next read.
func (l *lane) settle(batch []store.Attempt) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, a := range batch {
		l.settled = append(l.settled, a.OutboxID)
	}
}

func (l *lane) forgetSettled(unsettled map[int64]bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, id := range l.settled {
		delete(unsettled, id)
	}
	l.settled = l.settled[:0]
}

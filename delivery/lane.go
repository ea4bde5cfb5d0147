package delivery

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/alertgate/alertgate/store"
	"github.com/alertgate/alertgate/store/db"
)

// lane sends one channel's messages with at most PerChannel in flight.
//
// The lane goroutine reads due messages and starts their sends; a recorder
// goroutine writes the attempts, as many at a time as have finished, so
// thousands of messages cost few writes. A message stays "unsettled" from
// its send until its attempt is committed: reads skip it, since the outbox
// still shows it pending. The lane forgets a settled id only between reads,
// so no read that could still see the message as pending is trusted after
// the id is forgotten.
type lane struct {
	wake   chan struct{}
	config chan db.Channel // a changed channel, taken before the next read
	cancel context.CancelFunc
	done   chan struct{}

	slot    chan struct{} // one per send in flight
	results chan store.Attempt
	sends   sync.WaitGroup
	gone    atomic.Bool // a 410 Gone: the channel is being disabled

	mu      sync.Mutex
	settled []int64 // ids committed since the lane last looked
}

// syncLanes reads the channels and makes the lanes match: one per enabled
// channel, each woken to look for due messages.
func (w *Worker) syncLanes(ctx context.Context, lanes map[int64]*lane) {
	channels, err := w.Store.Channels(ctx)
	if err != nil {
		if ctx.Err() == nil {
			w.Log.Error("load channels", "err", err)
		}
		return
	}
	enabled := map[int64]bool{}
	for _, ch := range channels {
		if !ch.Enabled {
			continue
		}
		enabled[ch.ID] = true
		l, ok := lanes[ch.ID]
		if !ok {
			l = w.startLane(ctx, ch)
			lanes[ch.ID] = l
		}
		l.update(ch)
		l.poke()
	}
	for id, l := range lanes {
		if !enabled[id] {
			l.stop()
			delete(lanes, id)
		}
	}
}

func (w *Worker) startLane(ctx context.Context, ch db.Channel) *lane {
	ctx, cancel := context.WithCancel(ctx)
	l := &lane{
		wake: make(chan struct{}, 1), config: make(chan db.Channel, 1), cancel: cancel, done: make(chan struct{}),
		slot: make(chan struct{}, w.PerChannel), results: make(chan store.Attempt, 4*w.PerChannel),
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

func stopLanes(lanes map[int64]*lane) {
	for _, l := range lanes {
		l.cancel()
	}
	for _, l := range lanes {
		<-l.done
	}
}

func (w *Worker) runLane(ctx context.Context, l *lane, ch db.Channel) {
	unsettled := map[int64]bool{}
	for {
		select {
		case ch = <-l.config:
		default:
		}
		l.forgetSettled(unsettled)
		if !l.gone.Load() && w.dispatch(ctx, l, ch, unsettled) {
			continue // a full read: more may be due already
		}
		select {
		case <-ctx.Done():
			return
		case <-l.wake:
		}
	}
}

// dispatch reads the channel's due messages and starts a send for each
// one not already under way, and reports whether the read was full.
func (w *Worker) dispatch(ctx context.Context, l *lane, ch db.Channel, unsettled map[int64]bool) bool {
	limit := dueBatch + len(unsettled)
	due, err := w.Store.DueForChannel(ctx, ch.ID, w.Now(), limit)
	if err != nil {
		if ctx.Err() == nil {
			w.Log.Error("list due deliveries", "channel", ch.Name, "err", err)
		}
		return false
	}
	for _, m := range due {
		if unsettled[m.Outbox.ID] {
			continue
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
			defer func() { <-l.slot }()
			res, a := w.send(ctx, m, ch)
			if Classify(res.Status, res.Err) == Gone {
				l.gone.Store(true)
			}
			l.results <- a
		})
	}
	// Full means at least dueBatch new sends started, so reading again
	// makes progress rather than spinning on messages under way.
	return len(due) == limit
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
		// The sends happened: the log must say so even while shutting down.
		if err := w.Store.RecordAttempts(context.Background(), batch); err != nil {
			w.Log.Error("record delivery attempts", "channel", channel, "count", len(batch), "err", err)
		}
		l.settle(batch)
	}
}

// settle hands the committed ids back to the lane and wakes it: their
// slots are free and more may be due.
func (l *lane) settle(batch []store.Attempt) {
	l.mu.Lock()
	for _, a := range batch {
		l.settled = append(l.settled, a.OutboxID)
	}
	l.mu.Unlock()
	l.poke()
}

func (l *lane) forgetSettled(unsettled map[int64]bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, id := range l.settled {
		delete(unsettled, id)
	}
	l.settled = l.settled[:0]
}

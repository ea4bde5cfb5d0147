package delivery

import (
	"context"
	"sync"

	"github.com/alertgate/alertgate/store"
	"github.com/alertgate/alertgate/store/db"
)

// lane sends one channel's messages. It reads a batch of due messages,
// sends them with at most PerChannel in flight, and reads again once the
// batch is done: one read per batch rather than one per send, which is
// what keeps the outbox cheap to drain under load.
type lane struct {
	wake   chan struct{}
	config chan db.Channel // a changed channel, taken at the next batch
	cancel context.CancelFunc
	done   chan struct{}
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
	l := &lane{wake: make(chan struct{}, 1), config: make(chan db.Channel, 1), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		w.runLane(ctx, l, ch)
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

// stop ends the lane once its sends in flight are done.
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
	for {
		select {
		case <-ctx.Done():
			return
		case <-l.wake:
		}
		select {
		case ch = <-l.config:
		default:
		}
		for w.sendBatch(ctx, ch) {
		}
	}
}

// sendBatch sends one batch of the channel's due messages and reports
// whether it was full, so more may be waiting. After a 410 Gone the rest
// of the batch is left pending: the channel has just been disabled.
func (w *Worker) sendBatch(ctx context.Context, ch db.Channel) bool {
	due, err := w.Store.DueForChannel(ctx, ch.ID, w.Now(), dueBatch)
	if err != nil {
		if ctx.Err() == nil {
			w.Log.Error("list due deliveries", "channel", ch.Name, "err", err)
		}
		return false
	}
	var (
		wg       sync.WaitGroup
		slot     = make(chan struct{}, w.PerChannel)
		mu       sync.Mutex
		gone     bool
		attempts []store.Attempt
	)
	for _, m := range due {
		slot <- struct{}{}
		mu.Lock()
		stop := gone || ctx.Err() != nil
		mu.Unlock()
		if stop {
			<-slot
			break
		}
		wg.Go(func() {
			defer func() { <-slot }()
			res, a := w.send(ctx, m, ch)
			mu.Lock()
			defer mu.Unlock()
			attempts = append(attempts, a)
			gone = gone || Classify(res.Status, res.Err) == Gone
		})
	}
	wg.Wait()
	w.record(ctx, ch, attempts)
	return len(due) == dueBatch && !gone && ctx.Err() == nil
}

// record stores a batch's attempts in one write. It outlives ctx: the
// sends happened, and the log must say so even while shutting down.
func (w *Worker) record(ctx context.Context, ch db.Channel, attempts []store.Attempt) {
	if len(attempts) == 0 {
		return
	}
	if err := w.Store.RecordAttempts(context.WithoutCancel(ctx), attempts); err != nil {
		w.Log.Error("record delivery attempts", "channel", ch.Name, "count", len(attempts), "err", err)
	}
}

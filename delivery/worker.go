package delivery

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/store"
	"github.com/alertgate/alertgate/store/db"
)

// Worker sends the outbox: every due message to its channel, retrying by
// the policy. Each channel has its own small number of sends in flight, so
// a receiver that hangs ties up only its own.
type Worker struct {
	Store *store.Store
	Log   *slog.Logger
	// BaseURL makes the link to the channel in notificationConfiguration.
	BaseURL string
	Version string
	// PerChannel bounds the sends in flight to one channel.
	PerChannel int
	// Now is the clock; tests move it to reach the 24 h limit.
	Now func() time.Time
	// Poll is how often due retries are looked for; new messages wake the
	// worker at once.
	Poll time.Duration

	mu       sync.Mutex
	inflight map[int64]bool // outbox ids being sent
	busy     map[int64]int  // sends in flight per channel
	// finished holds the ids whose send ended since the current list of
	// due messages was read: that list may still show them as due.
	finished map[int64]bool
	// kick asks for another look at the outbox when a send ends: its
	// channel has room again, and more may be waiting.
	kick chan struct{}
	wg   sync.WaitGroup
}

// responseSnippet is how much of a receiver's answer is kept.
const responseSnippet = 2048

// dueBatch is how many due messages one look at the outbox reads.
const dueBatch = 64

// Run sends until ctx ends, then waits for the sends in flight.
func (w *Worker) Run(ctx context.Context) {
	w.defaults()
	t := time.NewTicker(w.Poll)
	defer t.Stop()
	defer w.wg.Wait()
	for {
		w.dispatch(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.Store.DeliveryWake():
		case <-w.kick:
		}
	}
}

func (w *Worker) defaults() {
	if w.PerChannel == 0 {
		w.PerChannel = 8
	}
	if w.Now == nil {
		w.Now = time.Now
	}
	if w.Poll == 0 {
		w.Poll = time.Second
	}
	if w.Log == nil {
		w.Log = slog.New(slog.DiscardHandler)
	}
	w.inflight, w.busy, w.finished = map[int64]bool{}, map[int64]int{}, map[int64]bool{}
	w.kick = make(chan struct{}, 1)
}

// dispatch starts a send for every due message whose channel has room.
func (w *Worker) dispatch(ctx context.Context) {
	w.mu.Lock()
	clear(w.finished)
	w.mu.Unlock()
	// A short list: it is read again as soon as a send ends, and a long one
	// would mostly be rows whose channel is already busy.
	due, err := w.Store.DueDeliveries(ctx, w.Now(), dueBatch)
	if err != nil {
		if ctx.Err() == nil {
			w.Log.Error("list due deliveries", "err", err)
		}
		return
	}
	if len(due) == 0 {
		return
	}
	// One read of the channels per look, not one per message.
	channels, err := w.Store.Channels(ctx)
	if err != nil {
		w.Log.Error("load channels", "err", err)
		return
	}
	byID := make(map[int64]db.Channel, len(channels))
	for _, ch := range channels {
		byID[ch.ID] = ch
	}
	// Messages to several channels about one notification are read once.
	notes := map[string]db.GetNotificationRow{}
	for _, m := range due {
		ch, ok := byID[m.ChannelID]
		if !ok || !w.claim(m) {
			continue
		}
		row, seen := notes[m.NotificationID]
		if !seen {
			row, err = w.Store.Notification(ctx, m.NotificationID)
			if err != nil {
				w.release(m)
				w.Log.Error("load notification", "notification_id", m.NotificationID, "err", err)
				continue
			}
			notes[m.NotificationID] = row
		}
		w.wg.Go(func() {
			defer w.release(m)
			w.send(ctx, m, ch, row)
		})
	}
}

func (w *Worker) claim(m db.Outbox) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.inflight[m.ID] || w.finished[m.ID] || w.busy[m.ChannelID] >= w.PerChannel {
		return false
	}
	w.inflight[m.ID] = true
	w.busy[m.ChannelID]++
	return true
}

func (w *Worker) release(m db.Outbox) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.inflight, m.ID)
	w.finished[m.ID] = true
	w.busy[m.ChannelID]--
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// send makes one attempt at m and records what came of it.
func (w *Worker) send(ctx context.Context, m db.Outbox, ch db.Channel, row db.GetNotificationRow) {
	body, err := w.envelope(m, ch, row)
	if err != nil {
		w.record(ctx, m, ch, Result{Err: err}, store.Attempt{State: "failed"})
		return
	}
	res := Send(ctx, ch, m.DeliveryID, body, w.Version, w.Now())
	w.record(ctx, m, ch, res, w.next(m, ch, res))
}

// next decides what the message becomes after the attempt.
func (w *Worker) next(m db.Outbox, ch db.Channel, res Result) store.Attempt {
	now := w.Now()
	switch Classify(res.Status, res.Err) {
	case Delivered:
		return store.Attempt{State: "delivered", NextAt: now}
	case Gone:
		reason := fmt.Sprintf("the receiver answered 410 Gone at %s: channel disabled", now.UTC().Format(time.RFC3339))
		return store.Attempt{State: "failed", NextAt: now, DisableChannel: reason}
	case Retry:
		first := now
		if m.FirstTriedAt.Valid {
			first = m.FirstTriedAt.Time
		}
		at, outcome := NextAttempt(int(m.Attempts)+1, first, now, res.RetryAfter)
		if outcome == Dead {
			return store.Attempt{State: "dead", NextAt: now}
		}
		return store.Attempt{State: "pending", NextAt: at}
	}
	return store.Attempt{State: "failed", NextAt: now}
}

func (w *Worker) record(ctx context.Context, m db.Outbox, ch db.Channel, res Result, a store.Attempt) {
	a.OutboxID, a.ChannelID, a.ChannelName = m.ID, ch.ID, ch.Name
	a.At, a.Status, a.Latency, a.Response = w.Now(), res.Status, res.Latency, res.Body
	if res.Err != nil {
		a.Error = Explain(res.Err)
	}
	if err := w.Store.RecordAttempt(context.WithoutCancel(ctx), a); err != nil {
		w.Log.Error("record delivery attempt", "delivery_id", m.DeliveryID, "err", err)
	}
}

// envelope builds the message from the notification as it is now: only the
// newest message per notification is ever pending, so now is its moment.
func (w *Worker) envelope(m db.Outbox, ch db.Channel, row db.GetNotificationRow) ([]byte, error) {
	n := row.Notification
	note := Notification{
		ID: n.ID, Title: n.Title, SenderState: n.SenderState, Severity: alert.Severity(n.Severity),
		OpenedAt: n.OpenedAt, CloseReason: n.CloseReason,
	}
	json.Unmarshal([]byte(n.ComponentJson), &note.Component)
	json.Unmarshal([]byte(n.MonitorJson), &note.Monitor)
	return BuildEnvelope(note, m.Change, w.channelRef(ch))
}

func (w *Worker) channelRef(ch db.Channel) ChannelRef {
	ref := ChannelRef{ID: strconv.FormatInt(ch.ID, 10), Name: ch.Name, Link: fmt.Sprintf("%s/channels/%d", w.BaseURL, ch.ID)}
	json.Unmarshal([]byte(ch.MetadataJson), &ref.Metadata)
	return ref
}

// Result is what one POST to a channel came to.
type Result struct {
	Status     int
	Latency    time.Duration
	Header     http.Header
	Body       string
	RetryAfter string
	Err        error
}

// Send POSTs body to the channel once, with its timeout and TLS setting.
// The Test button and the worker both send through here.
func Send(ctx context.Context, ch db.Channel, deliveryID string, body []byte, version string, now time.Time) Result {
	ctx, cancel := context.WithTimeout(ctx, time.Duration(ch.TimeoutMs)*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ch.Url, strings.NewReader(string(body)))
	if err != nil {
		return Result{Err: err}
	}
	req.Header = Headers(deliveryID, now, body, ch.Token, version)
	start := time.Now()
	resp, err := client(ch.VerifyTls).Do(req)
	if err != nil {
		return Result{Latency: time.Since(start), Err: err}
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, responseSnippet))
	return Result{
		Status: resp.StatusCode, Latency: time.Since(start), Header: resp.Header,
		Body: strings.ToValidUTF8(string(snippet), "�"), RetryAfter: resp.Header.Get("Retry-After"),
	}
}

// Two shared clients: one that verifies certificates, one for the channels
// whose owner switched that off. Redirects are not followed: a receiver
// that moved should be reconfigured, not silently chased.
var (
	verifying = newClient(false)
	insecure  = newClient(true)
)

func newClient(skipVerify bool) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{InsecureSkipVerify: skipVerify}
	t.MaxIdleConnsPerHost = 16
	return &http.Client{
		Transport:     t,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func client(verifyTLS bool) *http.Client {
	if verifyTLS {
		return verifying
	}
	return insecure
}

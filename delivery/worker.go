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
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/store"
	"github.com/alertgate/alertgate/store/db"
)

// Worker sends the outbox: every due message to its channel, retrying by
// the policy. Each channel has a lane of its own with a small number of
// sends in flight, so a receiver that hangs ties up only its own lane.
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
}

// responseSnippet is how much of a receiver's answer is kept.
const responseSnippet = 2048

// dueBatch is how many due messages a lane reads at a time.
const dueBatch = 64

// Run sends until ctx ends, then waits for the sends in flight.
func (w *Worker) Run(ctx context.Context) {
	w.defaults()
	t := time.NewTicker(w.Poll)
	defer t.Stop()
	lanes := &laneSet{byChannel: map[int64]*lane{}}
	w.Store.OnMessages(lanes.handOver)
	defer w.Store.OnMessages(nil)
	defer lanes.stopAll()
	for {
		w.syncLanes(ctx, lanes)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.Store.DeliveryWake():
		}
	}
}

func (w *Worker) defaults() {
	if w.PerChannel == 0 {
		// Enough that a receiver's passing hiccup (a GC pause, a slow
		// connect) does not back a burst up; few enough that a receiver
		// is never flooded.
		w.PerChannel = 16
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
}

// send makes one attempt at m and says what came of it; the caller
// records the attempt.
func (w *Worker) send(ctx context.Context, due db.DueForChannelRow, ch db.Channel) (Result, store.Attempt) {
	m := due.Outbox
	body, err := w.envelope(due, ch)
	if err != nil {
		res := Result{Err: err}
		return res, w.attempt(m, ch, res, store.Attempt{State: "failed"})
	}
	res := Send(ctx, ch, m.DeliveryID, body, w.Version, w.Now())
	return res, w.attempt(m, ch, res, w.next(m, ch, res))
}

// next decides what the message becomes after the attempt.
func (w *Worker) next(m db.Outbox, ch db.Channel, res Result) store.Attempt {
	now := w.Now()
	switch Classify(res.Status, res.Err) {
	case Delivered:
		return store.Attempt{State: "delivered", NextAt: now}
	case Gone:
		reason := fmt.Sprintf("%s at %s: channel disabled", store.GoneReasonPrefix, now.UTC().Format(time.RFC3339))
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

// attempt completes a with what the attempt at m came to.
func (w *Worker) attempt(m db.Outbox, ch db.Channel, res Result, a store.Attempt) store.Attempt {
	a.OutboxID, a.ChannelID, a.ChannelName = m.ID, ch.ID, ch.Name
	a.At, a.Status, a.Latency, a.Response = w.Now(), res.Status, res.Latency, res.Body
	if res.Err != nil {
		a.Error = Explain(res.Err)
	}
	return a
}

// envelope builds the message from the notification as it is now: only the
// newest message per notification is ever pending, so now is its moment.
func (w *Worker) envelope(due db.DueForChannelRow, ch db.Channel) ([]byte, error) {
	note := Notification{
		ID: due.Outbox.NotificationID, Title: due.Title, SenderState: due.SenderState, Severity: alert.Severity(due.Severity),
		OpenedAt: due.OpenedAt, CloseReason: due.CloseReason,
	}
	json.Unmarshal([]byte(due.ComponentJson), &note.Component)
	json.Unmarshal([]byte(due.MonitorJson), &note.Monitor)
	return BuildEnvelope(note, due.Outbox.Change, w.channelRef(ch))
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
	// Several channels often point at one host, each with its sends in
	// flight: keep a connection per send idle, or every batch dials anew.
	t.MaxIdleConns = 512
	t.MaxIdleConnsPerHost = 128
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

package delivery

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/store"
	"github.com/alertgate/alertgate/store/db"
)

// harness is a real store with one generic source and a running worker.
type harness struct {
	st    *store.Store
	clock *clock
	stop  func()
}

func newHarness(t *testing.T, dir string) *harness {
	t.Helper()
	st, err := store.Open(context.Background(), dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{st: st, clock: newClock(time.Now())}
	st.CreateSource(context.Background(), store.Actor{}, store.NewSource{Slug: "src", Kind: "generic", Secret: "0123456789abcdef"})
	ctx, cancel := context.WithCancel(context.Background())
	w := &Worker{Store: st, BaseURL: "http://alertgate.test", Version: "test", Now: h.clock.Now, Poll: 5 * time.Millisecond}
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	h.stop = func() { cancel(); <-done; st.Close() }
	t.Cleanup(h.stop)
	return h
}

func (h *harness) channel(t *testing.T, name, url string, verifyTLS bool) db.Channel {
	t.Helper()
	ch, err := h.st.CreateChannel(context.Background(), store.Actor{}, store.NewChannel{
		Name: name, URL: url, Token: "channel-token-0123456789", Metadata: map[string]string{"team": "Team A"},
		VerifyTLS: verifyTLS, Timeout: 2 * time.Second, Enabled: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// event opens or closes the notification with key, as a delivery would.
func (h *harness) event(t *testing.T, key string, typ alert.Type) string {
	t.Helper()
	res, err := h.st.Ingest(context.Background(), store.Ingest{
		SourceID: 1, SourceSlug: "src", ReceivedAt: h.clock.Now(), Headers: "{}", Body: []byte("{}"),
		Delivery: alert.Delivery{Events: []alert.Event{{Key: key, Type: typ, Severity: alert.High, Title: "disk full on " + key,
			Component: alert.Component{Name: key}, CloseReason: "HealthStateResolved"}}},
	})
	if err != nil || len(res.Changes) == 0 {
		t.Fatalf("ingest: %+v %v", res, err)
	}
	return res.Changes[0].NotificationID
}

// receiver records what reaches it and answers from a script.
type receiver struct {
	mu       sync.Mutex
	got      []received
	statuses []int // answers in turn; 200 after the script
	header   http.Header
	srv      *httptest.Server
}

type received struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	r := &receiver{statuses: statuses, header: http.Header{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.got = append(r.got, received{req.Header.Clone(), body})
	status := http.StatusOK
	if len(r.statuses) > 0 {
		status, r.statuses = r.statuses[0], r.statuses[1:]
	}
	for k, v := range r.header {
		w.Header()[k] = v
	}
	r.mu.Unlock()
	w.WriteHeader(status)
	io.WriteString(w, `{"ok":true}`)
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

func (r *receiver) last() received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.got[len(r.got)-1]
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting until %s", what)
}

func (h *harness) messages(t *testing.T, channelID int64) []db.Outbox {
	t.Helper()
	rows, err := h.st.ChannelDeliveries(context.Background(), channelID, 100)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// verifySignature is an independent Standard Webhooks check, written from
// the spec rather than with this project's code.
func verifySignature(t *testing.T, got received, token string) {
	t.Helper()
	id, ts := got.header.Get("webhook-id"), got.header.Get("webhook-timestamp")
	mac := hmac.New(sha256.New, []byte(token))
	mac.Write([]byte(id + "." + ts + "." + string(got.body)))
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if got.header.Get("webhook-signature") != want {
		t.Fatalf("webhook-signature %q, an independent check computes %q", got.header.Get("webhook-signature"), want)
	}
}

func TestRetriesUntilDelivered(t *testing.T) {
	h := newHarness(t, t.TempDir())
	r := newReceiver(t, 500, 500, 200)
	ch := h.channel(t, "ops", r.srv.URL, true)
	id := h.event(t, "web-1", alert.Open)

	for want := 1; want <= 3; want++ {
		// Move the clock only once the attempt is recorded, or the retry
		// would be scheduled from the moved clock.
		waitFor(t, "attempt recorded", func() bool { m := h.messages(t, ch.ID); return len(m) == 1 && m[0].Attempts >= int64(want) })
		h.clock.Add(10 * time.Minute) // past any backoff so far
	}
	waitFor(t, "delivered", func() bool { m := h.messages(t, ch.ID); return len(m) == 1 && m[0].State == "delivered" })
	if r.count() != 3 {
		t.Fatalf("receiver got %d requests, want 3", r.count())
	}
	ids := map[string]bool{}
	for _, g := range r.got {
		ids[g.header.Get("webhook-id")] = true
	}
	if len(ids) != 1 {
		t.Fatalf("webhook-id changed across retries: %v", ids)
	}
	attempts, _ := h.st.Attempts(context.Background(), h.messages(t, ch.ID)[0].ID)
	if len(attempts) != 3 || attempts[0].Status != 500 || attempts[2].Status != 200 {
		t.Fatalf("attempts = %+v", attempts)
	}

	got := r.last()
	verifySignature(t, got, "channel-token-0123456789")
	for k, want := range map[string]string{"Content-Type": "application/json", "User-Agent": "Alertgate/test", "X-Webhook-Token": "channel-token-0123456789"} {
		if got.header.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, got.header.Get(k), want)
		}
	}
	var env Envelope
	if err := json.Unmarshal(got.body, &env); err != nil {
		t.Fatal(err)
	}
	if env.NotificationID != id || env.Event.Type != "open" || env.Metadata["team"] != "Team A" ||
		env.NotificationConfiguration.Name != "ops" || !strings.HasSuffix(env.NotificationConfiguration.Link, "/channels/1") {
		t.Fatalf("envelope = %+v", env)
	}
}

func TestCloseSupersedesRetryingOpen(t *testing.T) {
	h := newHarness(t, t.TempDir())
	r := newReceiver(t, 503)
	ch := h.channel(t, "ops", r.srv.URL, true)
	h.event(t, "web-1", alert.Open)
	waitFor(t, "the open fails once", func() bool { return r.count() == 1 })
	h.event(t, "web-1", alert.Close)
	waitFor(t, "the close arrives", func() bool { return r.count() == 2 })
	h.clock.Add(time.Hour)
	time.Sleep(50 * time.Millisecond) // give a wrong retry of the open the chance to happen
	var env Envelope
	json.Unmarshal(r.last().body, &env)
	if r.count() != 2 || env.Event.Type != "close" || env.Event.Reason != "HealthStateResolved" {
		t.Fatalf("receiver got %d messages, last %+v", r.count(), env.Event)
	}
	states := map[string]string{}
	for _, m := range h.messages(t, ch.ID) {
		states[m.Change] = m.State
	}
	if states["opened"] != "superseded" || states["closed"] != "delivered" {
		t.Fatalf("message states = %v", states)
	}
}

func TestHangingReceiverDelaysNoOther(t *testing.T) {
	h := newHarness(t, t.TempDir())
	released := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body) // so the server notices when the client gives up
		select {
		case <-r.Context().Done():
		case <-released:
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(released) })
	healthy := newReceiver(t)
	h.channel(t, "stuck", hang.URL, true)
	h.channel(t, "fine", healthy.srv.URL, true)
	for _, key := range []string{"a", "b", "c", "d", "e", "f"} {
		h.event(t, key, alert.Open)
	}
	start := time.Now()
	waitFor(t, "the healthy channel gets all six", func() bool { return healthy.count() == 6 })
	if time.Since(start) > time.Second {
		t.Fatalf("the healthy channel waited %s behind the hanging one", time.Since(start))
	}
}

package delivery

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/store"
	"github.com/alertgate/alertgate/store/db"
)

// only waits for the channel's single message to reach a final state.
func (h *harness) only(t *testing.T, ch db.Channel, state string) db.Outbox {
	t.Helper()
	var m db.Outbox
	waitFor(t, "message "+state, func() bool {
		ms := h.messages(t, ch.ID)
		if len(ms) == 1 {
			m = ms[0]
		}
		return len(ms) == 1 && m.State == state
	})
	return m
}

func TestGoneDisablesChannel(t *testing.T) {
	h := newHarness(t, t.TempDir())
	r := newReceiver(t, http.StatusGone)
	ch := h.channel(t, "old", r.srv.URL, true)
	h.event(t, "web-1", alert.Open)
	h.only(t, ch, "failed")
	got, _ := h.st.Channel(context.Background(), ch.ID)
	if got.Enabled || !strings.Contains(got.DisabledReason, "410") {
		t.Fatalf("channel after 410: enabled %v, reason %q", got.Enabled, got.DisabledReason)
	}
	h.event(t, "web-2", alert.Open)
	time.Sleep(50 * time.Millisecond)
	if r.count() != 1 || len(h.messages(t, ch.ID)) != 1 {
		t.Fatal("a disabled channel still gets messages")
	}
	page, _ := h.st.ListAudit(context.Background(), 0, 5)
	if page.Entries[0].Action != "channel_disabled" {
		t.Fatalf("disabling is not audited: %+v", page.Entries[0])
	}
}

func TestClientErrorIsNotRetried(t *testing.T) {
	h := newHarness(t, t.TempDir())
	r := newReceiver(t, http.StatusNotFound)
	ch := h.channel(t, "typo", r.srv.URL, true)
	h.event(t, "web-1", alert.Open)
	m := h.only(t, ch, "failed")
	h.clock.Add(2 * time.Hour)
	time.Sleep(50 * time.Millisecond)
	if r.count() != 1 || m.LastStatus != 404 {
		t.Fatalf("404 retried: %d requests, last status %d", r.count(), m.LastStatus)
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	h := newHarness(t, t.TempDir())
	r := newReceiver(t, http.StatusTooManyRequests)
	r.header.Set("Retry-After", "120")
	ch := h.channel(t, "busy", r.srv.URL, true)
	h.event(t, "web-1", alert.Open)
	var m db.Outbox
	waitFor(t, "first attempt recorded", func() bool { m = h.messages(t, ch.ID)[0]; return m.Attempts == 1 })
	if wait := m.NextAt.Sub(h.clock.Now()); wait < 119*time.Second || wait > 121*time.Second {
		t.Fatalf("retry scheduled in %s, want the 120 s the receiver asked for", wait)
	}
	h.clock.Add(60 * time.Second)
	time.Sleep(50 * time.Millisecond)
	if r.count() != 1 {
		t.Fatal("retried before Retry-After")
	}
	h.clock.Add(61 * time.Second)
	h.only(t, ch, "delivered")
}

func TestGivesUpAfter24Hours(t *testing.T) {
	h := newHarness(t, t.TempDir())
	r := newReceiver(t)
	r.statuses = make([]int, 100)
	for i := range r.statuses {
		r.statuses[i] = http.StatusBadGateway
	}
	ch := h.channel(t, "down", r.srv.URL, true)
	h.event(t, "web-1", alert.Open)
	for i := 1; i < 100; i++ {
		var m db.Outbox
		waitFor(t, "attempt recorded", func() bool { m = h.messages(t, ch.ID)[0]; return m.Attempts >= int64(i) })
		if m.State == "dead" {
			if first := m.FirstTriedAt.Time; h.clock.Now().Sub(first) < 23*time.Hour {
				t.Fatalf("dead after %s, want about 24 h", h.clock.Now().Sub(first))
			}
			return
		}
		h.clock.Add(time.Hour + time.Second)
	}
	t.Fatal("never gave up")
}

func TestTLSVerification(t *testing.T) {
	h := newHarness(t, t.TempDir())
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	strict := h.channel(t, "strict", srv.URL, true)
	lax := h.channel(t, "lax", srv.URL, false)
	h.event(t, "web-1", alert.Open)
	h.only(t, lax, "delivered")
	var m db.Outbox
	waitFor(t, "the strict channel's attempt", func() bool { m = h.messages(t, strict.ID)[0]; return m.Attempts >= 1 })
	if m.State != "pending" || !strings.Contains(m.LastError, "certificate") {
		t.Fatalf("self-signed receiver with Verify TLS on: state %s, error %q", m.State, m.LastError)
	}
}

func TestRestartResumesPendingDeliveries(t *testing.T) {
	dir := t.TempDir()
	h := newHarness(t, dir)
	r := newReceiver(t, 500)
	ch := h.channel(t, "ops", r.srv.URL, true)
	h.event(t, "web-1", alert.Open)
	waitFor(t, "first attempt recorded", func() bool { return h.messages(t, ch.ID)[0].Attempts == 1 })
	h.stop()

	again := newHarness(t, dir)
	again.clock.Add(time.Hour)
	again.only(t, ch, "delivered")
	if r.count() != 2 {
		t.Fatalf("receiver got %d requests across the restart, want 2", r.count())
	}
}

// TestRedeliverSendsAgain: a message the worker was handed at its commit,
// failed, then put back by Redeliver, is sent again at once, not only
// after a restart (the reads must take it although it is untried again).
func TestRedeliverSendsAgain(t *testing.T) {
	h := newHarness(t, t.TempDir())
	r := newReceiver(t, http.StatusOK, http.StatusBadRequest)
	ch := h.channel(t, "ops", r.srv.URL, true)
	// A first message proves the channel's lane is running, so the second
	// is handed to it at its commit rather than read.
	h.event(t, "web-0", alert.Open)
	waitFor(t, "the first message", func() bool { return r.count() == 1 })
	h.event(t, "web-1", alert.Open)
	var m db.Outbox
	waitFor(t, "the second message failed", func() bool {
		ms := h.messages(t, ch.ID)
		if len(ms) != 2 {
			return false
		}
		m = ms[0] // newest first
		return m.State == "failed"
	})
	h.clock.Add(time.Second) // an admin presses Redeliver a little later
	if err := h.st.Redeliver(context.Background(), store.Actor{Name: "alice"}, ch.ID, m.ID, h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the redelivery", func() bool { return r.count() == 3 })
	waitFor(t, "it recorded", func() bool { return h.messages(t, ch.ID)[0].State == "delivered" })
	if a, b := r.got[1].header.Get("webhook-id"), r.last().header.Get("webhook-id"); a != b {
		t.Fatalf("redelivery has webhook-id %q, first try %q: receivers dedupe on it", b, a)
	}
}

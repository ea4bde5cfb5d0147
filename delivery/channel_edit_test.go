package delivery

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/store"
	"github.com/alertgate/alertgate/store/db"
)

// slowPollHarness is newHarness with one channel to target and a worker
// that polls once an hour, so only the wake a channel change sends can
// make it see the change. The channel exists before the worker starts.
func slowPollHarness(t *testing.T, target string) (*harness, db.Channel) {
	t.Helper()
	st, err := store.Open(context.Background(), t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{st: st, clock: newClock(time.Now())}
	st.CreateSource(context.Background(), store.Actor{}, store.NewSource{Slug: "src", Kind: "generic", Secret: "0123456789abcdef"})
	ch := h.channel(t, "pager", target, true)
	ctx, cancel := context.WithCancel(context.Background())
	w := &Worker{Store: st, BaseURL: "http://alertgate.test", Version: "test", Now: h.clock.Now, Poll: time.Hour}
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	h.stop = func() { cancel(); <-done; st.Close() }
	t.Cleanup(h.stop)
	return h, ch
}

// settle gives the woken worker a moment to sync its lanes: the change is
// picked up by the wake, not by a poll an hour away.
func settle() { time.Sleep(200 * time.Millisecond) }

func TestEditedURLAndTokenAreWhatTheNextSendUses(t *testing.T) {
	before, after := newReceiver(t), newReceiver(t)
	h, ch := slowPollHarness(t, before.srv.URL)
	ctx := context.Background()
	h.event(t, "web-1", alert.Open)
	waitFor(t, "the first message at the old URL", func() bool { return before.count() == 1 })

	_, err := h.st.UpdateChannel(ctx, store.Actor{Name: "alice"}, ch.ID, store.NewChannel{
		Name: "pager", URL: after.srv.URL, VerifyTLS: true, Timeout: 2 * time.Second, Enabled: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	const token = "regenerated-token-0123456789"
	if err := h.st.RegenerateChannelToken(ctx, store.Actor{Name: "alice"}, ch.ID, token); err != nil {
		t.Fatal(err)
	}
	settle()
	h.event(t, "web-2", alert.Open)
	waitFor(t, "the next message at the new URL", func() bool { return after.count() == 1 })
	if before.count() != 1 {
		t.Fatalf("the old URL got %d messages, want 1", before.count())
	}
	got := after.last()
	if got.header.Get("X-Webhook-Token") != token {
		t.Fatalf("X-Webhook-Token %q, want the regenerated token", got.header.Get("X-Webhook-Token"))
	}
	verifySignature(t, got, token)
}

func TestGoneChannelIsListedUntilEnabledAgain(t *testing.T) {
	h := newHarness(t, t.TempDir())
	ctx := context.Background()
	r := newReceiver(t, http.StatusGone)
	ch := h.channel(t, "old", r.srv.URL, true)
	h.event(t, "web-1", alert.Open)
	h.only(t, ch, "failed")
	gone, err := h.st.GoneChannels(ctx)
	if err != nil || len(gone) != 1 || gone[0].ID != ch.ID || gone[0].Name != "old" {
		t.Fatalf("channels gone after a 410: %+v %v", gone, err)
	}

	// Give the worker a poll to drop the lane the 410 stopped, as it would
	// long before anyone could press Enable.
	if err := h.st.SetChannelEnabled(ctx, store.Actor{Name: "alice"}, ch.ID, true); err != nil {
		t.Fatal(err)
	}
	if gone, _ := h.st.GoneChannels(ctx); len(gone) != 0 {
		t.Fatalf("still listed after enabling: %+v", gone)
	}
	h.event(t, "web-2", alert.Open)
	waitFor(t, "a message to the enabled channel", func() bool { return r.count() == 2 })
}

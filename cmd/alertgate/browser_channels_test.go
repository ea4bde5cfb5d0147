package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserChannelTestAndLog adds a channel with two metadata rows in a
// real browser, presses Test and sees the receiver's 200 inline without a
// reload, then sends a real notification through it and sees the delivery
// logged on the channel's page, and renames the channel with its edit form.
func TestBrowserChannelTestAndLog(t *testing.T) {
	base, logs := startServer(t, nil)
	link := setupLink(t, logs, base)
	rec := newRecorder(t)
	ctx := newBrowser(t)
	recordCSPViolations(t, ctx)
	createAdmin(t, ctx, link, "alice", "correct horse battery")
	signIn(t, ctx, "alice", "correct horse battery")

	// The form starts with one metadata row; "Add row" fetches a second.
	navigate(t, ctx, base+"/channels", 200)
	row := func(n, field string) string {
		return "#metadata-rows .meta-row:nth-of-type(" + n + `) input[name="` + field + `"]`
	}
	do(t, ctx, "fill in the channel form",
		chromedp.WaitVisible(chromedp.ID("add-channel")),
		chromedp.SendKeys(chromedp.ID("channel-name"), "Pager"),
		chromedp.SendKeys(chromedp.ID("channel-url"), rec.srv.URL+"/hook"),
		chromedp.Click(chromedp.CSS(`button[hx-get="/channels/metadata-row"]`)),
		chromedp.WaitVisible(chromedp.CSS(row("2", "meta_key"))),
		chromedp.SendKeys(chromedp.CSS(row("1", "meta_key")), "team"),
		chromedp.SendKeys(chromedp.CSS(row("1", "meta_value")), "ops"),
		chromedp.SendKeys(chromedp.CSS(row("2", "meta_key")), "env"),
		chromedp.SendKeys(chromedp.CSS(row("2", "meta_value")), "prod"),
	)
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#metadata-rows .meta-row").length`))
	if err != nil || rows != 2 {
		t.Fatalf("metadata rows = %d (%v), want 2", rows, err)
	}
	submit(t, ctx, "create-channel", 200)
	if tok := text(t, ctx, "#channel-token-shown"); !strings.Contains(tok, "X-Webhook-Token") {
		t.Fatalf("token page says %q", tok)
	}
	wantText(t, ctx, "#requested-url", rec.srv.URL+"/hook")

	channelURL, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`[...document.querySelectorAll("main a, a")].find((a) => a.textContent.trim() === "Go to the channel").href`))
	if err != nil || !strings.HasPrefix(channelURL, base+"/channels/") {
		t.Fatalf("link to the channel = %q (%v)", channelURL, err)
	}
	navigate(t, ctx, channelURL, 200)
	wantText(t, ctx, "#channel-fields", "env=prod")
	wantText(t, ctx, "#channel-fields", "team=ops")

	// Test: the result comes in beside the button, the page stays.
	do(t, ctx, "mark the page and press Test",
		chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`),
		chromedp.Click(chromedp.CSS(".channel-test button")),
	)
	wantText(t, ctx, ".channel-test .test-result .test-status", "200")
	still, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.notReloaded === true`))
	if err != nil || !still {
		t.Fatalf("the page reloaded to show the test result (%v)", err)
	}
	tests := rec.waitFor(t, 1)
	want := map[string]string{"team": "ops", "env": "prod"}
	if got := tests[0].Metadata; len(got) != 2 || got["team"] != "ops" || got["env"] != "prod" {
		t.Errorf("test envelope metadata = %v, want %v", got, want)
	}
	if !strings.HasPrefix(tests[0].ID, "msg_test_") {
		t.Errorf("test message webhook-id = %q, want msg_test_…", tests[0].ID)
	}

	// A real notification goes through the worker and is logged.
	endpoint, secret := createSource(t, ctx, base)
	postGenericDelivery(t, endpoint, secret, `{"hostname":"web-1","incident_type":"disk_full","severity":"critical","title":"Disk full on web-1"}`)
	deadline := time.Now().Add(10 * time.Second)
	for {
		navigate(t, ctx, channelURL, 200)
		state, err := chromedp.Run(ctx, chromedp.Evaluate[string](
			`(document.querySelector("#channel-deliveries tbody tr .badge") || {}).textContent || ""`))
		if err != nil {
			t.Fatalf("read the delivery state: %v", err)
		}
		if strings.TrimSpace(state) == "delivered" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no delivered message on the channel's page within 10s (state %q)\nlog:\n%s", state, logs)
		}
		time.Sleep(200 * time.Millisecond)
	}
	wantText(t, ctx, "#channel-deliveries", "opened")
	got := rec.waitFor(t, 2)
	if m := got[1]; m.NotificationID == "" || m.Metadata["team"] != "ops" || m.Metadata["env"] != "prod" {
		t.Errorf("forwarded envelope: notificationId %q metadata %v, want an id and %v", m.NotificationID, m.Metadata, want)
	}
	// Edit: the form comes filled in; a new name shows in the list.
	navigate(t, ctx, channelURL, 200)
	submit(t, ctx, "edit-channel", 200)
	do(t, ctx, "rename the channel",
		chromedp.WaitVisible(chromedp.ID("edit-channel-form")),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("channel-name").value = ""`),
		chromedp.SendKeys(chromedp.ID("channel-name"), "Pager on call"),
	)
	submit(t, ctx, "save-channel", 200)
	wantText(t, ctx, "main", "Channel saved.")
	wantText(t, ctx, "#channel-fields", "team=ops")
	navigate(t, ctx, base+"/channels", 200)
	wantText(t, ctx, "#channels", "Pager on call")
	if v := readPageStyles(t, ctx).Violations; len(v) > 0 {
		t.Errorf("the Content-Security-Policy blocked: %s", strings.Join(v, "; "))
	}
}

// received is one request the receiver got.
type received struct {
	ID             string // webhook-id
	NotificationID string
	Metadata       map[string]string
}

// recorder is a webhook receiver that keeps every request and answers 200.
type recorder struct {
	srv  *httptest.Server
	mu   sync.Mutex
	got  []received
	more chan struct{} // signalled on every request
}

func newRecorder(t *testing.T) *recorder {
	t.Helper()
	r := &recorder{more: make(chan struct{}, 1)}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		var env struct {
			NotificationID string            `json:"notificationId"`
			Metadata       map[string]string `json:"metadata"`
		}
		json.Unmarshal(body, &env)
		r.mu.Lock()
		r.got = append(r.got, received{ID: req.Header.Get("webhook-id"), NotificationID: env.NotificationID, Metadata: env.Metadata})
		r.mu.Unlock()
		select {
		case r.more <- struct{}{}:
		default:
		}
		w.Write([]byte("ok"))
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// waitFor returns the requests once there are at least n, failing the test
// if they do not come within 10 s.
func (r *recorder) waitFor(t *testing.T, n int) []received {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		got := append([]received(nil), r.got...)
		r.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-r.more:
		case <-timeout:
			t.Fatalf("the receiver got %d requests, want %d", len(got), n)
		}
	}
}

package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/store"
)

// capture is a receiver that records the requests it gets and answers
// with status.
type capture struct {
	mu     sync.Mutex
	status int
	reqs   []capturedRequest
}

type capturedRequest struct {
	header http.Header
	body   []byte
}

func (rc *capture) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, capturedRequest{r.Header.Clone(), body})
	status := rc.status
	rc.mu.Unlock()
	w.Header().Set("X-Receiver", "capture")
	w.WriteHeader(status)
	fmt.Fprint(w, `{"received":true}`)
}

func (rc *capture) got() []capturedRequest {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]capturedRequest(nil), rc.reqs...)
}

func newReceiver(t *testing.T, status int) (*capture, *httptest.Server) {
	rc := &capture{status: status}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return rc, srv
}

var tokenShown = regexp.MustCompile(`<code id="token">([^<]+)</code>`)

// addChannel creates a channel through the form and returns the token the
// page shows once.
func addChannel(t *testing.T, b *browser, form url.Values) string {
	t.Helper()
	b.get("/channels")
	r := b.post("/channels", form)
	expectStatus(t, r, 200)
	m := tokenShown.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("the new channel's page shows no token: %.800s", r.body)
	}
	return html.UnescapeString(m[1])
}

func channelValues(name, target string) url.Values {
	return url.Values{
		"name": {name}, "url": {target}, "verify_tls": {"on"}, "enabled": {"on"}, "timeout": {"5s"},
		"meta_key": {"team", "env", ""}, "meta_value": {"payments", "prod", "ignored"},
	}
}

// htmxPost posts like htmx: no form field, the CSRF token in a header.
func (b *browser) htmxPost(path string) result {
	return b.do("POST", path, url.Values{}, map[string]string{"X-Csrf-Token": b.csrf, "HX-Request": "true"})
}

func TestAdminAddsChannelWithMetadata(t *testing.T) {
	ta := newTestApp(t)
	admin := ta.signedInAs(t, "alice", store.RoleAdmin)
	token := addChannel(t, admin, channelValues("pager", "http://receiver.test/hook?x=a%20b"))
	if !strings.HasPrefix(token, "agt_") || len(token) < 20 {
		t.Fatalf("generated token %q", token)
	}
	chs, err := ta.store.Channels(context.Background())
	if err != nil || len(chs) != 1 {
		t.Fatalf("channels: %v %v", chs, err)
	}
	var meta map[string]string
	json.Unmarshal([]byte(chs[0].MetadataJson), &meta)
	if len(meta) != 2 || meta["team"] != "payments" || meta["env"] != "prod" {
		t.Fatalf("stored metadata %v", meta)
	}
	if chs[0].Token != token || !chs[0].VerifyTls || !chs[0].Enabled || chs[0].TimeoutMs != 5000 {
		t.Fatalf("stored channel %+v", chs[0])
	}

	detail := admin.get(fmt.Sprintf("/channels/%d", chs[0].ID))
	expectStatus(t, detail, 200)
	if strings.Contains(detail.body, token) || !strings.Contains(detail.body, "••••••••"+token[len(token)-4:]) {
		t.Fatal("the channel page does not mask the token")
	}
	if !strings.Contains(detail.body, "http://receiver.test/hook?x=a%20b") {
		t.Fatal("the channel page does not show the requested URL")
	}

	list := admin.get("/channels").body
	if !strings.Contains(list, "pager") || !strings.Contains(list, "enabled") || !strings.Contains(list, `hx-post="/channels/1/test"`) {
		t.Fatalf("channel list lacks the channel or its Test button: %.1500s", list)
	}

	// Refusals go back to the list with the store's words.
	admin.post("/channels", channelValues("pager", "http://receiver.test/other"))
	if !strings.Contains(admin.get("/channels").body, "already exists") {
		t.Fatal("a taken name is not explained")
	}
	admin.post("/channels", channelValues("bad", "receiver.test/no-scheme"))
	if !strings.Contains(admin.get("/channels").body, "percent-encode") {
		t.Fatal("a bad URL is not explained")
	}
}

func TestMetadataRowPartials(t *testing.T) {
	ta := newTestApp(t)
	admin := ta.signedInAs(t, "alice", store.RoleAdmin)
	r := admin.get("/channels/metadata-row")
	expectStatus(t, r, 200)
	if !strings.Contains(r.body, `name="meta_key"`) || !strings.Contains(r.body, `name="meta_value"`) || strings.Contains(r.body, "<html") {
		t.Fatalf("metadata row partial: %s", r.body)
	}
	r = admin.get("/channels/empty")
	expectStatus(t, r, 200)
	if strings.TrimSpace(r.body) != "" {
		t.Fatalf("empty partial has a body: %q", r.body)
	}
	page := admin.get("/channels").body
	if !strings.Contains(page, `hx-get="/channels/metadata-row"`) || !strings.Contains(page, `hx-target="closest .meta-row"`) {
		t.Fatal("the add form lacks the Add row / Remove buttons")
	}
}

func TestTestButtonSendsSignedSample(t *testing.T) {
	ta := newTestApp(t)
	admin := ta.signedInAs(t, "alice", store.RoleAdmin)
	rc, srv := newReceiver(t, 200)
	token := addChannel(t, admin, channelValues("pager", srv.URL+"/hook"))
	admin.get("/channels")

	r := admin.htmxPost("/channels/1/test")
	expectStatus(t, r, 200)
	if !strings.Contains(r.body, `<strong class="test-status">200</strong>`) || !strings.Contains(r.body, "X-Receiver: capture") ||
		!strings.Contains(r.body, "received") || strings.Contains(r.body, "<html") {
		t.Fatalf("test result: %s", r.body)
	}
	got := rc.got()
	if len(got) != 1 {
		t.Fatalf("receiver got %d requests", len(got))
	}
	req := got[0]
	if req.header.Get("X-Webhook-Token") != token {
		t.Fatalf("X-Webhook-Token %q", req.header.Get("X-Webhook-Token"))
	}
	if id := req.header.Get("webhook-id"); !strings.HasPrefix(id, "msg_test_") {
		t.Fatalf("webhook-id %q", id)
	}
	std, _ := alert.Lookup("standard")
	if err := std.Verify(alert.Request{Header: req.header, Body: req.body, Now: time.Now()}, token); err != nil {
		t.Fatalf("signature does not verify: %v", err)
	}
	var env struct {
		Metadata map[string]string `json:"metadata"`
	}
	if err := json.Unmarshal(req.body, &env); err != nil || env.Metadata["team"] != "payments" || env.Metadata["env"] != "prod" {
		t.Fatalf("envelope metadata %v (%v): %s", env.Metadata, err, req.body)
	}
	if !strings.Contains(string(req.body), "http://alertgate.test/channels/1") {
		t.Fatalf("envelope does not link the channel: %s", req.body)
	}
	if ds, _ := ta.store.ChannelDeliveries(context.Background(), 1, 10); len(ds) != 0 {
		t.Fatalf("a test send stored messages: %v", ds)
	}
	// The Test button on the detail page too.
	if !strings.Contains(admin.get("/channels/1").body, `hx-post="/channels/1/test"`) {
		t.Fatal("the channel page has no Test button")
	}
}

func TestTestButtonExplainsTLSAndChangesNothingOn410(t *testing.T) {
	ta := newTestApp(t)
	admin := ta.signedInAs(t, "alice", store.RoleAdmin)
	tlsSrv := httptest.NewTLSServer(&capture{status: 200})
	t.Cleanup(tlsSrv.Close)
	addChannel(t, admin, channelValues("selfsigned", tlsSrv.URL))
	admin.get("/channels")
	r := admin.htmxPost("/channels/1/test")
	expectStatus(t, r, 200)
	if !strings.Contains(r.body, "TLS certificate is not trusted") {
		t.Fatalf("no certificate error in words: %s", r.body)
	}

	_, gone := newReceiver(t, http.StatusGone)
	addChannel(t, admin, channelValues("gone", gone.URL))
	admin.get("/channels")
	r = admin.htmxPost("/channels/2/test")
	expectStatus(t, r, 200)
	if !strings.Contains(r.body, `<strong class="test-status">410</strong>`) {
		t.Fatalf("test result: %s", r.body)
	}
	ch, err := ta.store.Channel(context.Background(), 2)
	if err != nil || !ch.Enabled || ch.DisabledReason != "" {
		t.Fatalf("a test 410 changed the channel: %+v %v", ch, err)
	}
	if ds, _ := ta.store.ChannelDeliveries(context.Background(), 2, 10); len(ds) != 0 {
		t.Fatalf("a test send stored messages: %v", ds)
	}
}

func TestViewerSeesChannelsButCannotChangeThem(t *testing.T) {
	ta := newTestApp(t)
	admin := ta.signedInAs(t, "alice", store.RoleAdmin)
	addChannel(t, admin, channelValues("pager", "http://receiver.test/hook"))

	viewer := ta.signedInAs(t, "vic", store.RoleViewer)
	list := viewer.get("/channels")
	expectStatus(t, list, 200)
	if !strings.Contains(list.body, "pager") {
		t.Fatal("viewer does not see the channel")
	}
	if strings.Contains(list.body, "add-channel") || strings.Contains(list.body, "/test") {
		t.Fatal("viewer is offered the add form or the Test button")
	}
	expectStatus(t, viewer.get("/channels/1"), 200)
	expectStatus(t, viewer.post("/channels", channelValues("mine", "http://receiver.test/x")), 403)
	expectStatus(t, viewer.htmxPost("/channels/1/test"), 403)
	expectStatus(t, viewer.post("/channels/1/deliveries/1/redeliver", nil), 403)
}

func TestChannelPageListsDeliveriesAndRedelivers(t *testing.T) {
	ta := newTestApp(t)
	admin := ta.signedInAs(t, "alice", store.RoleAdmin)
	addChannel(t, admin, channelValues("pager", "http://receiver.test/hook"))
	ctx := context.Background()
	srcID := ta.genericSource(t, "scripts")
	res, err := ta.store.Ingest(ctx, store.Ingest{
		SourceID: srcID, SourceSlug: "scripts", ReceivedAt: time.Now(), Headers: "{}", Body: []byte("{}"),
		Delivery: alert.Delivery{Events: []alert.Event{opening("disk-web-1", alert.High, "disk full on web-1")}},
	})
	if err != nil || len(res.Changes) != 1 {
		t.Fatalf("ingest: %+v %v", res, err)
	}
	nid := res.Changes[0].NotificationID

	page := admin.get("/channels/1")
	expectStatus(t, page, 200)
	if !strings.Contains(page.body, `href="/notifications/`+nid+`"`) || !strings.Contains(page.body, "pending") {
		t.Fatalf("the channel page does not list the message: %.3000s", page.body)
	}
	if strings.Contains(page.body, "/redeliver") {
		t.Fatal("a pending message is offered for redelivery")
	}
	if !strings.Contains(admin.get("/channels").body, `<td class="num">1</td>`) {
		t.Fatal("the list does not count the pending message")
	}

	msgs, _ := ta.store.ChannelDeliveries(ctx, 1, 10)
	m := msgs[0]
	err = ta.store.RecordAttempt(ctx, store.Attempt{
		OutboxID: m.ID, At: time.Now(), Status: 400, Latency: 12 * time.Millisecond, Error: "", Response: "bad request",
		State: "failed", NextAt: time.Now(), ChannelID: 1, ChannelName: "pager",
	})
	if err != nil {
		t.Fatal(err)
	}
	failed := admin.get("/channels/1?state=failed").body
	if !strings.Contains(failed, "bad request") || !strings.Contains(failed, "/channels/1/deliveries/1/redeliver") {
		t.Fatalf("the failed filter does not show the message with its attempt: %.3000s", failed)
	}
	if strings.Contains(admin.get("/channels/1?state=dead").body, `id="message-1"`) {
		t.Fatal("the dead filter shows a failed message")
	}
	list := admin.get("/channels").body
	if !strings.Contains(list, "HTTP 400") {
		t.Fatalf("the list does not show the last failure: %.3000s", list)
	}

	admin.get("/channels/1")
	r := admin.post("/channels/1/deliveries/1/redeliver", nil)
	expectStatus(t, r, 303)
	got, err := ta.store.ChannelDeliveries(ctx, 1, 10)
	if err != nil || got[0].State != "pending" || got[0].Attempts != 0 || got[0].FirstTriedAt.Valid {
		t.Fatalf("after redeliver: %+v %v", got, err)
	}
	if !strings.Contains(admin.get("/channels/1").body, "will be sent again") {
		t.Fatal("redeliver is not confirmed")
	}
	// A pending message cannot be redelivered.
	admin.post("/channels/1/deliveries/1/redeliver", nil)
	if !strings.Contains(admin.get("/channels/1").body, "only a delivered, failed or dead message") {
		t.Fatal("redelivering a pending message is not refused")
	}

	// A 410 from the worker disables the channel; the list says why.
	err = ta.store.RecordAttempt(ctx, store.Attempt{
		OutboxID: m.ID, At: time.Now(), Status: 410, State: "failed", NextAt: time.Now(),
		DisableChannel: "the receiver answered 410 Gone: channel disabled", ChannelID: 1, ChannelName: "pager",
	})
	if err != nil {
		t.Fatal(err)
	}
	list = admin.get("/channels").body
	if !strings.Contains(list, `class="channel-disabled"`) || !strings.Contains(list, "410 Gone: channel disabled") {
		t.Fatalf("the list does not show why the channel is disabled: %.3000s", list)
	}
}

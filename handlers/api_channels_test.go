package handlers

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/store"
)

type apiChannelList struct {
	Items []struct {
		ID             int64             `json:"id"`
		Name           string            `json:"name"`
		URL            string            `json:"url"`
		Token          string            `json:"token"`
		Metadata       map[string]string `json:"metadata"`
		VerifyTLS      bool              `json:"verify_tls"`
		TimeoutSeconds float64           `json:"timeout_seconds"`
		Filters        struct {
			Sources     []string `json:"sources"`
			MinSeverity string   `json:"min_severity"`
		} `json:"filters"`
		Enabled        bool   `json:"enabled"`
		DisabledReason string `json:"disabled_reason"`
		Provisioned    bool   `json:"provisioned"`
	} `json:"items"`
}

type apiDeliveryList struct {
	Items []struct {
		DeliveryID     string `json:"delivery_id"`
		NotificationID string `json:"notification_id"`
		Change         string `json:"change"`
		State          string `json:"state"`
		Attempts       int    `json:"attempts"`
		CreatedAt      string `json:"created_at"`
		NextAt         string `json:"next_at"`
		LastStatus     int    `json:"last_status"`
		LastError      string `json:"last_error"`
		AttemptsLog    []struct {
			At        string `json:"at"`
			Status    int    `json:"status"`
			LatencyMs int    `json:"latency_ms"`
			Error     string `json:"error"`
		} `json:"attempts_log"`
	} `json:"items"`
}

const apiChannelToken = "0123456789abcdefWXYZ"

func TestAPIListsChannelsWithMaskedToken(t *testing.T) {
	ta := newTestApp(t)
	_, err := ta.store.CreateChannel(context.Background(), store.Actor{Name: "test"}, store.NewChannel{
		Name: "pager", URL: "http://receiver.test/hook", Token: apiChannelToken, Metadata: map[string]string{"team": "payments"},
		VerifyTLS: true, Timeout: 5 * time.Second, Sources: []string{"scripts"}, MinSeverity: alert.High, Enabled: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	token := ta.token(t, "grafana", store.RoleViewer)

	var list apiChannelList
	wantStatus(t, ta.apiGet(t, token, "/api/v1/channels", &list), 200)
	if len(list.Items) != 1 {
		t.Fatalf("channels: %+v", list)
	}
	ch := list.Items[0]
	if ch.Token != "••••••••WXYZ" || strings.Contains(ch.Token, "0123") {
		t.Fatalf("token %q is not masked", ch.Token)
	}
	if ch.Name != "pager" || ch.URL != "http://receiver.test/hook" || ch.Metadata["team"] != "payments" || !ch.VerifyTLS ||
		ch.TimeoutSeconds != 5 || !ch.Enabled || ch.Provisioned || ch.DisabledReason != "" {
		t.Fatalf("channel %+v", ch)
	}
	if len(ch.Filters.Sources) != 1 || ch.Filters.Sources[0] != "scripts" || ch.Filters.MinSeverity != "high" {
		t.Fatalf("filters %+v", ch.Filters)
	}
	wantStatus(t, ta.apiGet(t, "", "/api/v1/channels", nil), 401)
}

func TestAPIListsChannelDeliveries(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()
	ch, err := ta.store.CreateChannel(ctx, store.Actor{Name: "test"}, store.NewChannel{
		Name: "pager", URL: "http://receiver.test/hook", Token: apiChannelToken, VerifyTLS: true, Enabled: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	srcID := ta.genericSource(t, "scripts")
	res, err := ta.store.Ingest(ctx, store.Ingest{
		SourceID: srcID, SourceSlug: "scripts", ReceivedAt: time.Now(), Headers: "{}", Body: []byte("{}"),
		Delivery: alert.Delivery{Events: []alert.Event{opening("disk-web-1", alert.High, "disk full on web-1")}},
	})
	if err != nil || len(res.Changes) != 1 {
		t.Fatalf("ingest: %+v %v", res, err)
	}
	nid := res.Changes[0].NotificationID
	msgs, err := ta.store.ChannelDeliveries(ctx, ch.ID, 10)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("messages: %v %v", msgs, err)
	}
	err = ta.store.RecordAttempt(ctx, store.Attempt{
		OutboxID: msgs[0].ID, At: time.Now(), Status: 503, Latency: 12 * time.Millisecond, Error: "", Response: "busy",
		State: "pending", NextAt: time.Now().Add(time.Minute), ChannelID: ch.ID, ChannelName: ch.Name,
	})
	if err != nil {
		t.Fatal(err)
	}
	token := ta.token(t, "grafana", store.RoleViewer)

	var list apiDeliveryList
	wantStatus(t, ta.apiGet(t, token, "/api/v1/channels/1/deliveries", &list), 200)
	if len(list.Items) != 1 {
		t.Fatalf("deliveries: %+v", list)
	}
	d := list.Items[0]
	if d.DeliveryID != msgs[0].DeliveryID || d.NotificationID != nid || d.Change != "opened" || d.State != "pending" ||
		d.Attempts != 1 || d.LastStatus != 503 || d.CreatedAt == "" || d.NextAt == "" {
		t.Fatalf("delivery %+v", d)
	}
	if len(d.AttemptsLog) != 1 || d.AttemptsLog[0].Status != 503 || d.AttemptsLog[0].LatencyMs != 12 || d.AttemptsLog[0].At == "" {
		t.Fatalf("attempts log %+v", d.AttemptsLog)
	}

	// The state filter.
	list = apiDeliveryList{}
	wantStatus(t, ta.apiGet(t, token, "/api/v1/channels/1/deliveries?state=failed&limit=5", &list), 200)
	if len(list.Items) != 0 {
		t.Fatalf("state=failed lists a pending message: %+v", list)
	}

	wantStatus(t, ta.apiGet(t, "", "/api/v1/channels/1/deliveries", nil), 401)
	wantStatus(t, ta.apiGet(t, token, "/api/v1/channels/99/deliveries", nil), 404)
	wantStatus(t, ta.apiGet(t, token, "/api/v1/channels/nope/deliveries", nil), 404)
	for _, q := range []string{"limit=0", "limit=201", "limit=x", "state=gone"} {
		var body struct{ Error string }
		resp := ta.apiGet(t, token, "/api/v1/channels/1/deliveries?"+q, &body)
		if resp.StatusCode != 400 || body.Error == "" {
			t.Errorf("%s: status %d, error %q; want 400 with a message", q, resp.StatusCode, body.Error)
		}
	}

	// The notification's page lists the message under its channel.
	ta.addUser(t, "alice", store.RoleViewer)
	b := ta.signedIn(t, "alice")
	page := b.get("/notifications/" + nid)
	expectStatus(t, page, 200)
	if !strings.Contains(page.body, `<a href="/channels/1">pager</a>`) || !strings.Contains(page.body, `id="outbound-`+strconv.FormatInt(msgs[0].ID, 10)+`"`) ||
		!strings.Contains(page.body, "503") || strings.Contains(page.body, "Not forwarded") {
		t.Fatalf("the notification page does not list the channel delivery: %.4000s", page.body)
	}
}

func TestNotificationPageSaysNotForwarded(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()
	srcID := ta.genericSource(t, "scripts")
	res, err := ta.store.Ingest(ctx, store.Ingest{
		SourceID: srcID, SourceSlug: "scripts", ReceivedAt: time.Now(), Headers: "{}", Body: []byte("{}"),
		Delivery: alert.Delivery{Events: []alert.Event{opening("disk-web-1", alert.High, "disk full on web-1")}},
	})
	if err != nil || len(res.Changes) != 1 {
		t.Fatalf("ingest: %+v %v", res, err)
	}
	ta.addUser(t, "alice", store.RoleViewer)
	page := ta.signedIn(t, "alice").get("/notifications/" + res.Changes[0].NotificationID)
	expectStatus(t, page, 200)
	if !strings.Contains(page.body, "Not forwarded: no channel matched when it changed.") {
		t.Fatalf("no empty state: %.4000s", page.body)
	}
}

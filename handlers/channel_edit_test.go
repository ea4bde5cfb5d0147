package handlers

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/store"
	"github.com/alertgate/alertgate/store/db"
)

// audited finds the newest audit entry with action, failing the test when
// there is none.
func audited(t *testing.T, ta *testApp, action string) db.AuditLog {
	t.Helper()
	page, err := ta.store.ListAudit(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range page.Entries {
		if e.Action == action {
			return e
		}
	}
	t.Fatalf("no %s in the audit log: %+v", action, page.Entries)
	return db.AuditLog{}
}

func channelNow(t *testing.T, ta *testApp, id int64) db.Channel {
	t.Helper()
	ch, err := ta.store.Channel(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func editValues(name, target string) url.Values {
	return url.Values{
		"name": {name}, "url": {target}, "timeout": {"7s"}, "min_severity": {"high"}, "sources": {"scripts"},
		"meta_key": {"team", ""}, "meta_value": {"search", ""},
	}
}

func TestAdminEditsChannel(t *testing.T) {
	ta := newTestApp(t)
	ta.genericSource(t, "scripts")
	admin := ta.signedInAs(t, "alice", store.RoleAdmin)
	token := addChannel(t, admin, channelValues("pager", "http://receiver.test/hook"))

	form := admin.get("/channels/1/edit")
	expectStatus(t, form, 200)
	for _, want := range []string{`value="pager"`, `value="http://receiver.test/hook"`, `value="5s"`, `value="payments"`, `id="channel-verify-tls" checked`} {
		if !strings.Contains(form.body, want) {
			t.Fatalf("the edit form lacks %s: %.3000s", want, form.body)
		}
	}
	if strings.Contains(form.body, token) || strings.Contains(form.body, `name="token"`) {
		t.Fatal("the edit form shows or asks for the token")
	}

	// verify_tls and enabled left out: both switched off.
	r := admin.post("/channels/1/edit", editValues("search pager", "https://receiver.test/v2"))
	expectStatus(t, r, 303)
	ch := channelNow(t, ta, 1)
	if ch.Name != "search pager" || ch.Url != "https://receiver.test/v2" || ch.TimeoutMs != 7000 || ch.MinSeverity != "high" ||
		ch.SourcesJson != `["scripts"]` || ch.MetadataJson != `{"team":"search"}` || ch.VerifyTls || ch.Enabled || ch.Token != token {
		t.Fatalf("after the edit: %+v", ch)
	}
	if e := audited(t, ta, "channel_updated"); e.Target != "search pager" || e.Actor != "alice" ||
		!strings.Contains(e.Detail, "url https://receiver.test/v2") || !strings.Contains(e.Detail, "verify_tls false") {
		t.Fatalf("audit entry %+v", e)
	}
	page := admin.get("/channels/1").body
	if !strings.Contains(page, "Channel saved.") || !strings.Contains(page, "certificates not verified") {
		t.Fatalf("the channel page after the edit: %.2000s", page)
	}
	if !strings.Contains(admin.get("/channels").body, "search pager") {
		t.Fatal("the list does not show the new name")
	}
	// The warning about Verify TLS shows in the form while it is off.
	if f := admin.get("/channels/1/edit").body; strings.Contains(f, `id="channel-verify-tls" checked`) || !strings.Contains(f, "tls-warning") {
		t.Fatal("the edit form does not show Verify TLS off")
	}
}

func TestInvalidEditChangesNothing(t *testing.T) {
	ta := newTestApp(t)
	admin := ta.signedInAs(t, "alice", store.RoleAdmin)
	addChannel(t, admin, channelValues("pager", "http://receiver.test/hook"))
	addChannel(t, admin, channelValues("other", "http://receiver.test/other"))
	before := channelNow(t, ta, 1)

	cases := []struct {
		name   string
		change func(url.Values)
		says   string
	}{
		{"bad URL", func(v url.Values) { v.Set("url", "receiver.test/no scheme") }, "percent-encode"},
		{"bad timeout", func(v url.Values) { v.Set("timeout", "ten seconds") }, "duration such as 10s"},
		{"timeout out of range", func(v url.Values) { v.Set("timeout", "5m") }, "between 1s and 1m"},
		{"taken name", func(v url.Values) { v.Set("name", "other") }, `a channel named &#34;other&#34; already exists`},
		{"duplicate metadata", func(v url.Values) { v["meta_key"] = []string{"a", "a"}; v["meta_value"] = []string{"1", "2"} }, "given twice"},
	}
	for _, tc := range cases {
		admin.get("/channels/1/edit")
		v := editValues("renamed", "https://receiver.test/new")
		tc.change(v)
		r := admin.post("/channels/1/edit", v)
		expectStatus(t, r, 422)
		if !strings.Contains(r.body, `id="form-error"`) || !strings.Contains(r.body, tc.says) || !strings.Contains(r.body, `id="edit-channel-form"`) {
			t.Fatalf("%s: the form does not come back naming the problem: %.3000s", tc.name, r.body)
		}
		if !strings.Contains(r.body, `value="`+v.Get("name")+`"`) {
			t.Fatalf("%s: the form does not keep what was typed", tc.name)
		}
		if after := channelNow(t, ta, 1); after != before {
			t.Fatalf("%s: the channel changed: %+v", tc.name, after)
		}
	}
	page, _ := ta.store.ListAudit(context.Background(), 0, 100)
	for _, e := range page.Entries {
		if e.Action == "channel_updated" {
			t.Fatalf("a refused edit was audited: %+v", e)
		}
	}
}

func TestProvisionedChannelIsReadOnly(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()
	err := ta.store.ProvisionChannels(ctx, []store.NewChannel{{
		Name: "ops", URL: "https://hooks.example.com/alertgate", Token: "provisioned-token-0123456789", VerifyTLS: true, Enabled: true,
	}})
	if err != nil {
		t.Fatal(err)
	}
	before := channelNow(t, ta, 1)
	admin := ta.signedInAs(t, "alice", store.RoleAdmin)
	page := admin.get("/channels/1")
	expectStatus(t, page, 200)
	if !strings.Contains(page.body, `id="provisioned-note"`) || strings.Contains(page.body, `id="channel-actions"`) ||
		strings.Contains(page.body, "/channels/1/edit") || strings.Contains(page.body, "/channels/1/delete") {
		t.Fatalf("a provisioned channel offers changes: %.3000s", page.body)
	}
	expectStatus(t, admin.get("/channels/1/edit"), 409)
	posts := map[string]url.Values{
		"/channels/1/edit":    editValues("mine", "https://receiver.test/mine"),
		"/channels/1/token":   nil,
		"/channels/1/enabled": {"enabled": {"false"}},
		"/channels/1/delete":  {"confirm": {"yes"}},
	}
	for path, form := range posts {
		admin.get("/channels/1")
		r := admin.post(path, form)
		expectStatus(t, r, 409)
		if !strings.Contains(r.body, "comes from the provisioning file; change it there") {
			t.Fatalf("POST %s: refusal not explained: %.1000s", path, r.body)
		}
	}
	if after := channelNow(t, ta, 1); after != before {
		t.Fatalf("a provisioned channel changed: %+v", after)
	}
}

func TestRegenerateTokenShowsItOnceAndTheOldOneStopsSigning(t *testing.T) {
	ta := newTestApp(t)
	admin := ta.signedInAs(t, "alice", store.RoleAdmin)
	rc, srv := newReceiver(t, 200)
	old := addChannel(t, admin, channelValues("pager", srv.URL))

	admin.get("/channels/1")
	r := admin.post("/channels/1/token", nil)
	expectStatus(t, r, 200)
	m := tokenShown.FindStringSubmatch(r.body)
	if m == nil || m[1] == old || !strings.HasPrefix(m[1], "agt_") {
		t.Fatalf("the new token is not shown: %.1500s", r.body)
	}
	token := m[1]
	if channelNow(t, ta, 1).Token != token {
		t.Fatal("the shown token is not the stored one")
	}
	if page := admin.get("/channels/1").body; strings.Contains(page, token) || !strings.Contains(page, "••••••••"+token[len(token)-4:]) {
		t.Fatal("the token is shown again, or not masked")
	}
	audited(t, ta, "channel_token_regenerated")

	expectStatus(t, admin.htmxPost("/channels/1/test"), 200)
	req := rc.got()[0]
	std, _ := alert.Lookup("standard")
	signed := alert.Request{Header: req.header, Body: req.body, Now: time.Now()}
	if err := std.Verify(signed, token); err != nil {
		t.Fatalf("the new token does not sign: %v", err)
	}
	if std.Verify(signed, old) == nil || req.header.Get("X-Webhook-Token") != token {
		t.Fatal("the old token still signs")
	}
}

func TestDeleteChannelTakesItsDeliveries(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()
	admin := ta.signedInAs(t, "alice", store.RoleAdmin)
	addChannel(t, admin, channelValues("pager", "http://receiver.test/hook"))
	addChannel(t, admin, channelValues("keep", "http://receiver.test/keep"))
	src := ta.genericSource(t, "scripts")
	ta.feed(t, src, "{}", opening("disk-web-1", alert.High, "disk full on web-1"))
	msgs, _ := ta.store.ChannelDeliveries(ctx, 1, 10)
	if len(msgs) != 1 {
		t.Fatalf("messages before the delete: %v", msgs)
	}
	err := ta.store.RecordAttempt(ctx, store.Attempt{OutboxID: msgs[0].ID, At: time.Now(), Status: 500, State: "pending", NextAt: time.Now(), ChannelID: 1})
	if err != nil {
		t.Fatal(err)
	}

	admin.get("/channels/1")
	expectStatus(t, admin.post("/channels/1/delete", nil), 303)
	if !strings.Contains(admin.get("/channels/1").body, "Tick the box") {
		t.Fatal("an unconfirmed delete is not refused")
	}
	channelNow(t, ta, 1)

	expectStatus(t, admin.post("/channels/1/delete", url.Values{"confirm": {"yes"}}), 303)
	if _, err := ta.store.Channel(ctx, 1); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the channel is still there: %v", err)
	}
	if ms, _ := ta.store.ChannelDeliveries(ctx, 1, 10); len(ms) != 0 {
		t.Fatalf("its messages are still there: %v", ms)
	}
	if as, _ := ta.store.Attempts(ctx, msgs[0].ID); len(as) != 0 {
		t.Fatalf("its attempts are still there: %v", as)
	}
	if e := audited(t, ta, "channel_deleted"); e.Target != "pager" {
		t.Fatalf("audit entry %+v", e)
	}
	list := admin.get("/channels").body
	if !strings.Contains(list, "Channel pager deleted.") || strings.Contains(list, `id="channel-1"`) {
		t.Fatalf("the list after the delete: %.2000s", list)
	}
	// New notifications still route, to the channel that is left only.
	ta.feed(t, src, "{}", opening("disk-web-2", alert.High, "disk full on web-2"))
	if ms, _ := ta.store.ChannelDeliveries(ctx, 2, 10); len(ms) != 2 {
		t.Fatalf("the remaining channel has %d messages, want 2", len(ms))
	}
	expectStatus(t, admin.get("/channels/1"), 404)
}

func TestGoneBannerUntilReEnabled(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()
	admin := ta.signedInAs(t, "alice", store.RoleAdmin)
	addChannel(t, admin, channelValues("pager", "http://receiver.test/hook"))
	addChannel(t, admin, channelValues("quiet", "http://receiver.test/quiet"))
	src := ta.genericSource(t, "scripts")
	ta.feed(t, src, "{}", opening("disk-web-1", alert.High, "disk full on web-1"))
	viewer := ta.signedInAs(t, "vic", store.RoleViewer)

	// An admin's disable is no 410: no banner.
	admin.get("/channels/2")
	expectStatus(t, admin.post("/channels/2/enabled", url.Values{"enabled": {"false"}}), 303)
	if e := audited(t, ta, "channel_disabled"); e.Target != "quiet" || e.Actor != "alice" {
		t.Fatalf("audit entry %+v", e)
	}
	if strings.Contains(viewer.get("/notifications").body, "gone-banner") {
		t.Fatal("a banner for a channel an admin disabled")
	}

	msgs, _ := ta.store.ChannelDeliveries(ctx, 1, 10)
	reason := store.GoneReasonPrefix + " at 2025-01-01T00:00:00Z: channel disabled"
	err := ta.store.RecordAttempts(ctx, []store.Attempt{{
		OutboxID: msgs[0].ID, At: time.Now(), Status: 410, State: "failed", NextAt: time.Now(),
		DisableChannel: reason, ChannelID: 1, ChannelName: "pager",
	}})
	if err != nil {
		t.Fatal(err)
	}
	page := viewer.get("/notifications").body
	if !strings.Contains(page, `id="gone-banner"`) || !strings.Contains(page, `<a href="/channels/1">pager</a>`) || strings.Contains(page, ">quiet</a>") {
		t.Fatalf("no banner naming the channel gone: %.2000s", page)
	}

	admin.get("/channels/1")
	expectStatus(t, admin.post("/channels/1/enabled", url.Values{"enabled": {"true"}}), 303)
	ch := channelNow(t, ta, 1)
	if !ch.Enabled || ch.DisabledReason != "" {
		t.Fatalf("after enabling: %+v", ch)
	}
	if e := audited(t, ta, "channel_enabled"); e.Target != "pager" || e.Detail != reason {
		t.Fatalf("audit entry %+v", e)
	}
	if strings.Contains(viewer.get("/notifications").body, "gone-banner") {
		t.Fatal("the banner stays after the channel was enabled")
	}
	// Enabled again, it gets new notifications.
	ta.feed(t, src, "{}", opening("disk-web-2", alert.High, "disk full on web-2"))
	if ms, _ := ta.store.ChannelDeliveries(ctx, 1, 10); len(ms) != 2 {
		t.Fatalf("the enabled channel has %d messages, want 2", len(ms))
	}
}

func TestViewerCannotChangeChannels(t *testing.T) {
	ta := newTestApp(t)
	admin := ta.signedInAs(t, "alice", store.RoleAdmin)
	addChannel(t, admin, channelValues("pager", "http://receiver.test/hook"))
	viewer := ta.signedInAs(t, "vic", store.RoleViewer)
	if strings.Contains(viewer.get("/channels/1").body, "channel-actions") {
		t.Fatal("a viewer is offered the channel's controls")
	}
	expectStatus(t, viewer.get("/channels/1/edit"), 403)
	expectStatus(t, viewer.post("/channels/1/edit", editValues("mine", "https://receiver.test/mine")), 403)
	expectStatus(t, viewer.post("/channels/1/token", nil), 403)
	expectStatus(t, viewer.post("/channels/1/enabled", url.Values{"enabled": {"false"}}), 403)
	expectStatus(t, viewer.post("/channels/1/delete", url.Values{"confirm": {"yes"}}), 403)
	if ch := channelNow(t, ta, 1); ch.Name != "pager" || !ch.Enabled {
		t.Fatalf("a viewer changed the channel: %+v", ch)
	}
}

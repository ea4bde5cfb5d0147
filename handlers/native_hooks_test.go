package handlers

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"html"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/store"
)

// Through-the-app tests of the native receivers: each kind's auth, and
// real payloads opening and closing notifications.

const nativeSecret = "native-secret-0123456789abcdef"

func fixture(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile("../../shared/fixtures/" + rel)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func bearer(secret string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + secret}
}

// withStatuses rewrites an Alertmanager-shaped payload: alert i gets
// statuses[i], and the group is firing while any alert is. A non-empty
// startsAt is set on every alert, as when the alerts fire anew.
func withStatuses(t *testing.T, body, startsAt string, statuses ...string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatal(err)
	}
	alerts := m["alerts"].([]any)
	group := "resolved"
	for i, a := range alerts {
		a.(map[string]any)["status"] = statuses[i]
		if startsAt != "" {
			a.(map[string]any)["startsAt"] = startsAt
		}
		if statuses[i] == "firing" {
			group = "firing"
		}
	}
	m["status"] = group
	b, _ := json.Marshal(m)
	return string(b)
}

// checkOpenClose posts a firing group, then one alert resolved, then all
// resolved, counting open notifications after each. startsAt tells this
// round of firing from an earlier one.
func checkOpenClose(t *testing.T, ta *testApp, path, body, startsAt string, headers func(body string) map[string]string) {
	t.Helper()
	var statuses []string
	var m struct{ Alerts []any }
	_ = json.Unmarshal([]byte(body), &m)
	for range m.Alerts {
		statuses = append(statuses, "firing")
	}
	n := int64(len(statuses))
	steps := []struct {
		name string
		body string
		open int64
	}{
		{"all firing", withStatuses(t, body, startsAt, statuses...), n},
		{"first resolved", withStatuses(t, body, startsAt, append([]string{"resolved"}, statuses[1:]...)...), n - 1},
		{"all resolved", withStatuses(t, body, startsAt, strings.Split(strings.Repeat("resolved ", len(statuses)), " ")[:len(statuses)]...), 0},
	}
	for _, s := range steps {
		r := ta.post(t, path, s.body, headers(s.body))
		wantHook(t, r, 200, "status")
		if got := ta.openCount(t); got != s.open {
			t.Fatalf("%s: %d open, want %d", s.name, got, s.open)
		}
	}
}

func TestAlertmanagerThroughTheApp(t *testing.T) {
	ta := newTestApp(t)
	ta.source(t, "prom", "alertmanager", nativeSecret)
	body := fixture(t, "alertmanager/cloudeon-unicode-firing-3-alerts.json")

	r := ta.post(t, "/hooks/prom", body, bearer(nativeSecret))
	wantHook(t, r, 200, "status")
	if len(r.body.Notifications) != 3 || ta.openCount(t) != 3 {
		t.Fatalf("three firing alerts: %+v, %d open", r.body, ta.openCount(t))
	}
	if r = ta.post(t, "/hooks/prom", body, bearer(nativeSecret)); r.body.Status != "duplicate" {
		t.Errorf("the same group resent: %+v, want duplicate", r.body)
	}
	resolved := withStatuses(t, body, "", "resolved", "resolved", "resolved")
	wantHook(t, ta.post(t, "/hooks/prom", resolved, bearer(nativeSecret)), 200, "status")
	if ta.openCount(t) != 0 {
		t.Fatalf("resolved payload left %d open", ta.openCount(t))
	}

	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("alertmanager:"+nativeSecret))
	checkOpenClose(t, ta, "/hooks/prom", body, "2026-01-01T00:00:00Z", func(string) map[string]string { return map[string]string{"Authorization": basic} })

	wantHook(t, ta.post(t, "/hooks/prom", body, nil), 401, "error")
	wantHook(t, ta.post(t, "/hooks/prom", body, bearer("wrong-secret-0123456789")), 401, "error")
	r = ta.post(t, "/hooks/prom", `{"version":"4","alerts":[{"status":"pending"}]}`, bearer(nativeSecret))
	wantHook(t, r, 400, "error")
	if !strings.Contains(r.body.Error, "neither firing nor resolved") {
		t.Errorf("400 says %q", r.body.Error)
	}
}

func TestAlertmanagerSettingsApply(t *testing.T) {
	ta := newTestApp(t)
	src := ta.source(t, "prom", "alertmanager", nativeSecret)
	settings := alert.Settings{ComponentLabel: "serviceRoleName", SeverityMap: map[string]alert.Severity{"exception": alert.Critical}}
	if err := ta.store.SetSourceSettings(context.Background(), store.Actor{Name: "test"}, src.ID, settings); err != nil {
		t.Fatal(err)
	}
	r := ta.post(t, "/hooks/prom", fixture(t, "alertmanager/cloudeon-unicode-firing-3-alerts.json"), bearer(nativeSecret))
	wantHook(t, r, 200, "status")
	n, err := ta.store.Notification(context.Background(), r.body.Notifications[0])
	if err != nil {
		t.Fatal(err)
	}
	if n.Notification.Severity != "critical" || n.Notification.Component != "node" {
		t.Errorf("settings not applied: severity %s, component %s", n.Notification.Severity, n.Notification.Component)
	}
}

func TestGrafanaThroughTheApp(t *testing.T) {
	ta := newTestApp(t)
	src := ta.source(t, "graf", "grafana", nativeSecret)
	body := fixture(t, "grafana/docs-webhook-firing-two-alerts.json")
	checkOpenClose(t, ta, "/hooks/graf", body, "", func(string) map[string]string { return bearer(nativeSecret) })

	r := ta.post(t, "/hooks/graf", fixture(t, "grafana/zulip-legacy-alert_ok.json"), bearer(nativeSecret))
	wantHook(t, r, 400, "error")
	if !strings.Contains(r.body.Error, "legacy") {
		t.Errorf("legacy payload answer %q does not say so", r.body.Error)
	}

	// Signed with a timestamp header configured on the source.
	err := ta.store.SetSourceSettings(context.Background(), store.Actor{Name: "test"}, src.ID, alert.Settings{TimestampHeader: "X-Grafana-Timestamp"})
	if err != nil {
		t.Fatal(err)
	}
	signed := func(body string) map[string]string {
		ts := strconv.FormatInt(ta.clock.Now().Unix(), 10)
		return map[string]string{"X-Grafana-Timestamp": ts, alert.GrafanaSignatureHeader: alert.SignGrafana(nativeSecret, ts, []byte(body))}
	}
	checkOpenClose(t, ta, "/hooks/graf", body, "2026-01-01T00:00:00Z", signed)
	stale := signed(body)
	ta.clock.Add(6 * 60 * 1e9)
	wantHook(t, ta.post(t, "/hooks/graf", body, stale), 401, "error")
	wantHook(t, ta.post(t, "/hooks/graf", body, map[string]string{alert.GrafanaSignatureHeader: alert.SignGrafana(nativeSecret, "", []byte(body))}), 401, "error")
}

func TestPagerDutyThroughTheApp(t *testing.T) {
	ta := newTestApp(t)
	ta.source(t, "pd", "pagerduty", nativeSecret)
	post := func(rel, webhookID, secret string) hookResult {
		body := fixture(t, "pagerduty/"+rel)
		return ta.post(t, "/hooks/pd", body, map[string]string{
			alert.PagerDutySignatureHeader: "v1=00," + alert.SignPagerDuty(secret, []byte(body)), "X-Webhook-Id": webhookID,
		})
	}
	wantHook(t, post("nudgebee-v3-triggered-events-api-v2-agent-long-client-url.json", "wh-1", nativeSecret), 200, "status")
	if ta.openCount(t) != 1 {
		t.Fatalf("triggered: %d open", ta.openCount(t))
	}
	if r := post("nudgebee-v3-triggered-events-api-v2-agent-long-client-url.json", "wh-1", nativeSecret); r.body.Status != "duplicate" {
		t.Errorf("retry of wh-1: %+v", r.body)
	}
	wantHook(t, post("nudgebee-v3-resolved.json", "wh-2", "wrong-secret-0123456789"), 401, "error")
	wantHook(t, post("nudgebee-v3-resolved.json", "wh-2", nativeSecret), 200, "status")
	if ta.openCount(t) != 0 {
		t.Fatalf("resolved: %d open", ta.openCount(t))
	}
	wantHook(t, post("docs-v3-service.updated.json", "wh-3", nativeSecret), 400, "error")
}

func TestDatadogThroughTheApp(t *testing.T) {
	ta := newTestApp(t)
	ta.source(t, "dd", "datadog", nativeSecret)
	token := map[string]string{"X-Webhook-Token": nativeSecret}
	wantHook(t, ta.post(t, "/hooks/dd", fixture(t, "datadog/codenow-fluffy-custom-triggered.json"), token), 200, "status")
	if ta.openCount(t) != 1 {
		t.Fatalf("triggered: %d open", ta.openCount(t))
	}
	wantHook(t, ta.post(t, "/hooks/dd", fixture(t, "datadog/codenow-fluffy-custom-recovered.json"), map[string]string{"X-Webhook-Token": "nope"}), 401, "error")
	wantHook(t, ta.post(t, "/hooks/dd", fixture(t, "datadog/codenow-fluffy-custom-recovered.json"), bearer(nativeSecret)), 200, "status")
	if ta.openCount(t) != 0 {
		t.Fatalf("recovered: %d open", ta.openCount(t))
	}
	r := ta.post(t, "/hooks/dd", fixture(t, "datadog/default-payload-template.json"), token)
	wantHook(t, r, 400, "error")
}

func TestUptimeKumaThroughTheApp(t *testing.T) {
	ta := newTestApp(t)
	ta.source(t, "kuma", "uptimekuma", nativeSecret)
	token := map[string]string{"X-Webhook-Token": nativeSecret}
	wantHook(t, ta.post(t, "/hooks/kuma", fixture(t, "uptime-kuma/captured-down-http-monitor.json"), nil), 401, "error")
	wantHook(t, ta.post(t, "/hooks/kuma", fixture(t, "uptime-kuma/captured-down-http-monitor.json"), token), 200, "status")
	if ta.openCount(t) != 1 {
		t.Fatalf("down: %d open", ta.openCount(t))
	}
	wantHook(t, ta.post(t, "/hooks/kuma", fixture(t, "uptime-kuma/captured-up-http-monitor.json"), token), 200, "status")
	wantHook(t, ta.post(t, "/hooks/kuma", fixture(t, "uptime-kuma/test-notification.constructed.json"), token), 200, "status")
	if ta.openCount(t) != 0 {
		t.Fatalf("up and test: %d open", ta.openCount(t))
	}
}

// TestSourcePagesForNativeKinds goes through the browser: each kind's page
// shows its sender setup, an Alertmanager source's settings form changes
// how its alerts decode, and PagerDuty's own secret can be pasted in.
func TestSourcePagesForNativeKinds(t *testing.T) {
	ta := newTestApp(t)
	ta.addUser(t, "alice", store.RoleAdmin)
	admin := ta.signedIn(t, "alice")
	snippets := map[string]string{
		"alertmanager": "http_config:", "grafana": "Authentication Header Credentials", "datadog": `"X-Webhook-Token": "`,
		"pagerduty": "incident.resolved", "uptimekuma": "Additional Headers",
	}
	for kind, want := range snippets {
		secret := addSource(t, admin, kind, kind)
		page := admin.get("/sources/" + strconv.FormatInt(ta.sourceID(t, kind), 10)).body
		if !strings.Contains(page, html.EscapeString(want)) {
			t.Errorf("%s page lacks %q", kind, want)
		}
		if len(secret) < 32 {
			t.Errorf("%s secret %q", kind, secret)
		}
	}

	prom := "/sources/" + strconv.FormatInt(ta.sourceID(t, "alertmanager"), 10)
	admin.get(prom)
	admin.post(prom+"/settings", url.Values{"component_label": {"serviceRoleName"}, "severity_map": {"exception = critical\n"}})
	if page := admin.get(prom).body; !strings.Contains(page, "Settings saved") || !strings.Contains(page, "exception = critical") {
		t.Fatalf("settings not saved: %.600s", page)
	}
	admin.post(prom+"/settings", url.Values{"severity_map": {"exception = apocalyptic"}})
	if page := admin.get(prom).body; !strings.Contains(page, "apocalyptic") || !strings.Contains(page, "exception = critical") {
		t.Fatalf("a bad severity was not refused with its word, or replaced the saved map: %.600s", page)
	}

	pd := "/sources/" + strconv.FormatInt(ta.sourceID(t, "pagerduty"), 10)
	admin.get(pd)
	const pdSecret = "pagerduty-made-this-secret-0123456789"
	expectStatus(t, admin.post(pd+"/rotate", url.Values{"secret": {pdSecret}}), 200)
	body := fixture(t, "pagerduty/zulip-triggered_v3.json")
	r := ta.post(t, "/hooks/pagerduty", body, map[string]string{alert.PagerDutySignatureHeader: alert.SignPagerDuty(pdSecret, []byte(body))})
	wantHook(t, r, 200, "status")
}

func (ta *testApp) sourceID(t *testing.T, slug string) int64 {
	t.Helper()
	src, err := ta.store.SourceBySlug(context.Background(), slug)
	if err != nil {
		t.Fatal(err)
	}
	return src.ID
}

package alert

import (
	"testing"
	"time"
)

func TestDecodeDatadogFixtures(t *testing.T) {
	const dock = "Dock is almost out of memory..."
	notBody := fixtureCase{err: []string{"missing title", "$EVENT_TITLE"}}
	table := map[string]fixtureCase{
		// Custom template with alert_transition; key from the monitor link
		// and its group, the same for both.
		"codenow-fluffy-custom-recovered.json": {rows: []row{{"monitor:309811/host:i-3b93aafb", Close, High, dock, "i-3b93aafb"}},
			at: []time.Time{time.UnixMilli(1448435477000)}},
		"codenow-fluffy-custom-triggered.json": {rows: []row{{"monitor:309811/host:i-3b93aafb", Open, High, dock, "i-3b93aafb"}}},
		// The template itself, variables unsubstituted.
		"default-payload-template.json":                  notBody,
		"nudgebee-error-tracking-recovered.headers.json": notBody,
		"nudgebee-query-alert-triggered.headers.json":    notBody,
		// Default payload: [P2] then [Recovered on {…}]; HTML entities in
		// the markdown link.
		"nudgebee-error-tracking-recovered.json": {rows: []row{{"monitor:8249055/issue.id:655bd304-5322-11f0-80d4-da7ad0900000", Close, High, "[] New issue to review", ""}}},
		"nudgebee-error-tracking-triggered.json": {rows: []row{{"monitor:8249055/issue.id:2df20914-58c8-11f0-b092-da7ad0900000", Open, High, "[New issue] New issue to review", ""}}},
		// Nested custom template: the aggregation key wins over the link.
		"nudgebee-query-alert-nested-alert-incident-event.json": {rows: []row{{"3f63d7b1a675db4d4f79cb6efcbb8afc", Open, High, "XYZ Dev - Web ASG At Max Capacity", ""}}},
		// [P1]: critical; the group names the host.
		"nudgebee-query-alert-triggered.json": {rows: []row{{"monitor:8248529/host:k3s-example-node-pool-a6e3h", Open, Critical,
			"CPU usage is high for host k3s-example-node-pool-a6e3h", "k3s-example-node-pool-a6e3h"}}, at: []time.Time{time.UnixMilli(1751007029000)}},
		// "null" strings in the incident block are ignored; [P3]: medium.
		"nudgebee-synthetics-null-strings.json": {rows: []row{{"73e071f5c67d33400f240ec415c2d48e", Open, Medium, "[Synthetics] XYZ - A monitor that always fails", ""}}},
		"nudgebee-synthetics-re-triggered.json": {rows: []row{{"73e071f5c67d33400f240ec415c2d48e", Open, Low, "[Synthetics] API Test on myapp/api", ""}}},
		"nudgebee-warn.json":                    {rows: []row{{"abc123def456", Open, Medium, "XYZ Dev - RDS High Write Latency", ""}}},
		// The real default payload: keyed by the monitor in its link.
		"relay-default-payload-service-check-test.json": {rows: []row{{"monitor:18692904", Open, High, "[TEST] Host Cluster Alert", ""}}},
	}
	checkFixtures(t, "datadog", "datadog", table, func(b []byte) Request { return Request{Body: b} })
}

func TestDatadogKeysAndDeliveryIDs(t *testing.T) {
	tests := []struct {
		name, body, key, delivery string
		typ                       Type
	}{
		{"cycle key wins", `{"id":"42","title":"[Triggered] x","alert_cycle_key":"c1","aggreg_key":"a1","alert_id":"7"}`, "c1", "42", Open},
		{"aggregation key next", `{"id":"42","title":"x","alert_transition":"No Data","aggreg_key":"a1","alert_id":"7"}`, "a1", "42", Open},
		{"alert id next", `{"title":"x","alert_transition":"Re-Warn","alert_id":7}`, "7", "", Open},
		{"null strings are missing", `{"title":"[Recovered] Disk full","alert_cycle_key":"null","id":"null"}`, "Disk full", "", Close},
		{"no link: the title without prefixes", `{"title":"[P5] [Renotify] Disk full","id":1}`, "Disk full", "1", Open},
		{"constant event id ignored", `{"title":"[Triggered] x","event":{"event_id":"ID"}}`, "x", "", Open},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, ev := decodeOne(t, "datadog", Request{Body: []byte(tt.body)})
			if ev.Key != tt.key || d.Key != tt.delivery || ev.Type != tt.typ {
				t.Errorf("key %q, delivery %q, type %s; want %q, %q, %s", ev.Key, d.Key, ev.Type, tt.key, tt.delivery, tt.typ)
			}
		})
	}
}

func TestDatadogRejects(t *testing.T) {
	tests := map[string][]string{
		`{"title":"CPU high"}`:                                 {"no transition", "$ALERT_TRANSITION"},
		`{"title":"[Triggered] x","alert_transition":"Muted"}`: {`"Muted"`, "Recovered"},
		`{"body":"x"}`:                                         {"missing title"},
		`"[Triggered] x"`:                                      {"JSON string"},
	}
	for body, words := range tests {
		_, err := mustKind(t, "datadog").Decode(Request{Body: []byte(body)})
		wantDecodeError(t, err, words...)
	}
}

func TestVerifyTokenOrBearer(t *testing.T) {
	const secret = "dd-secret-0123456789abcdef"
	for _, h := range [][]string{{WebhookTokenHeader, secret}, {"Authorization", "Bearer " + secret}} {
		if err := verifyTokenOrBearer(Request{Header: headers(h...)}, secret); err != nil {
			t.Errorf("%v refused: %v", h, err)
		}
	}
	wantAuthError(t, verifyTokenOrBearer(Request{Header: headers(WebhookTokenHeader, "nope")}, secret), secret, WebhookTokenHeader, "did not match")
	// A wrong token header is not rescued by a right bearer token: the
	// sender is misconfigured and should hear so.
	wantAuthError(t, verifyTokenOrBearer(Request{Header: headers(WebhookTokenHeader, "nope", "Authorization", "Bearer "+secret)}, secret), secret, WebhookTokenHeader)
	wantAuthError(t, verifyTokenOrBearer(Request{Header: headers("Content-Type", "application/json")}, secret), secret, "missing header X-Webhook-Token or Authorization")
}

package alert

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var stackStateOpenTags = []string{
	"app.kubernetes.io/component:catalogue",
	"app.kubernetes.io/instance:sock-shop",
	"app.kubernetes.io/managed-by:Helm",
	"app.kubernetes.io/name:sock-shop",
	"app.kubernetes.io/version:0.3.5",
	"cluster-name:k8s-demo-cluster",
	"cluster-type:kubernetes",
	"component-type:kubernetes-service",
	"domain:business",
	"extra-identifier:catalogue",
	"helm.sh/chart:sock-shop",
	"name:catalogue",
	"namespace:sock-shop",
	"service-type:ClusterIP",
	"stackpack:kubernetes",
}

const ssMonitorID = "urn:stackpack:kubernetes-v2:shared:monitor:kubernetes-v2:http-response-time"

func TestDecodeStackStateFixtures(t *testing.T) {
	closeTags := slices.Clone(stackStateOpenTags)
	closeTags[5] = "cluster-name:gke-demo-dev.gcp.stackstate.io"
	tests := map[string]Event{
		"docs-open-notification.json": {
			Key:        "836f628c-1258-4500-b1c7-23884e00f439",
			Type:       Open,
			Severity:   Critical,
			State:      "CRITICAL",
			Title:      "HTTP - response time - is above 3.0 seconds",
			OccurredAt: time.Date(2023, 12, 15, 10, 15, 56, 757e6, time.UTC),
			Component: Component{
				Identifier: "urn:kubernetes:/k8s-demo-cluster:sock-shop:service/catalogue",
				Name:       "catalogue",
				Type:       "service",
				Link:       "https://play.stackstate.com/#/components/urn%3Akubernetes%3A%2Fk8s-demo-cluster%3Asock-shop%3Aservice%2Fcatalogue?timeRange=1702624556757_1702646156757&timestamp=1702635356757",
				Tags:       stackStateOpenTags,
			},
			Monitor: Monitor{
				Identifier: ssMonitorID,
				Name:       "HTTP - response time - is above 3 seconds",
				Link:       "https://play.stackstate.com/#/monitors/urn%3Astackpack%3Akubernetes-v2%3Ashared%3Amonitor%3Akubernetes-v2%3Ahttp-response-time",
			},
			Labels: map[string]string{"team": "Team A"},
		},
		// The docs' close carries the channel metadata as top-level tags.
		"docs-close-notification.json": {
			Key:         "836f628c-1258-4500-b1c7-23884e00f439",
			Type:        Close,
			Title:       "HTTP - response time - is above 3 seconds",
			CloseReason: "HealthStateResolved",
			Component: Component{
				Identifier: "urn:kubernetes:/gke-demo-dev.gcp.stackstate.io:sock-shop:service/catalogue",
				Name:       "catalogue",
				Type:       "service",
				Link:       "https://stac-20533-webhook-channel-management-api.preprod.stackstate.io/#/components/urn%3Akubernetes%3A%2Fgke-demo-dev.gcp.stackstate.io%3Asock-shop%3Aservice%2Fcatalogue?timeRange=1702624556757_1702646156757&timestamp=1702635356757",
				Tags:       closeTags,
			},
			Monitor: Monitor{
				Identifier: ssMonitorID,
				Name:       "HTTP - response time - is above 3 seconds",
				Link:       "https://stac-20533-webhook-channel-management-api.preprod.stackstate.io/#/monitors/urn%3Astackpack%3Akubernetes-v2%3Ashared%3Amonitor%3Akubernetes-v2%3Ahttp-response-time",
			},
			Labels: map[string]string{"team": "Team A"},
		},
		// The spec's own example: tags as a map, no metadata.
		"openapi-example-open.json": {
			Key:        "3e9992c3-f5a9-4c85-a0fb-f8730868cb66",
			Type:       Open,
			Severity:   Critical,
			State:      "CRITICAL",
			Title:      "HTTP - response time is above 3 seconds",
			OccurredAt: time.Date(2023, 11, 29, 8, 52, 0, 0, time.UTC),
			Component: Component{
				Identifier: "urn:endpoint:/customer.example.com:192.168.0.123",
				Name:       "Kafka",
				Type:       "service",
				Link:       "https://stackstate.example.com/#/components/urn:endpoint:%2Fcustomer.example.com:192.168.0.123",
				Tags:       []string{"customer:example_com"},
			},
			Monitor: Monitor{
				Identifier: ssMonitorID,
				Name:       "HTTP - response time",
				Link:       "https://stackstate.example.com/#/monitors/155483794918865",
			},
		},
	}
	dir := filepath.Join(fixturesDir, "stackstate")
	requireCovered(t, dir, "*.json", tests)
	for name, want := range tests {
		t.Run(name, func(t *testing.T) {
			body := readFixture(t, "stackstate/"+name)
			d, got := decodeOne(t, "stackstate", Request{Body: body})
			sum := sha256.Sum256(body)
			if d.Key != hex.EncodeToString(sum[:]) {
				t.Errorf("delivery key = %q, want the body's sha256", d.Key)
			}
			checkEvent(t, got, want)
		})
	}
}

// checkEvent compares every field but Evidence, which kinds check apart.
func checkEvent(t *testing.T, got, want Event) {
	t.Helper()
	type plain struct {
		Key, State, Title, IncidentType, Host, Target, CloseReason string
		Type                                                       Type
		Severity                                                   Severity
	}
	g := plain{got.Key, got.State, got.Title, got.IncidentType, got.Host, got.Target, got.CloseReason, got.Type, got.Severity}
	w := plain{want.Key, want.State, want.Title, want.IncidentType, want.Host, want.Target, want.CloseReason, want.Type, want.Severity}
	if g != w {
		t.Errorf("event\n got %+v\nwant %+v", g, w)
	}
	if !got.OccurredAt.Equal(want.OccurredAt) {
		t.Errorf("OccurredAt = %v, want %v", got.OccurredAt, want.OccurredAt)
	}
	if got.Component.Identifier != want.Component.Identifier || got.Component.Name != want.Component.Name ||
		got.Component.Type != want.Component.Type || got.Component.Link != want.Component.Link {
		t.Errorf("component\n got %+v\nwant %+v", got.Component, want.Component)
	}
	if !slices.Equal(got.Component.Tags, want.Component.Tags) {
		t.Errorf("tags\n got %q\nwant %q", got.Component.Tags, want.Component.Tags)
	}
	if got.Monitor != want.Monitor {
		t.Errorf("monitor\n got %+v\nwant %+v", got.Monitor, want.Monitor)
	}
	if !maps.Equal(got.Labels, want.Labels) {
		t.Errorf("labels = %v, want %v", got.Labels, want.Labels)
	}
}

func TestDecodeStackStateUnicode(t *testing.T) {
	body := `{"notificationId":"ü-1","event":{"type":"open","state":"DEVIATING",
		"title":"主机CPU使用率 > 90% — Ünïcødé 🔥 \u2705","triggeredTimeMs":1702635356757},
		"component":{"name":"Grafana宕机，请重新启动","tags":{"名前":"値","équipe":"données"}},
		"monitor":{"name":"モニター"},"metadata":{"owner":"Zoë"}}`
	_, ev := decodeOne(t, "stackstate", Request{Body: []byte(body)})
	checkEvent(t, ev, Event{
		Key:        "ü-1",
		Type:       Open,
		Severity:   High,
		State:      "DEVIATING",
		Title:      "主机CPU使用率 > 90% — Ünïcødé 🔥 ✅",
		OccurredAt: time.UnixMilli(1702635356757),
		Component:  Component{Name: "Grafana宕机，请重新启动", Tags: []string{"équipe:données", "名前:値"}},
		Monitor:    Monitor{Name: "モニター"},
		Labels:     map[string]string{"owner": "Zoë"},
	})
}

func TestDecodeStackStateSeverity(t *testing.T) {
	tests := []struct {
		state string
		want  Severity
	}{
		{`"CRITICAL"`, Critical},
		{`"critical"`, Critical},
		{`"DEVIATING"`, High},
		{`"UNKNOWN_STATE"`, High},
		{`""`, High},
		{`null`, High},
	}
	for _, tt := range tests {
		t.Run(tt.state, func(t *testing.T) {
			body := `{"notificationId":"n","event":{"type":"open","title":"t","state":` + tt.state + `}}`
			_, ev := decodeOne(t, "stackstate", Request{Body: []byte(body)})
			if ev.Severity != tt.want {
				t.Errorf("severity = %q, want %q", ev.Severity, tt.want)
			}
			if want := strings.Trim(tt.state, `"`); want != "null" && ev.State != want {
				t.Errorf("state = %q, want it as sent %q", ev.State, want)
			}
		})
	}
}

func TestDecodeStackStateShapes(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		tags   []string
		labels map[string]string
		title  string
		at     time.Time
	}{
		{
			name: "tags list unsorted with bare values and duplicates",
			body: `{"component":{"tags":["b:2","bare","a:1","b:2",""]}}`,
			tags: []string{"a:1", "b:2", "bare"},
		},
		{
			name: "tags as map with non-string values",
			body: `{"component":{"tags":{"z":"last","n":5,"flag":true,"empty":""}}}`,
			tags: []string{"empty", "flag:true", "n:5", "z:last"},
		},
		{name: "tags null", body: `{"component":{"tags":null}}`},
		{name: "tags a number", body: `{"component":{"tags":42}}`},
		{name: "tags one string", body: `{"component":{"tags":"solo"}}`, tags: []string{"solo"}},
		{
			name:   "metadata wins over top-level tags",
			body:   `{"metadata":{"team":"A","env":"prod"},"tags":{"team":"B","site":"x"}}`,
			labels: map[string]string{"team": "A", "env": "prod", "site": "x"},
		},
		{
			name:   "top-level tags as a list",
			body:   `{"tags":["team:ops","url:http://x:8080","bare"]}`,
			labels: map[string]string{"team": "ops", "url": "http://x:8080", "bare": ""},
		},
		{name: "metadata empty", body: `{"metadata":{}}`},
		{name: "no title falls back to the monitor", body: `{"monitor":{"name":"Mon"},"event":{"type":"open","triggeredTimeMs":1}}`, title: "Mon", at: time.UnixMilli(1)},
		{name: "time as a float", body: `{"event":{"type":"open","triggeredTimeMs":1.702635356757e12}}`, at: time.UnixMilli(1702635356757)},
		{name: "time as a string", body: `{"event":{"type":"open","triggeredTimeMs":"1702635356757"}}`, at: time.UnixMilli(1702635356757)},
		{name: "time out of range", body: `{"event":{"type":"open","triggeredTimeMs":1e30}}`},
		{name: "time past year 9999", body: `{"event":{"type":"open","triggeredTimeMs":9000000000000000000}}`},
		{name: "time negative", body: `{"event":{"type":"open","triggeredTimeMs":-5}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := withDefaults(tt.body)
			_, ev := decodeOne(t, "stackstate", Request{Body: []byte(body)})
			if !slices.Equal(ev.Component.Tags, tt.tags) {
				t.Errorf("tags = %q, want %q", ev.Component.Tags, tt.tags)
			}
			if !maps.Equal(ev.Labels, tt.labels) {
				t.Errorf("labels = %v, want %v", ev.Labels, tt.labels)
			}
			if tt.title != "" && ev.Title != tt.title {
				t.Errorf("title = %q, want %q", ev.Title, tt.title)
			}
			if !ev.OccurredAt.Equal(tt.at) {
				t.Errorf("OccurredAt = %v, want %v", ev.OccurredAt, tt.at)
			}
		})
	}
}

// withDefaults adds a notificationId and, when absent, an open event to a
// partial StackState body.
func withDefaults(partial string) string {
	body := `{"notificationId":"n-1",` + strings.TrimPrefix(partial, "{")
	if !strings.Contains(partial, `"event"`) {
		body = `{"event":{"type":"open","title":"t"},` + strings.TrimPrefix(body, "{")
	}
	return body
}

func TestDecodeStackStateClose(t *testing.T) {
	body := `{"notificationId":"n","event":{"type":"CLOSE","reason":"ConfigRemoved"},"component":{"name":"db"}}`
	_, ev := decodeOne(t, "stackstate", Request{Body: []byte(body)})
	if ev.Type != Close || ev.CloseReason != "ConfigRemoved" || ev.Severity != "" || ev.Title != "db" {
		t.Errorf("close = %+v", ev)
	}
}

func TestDecodeStackStateErrors(t *testing.T) {
	tests := []struct {
		name, body string
		words      []string
	}{
		{"missing notificationId", `{"event":{"type":"open"}}`, []string{"missing notificationId"}},
		{"blank notificationId", `{"notificationId":"  ","event":{"type":"open"}}`, []string{"missing notificationId"}},
		{"missing event", `{"notificationId":"x"}`, []string{"missing event.type"}},
		{"event null", `{"notificationId":"x","event":null}`, []string{"missing event.type"}},
		{"missing event.type", `{"notificationId":"x","event":{"state":"CRITICAL"}}`, []string{"missing event.type"}},
		{"unknown event.type", `{"notificationId":"x","event":{"type":"reopen"}}`, []string{`event.type "reopen"`, "open nor close"}},
		{"notificationId a number", `{"notificationId":5,"event":{"type":"open"}}`, []string{"field notificationId is a JSON number, want a string"}},
		{"event a string", `{"notificationId":"x","event":"open"}`, []string{"field event", "want an object"}},
		{"not JSON", `not json`, []string{"not JSON"}},
		{"truncated", `{"notificationId":"x",`, []string{"not valid JSON"}},
		{"array", `[{"notificationId":"x"}]`, []string{"a JSON array, want a JSON object"}},
		{"null", `null`, []string{"JSON null"}},
		{"empty", ``, []string{"empty body"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := mustKind(t, "stackstate").Decode(Request{Body: []byte(tt.body)})
			wantDecodeError(t, err, tt.words...)
		})
	}
}

func TestVerifyStackState(t *testing.T) {
	const secret = "ss-secret-0123456789"
	body := readFixture(t, "stackstate/docs-open-notification.json")
	tests := []struct {
		name   string
		header map[string][]string
		secret string
		words  []string // nil: accepted
	}{
		{name: "good token", header: headers(StackStateHeader, secret), secret: secret},
		{name: "header name in lower case", header: map[string][]string{"x-stackstate-webhook-token": {secret}}, secret: secret},
		{name: "wrong token", header: headers(StackStateHeader, "nope"), secret: secret,
			words: []string{"token scheme: X-StackState-Webhook-Token did not match"}},
		{name: "token with a suffix", header: headers(StackStateHeader, secret+"x"), secret: secret,
			words: []string{"did not match"}},
		{name: "bearer prefix", header: headers(StackStateHeader, "Bearer "+secret), secret: secret,
			words: []string{"did not match", `starts with "Bearer "`}},
		{name: "missing header", header: headers("Content-Type", "application/json", "User-Agent", "x"), secret: secret,
			words: []string{"missing header X-StackState-Webhook-Token (headers seen: Content-Type, User-Agent)"}},
		{name: "no headers at all", header: nil, secret: secret, words: []string{"headers seen: none"}},
		{name: "empty header", header: headers(StackStateHeader, ""), secret: secret, words: []string{"is empty"}},
		{name: "source without a secret", header: headers(StackStateHeader, ""), secret: "", words: []string{"no secret"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := mustKind(t, "stackstate").Verify(Request{Header: tt.header, Body: body}, tt.secret)
			if tt.words == nil {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			wantAuthError(t, err, tt.secret, tt.words...)
		})
	}
}

package alert

import (
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

// autohealWant is what one autoheal post should decode to.
type autohealWant struct {
	name, host, id, restart, lastOutput string
	severity                            Severity
	title                               string
}

func (w autohealWant) event() Event {
	return Event{
		Key:          w.name,
		Type:         Open,
		Severity:     w.severity,
		State:        "unhealthy",
		Title:        w.title,
		Component:    Component{Name: w.name, Type: "container"},
		IncidentType: "container_unhealthy",
		Host:         w.host,
		Target:       w.name,
		Labels:       w.labels(),
	}
}

func (w autohealWant) labels() map[string]string {
	l := map[string]string{"restart": w.restart}
	if w.id != "" {
		l["container_id"] = w.id
	}
	return l
}

func checkAutoheal(t *testing.T, body []byte, want autohealWant) {
	t.Helper()
	d, ev := decodeOne(t, "autoheal", Request{Body: body})
	if d.Key != "" {
		t.Errorf("delivery key = %q, want none", d.Key)
	}
	checkEvent(t, ev, want.event())
	var evidence struct {
		Message    string `json:"message"`
		LastOutput string `json:"last_output"`
		Restart    string `json:"restart"`
	}
	if err := json.Unmarshal(ev.Evidence, &evidence); err != nil {
		t.Fatalf("evidence %s: %v", ev.Evidence, err)
	}
	if evidence.Message == "" || evidence.LastOutput != want.lastOutput || evidence.Restart != want.restart {
		t.Errorf("evidence = %+v, want last output %q and restart %q", evidence, want.lastOutput, want.restart)
	}
}

func TestDecodeAutohealFixtures(t *testing.T) {
	const curl = "[1] curl: (7) Failed to connect to localhost port 8080"
	tmknight := autohealWant{name: "my-app", host: "docker-host-01", id: "0123456789ab", restart: "succeeded",
		lastOutput: curl, severity: Medium, title: "my-app unhealthy (restart succeeded)"}
	restarted := autohealWant{name: "my-app", id: "0123456789ab", restart: "succeeded",
		severity: Medium, title: "my-app unhealthy (restart succeeded)"}
	tests := map[string]autohealWant{
		"tmknight-apprise-restart-success.constructed.json":        tmknight,
		"tmknight-webhook-restart-success.constructed.json":        tmknight,
		"willfarrell-apprise-success.constructed.json":             restarted,
		"willfarrell-webhook-success-content-key.constructed.json": restarted,
		"willfarrell-webhook-failure-text-key.constructed.json": {name: "my-app", id: "0123456789ab", restart: "failed",
			severity: High, title: "my-app unhealthy (restart failed)"},
	}
	requireCovered(t, filepath.Join(fixturesDir, "autoheal"), "*.json", tests)
	for name, want := range tests {
		t.Run(name, func(t *testing.T) {
			checkAutoheal(t, readFixture(t, "autoheal/"+name), want)
		})
	}
}

// TestDecodeAutohealLenient covers bodies the senders really produce that
// are not valid JSON, and the older message formats.
func TestDecodeAutohealLenient(t *testing.T) {
	tests := []struct {
		name, body string
		want       autohealWant
	}{
		{
			name: "willfarrell heredoc with a raw tab (invalid JSON)",
			body: "{\n  \"text\":\"Container my-app (0123456789ab) found to be unhealthy.\tFailed to restart the container!\"\n} ",
			want: autohealWant{name: "my-app", id: "0123456789ab", restart: "failed", severity: High, title: "my-app unhealthy (restart failed)"},
		},
		{
			name: "tmknight format! with unescaped quotes, older message",
			body: `{"text":"host-1|[web] Container (0123456789ab) last output: [1] error: "connection refused"|[web] Restart of container (0123456789ab) failed: boom"}`,
			want: autohealWant{name: "web", host: "host-1", id: "0123456789ab", restart: "failed",
				lastOutput: `[1] error: "connection refused"`, severity: High, title: "web unhealthy (restart failed)"},
		},
		{
			name: "tmknight older success",
			body: `{"content":"h|[web] Container (abcdef012345) last output: [1] down|[web] Restart of container (abcdef012345) was successful"}`,
			want: autohealWant{name: "web", host: "h", id: "abcdef012345", restart: "succeeded",
				lastOutput: "[1] down", severity: Medium, title: "web unhealthy (restart succeeded)"},
		},
		{
			name: "tmknight restart disabled",
			body: `{"text":"h|[app (abc123abc123)] Container last output: x|Restart enabled: false"}`,
			want: autohealWant{name: "app", host: "h", id: "abc123abc123", restart: "disabled",
				lastOutput: "x", severity: High, title: "app unhealthy (not restarted)"},
		},
		{
			name: "tmknight failure with a pipe and unicode in the output",
			body: `{"text":"h|[app (abc123abc123)] Container last output: a|b – 接続失敗|[app (abc123abc123)] Container restart failed: timeout"}`,
			want: autohealWant{name: "app", host: "h", id: "abc123abc123", restart: "failed",
				lastOutput: "a|b – 接続失敗", severity: High, title: "app unhealthy (restart failed)"},
		},
		{
			name: "plain-text body",
			body: "Container my-app (0123456789ab) found to be unhealthy. Successfully restarted the container!\n",
			want: autohealWant{name: "my-app", id: "0123456789ab", restart: "succeeded", severity: Medium, title: "my-app unhealthy (restart succeeded)"},
		},
		{
			name: "JSON string body, leading slash, unknown result",
			body: `"Container /db.1 (0123456789ab) found to be unhealthy"`,
			want: autohealWant{name: "db.1", id: "0123456789ab", restart: "unknown", severity: High, title: "db.1 unhealthy"},
		},
		{
			name: "strange id is dropped, not fatal",
			body: `{"text":"Container my-app (not-an-id) found to be unhealthy. Failed to restart the container!"}`,
			want: autohealWant{name: "my-app", restart: "failed", severity: High, title: "my-app unhealthy (restart failed)"},
		},
		{
			name: "content wins over text",
			body: `{"text":"ignored","content":"Container a1 (0123456789ab) found to be unhealthy. Failed to restart the container!"}`,
			want: autohealWant{name: "a1", id: "0123456789ab", restart: "failed", severity: High, title: "a1 unhealthy (restart failed)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkAutoheal(t, []byte(tt.body), tt.want)
		})
	}
}

func TestDecodeAutohealErrors(t *testing.T) {
	tests := []struct {
		name, body string
		words      []string
	}{
		{"empty", " ", []string{"empty body"}},
		{"no message field", `{"title":"Autoheal","message":"x"}`, []string{`no message under content, text or body (fields seen: "message, title")`}},
		{"message not a string", `{"text":5}`, []string{"no message under content, text or body"}},
		{"no container", `{"text":"hello world"}`, []string{`no container name in message "hello world"`}},
		{"option-like name", `{"text":"Container --rm (0123456789ab) found to be unhealthy."}`, []string{`container name "--rm" is not a Docker container name`}},
		{"tmknight name with a space", `{"text":"h|[my app (0123456789ab)] Container last output: x|y"}`, []string{`container name "my app"`}},
		{"array", `[{"text":"Container a (0123456789ab) found to be unhealthy."}]`, []string{"JSON array"}},
		{"broken JSON without a message", `{"title": "x`, []string{"not valid JSON and has no content, text or body field"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := mustKind(t, "autoheal").Decode(Request{Body: []byte(tt.body)})
			wantDecodeError(t, err, tt.words...)
		})
	}
}

func TestVerifyAutoheal(t *testing.T) {
	secret := mustKind(t, "autoheal").GenerateSecret()
	body := readFixture(t, "autoheal/willfarrell-webhook-success-content-key.constructed.json")
	tests := []struct {
		name  string
		h     map[string][]string
		words []string
	}{
		{name: "good token", h: headers("X-Webhook-Token", secret)},
		{name: "wrong token", h: headers("X-Webhook-Token", "wrong"), words: []string{"token scheme: X-Webhook-Token did not match"}},
		{name: "missing header", h: headers("Content-Type", "application/json"),
			words: []string{"missing header X-Webhook-Token (headers seen: Content-Type)"}},
		{name: "token in Authorization", h: headers("Authorization", "Bearer "+secret),
			words: []string{"missing header X-Webhook-Token (headers seen: Authorization)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := mustKind(t, "autoheal").Verify(Request{Header: tt.h, Body: body}, secret)
			if tt.words == nil {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			wantAuthError(t, err, secret, tt.words...)
		})
	}
	if got := mustKind(t, "autoheal").Verify(Request{Header: headers("X-Webhook-Token", secret)}, "other"); got == nil {
		t.Error("token accepted against another secret")
	}
}

func TestVerifyAutohealTokenInURL(t *testing.T) {
	const secret = "autoheal-secret-0123456789"
	cases := []struct {
		name  string
		query url.Values
		ok    bool
	}{
		{"token in the URL", url.Values{"token": {secret}}, true},
		{"wrong token in the URL", url.Values{"token": {"guess"}}, false},
		{"no token at all", nil, false},
	}
	for _, c := range cases {
		err := verifyAutoheal(Request{Header: http.Header{}, Query: c.query}, secret)
		if (err == nil) != c.ok {
			t.Errorf("%s: err = %v", c.name, err)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("%s: the reason shows the secret", c.name)
		}
	}
	// A header, when sent, is what counts.
	h := http.Header{"X-Webhook-Token": {"wrong"}}
	if verifyAutoheal(Request{Header: h, Query: url.Values{"token": {secret}}}, secret) == nil {
		t.Error("a wrong header was overruled by the URL token")
	}
}

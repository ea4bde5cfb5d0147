package alert

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"
)

const genericDir = "testdata/generic"

// From OpenRemedy's bash + openssl example (see testdata/generic/README.md):
// computed with openssl, not with this package.
const (
	openRemedySecret = "your-tenant-webhook-secret"
	openRemedySig    = "9a43d4d53cde572d1b4ed473c4cef644052f053c7ae220c892be084cc8909edb"
)

func TestDecodeGenericFixtures(t *testing.T) {
	type want struct {
		ev       Event
		evidence string // JSON; "" for none
	}
	diskFull := Event{Key: "web-01/disk_full", Type: Open, Severity: High, Title: "disk_full on web-01",
		IncidentType: "disk_full", Host: "web-01", Component: Component{Name: "web-01"}}
	tests := map[string]want{
		"openremedy-disk-full.json":   {diskFull, `{"disk_usage_percent":95,"mount":"/"}`},
		"openremedy-signed-body.json": {diskFull, `{}`},
		"openremedy-service-down.json": {Event{Key: "web-01/service_down", Type: Open, Severity: Critical,
			Title: "service_down on web-01", IncidentType: "service_down", Host: "web-01", Component: Component{Name: "web-01"}},
			`{"service_name":"nginx","service_active":false,"error":"Connection refused on port 80"}`},
		"openremedy-memory-high.json": {Event{Key: "db-01/memory_high", Type: Open, Severity: High,
			Title: "memory_high on db-01", IncidentType: "memory_high", Host: "db-01", Component: Component{Name: "db-01"}},
			`{"memory_percent":94,"total_mb":16384,"used_mb":15400,"top_process":"mysqld"}`},
		"openremedy-cpu-high.json": {Event{Key: "api-01/cpu_high", Type: Open, Severity: High,
			Title: "cpu_high on api-01", IncidentType: "cpu_high", Host: "api-01", Component: Component{Name: "api-01"}},
			`{"cpu_percent":97,"load_1m":8.5,"cores":4}`},
		// No severity: high.
		"openremedy-node-signing-no-severity.json": {diskFull, ""},
		"openremedy-alertmanager-adapter.constructed.json": {Event{Key: "10.0.0.5/disk_full", Type: Open, Severity: High,
			Title: "disk_full on 10.0.0.5", IncidentType: "disk_full", Host: "10.0.0.5", Component: Component{Name: "10.0.0.5"}},
			`{"alertname":"DiskFull","status":"firing","summary":"Disk usage above 90% on 10.0.0.5:9100","mount":"/","usage_percent":"93.2"}`},
		"openremedy-grafana-template.constructed.json": {Event{Key: "app-02:9100/custom", Type: Open, Severity: Medium,
			Title: "custom on app-02:9100", IncidentType: "custom", Host: "app-02:9100", Component: Component{Name: "app-02:9100"}},
			`{"alertname":"HighLatency","message":"p99 latency above 2s","value":"map[B:2.31 C:1]"}`},
		// Datadog's priority P2 as the severity.
		"openremedy-datadog-template.constructed.json": {Event{Key: "i-0abc123/metric alert", Type: Open, Severity: High,
			Title: "metric alert on i-0abc123", IncidentType: "metric alert", Host: "i-0abc123", Component: Component{Name: "i-0abc123"}},
			`{"title":"[Triggered] CPU above 90% on i-0abc123","message":"%%%\nCPU is high\n%%%","tags":"env:prod,role:api","link":"https://app.datadoghq.com/monitors/123?from_ts=1&to_ts=2","metric":"system.cpu.user","value":"97.1"}`},
		"alertgate-resolved-key-unicode.constructed.json": {Event{Key: "db-01/replication", Type: Close, Severity: Medium,
			State: "resolved", CloseReason: "resolved", Title: "Réplication en retard — 主从延迟 🐢",
			IncidentType: "custom", Host: "db-01", Component: Component{Name: "postgres"},
			OccurredAt: time.Date(2026, 3, 1, 11, 0, 0, 0, time.UTC)},
			`{"lag_s":42,"note":"übertragen"}`},
	}
	requireCovered(t, genericDir, "*.json", tests)
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			body := readFile(t, genericDir+"/"+name)
			d, ev := decodeOne(t, "generic", Request{Body: body})
			if d.Key != "" {
				t.Errorf("delivery key = %q without an Idempotency-Key", d.Key)
			}
			checkEvent(t, ev, tt.ev)
			if tt.evidence == "" {
				if ev.Evidence != nil {
					t.Errorf("evidence = %s, want none", ev.Evidence)
				}
				return
			}
			sameJSON(t, ev.Evidence, tt.evidence)
		})
	}
}

func TestGenericDeliveryKey(t *testing.T) {
	body := []byte(`{"hostname":"h","incident_type":"i"}`)
	tests := []struct {
		name string
		h    map[string][]string
		want string
	}{
		{"Idempotency-Key", headers("Idempotency-Key", "idem-1"), "idem-1"},
		{"X-Request-Id", headers("X-Request-Id", "req-1"), "req-1"},
		{"Idempotency-Key wins", headers("X-Request-Id", "req-1", "Idempotency-Key", "idem-1"), "idem-1"},
		{"blank Idempotency-Key", headers("Idempotency-Key", "  ", "X-Request-Id", "req-1"), "req-1"},
		{"none: every post counts", headers("Content-Type", "application/json"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, _ := decodeOne(t, "generic", Request{Header: tt.h, Body: body})
			if d.Key != tt.want {
				t.Errorf("delivery key = %q, want %q", d.Key, tt.want)
			}
		})
	}
}

func TestParseSeverity(t *testing.T) {
	tests := map[string]Severity{
		"critical": Critical, " CRITICAL ": Critical, "crit": Critical, "P1": Critical,
		"high": High, "High": High, "error": High, "major": High, "p2": High, "": High, "  ": High,
		"medium": Medium, "warning": Medium, "Warn": Medium, "p3": Medium,
		"low": Low, "minor": Low, "P4": Low,
		"info": Info, "information": Info, "ok": Info, "notice": Info, "INFO": Info, "p5": Info,
	}
	for word, want := range tests {
		got, err := ParseSeverity(word)
		if err != nil || got != want {
			t.Errorf("ParseSeverity(%q) = %q, %v; want %q", word, got, err, want)
		}
	}
	for _, word := range []string{"urgent", "debug", "p6", "5"} {
		_, err := ParseSeverity(word)
		wantDecodeError(t, err, `severity "`+word+`"`, "critical, high, medium, low, info", "warning", "minor", "p1")
	}
}

func TestDecodeGenericFields(t *testing.T) {
	tests := []struct {
		name, body string
		want       Event
	}{
		{"key given with hostname only", `{"key":"k","hostname":"h"}`,
			Event{Key: "k", Type: Open, Severity: High, Title: "h", Host: "h", Component: Component{Name: "h"}}},
		{"key given with incident_type only", `{"key":"k","incident_type":"i"}`,
			Event{Key: "k", Type: Open, Severity: High, Title: "i", IncidentType: "i"}},
		{"key given with title only", `{"key":"k","title":"T"}`,
			Event{Key: "k", Type: Open, Severity: High, Title: "T"}},
		{"values are trimmed", `{"hostname":" h ","incident_type":" i ","severity":" low "}`,
			Event{Key: "h/i", Type: Open, Severity: Low, Title: "i on h", IncidentType: "i", Host: "h", Component: Component{Name: "h"}}},
		{"component and title given", `{"hostname":"h","incident_type":"i","component":"nginx","title":"Nginx down"}`,
			Event{Key: "h/i", Type: Open, Severity: High, Title: "Nginx down", IncidentType: "i", Host: "h", Component: Component{Name: "nginx"}}},
		{"status firing", `{"hostname":"h","incident_type":"i","status":"firing"}`,
			Event{Key: "h/i", Type: Open, Severity: High, State: "firing", Title: "i on h", IncidentType: "i", Host: "h", Component: Component{Name: "h"}}},
		{"status RESOLVED closes", `{"hostname":"h","incident_type":"i","status":"RESOLVED"}`,
			Event{Key: "h/i", Type: Close, Severity: High, State: "RESOLVED", CloseReason: "RESOLVED", Title: "i on h", IncidentType: "i", Host: "h", Component: Component{Name: "h"}}},
		{"status ok closes", `{"hostname":"h","incident_type":"i","status":"ok"}`,
			Event{Key: "h/i", Type: Close, Severity: High, State: "ok", CloseReason: "ok", Title: "i on h", IncidentType: "i", Host: "h", Component: Component{Name: "h"}}},
		{"occurred_at with a fraction and offset", `{"hostname":"h","incident_type":"i","occurred_at":"2026-01-02T03:04:05.5-02:00"}`,
			Event{Key: "h/i", Type: Open, Severity: High, Title: "i on h", IncidentType: "i", Host: "h", Component: Component{Name: "h"},
				OccurredAt: time.Date(2026, 1, 2, 5, 4, 5, 5e8, time.UTC)}},
		{"unknown fields are ignored", `{"hostname":"h","incident_type":"i","extra":{"a":[1]}}`,
			Event{Key: "h/i", Type: Open, Severity: High, Title: "i on h", IncidentType: "i", Host: "h", Component: Component{Name: "h"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ev := decodeOne(t, "generic", Request{Body: []byte(tt.body)})
			checkEvent(t, ev, tt.want)
		})
	}
}

func TestDecodeGenericEvidence(t *testing.T) {
	tests := map[string]string{
		`{"hostname":"h","incident_type":"i","evidence":null}`:        "",
		`{"hostname":"h","incident_type":"i"}`:                        "",
		`{"hostname":"h","incident_type":"i","evidence":[1,"two"]}`:   `[1,"two"]`,
		`{"hostname":"h","incident_type":"i","evidence":{"a":"ü"}}`:   `{"a":"ü"}`,
		`{"hostname":"h","incident_type":"i","evidence":"free text"}`: `"free text"`,
	}
	for body, want := range tests {
		_, ev := decodeOne(t, "generic", Request{Body: []byte(body)})
		if string(ev.Evidence) != want {
			t.Errorf("%s: evidence = %s, want %s", body, ev.Evidence, want)
		}
	}
}

func TestDecodeGenericErrors(t *testing.T) {
	tests := []struct {
		name, body string
		words      []string
	}{
		{"nothing", `{}`, []string{"missing hostname and incident_type (or give a key)"}},
		{"no incident_type", `{"hostname":"h"}`, []string{"missing incident_type"}},
		{"no hostname", `{"incident_type":"i","title":"T"}`, []string{"missing hostname"}},
		{"blank hostname", `{"hostname":"  ","incident_type":"i"}`, []string{"missing hostname"}},
		{"key alone", `{"key":"k","severity":"low"}`, []string{"key is given but hostname, incident_type and title are all missing"}},
		{"unknown severity", `{"hostname":"h","incident_type":"i","severity":"urgent"}`, []string{`severity "urgent" is not one of critical, high, medium, low, info`}},
		{"severity a number", `{"hostname":"h","incident_type":"i","severity":3}`, []string{"field severity is a JSON number, want a string"}},
		{"unknown status", `{"hostname":"h","incident_type":"i","status":"resolvd"}`, []string{`status "resolvd"`, "resolved"}},
		{"bad occurred_at", `{"hostname":"h","incident_type":"i","occurred_at":"yesterday"}`, []string{`occurred_at "yesterday"`, "RFC 3339"}},
		{"occurred_at before year 1 in UTC", `{"hostname":"h","incident_type":"i","occurred_at":"0000-01-01T00:00:00+01:00"}`, []string{"outside the years 0001 to 9999"}},
		{"occurred_at after 9999 in UTC", `{"hostname":"h","incident_type":"i","occurred_at":"9999-12-31T23:00:00-02:00"}`, []string{"outside the years 0001 to 9999"}},
		{"not JSON", `hostname=h`, []string{"not JSON"}},
		{"array", `[{"hostname":"h","incident_type":"i"}]`, []string{"JSON array"}},
		{"empty", "  \n", []string{"empty body"}},
		{"long value is clipped", `{"hostname":"h","incident_type":"i","severity":"` + strings.Repeat("x", 500) + `"}`, []string{`xxxx…"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := mustKind(t, "generic").Decode(Request{Body: []byte(tt.body)})
			wantDecodeError(t, err, tt.words...)
			if len(err.Error()) > 400 {
				t.Errorf("reason is %d bytes long", len(err.Error()))
			}
		})
	}
}

// hmacHexOf is the test's own HMAC, independent of the package's helpers.
func hmacHexOf(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func TestVerifyGeneric(t *testing.T) {
	body := readFile(t, genericDir+"/openremedy-signed-body.json")
	if got := hmacHexOf(openRemedySecret, body); got != openRemedySig {
		t.Fatalf("fixture body changed: HMAC %s, openssl gave %s", got, openRemedySig)
	}
	if got := SignGeneric(openRemedySecret, body); got != "sha256="+openRemedySig {
		t.Fatalf("SignGeneric = %s, openssl gave sha256=%s", got, openRemedySig)
	}
	hexSecret := newToken()
	other := hmacHexOf("another-secret", body)
	tests := []struct {
		name   string
		h      map[string][]string
		secret string
		body   []byte
		words  []string // nil: accepted
	}{
		{name: "X-OpenRemedy-Signature, openssl's answer", h: headers("X-OpenRemedy-Signature", "sha256="+openRemedySig)},
		{name: "X-Signature", h: headers("X-Signature", "sha256="+openRemedySig)},
		{name: "upper-case hex and prefix", h: headers("X-Signature", "SHA256="+strings.ToUpper(openRemedySig))},
		{name: "header name in lower case", h: map[string][]string{"x-openremedy-signature": {"sha256=" + openRemedySig}}},
		{name: "second header good", h: headers("X-Signature", "sha256="+other, "X-OpenRemedy-Signature", "sha256="+openRemedySig)},
		{name: "wrong secret", h: headers("X-Signature", "sha256="+other),
			words: []string{`X-Signature is "sha256=` + other[:8] + `…" but the body's HMAC with the current secret starts "` + openRemedySig[:8] + `…"`}},
		{name: "tampered body", h: headers("X-OpenRemedy-Signature", "sha256="+openRemedySig), body: append(body[:len(body):len(body)], ' '),
			words: []string{`X-OpenRemedy-Signature is "sha256=` + openRemedySig[:8] + `…" but the body's HMAC with the current secret starts "` + hmacHexOf(openRemedySecret, append(body[:len(body):len(body)], ' '))[:8] + `…"`}},
		{name: "missing header", h: headers("Content-Type", "application/json", "User-Agent", "curl/8"),
			words: []string{"missing header X-Signature or X-OpenRemedy-Signature (headers seen: Content-Type, User-Agent)"}},
		{name: "bare hex digest", h: headers("X-Signature", openRemedySig), words: []string{"right HMAC but lacks the sha256= prefix"}},
		{name: "other prefix", h: headers("X-Signature", "sha1=abc"), words: []string{`does not start with "sha256="`}},
		{name: "short digest", h: headers("X-Signature", "sha256=abcd"), words: []string{"64 hex digits", "4 characters"}},
		{name: "not hex", h: headers("X-Signature", "sha256="+strings.Repeat("z", 64)), words: []string{"64 hex digits"}},
		{name: "the secret itself", h: headers("X-Signature", openRemedySecret), words: []string{"carries the secret itself"}},
		{name: "the secret after sha256=", h: headers("X-Signature", "sha256="+hexSecret), secret: hexSecret, words: []string{"carries the secret itself"}},
		{name: "no secret configured", h: headers("X-Signature", "sha256="+hmacHexOf("", body)), secret: "", words: []string{"no secret"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secret := openRemedySecret
			if tt.secret != "" || tt.name == "no secret configured" {
				secret = tt.secret
			}
			b := body
			if tt.body != nil {
				b = tt.body
			}
			err := mustKind(t, "generic").Verify(Request{Header: tt.h, Body: b}, secret)
			if tt.words == nil {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			wantAuthError(t, err, secret, tt.words...)
		})
	}
}

package handlers

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestMetricsCountHookResults(t *testing.T) {
	ta := newTestApp(t)
	ta.source(t, "scripts", "generic", testSecret)
	wantHook(t, ta.postGeneric(t, "scripts", diskFull, map[string]string{"Idempotency-Key": "m-1"}), 200, "status")
	wantHook(t, ta.postGeneric(t, "scripts", diskFull, map[string]string{"Idempotency-Key": "m-1"}), 200, "status")
	wantHook(t, ta.post(t, "/hooks/scripts", diskFull, map[string]string{"X-Signature": sign("wrong", diskFull)}), 401, "error")
	wantHook(t, ta.postGeneric(t, "no-such-source", diskFull, nil), 404, "error")

	resp, err := ta.app.Test(httptest.NewRequest("GET", "/metrics", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	body := string(raw)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, line := range []string{
		`alertgate_hook_requests_total{kind="generic",result="accepted",source="scripts"} 1`,
		`alertgate_hook_requests_total{kind="generic",result="duplicate",source="scripts"} 1`,
		`alertgate_hook_requests_total{kind="generic",result="rejected_auth",source="scripts"} 1`,
		`alertgate_hook_requests_total{kind="",result="not_found",source=""} 1`,
		`alertgate_ingest_duration_seconds_count{kind="generic",source="scripts"} 2`,
		`alertgate_ingest_duration_seconds_bucket{kind="generic",source="scripts",le="+Inf"} 2`,
		`alertgate_notifications_open 1`,
	} {
		if !strings.Contains(body, line+"\n") {
			t.Errorf("/metrics lacks the line %s", line)
		}
	}
	if strings.Contains(body, "no-such-source") {
		t.Error("an unknown slug became a label value")
	}
}

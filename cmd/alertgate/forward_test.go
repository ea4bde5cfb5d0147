package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
)

// TestWebhookIsForwardedToProvisionedChannel runs the whole path: a
// provisioned source and channel, a signed delivery posted to the server,
// and the channel's receiver getting the envelope.
func TestWebhookIsForwardedToProvisionedChannel(t *testing.T) {
	got := make(chan map[string]any, 4)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var env map[string]any
		body, _ := io.ReadAll(r.Body)
		json.Unmarshal(body, &env)
		env["token"] = r.Header.Get("X-Webhook-Token")
		got <- env
	}))
	defer receiver.Close()
	dir := t.TempDir()
	config := filepath.Join(dir, "alertgate.yaml")
	os.WriteFile(config, []byte(`
sources:
  - {slug: scripts, kind: generic, secret: "scripts-secret-0123456789"}
channels:
  - name: ops
    url: `+receiver.URL+`/hook
    token: "ops-token-0123456789"
    metadata: {team: Team A}
    filters: {sources: [scripts], min_severity: high}
`), 0o600)
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	listening, done := make(chan string, 1), make(chan error, 1)
	args := []string{"--addr", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "data"), "--config", config}
	go func() { done <- serve(ctx, args, logs, func(string) string { return "" }, listening) }()
	base := "http://" + <-listening

	post := func(body string) {
		req, _ := http.NewRequest("POST", base+"/hooks/scripts", strings.NewReader(body))
		req.Header.Set("X-Signature", alert.SignGeneric("scripts-secret-0123456789", []byte(body)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("post: %v %v", err, resp)
		}
		resp.Body.Close()
	}
	post(`{"hostname":"web-1","incident_type":"disk_full","severity":"low"}`) // below the filter
	post(`{"hostname":"web-2","incident_type":"disk_full","severity":"critical"}`)
	select {
	case env := <-got:
		comp, _ := env["component"].(map[string]any)
		meta, _ := env["metadata"].(map[string]any)
		if comp["name"] != "web-2" || meta["team"] != "Team A" || env["token"] != "ops-token-0123456789" {
			t.Fatalf("forwarded envelope = %v", env)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("nothing forwarded\nlog:\n%s", logs)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	select {
	case env := <-got:
		t.Fatalf("a notification below the channel's minimum severity was forwarded: %v", env)
	default:
	}
}

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
)

// TestFinalStopIsForwarded runs the whole path: autoheal posts a failure,
// the recipe's only step fails, and the final stop notification of the
// internal alertgate source reaches the channel like any other.
func TestFinalStopIsForwarded(t *testing.T) {
	got := make(chan map[string]any, 8)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var env map[string]any
		body, _ := io.ReadAll(r.Body)
		json.Unmarshal(body, &env)
		got <- env
	}))
	defer receiver.Close()
	dir := t.TempDir()
	config := filepath.Join(dir, "alertgate.yaml")
	os.WriteFile(config, []byte(`
sources:
  - {slug: heal, kind: autoheal, secret: "heal-secret-0123456789"}
channels:
  - {name: ops, url: `+receiver.URL+`/hook, token: "ops-token-0123456789", filters: {sources: [alertgate]}}
recipes:
  - name: heal-app
    match: {sources: [heal]}
    threshold: 1
    window: 10m
    steps:
      - {name: restart, run: ["false", "{{.Target}}"], timeout: 10s}
`), 0o600)
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	listening, done := make(chan string, 1), make(chan error, 1)
	args := []string{"--addr", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "data"), "--config", config}
	go func() { done <- serve(ctx, args, logs, func(string) string { return "" }, listening) }()
	base := "http://" + <-listening

	req, _ := http.NewRequest("POST", base+"/hooks/heal", strings.NewReader(`{"content":"Container app-1 (0123456789ab) found to be unhealthy. Failed to restart the container!"}`))
	req.Header.Set("X-Webhook-Token", "heal-secret-0123456789")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("post: %v %v", err, resp)
	}
	resp.Body.Close()
	select {
	case env := <-got:
		event, _ := env["event"].(map[string]any)
		if title, _ := event["title"].(string); !strings.Contains(title, "manual intervention required") {
			t.Fatalf("forwarded %v, want the final stop", env)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("no final stop forwarded\nlog:\n%s", logs)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

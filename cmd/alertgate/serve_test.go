package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestGracefulShutdown stops the server while a request is inside its
// handler: the request must get its answer, then serve returns and the
// database is closed cleanly (the WAL checkpointed away). The handler is
// held in flight by the test owning SQLite's write lock, which the failed
// sign-in's audit write waits for.
func TestGracefulShutdown(t *testing.T) {
	dir := t.TempDir()
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	listening, done := make(chan string, 1), make(chan error, 1)
	args := []string{"--addr", "127.0.0.1:0", "--data-dir", dir}
	go func() { done <- serve(ctx, args, logs, func(string) string { return "" }, listening) }()
	base := "http://" + <-listening

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	token := csrfToken(t, client, base+"/login")

	release := holdWriteLock(t, filepath.Join(dir, "alertgate.db"))
	answered := make(chan int, 1)
	go func() {
		resp, err := client.PostForm(base+"/login", url.Values{"_csrf": {token}, "name": {"alice"}, "password": {"wrong"}})
		if err != nil {
			t.Errorf("in-flight request got no answer: %v", err)
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	// Let the request reach the handler and block on the lock; it waits
	// there up to busy_timeout (5 s), far longer than this.
	time.Sleep(2 * time.Second)
	cancel()
	waitForLog(t, logs, `msg="shutting down"`)
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), time.Second); err == nil {
		t.Error("the server still accepts new connections while shutting down")
	}
	release()
	if status := <-answered; status != http.StatusUnauthorized {
		t.Fatalf("in-flight failed sign-in: status %d, want 401", status)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not return after the last request finished")
	}
	if !strings.Contains(logs.String(), "msg=stopped") {
		t.Fatalf("no stop logged:\n%s", logs)
	}
	if _, err := os.Stat(filepath.Join(dir, "alertgate.db-wal")); !os.IsNotExist(err) {
		t.Fatalf("WAL left behind: the database was not closed cleanly (%v)", err)
	}
	info, err := os.Stat(filepath.Join(dir, sessionKeyFile))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("generated session key: %v, mode %v, want 0600", err, info.Mode())
	}
}

// holdWriteLock opens its own connection to the database and takes the
// write lock until release is called, which also closes the connection.
func holdWriteLock(t *testing.T, path string) (release func()) {
	t.Helper()
	pool, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	pool.SetMaxOpenConns(1)
	tx, err := pool.Begin()
	if err != nil {
		t.Fatal(err)
	}
	release = func() { tx.Rollback(); pool.Close() }
	t.Cleanup(release)
	return release
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func csrfToken(t *testing.T, client *http.Client, page string) string {
	t.Helper()
	resp, err := client.Get(page)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := csrfInput.FindSubmatch(b)
	if m == nil {
		t.Fatalf("no CSRF token on %s", page)
	}
	return string(m[1])
}

// waitForLog waits until the log holds want (at most a few seconds).
func waitForLog(t *testing.T, logs *syncBuffer, want string) {
	t.Helper()
	for i := 0; i < 500; i++ {
		if strings.Contains(logs.String(), want) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("log never showed %q:\n%s", want, logs)
}

// TestJSONLogs checks ALERTGATE_LOG_FORMAT=json gives one JSON object a
// line, with the snake_case keys log shippers index.
func TestJSONLogs(t *testing.T) {
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	listening, done := make(chan string, 1), make(chan error, 1)
	env := map[string]string{"ALERTGATE_LOG_FORMAT": "json"}
	args := []string{"--addr", "127.0.0.1:0", "--data-dir", t.TempDir()}
	go func() { done <- serve(ctx, args, logs, func(k string) string { return env[k] }, listening) }()
	<-listening
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	for _, line := range lines {
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("not a JSON line: %q", line)
		}
		if entry["msg"] == "listening" && entry["base_url"] == nil {
			t.Fatalf("listening line lacks base_url: %q", line)
		}
	}
	if len(lines) < 3 {
		t.Fatalf("only %d log lines", len(lines))
	}
}

package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/alertgate/alertgate/store"

	"github.com/alertgate/alertgate/alert"
)

// The crash test's knobs. 32 posters keep the group-commit writer busy with
// real batches; 300 acknowledgements are enough for many batches to have
// committed and for the kill to land in the middle of one.
const (
	crashPosters   = 32
	crashKillAfter = 300
	crashSecret    = "crash-test-secret-0123456789"
	// crashTimeout bounds each phase (build, start, posting, stop), so a
	// hang fails the test with its log instead of waiting for go test's
	// ten-minute limit.
	crashTimeout = 2 * time.Minute
)

// TestCrashKeepsAcknowledgedDeliveries is the promise "a 200 means the
// delivery survives a kill -9 the next instant", checked on the real binary:
// post signed deliveries from many goroutines, kill -9 the server while they
// are still posting, restart it on the same data directory and look for
// every acknowledged delivery in the database.
func TestCrashKeepsAcknowledgedDeliveries(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode: it builds and runs the real binary")
	}
	bin := buildBinary(t)
	dataDir := t.TempDir()
	config := filepath.Join(t.TempDir(), "alertgate.yaml")
	yaml := fmt.Sprintf("sources:\n  - slug: crash\n    kind: generic\n    secret: %q\n", crashSecret)
	if err := os.WriteFile(config, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}

	first := startChild(t, bin, dataDir, config)
	acked, requiredKeys := postUntilKilled(t, first)
	if acked < crashKillAfter {
		t.Fatalf("only %d deliveries acknowledged before the kill, want at least %d", acked, crashKillAfter)
	}

	second := startChild(t, bin, dataDir, config)
	if !strings.Contains(second.logs.String(), "msg=listening") {
		t.Fatalf("restarted server did not log listening:\n%s", second.logs)
	}
	if strings.Contains(second.logs.String(), "level=ERROR") {
		t.Errorf("restarted server logged an error while recovering:\n%s", second.logs)
	}
	second.stop(t)

	stored, open := readBack(t, dataDir)
	var missing []string
	for key := range requiredKeys {
		if !stored[key] {
			missing = append(missing, key)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("%d of %d acknowledged deliveries are missing after kill -9, e.g. %v",
			len(missing), len(requiredKeys), missing[:min(5, len(missing))])
	}
	// Each delivery carries its own lifecycle key, so each stored delivery
	// opened exactly one notification: a delivery stored without its
	// notification (or the reverse) would mean a torn transaction.
	if open != int64(len(stored)) {
		t.Fatalf("%d open notifications for %d stored deliveries: the inbox row and its notification did not commit together", open, len(stored))
	}
	t.Logf("%d acknowledged before/around the kill, %d stored (the rest committed but their answers were lost with the process), %d open notifications",
		len(requiredKeys), len(stored), open)
}

// buildBinary builds ./cmd/alertgate into a temporary directory. It is
// built without -race even when the test is, so the server under test runs
// at its real speed.
func buildBinary(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("crash test skipped: the go command is not on PATH, so the server binary cannot be built")
	}
	bin := filepath.Join(t.TempDir(), "alertgate")
	ctx, cancel := context.WithTimeout(context.Background(), crashTimeout)
	defer cancel()
	build := exec.CommandContext(ctx, goTool, "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// child is one run of the server binary.
type child struct {
	cmd    *exec.Cmd
	base   string
	logs   *syncBuffer
	exited chan struct{} // closed once the process is gone and reaped
}

// startChild starts `alertgate serve` on a free port and waits until
// /readyz answers 200. The environment has no ALERTGATE_* variables, so the
// developer's shell cannot change the test.
func startChild(t *testing.T, bin, dataDir, config string) *child {
	t.Helper()
	addr := freeAddr(t)
	c := &child{base: "http://" + addr, logs: &syncBuffer{}, exited: make(chan struct{})}
	c.cmd = exec.Command(bin, "serve", "--addr", addr, "--data-dir", dataDir, "--config", config)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ALERTGATE_") {
			c.cmd.Env = append(c.cmd.Env, kv)
		}
	}
	c.cmd.Stdout, c.cmd.Stderr = c.logs, c.logs
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.cmd.Wait(); close(c.exited) }()
	t.Cleanup(func() {
		c.cmd.Process.Kill()
		<-c.exited
	})

	// Polling /readyz is the one wait by sleeping: the process gives no
	// other sign that it is ready.
	deadline := time.Now().Add(crashTimeout)
	client := &http.Client{Timeout: time.Second}
	for {
		resp, err := client.Get(c.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return c
			}
		}
		select {
		case <-c.exited:
			t.Fatalf("server exited before it was ready (%v):\n%s", c.cmd.ProcessState, c.logs)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready within %s:\n%s", crashTimeout, c.logs)
		}
	}
}

// stop ends the server as systemd does (SIGTERM) and waits for a clean exit.
func (c *child) stop(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.exited:
	case <-time.After(shutdownGrace + 5*time.Second):
		t.Fatalf("server did not stop after SIGTERM:\n%s", c.logs)
	}
	if !c.cmd.ProcessState.Success() {
		t.Fatalf("server stopped with %v:\n%s", c.cmd.ProcessState, c.logs)
	}
}

// freeAddr is a loopback address with a port nothing listens on now. The
// port is free only until someone else takes it; startChild's readiness
// wait reports that case as the server exiting.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// postUntilKilled posts uniquely keyed deliveries from crashPosters
// goroutines and kill -9s the server once crashKillAfter were acknowledged.
// It returns how many were acknowledged and the keys that must have been
// stored: every answer of 200 "accepted", and any "duplicate" (the net/http
// client may replay a request carrying an Idempotency-Key on a fresh
// connection, and a duplicate answer too says the key is stored).
func postUntilKilled(t *testing.T, c *child) (int64, map[string]bool) {
	t.Helper()
	url := c.base + "/hooks/crash"
	client := &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: crashPosters},
	}
	defer client.CloseIdleConnections()

	var (
		mu        sync.Mutex
		required  = map[string]bool{}
		acked     atomic.Int64
		enough    = make(chan struct{})
		enoughOne sync.Once
		// killing is closed just before the kill, so a poster that sees a
		// transport error can tell an expected one from a server that
		// died on its own.
		killing = make(chan struct{})
	)
	var wg sync.WaitGroup
	for g := range crashPosters {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-killing:
					return
				default:
				}
				key := fmt.Sprintf("crash-%d-%d", g, i)
				status, answer, err := postSigned(client, url, key)
				if err != nil {
					select {
					case <-killing: // the kill cut this request off: expected
					default:
						t.Errorf("delivery %s failed while the server was up: %v", key, err)
					}
					return
				}
				if status != http.StatusOK || (answer != "accepted" && answer != "duplicate") {
					t.Errorf("delivery %s: status %d %q, want 200 accepted", key, status, answer)
					return
				}
				mu.Lock()
				required[key] = true
				mu.Unlock()
				if answer == "accepted" && acked.Add(1) == crashKillAfter {
					enoughOne.Do(func() { close(enough) })
				}
			}
		})
	}

	select {
	case <-enough:
	case <-c.exited:
		t.Errorf("server exited while taking deliveries:\n%s", c.logs)
	case <-time.After(crashTimeout):
		t.Errorf("only %d deliveries acknowledged within %s", acked.Load(), crashTimeout)
	}
	close(killing)
	// SIGKILL: no handler runs, nothing is flushed; what the kernel holds
	// of the WAL file is all that is left.
	if err := c.cmd.Process.Kill(); err != nil && !t.Failed() {
		t.Fatalf("kill -9: %v", err)
	}
	select {
	case <-c.exited:
	case <-time.After(crashTimeout):
		t.Fatal("server still running after kill -9")
	}
	// Posters end on their next transport error or loop turn; the client
	// timeout bounds that.
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return acked.Load(), required
}

// postSigned posts one generic delivery signed the way OpenRemedy signs:
// X-Signature: sha256=<hex HMAC-SHA256(secret, body)>. The key is both the
// delivery key (Idempotency-Key) and the lifecycle key (body "key"), so each
// delivery opens a notification of its own.
func postSigned(client *http.Client, url, key string) (int, string, error) {
	body := fmt.Sprintf(`{"key":%q,"hostname":"crash-host","incident_type":"crash_test","severity":"high","evidence":{"n":1}}`, key)
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	req.Header.Set("X-Signature", alert.SignGeneric(crashSecret, []byte(body)))
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", err
	}
	var answer struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(b, &answer); err != nil {
		return resp.StatusCode, "", fmt.Errorf("answer is not JSON: %q", bytes.TrimSpace(b))
	}
	return resp.StatusCode, answer.Status, nil
}

// readBack opens the stopped server's database: the delivery keys in the
// inbox (read-only, straight from the table) and the open notifications
// (through store.Open, which also proves the recovered file still opens
// and migrates).
func readBack(t *testing.T, dataDir string) (keys map[string]bool, open int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), crashTimeout)
	defer cancel()
	ro, err := sql.Open("sqlite", "file:"+filepath.Join(dataDir, store.FileName)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	rows, err := ro.QueryContext(ctx, "SELECT delivery_key FROM inbox")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	keys = map[string]bool{}
	n := 0
	for rows.Next() {
		var key sql.NullString
		if err := rows.Scan(&key); err != nil {
			t.Fatal(err)
		}
		keys[key.String] = true
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != len(keys) {
		t.Fatalf("inbox holds %d rows for %d distinct keys: a delivery was stored twice", n, len(keys))
	}

	st, err := store.Open(ctx, dataDir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	open, err = st.CountOpen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return keys, open
}

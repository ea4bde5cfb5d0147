package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browserTimeout bounds a whole browser test, so a page that never shows
// what a test waits for fails the test instead of hanging until go test's
// own ten-minute limit.
const browserTimeout = 60 * time.Second

// syncBuffer is an io.Writer safe for concurrent use: the server logs from
// every request goroutine while the test reads the log.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// chromiumPath finds a Chromium to drive. Developers without one get a skip,
// but CI must never pass by silently skipping the browser tests.
func chromiumPath(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium not found: browser tests must run in CI; install it with: apt-get install -y chromium")
	}
	t.Skip("browser test skipped: chromium not found (install it with: sudo apt-get install -y chromium)")
	return ""
}

// startServer runs the real server in-process, exactly as `alertgate serve`
// does, on a free port and a fresh data directory. env stands in for the
// process environment, so ALERTGATE_* variables of the developer's shell
// cannot change the test. It returns the server's URL and its log.
func startServer(t *testing.T, env map[string]string) (baseURL string, logs *syncBuffer) {
	t.Helper()
	return startServerIn(t, t.TempDir(), env)
}

// startServerIn is startServer on the data directory dataDir, for tests
// that prepare it first, as `alertgate user add` does before a first start.
func startServerIn(t *testing.T, dataDir string, env map[string]string) (baseURL string, logs *syncBuffer) {
	t.Helper()
	logs = &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	// Buffered, so serve never blocks on a test that already gave up.
	listening := make(chan string, 1)
	done := make(chan error, 1)
	args := []string{"--addr", "127.0.0.1:0", "--data-dir", dataDir}
	getenv := func(key string) string { return env[key] }
	go func() { done <- serve(ctx, args, logs, getenv, listening) }()

	select {
	case addr := <-listening:
		t.Cleanup(func() { stopServer(t, cancel, done, logs) })
		return "http://" + addr, logs
	case err := <-done:
		cancel()
		t.Fatalf("serve returned before listening: %v\nlog:\n%s", err, logs)
	case <-time.After(browserTimeout):
		cancel()
		t.Fatalf("serve did not start listening within %s\nlog:\n%s", browserTimeout, logs)
	}
	return "", nil
}

// stopServer ends serve the way a SIGTERM does and fails the test if the
// shutdown itself failed: a clean stop is part of what the test checks.
func stopServer(t *testing.T, cancel context.CancelFunc, done <-chan error, logs *syncBuffer) {
	t.Helper()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve: %v\nlog:\n%s", err, logs)
		}
	case <-time.After(shutdownGrace + 5*time.Second):
		t.Errorf("serve did not return within %s of being stopped\nlog:\n%s", shutdownGrace+5*time.Second, logs)
	}
}

// setupLinkRE matches the link in the text log line
// `... url="http://127.0.0.1:0/setup?token=XYZ"`; the quotes are optional in
// case slog stops quoting it.
var setupLinkRE = regexp.MustCompile(`url="?(https?://[^"\s]+/setup\?token=[^"\s]+)"?`)

// setupLink returns the one-time setup link the server logged at start,
// and checks it points at the port the server really listens on.
func setupLink(t *testing.T, logs *syncBuffer, baseURL string) string {
	t.Helper()
	m := setupLinkRE.FindStringSubmatch(logs.String())
	if m == nil {
		t.Fatalf("no setup link in the server log:\n%s", logs)
	}
	if !strings.HasPrefix(m[1], baseURL+"/setup?token=") {
		t.Fatalf("setup link %q does not point at the server, %s", m[1], baseURL)
	}
	return m[1]
}

// newBrowser starts a headless Chromium with its own profile and returns a
// chromedp context for one tab. The browser lives as long as that context,
// so browserTimeout limits the whole browser session. Call it after
// startServer: cleanups run last-in first-out, so the browser closes its
// connections before the server waits for them to finish.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		// Containers and CI runners often run as root, where the sandbox
		// refuses to start.
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		// Keep the browser from talking to anything but the test server.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// /dev/shm is 64 MB in a default Docker container: too small.
		chromedp.Flag("disable-dev-shm-usage", true),
		// A fresh profile: no cookies or cache from an earlier run.
		chromedp.UserDataDir(t.TempDir()),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc) // waits for the browser process to exit
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelTab)
	ctx, cancel := context.WithTimeout(tabCtx, browserTimeout)
	t.Cleanup(cancel)
	// Start the browser now, so a browser that cannot start is reported as
	// such and not as the first step of the test failing.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

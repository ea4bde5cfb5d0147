// Package benchserver builds the real alertgate binary and runs it on a
// fresh data directory for the load programs under bench/.
package benchserver

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/alertgate/alertgate/store"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Server is an Alertgate binary running on a fresh data directory with one
// provisioned generic source, "bench", and one provisioned channel per URL
// given to Start.
type Server struct {
	dir string // holds the binary, the data dir and the provisioning file
	cmd *exec.Cmd
	// URL is the bench source's hook URL, Secret its secret.
	URL     string
	Secret  string
	logs    *lockedBuffer
	exited  chan struct{}
	waitErr error
}

// Start builds ./cmd/alertgate (as `make build` does, without the
// race detector) and starts it on a free loopback port, with one channel per
// URL in channels.
func Start(ctx context.Context, channels ...string) (*Server, error) {
	dir, err := os.MkdirTemp("", "alertgate-bench-")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, logs: &lockedBuffer{}, exited: make(chan struct{}), Secret: RandomHex(24)}
	bin := filepath.Join(dir, "alertgate")
	// The import path builds from anywhere inside the module.
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", bin, "github.com/alertgate/alertgate/cmd/alertgate")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		s.Cleanup()
		return nil, fmt.Errorf("go build: %w\n%s", err, out)
	}
	config := filepath.Join(dir, "alertgate.yaml")
	if err := os.WriteFile(config, []byte(provisioning(s.Secret, channels)), 0o600); err != nil {
		s.Cleanup()
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		s.Cleanup()
		return nil, err
	}
	s.URL = "http://" + addr + "/hooks/bench"
	s.cmd = exec.Command(bin, "serve", "--addr", addr, "--data-dir", s.dataDir(), "--config", config)
	// Without the shell's ALERTGATE_* settings: every run measures the
	// defaults (synchronous=NORMAL, text log).
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ALERTGATE_") {
			s.cmd.Env = append(s.cmd.Env, kv)
		}
	}
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		s.Cleanup()
		return nil, err
	}
	go func() { s.waitErr = s.cmd.Wait(); close(s.exited) }()
	if err := s.waitReady(ctx, "http://"+addr+"/readyz"); err != nil {
		s.cmd.Process.Kill()
		<-s.exited
		s.Cleanup()
		return nil, err
	}
	return s, nil
}

// provisioning is the YAML for the bench source and the channels.
func provisioning(secret string, channels []string) string {
	var yaml strings.Builder
	fmt.Fprintf(&yaml, "sources:\n  - slug: bench\n    kind: generic\n    secret: %q\n", secret)
	if len(channels) > 0 {
		yaml.WriteString("channels:\n")
	}
	for i, u := range channels {
		fmt.Fprintf(&yaml, "  - name: %q\n    url: %q\n    token: %q\n    metadata:\n      channel: %q\n",
			fmt.Sprintf("bench-%d", i), u, "agt_"+RandomHex(16), fmt.Sprint(i))
	}
	return yaml.String()
}

func (s *Server) dataDir() string { return filepath.Join(s.dir, "data") }

// waitReady polls /readyz: the process gives no other sign that it is ready.
func (s *Server) waitReady(ctx context.Context, readyz string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	for {
		if resp, err := client.Get(readyz); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("alertgate exited before it was ready (%v):\n%s", s.waitErr, s.logs)
		case <-ctx.Done():
			return fmt.Errorf("alertgate not ready: %w\n%s", ctx.Err(), s.logs)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Stop sends SIGTERM and waits for the clean exit that checkpoints the WAL.
func (s *Server) Stop() error {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(40 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
		return fmt.Errorf("alertgate did not stop within 40s of SIGTERM:\n%s", s.logs)
	}
	if s.waitErr != nil {
		return fmt.Errorf("alertgate stopped with %v:\n%s", s.waitErr, s.logs)
	}
	return nil
}

// StoredDeliveries counts the inbox rows of the stopped server, opening the
// file read-only so the count cannot change anything.
func (s *Server) StoredDeliveries(ctx context.Context) (int, error) {
	pool, err := sql.Open("sqlite", "file:"+filepath.Join(s.dataDir(), store.FileName)+"?mode=ro")
	if err != nil {
		return 0, err
	}
	defer pool.Close()
	var n int
	err = pool.QueryRowContext(ctx, "SELECT count(*) FROM inbox").Scan(&n)
	return n, err
}

// Cleanup removes the binary and the data directory.
func (s *Server) Cleanup() { os.RemoveAll(s.dir) }

// freeAddr is a loopback address with a port nothing listens on now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func RandomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// lockedBuffer collects the child's log; the process writes it from another
// goroutine while an error message may read it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

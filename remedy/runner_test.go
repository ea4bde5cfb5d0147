package remedy

import (
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestTimeoutKillsTheProcessGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	res := Execute(context.Background(), []string{"testdata/spawn-grandchild.sh", pidFile}, 500*time.Millisecond)
	if !res.TimedOut || res.OK() {
		t.Fatalf("result %+v, want a timeout", res)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	// Killed processes are reaped by init shortly after; wait for that
	// rather than assume it is instant.
	deadline := time.Now().Add(10 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("grandchild %d survived the timeout", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// alive tells a running process from a gone or zombie one.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	return len(f) > 0 && f[0] != "Z"
}

func TestOutputIsTruncatedNotLost(t *testing.T) {
	res := Execute(context.Background(), []string{"head", "-c", "100000", "/dev/zero"}, 10*time.Second)
	if !res.OK() || len(res.Output) != MaxOutput || res.OutputBytes != 100000 {
		t.Fatalf("kept %d of %d bytes, ok=%v", len(res.Output), res.OutputBytes, res.OK())
	}
	if !strings.Contains(res.OutputText(), "output truncated: 65536 of 100000 bytes kept") {
		t.Fatal("truncation not said")
	}
}

func TestExitCodeAndStartFailure(t *testing.T) {
	res := Execute(context.Background(), []string{"sh", "-c", "echo out; echo err >&2; exit 3"}, 10*time.Second)
	if res.ExitCode != 3 || res.OK() || string(res.Output) != "out\nerr\n" {
		t.Fatalf("result %+v %q", res, res.Output)
	}
	res = Execute(context.Background(), []string{"/nonexistent/program"}, time.Second)
	if res.Err == nil || res.OK() {
		t.Fatalf("a missing program ran: %+v", res)
	}
}

func TestArchiveIsGzipped(t *testing.T) {
	dir := t.TempDir()
	if _, err := Archive(context.Background(), dir, "a.log.gz", []string{"head", "-c", "100000", "/dev/zero"}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, ArchiveDir, "a.log.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(zr)
	if len(b) != 100000 {
		t.Fatalf("archive holds %d bytes, want the whole 100000", len(b))
	}
}

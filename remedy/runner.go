package remedy

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// MaxOutput is how much of a run's output is kept; the rest is counted
// and dropped, so a chatty command cannot fill the database.
const MaxOutput = 64 << 10

// killGrace is how long Wait may still wait for pipes after the process
// group was killed.
const killGrace = 2 * time.Second

// Result is what one command did.
type Result struct {
	ExitCode int
	Duration time.Duration
	Output   []byte
	// OutputBytes is the whole output's size; more than len(Output) when
	// it was truncated.
	OutputBytes int64
	TimedOut    bool
	// Err is a failure to start, or the timeout; nil for a clean exit 0.
	Err error
}

// OK tells a successful run.
func (r Result) OK() bool { return r.Err == nil && r.ExitCode == 0 }

// Execute runs argv directly (no shell) in its own process group, with
// stdout and stderr together. On timeout or ctx's end the whole group is
// killed, grandchildren included.
func Execute(ctx context.Context, argv []string, timeout time.Duration) Result {
	return executeTo(ctx, argv, timeout, nil)
}

// executeTo is Execute that also copies the whole output to all.
func executeTo(ctx context.Context, argv []string, timeout time.Duration, all io.Writer) Result {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	out := &cappedBuffer{max: MaxOutput}
	var w io.Writer = out
	if all != nil {
		w = io.MultiWriter(out, all)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = w, w
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = killGrace
	start := time.Now()
	err := cmd.Run()
	res := Result{Duration: time.Since(start), Output: out.buf, OutputBytes: out.total, ExitCode: -1}
	var exit *exec.ExitError
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		res.TimedOut, res.Err = true, fmt.Errorf("timed out after %s; process group killed", timeout)
	case ctx.Err() != nil:
		res.Err = fmt.Errorf("interrupted: %w", ctx.Err())
	case errors.As(err, &exit):
		res.ExitCode = exit.ExitCode()
	case err != nil:
		res.Err = err
	default:
		res.ExitCode = 0
	}
	// A group leader that exited normally may leave children behind.
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	return res
}

// cappedBuffer keeps the first max bytes and counts the rest, always
// accepting writes so the child never blocks on a full pipe.
type cappedBuffer struct {
	max   int
	buf   []byte
	total int64
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	b.total += int64(len(p))
	if room := b.max - len(b.buf); room > 0 {
		b.buf = append(b.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// OutputText is the kept output with a note when some was dropped.
func (r Result) OutputText() string {
	s := string(r.Output)
	if r.OutputBytes > int64(len(r.Output)) {
		s += fmt.Sprintf("\n… output truncated: %d of %d bytes kept", len(r.Output), r.OutputBytes)
	}
	if r.Err != nil {
		s += "\n[alertgate] " + r.Err.Error()
	}
	return s
}

// ArchiveDir is where archives go inside the data directory.
const ArchiveDir = "archives"

// Archive runs argv and writes its whole output, gzip'd, to name in the
// archive directory. The file is kept even when the command fails: what it
// did print is what someone will want.
func Archive(ctx context.Context, dataDir, name string, argv []string, timeout time.Duration) (Result, error) {
	dir := filepath.Join(dataDir, ArchiveDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Result{}, fmt.Errorf("archive dir: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return Result{}, fmt.Errorf("archive: %w", err)
	}
	defer f.Close()
	zw := gzip.NewWriter(f)
	res := executeTo(ctx, argv, timeout, zw)
	if err := zw.Close(); err != nil {
		return res, fmt.Errorf("archive: %w", err)
	}
	return res, f.Sync()
}

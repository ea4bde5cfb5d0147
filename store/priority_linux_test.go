package store

import (
	"context"
	"errors"
	"syscall"
	"testing"

	"github.com/alertgate/alertgate/store/db"
)

// TestWritesRunOnTheRaisedThread: every job runs on the writer's own
// thread at writerNice when the process may raise it; when it may not,
// Open says why and the writes still run.
func TestWritesRunOnTheRaisedThread(t *testing.T) {
	s := open(t)
	var nice int
	err := s.Batch(context.Background(), func(ctx context.Context, q *db.Queries) error {
		// The raw syscall answers 20 - nice, to stay positive.
		prio, err := syscall.Getpriority(syscall.PRIO_PROCESS, syscall.Gettid())
		nice = 20 - prio
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if perr := s.WriterPriorityErr(); perr != nil {
		if !errors.Is(perr, syscall.EPERM) && !errors.Is(perr, syscall.EACCES) {
			t.Fatalf("raising the writer failed with %v, want only a permission refusal", perr)
		}
		t.Skipf("not allowed to raise priority here (%v); the writes ran at nice %d", perr, nice)
	}
	if nice != writerNice {
		t.Fatalf("a job ran at nice %d, want the writer's %d", nice, writerNice)
	}
}

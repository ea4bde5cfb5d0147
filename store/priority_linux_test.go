package store

import (
	"errors"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// threadNice is the calling thread's nice value (the raw syscall answers
// 20 - nice, to stay positive).
func threadNice(t *testing.T) int {
	t.Helper()
	prio, err := syscall.Getpriority(syscall.PRIO_PROCESS, syscall.Gettid())
	if err != nil {
		t.Fatal(err)
	}
	return 20 - prio
}

// TestFloodRaisesTheWriterThread: many senders waiting on the writer for
// boostSustain windows in a row raise its thread to writerNice; a shorter
// burst does not, a middling spell keeps it raised and a quiet one lowers
// it. Where raising is not allowed, Open says so.
func TestFloodRaisesTheWriterThread(t *testing.T) {
	if err := probePriority(); err != nil {
		if !errors.Is(err, syscall.EPERM) && !errors.Is(err, syscall.EACCES) {
			t.Fatalf("probe failed with %v, want only a permission refusal", err)
		}
		if s := open(t); s.WriterPriorityErr() == nil {
			t.Fatal("the probe was refused but Open reports no error")
		}
		t.Skipf("not allowed to raise priority here: %v", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Pin this goroutine, as the writer is while raised, so that the
		// checks between steps read the thread observe changed.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		var b priorityBoost
		now := time.Unix(1_700_000_000, 0)
		// windows runs commits 1 ms apart, each with waiting senders,
		// until n windows of them have closed.
		windows := func(waiting int64, n int) {
			for closed := 0; closed < n; now = now.Add(time.Millisecond) {
				start := b.windowStart
				b.observe(waiting, now)
				if !start.IsZero() && !b.windowStart.Equal(start) {
					closed++
				}
			}
		}
		steps := []struct {
			name    string
			waiting int64
			windows int
			want    int
		}{
			{"a start-up burst", 40, boostSustain - 1, 0},
			{"a quiet spell", 1, 1, 0},
			{"a flood", boostAbove, boostSustain, writerNice},
			{"a middling spell", boostBelow, 2, writerNice},
			{"a quiet spell", boostBelow - 1, 1, 0},
		}
		for _, st := range steps {
			windows(st.waiting, st.windows)
			if got := threadNice(t); got != st.want || b.on != (st.want != 0) {
				t.Errorf("after %s: nice %d (raised %v), want %d", st.name, got, b.on, st.want)
				return
			}
		}
	}()
	<-done
}

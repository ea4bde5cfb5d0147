package store

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/store/db"
)

// TestPanickingJobFailsAlone: a write that panics is that caller's error;
// the writer goroutine lives on, and the other callers' work commits.
func TestPanickingJobFailsAlone(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	src, _ := s.CreateSource(ctx, Actor{}, NewSource{Slug: "a", Kind: "generic", Secret: "0123456789abcdef"})
	var wg sync.WaitGroup
	var panicErr error
	wg.Go(func() {
		panicErr = s.Batch(ctx, func(ctx context.Context, q *db.Queries) error {
			var m map[string]int
			m["boom"] = 1 // assignment to a nil map
			return nil
		})
	})
	for i := 0; i < 8; i++ {
		wg.Go(func() { ingestEvent(t, s, src.ID, string(rune('a'+i)), alert.Open) })
	}
	wg.Wait()
	if panicErr == nil || !strings.Contains(panicErr.Error(), "panicked") {
		t.Fatalf("panicking job: err = %v, want its panic as an error", panicErr)
	}
	ingestEvent(t, s, src.ID, "after", alert.Open) // the writer still runs
	if n := s.trueOpenCount(t); n != 9 {
		t.Fatalf("%d notifications stored, want the 9 good ones", n)
	}
}

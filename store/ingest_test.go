package store

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
)

func ingestEvent(t testing.TB, s *Store, sourceID int64, key string, typ alert.Type) IngestResult {
	t.Helper()
	res, err := s.Ingest(context.Background(), Ingest{
		SourceID: sourceID, ReceivedAt: time.Now(), Headers: "{}", Body: []byte("{}"),
		Delivery: alert.Delivery{Events: []alert.Event{{Key: key, Type: typ, Severity: alert.High, Title: key}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (s *Store) trueOpenCount(t *testing.T) int64 {
	var n int64
	if err := s.reader.QueryRow("SELECT count(*) FROM notifications WHERE state = 'open'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestOpenCountFollowsEveryChange checks the trigger-kept counter against a
// real COUNT after opens, repeats, closes, quiet closes and a deleted source.
func TestOpenCountFollowsEveryChange(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	a, _ := s.CreateSource(ctx, Actor{}, NewSource{Slug: "a", Kind: "generic", Secret: "0123456789abcdef"})
	b, _ := s.CreateSource(ctx, Actor{}, NewSource{Slug: "b", Kind: "autoheal", Secret: "0123456789abcdef"})
	check := func(step string, want int64) {
		t.Helper()
		got, err := s.CountOpen(ctx)
		if err != nil || got != want || s.trueOpenCount(t) != want {
			t.Fatalf("%s: counter %d (%v), real %d, want %d", step, got, err, s.trueOpenCount(t), want)
		}
	}
	for i := 0; i < 3; i++ {
		ingestEvent(t, s, a.ID, fmt.Sprint("k", i), alert.Open)
	}
	ingestEvent(t, s, a.ID, "k0", alert.Open)
	ingestEvent(t, s, b.ID, "app", alert.Open)
	check("opened", 4)
	ingestEvent(t, s, a.ID, "k1", alert.Close)
	ingestEvent(t, s, a.ID, "never", alert.Close)
	check("closed one", 3)
	if n, err := s.CloseQuiet(ctx, time.Now().Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("CloseQuiet = %d, %v; want the autoheal one", n, err)
	}
	check("quiet close", 2)
	if err := s.DeleteSource(ctx, Actor{}, a.ID); err != nil {
		t.Fatal(err)
	}
	check("source deleted", 0)
}

// TestConcurrentIngestAllCommitted posts from many goroutines at once, so
// deliveries share group commits, and checks each one was stored once.
func TestConcurrentIngestAllCommitted(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	src, _ := s.CreateSource(ctx, Actor{}, NewSource{Slug: "a", Kind: "generic", Secret: "0123456789abcdef"})
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Go(func() {
			for i := 0; i < 25; i++ {
				key := fmt.Sprintf("g%d-%d", g, i)
				res, err := s.Ingest(ctx, Ingest{
					SourceID: src.ID, ReceivedAt: time.Now(), Headers: "{}", Body: []byte("{}"),
					Delivery: alert.Delivery{Key: key, Events: []alert.Event{{Key: key, Type: alert.Open, Severity: alert.Low, Title: key}}},
				})
				if err != nil || res.Duplicate {
					t.Errorf("%s: %+v %v", key, res, err)
				}
			}
		})
	}
	wg.Wait()
	if n := s.trueOpenCount(t); n != 400 {
		t.Fatalf("%d notifications stored, want 400", n)
	}
}

// TestFailingJobRollsBackAlone makes one job of a group commit fail and
// checks the others in the same transaction still commit.
func TestFailingJobRollsBackAlone(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	src, _ := s.CreateSource(ctx, Actor{}, NewSource{Slug: "a", Kind: "generic", Secret: "0123456789abcdef"})
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Go(func() {
			in := Ingest{SourceID: src.ID, ReceivedAt: time.Now(), Headers: "{}", Body: []byte("{}"),
				Delivery: alert.Delivery{Events: []alert.Event{{Key: fmt.Sprint(i), Type: alert.Open, Severity: alert.Low}}}}
			if i%5 == 0 {
				in.SourceID = 999 // no such source: the foreign key fails
			}
			_, errs[i] = s.Ingest(ctx, in)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if (i%5 == 0) != (err != nil) {
			t.Errorf("job %d: err = %v", i, err)
		}
	}
	if n := s.trueOpenCount(t); n != 16 {
		t.Fatalf("%d notifications stored, want the 16 good ones", n)
	}
	var inbox int
	s.reader.QueryRow("SELECT count(*) FROM inbox").Scan(&inbox)
	if inbox != 16 {
		t.Fatalf("%d deliveries stored, want 16: a failed job left a partial write", inbox)
	}
}

func TestNewUUIDIsVersion7AndOrdered(t *testing.T) {
	prev := ""
	for i := 0; i < 50; i++ {
		id := newUUID()
		if len(id) != 36 || id[14] != '7' || !strings.ContainsRune("89ab", rune(id[19])) {
			t.Fatalf("%s is not a version 7 UUID", id)
		}
		if id[:13] < prev {
			t.Fatalf("%s sorts before the earlier %s", id, prev)
		}
		prev = id[:13]
		if i == 25 {
			time.Sleep(2 * time.Millisecond)
		}
	}
}

func TestRejectedKeepsTheNewest200(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	src, _ := s.CreateSource(ctx, Actor{}, NewSource{Slug: "a", Kind: "generic", Secret: "0123456789abcdef"})
	for i := 0; i < keepRejected+5; i++ {
		if err := s.Reject(ctx, src.ID, Rejection{Status: 401, Reason: fmt.Sprint("r", i), Headers: "{}"}); err != nil {
			t.Fatal(err)
		}
	}
	rows, _ := s.Rejected(ctx, src.ID, 1000)
	if len(rows) != keepRejected || rows[0].Reason != fmt.Sprint("r", keepRejected+4) || rows[len(rows)-1].Reason != "r5" {
		t.Fatalf("kept %d, newest %q, oldest %q", len(rows), rows[0].Reason, rows[len(rows)-1].Reason)
	}
}

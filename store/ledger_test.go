package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"testing"
	"time"
)

// addSpan writes a notification that opened at opened and closed at closed
// (nil: still open), straight into the table: the ledger reads rows, and
// driving thousands of them through ingest would only slow the test.
func addSpan(t testing.TB, tx *sql.Tx, sourceID int64, key string, opened time.Time, closed *time.Time) {
	t.Helper()
	state, closedAt := "open", sql.NullTime{}
	if closed != nil {
		state, closedAt = "closed", sql.NullTime{Time: closed.UTC(), Valid: true}
	}
	_, err := tx.Exec(`INSERT INTO notifications (id, source_id, lifecycle_key, state, severity, severity_rank, title,
		component, opened_at, first_seen, last_seen, closed_at) VALUES (?, ?, ?, ?, 'critical', 5, ?, 'db', ?, ?, ?, ?)`,
		"id-"+key, sourceID, key, state, key, opened.UTC(), opened.UTC(), opened.UTC(), closedAt)
	if err != nil {
		t.Fatal(err)
	}
}

func ledgerKeys(t *testing.T, s *Store, f LedgerFilter) []string {
	t.Helper()
	var keys []string
	err := s.LedgerIntervals(context.Background(), f, func(rows []LedgerRow) error {
		for _, r := range rows {
			keys = append(keys, r.Title)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func TestLedgerIntervalsOverlapTheRange(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	src, _ := s.CreateSource(ctx, Actor{}, NewSource{Slug: "a", Kind: "generic", Secret: "0123456789abcdef"})
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	h := func(n int) time.Time { return day.Add(time.Duration(n) * time.Hour) }
	ptr := func(t time.Time) *time.Time { return &t }
	tx, _ := s.writer.Begin()
	addSpan(t, tx, src.ID, "before", h(-5), ptr(h(-4)))
	addSpan(t, tx, src.ID, "ends-at-start", h(-5), ptr(h(0)))
	addSpan(t, tx, src.ID, "crosses-start", h(-2), ptr(h(1)))
	addSpan(t, tx, src.ID, "inside", h(3), ptr(h(4)))
	addSpan(t, tx, src.ID, "zero-length", h(5), ptr(h(5)))
	addSpan(t, tx, src.ID, "crosses-end", h(23), ptr(h(30)))
	addSpan(t, tx, src.ID, "after", h(24), ptr(h(25)))
	addSpan(t, tx, src.ID, "open-for-a-year", h(-24*365), nil)
	addSpan(t, tx, src.ID, "open-later", h(40), nil)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	got := ledgerKeys(t, s, LedgerFilter{From: h(0), To: h(24)})
	// ends-at-start is read (the store is inclusive at the edge); clipping
	// in the ledger drops it.
	want := []string{"open-for-a-year", "ends-at-start", "crosses-start", "inside", "zero-length", "crosses-end"}
	if !slices.Equal(got, want) {
		t.Errorf("read %q, want %q: the open, then the closed in order of end", got, want)
	}
	if got := ledgerKeys(t, s, LedgerFilter{From: h(0), To: h(24), Component: "web"}); len(got) != 0 {
		t.Errorf("component filter let through %q", got)
	}
}

func TestLedgerIntervalsPagesThroughEveryRow(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	src, _ := s.CreateSource(ctx, Actor{}, NewSource{Slug: "a", Kind: "generic", Secret: "0123456789abcdef"})
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	n := 2*ledgerPageSize + 7
	tx, _ := s.writer.Begin()
	for i := range n {
		// Pairs share an opened_at and a closed_at, so pages must break
		// ties by seq.
		at := start.Add(time.Duration(i/2) * time.Minute)
		end := at.Add(30 * time.Second)
		addSpan(t, tx, src.ID, fmt.Sprintf("k%05d", i), at, &end)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	pages := 0
	seen := map[string]bool{}
	err := s.LedgerIntervals(ctx, LedgerFilter{From: start, To: start.AddDate(1, 0, 0)}, func(rows []LedgerRow) error {
		pages++
		for _, r := range rows {
			if seen[r.ID] {
				t.Fatalf("%s read twice", r.ID)
			}
			seen[r.ID] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != n || pages != 3 {
		t.Errorf("read %d rows in %d pages, want %d in 3", len(seen), pages, n)
	}
}

// A notification that closes while the ledger is being read (a long CSV
// export) is handed over once: as it was when the open pass read it, not
// again from the closed pass.
func TestLedgerIntervalsHandOverOneThatClosesMeanwhileOnce(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	src, _ := s.CreateSource(ctx, Actor{}, NewSource{Slug: "a", Kind: "generic", Secret: "0123456789abcdef"})
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	end := day.Add(2 * time.Hour)
	tx, _ := s.writer.Begin()
	addSpan(t, tx, src.ID, "closed", day, &end)
	addSpan(t, tx, src.ID, "closes-meanwhile", day.Add(time.Hour), nil)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	var got []string
	err := s.LedgerIntervals(ctx, LedgerFilter{From: day, To: day.AddDate(0, 0, 1)}, func(rows []LedgerRow) error {
		for _, r := range rows {
			got = append(got, r.Title+":"+r.State)
			if r.State == "open" {
				if _, err := s.writer.Exec(`UPDATE notifications SET state = 'closed', closed_at = ? WHERE seq = ?`, day.Add(3*time.Hour), r.Seq); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"closes-meanwhile:open", "closed:closed"}; !slices.Equal(got, want) {
		t.Errorf("read %q, want %q", got, want)
	}
}

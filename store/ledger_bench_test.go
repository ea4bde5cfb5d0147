package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkLedgerMonth reads one month's intervals out of 100,000
// notifications over a year for 50 components, as the ledger page does.
func BenchmarkLedgerMonth(b *testing.B) {
	s, err := Open(context.Background(), b.TempDir(), Options{PasswordCost: 4})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	src, _ := s.CreateSource(ctx, Actor{}, NewSource{Slug: "a", Kind: "generic", Secret: "0123456789abcdef"})
	year := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(1, 2))
	tx, _ := s.writer.Begin()
	for i := range 100_000 {
		at := year.Add(time.Duration(rng.Int64N(int64(365 * 24 * time.Hour))))
		end := at.Add(time.Duration(rng.Int64N(int64(2 * time.Hour))))
		_, err := tx.Exec(`INSERT INTO notifications (id, source_id, lifecycle_key, state, severity, severity_rank, title,
			component, opened_at, first_seen, last_seen, closed_at) VALUES (?, ?, ?, 'closed', 'critical', 5, 'x', ?, ?, ?, ?, ?)`,
			fmt.Sprint("id-", i), src.ID, fmt.Sprint("k", i), fmt.Sprintf("service-%02d", i%50), at, at, at, end)
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	f := LedgerFilter{From: time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)}
	b.Run("month", func(b *testing.B) {
		for b.Loop() {
			n := 0
			err := s.LedgerIntervals(ctx, f, func(rows []LedgerRow) error { n += len(rows); return nil })
			if err != nil || n < 7000 {
				b.Fatalf("%d rows, %v", n, err)
			}
		}
	})
}

package ledger

import (
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// yearOfIntervals is n intervals spread over 2025 for 50 components, each
// lasting up to two hours.
func yearOfIntervals(n int) []Interval {
	rng := rand.New(rand.NewPCG(1, 2))
	year := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	sev := []string{"critical", "high", "medium", "low"}
	out := make([]Interval, n)
	for i := range out {
		start := year.Add(time.Duration(rng.Int64N(int64(365 * 24 * time.Hour))))
		out[i] = Interval{
			Component: fmt.Sprintf("service-%02d", rng.IntN(50)), Severity: sev[rng.IntN(len(sev))],
			Start: start, End: start.Add(time.Duration(rng.Int64N(int64(2 * time.Hour)))),
			Remediated: rng.IntN(3) == 0,
		}
	}
	// The store reads them in order of start, as Build expects.
	slices.SortFunc(out, func(a, b Interval) int { return a.Start.Compare(b.Start) })
	return out
}

func BenchmarkBuildYear100k(b *testing.B) {
	ivs := yearOfIntervals(100_000)
	r := Range{time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s := DefaultSettings()
	for b.Loop() {
		Build(ivs, r, r.To, s)
	}
}

func BenchmarkBuildAndChartMonth(b *testing.B) {
	ivs := yearOfIntervals(100_000)
	r := Range{time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)}
	var month []Interval
	for _, iv := range ivs {
		if _, ok := r.Clip(iv); ok {
			month = append(month, iv)
		}
	}
	s := DefaultSettings()
	b.ResetTimer()
	for b.Loop() {
		if err := Chart(io.Discard, Build(month, r, r.To, s)); err != nil {
			b.Fatal(err)
		}
	}
}

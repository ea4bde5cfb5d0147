package ledger

import (
	"testing"
	"time"
	_ "time/tzdata" // the DST cases must not depend on the machine's zoneinfo
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestPresets(t *testing.T) {
	ams := mustZone(t, "Europe/Amsterdam")
	cases := []struct {
		preset   string
		now      time.Time
		loc      *time.Location
		from, to string // local dates
		days     int
	}{
		{"this-month", time.Date(2026, 2, 14, 9, 0, 0, 0, time.UTC), time.UTC, "2026-02-01", "2026-03-01", 28},
		{"this-month", time.Date(2024, 2, 29, 23, 0, 0, 0, time.UTC), time.UTC, "2024-02-01", "2024-03-01", 29},
		{"this-month", time.Date(2026, 1, 31, 12, 0, 0, 0, time.UTC), time.UTC, "2026-01-01", "2026-02-01", 31},
		{"last-month", time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC), time.UTC, "2026-02-01", "2026-03-01", 28},
		{"last-month", time.Date(2026, 5, 1, 0, 30, 0, 0, time.UTC), time.UTC, "2026-04-01", "2026-05-01", 30},
		{"last-month", time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC), time.UTC, "2025-12-01", "2026-01-01", 31},
		// 23:30 UTC on April 30 is already May 1 in Amsterdam.
		{"this-month", time.Date(2026, 4, 30, 23, 30, 0, 0, time.UTC), ams, "2026-05-01", "2026-06-01", 31},
		{"last-7-days", time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC), time.UTC, "2026-03-04", "2026-03-11", 7},
		{"last-30-days", time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC), time.UTC, "2026-01-31", "2026-03-02", 30},
		// March 2026 in Amsterdam has a 23-hour day (the 29th).
		{"last-7-days", time.Date(2026, 3, 31, 8, 0, 0, 0, time.UTC), ams, "2026-03-25", "2026-04-01", 7},
	}
	for _, c := range cases {
		t.Run(c.preset+" "+c.now.Format(time.RFC3339), func(t *testing.T) {
			r, err := Preset(c.preset, c.now, c.loc)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.From.Format(time.DateOnly); got != c.from || r.From.Location() != c.loc {
				t.Errorf("from = %s in %s, want %s", got, r.From.Location(), c.from)
			}
			if got := r.To.Format(time.DateOnly); got != c.to {
				t.Errorf("to = %s, want %s", got, c.to)
			}
			if n := len(Days(r, c.loc)); n != c.days {
				t.Errorf("%d days, want %d", n, c.days)
			}
		})
	}
	if _, err := Preset("last-year", time.Now(), time.UTC); err == nil {
		t.Error("an unknown preset gave a range")
	}
}

func TestDailyAcrossDaylightSaving(t *testing.T) {
	ams := mustZone(t, "Europe/Amsterdam")
	cases := []struct {
		name       string
		from       time.Time // local midnight the range starts
		dayLengths []time.Duration
	}{
		{"spring forward", time.Date(2026, 3, 28, 0, 0, 0, 0, ams), []time.Duration{24 * time.Hour, 23 * time.Hour, 24 * time.Hour}},
		{"fall back", time.Date(2026, 10, 24, 0, 0, 0, 0, ams), []time.Duration{24 * time.Hour, 25 * time.Hour, 24 * time.Hour}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Range{c.from, time.Date(c.from.Year(), c.from.Month(), c.from.Day()+3, 0, 0, 0, 0, ams)}
			// Down for the whole range: each day's downtime is its length.
			comp := Summary{Component: "db", Outages: []Outage{{Start: r.From.Add(-time.Hour), End: r.To.Add(time.Hour)}}}
			days := Daily([]Summary{comp}, r, ams)
			if len(days) != len(c.dayLengths) {
				t.Fatalf("%d days, want %d", len(days), len(c.dayLengths))
			}
			var sum time.Duration
			for i, d := range days {
				if got := d.End.Sub(d.Start); got != c.dayLengths[i] {
					t.Errorf("day %d is %v long, want %v", i, got, c.dayLengths[i])
				}
				if d.Downtime["db"] != c.dayLengths[i] {
					t.Errorf("day %d downtime %v, want %v", i, d.Downtime["db"], c.dayLengths[i])
				}
				if d.Start.Hour() != 0 {
					t.Errorf("day %d starts at %s, not midnight", i, d.Start)
				}
				sum += d.Downtime["db"]
			}
			if sum != r.Duration() {
				t.Errorf("days add up to %v, the range is %v", sum, r.Duration())
			}
		})
	}
}

func TestDailySplitsAtMidnight(t *testing.T) {
	r := Range{time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)}
	comps := []Summary{
		{Component: "a", Outages: []Outage{{Start: time.Date(2026, 3, 1, 23, 0, 0, 0, time.UTC), End: time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC)}}},
		{Component: "b", Outages: []Outage{{Start: time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC), End: time.Date(2026, 3, 3, 10, 5, 0, 0, time.UTC)}}},
	}
	days := Daily(comps, r, time.UTC)
	want := []map[string]time.Duration{
		{"a": time.Hour},
		{"a": 90 * time.Minute},
		{"b": 5 * time.Minute},
	}
	for i, w := range want {
		for name, d := range w {
			if days[i].Downtime[name] != d {
				t.Errorf("day %d %s = %v, want %v", i, name, days[i].Downtime[name], d)
			}
		}
		if days[i].Total() != sumOf(w) {
			t.Errorf("day %d total %v, want %v", i, days[i].Total(), sumOf(w))
		}
	}
}

func sumOf(m map[string]time.Duration) time.Duration {
	var s time.Duration
	for _, v := range m {
		s += v
	}
	return s
}

package ledger

import (
	"fmt"
	"time"
)

// Day is one calendar day in the report's time zone. A day is not always
// 24 hours: daylight saving makes some 23 and some 25.
type Day struct {
	Start, End time.Time
	// Downtime is each component's downtime within the day.
	Downtime map[string]time.Duration
}

// Total is the day's downtime summed over components.
func (d Day) Total() time.Duration {
	var t time.Duration
	for _, v := range d.Downtime {
		t += v
	}
	return t
}

// midnight is the start of the calendar day t falls on in loc.
func midnight(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// nextDay is the midnight after the day starting at day. Adding 24 hours
// would be wrong twice a year where clocks change.
func nextDay(day time.Time) time.Time {
	y, m, d := day.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, day.Location())
}

// Days lists the calendar days in loc that the range touches.
func Days(r Range, loc *time.Location) []Day {
	var out []Day
	for day := midnight(r.From, loc); day.Before(r.To); day = nextDay(day) {
		out = append(out, Day{Start: day, End: nextDay(day), Downtime: map[string]time.Duration{}})
	}
	return out
}

// Daily spreads each component's outages over the days of the range, so an
// outage across midnight counts on both days.
func Daily(comps []Summary, r Range, loc *time.Location) []Day {
	days := Days(r, loc)
	for _, c := range comps {
		i := 0
		for _, o := range c.Outages {
			for i < len(days) && !days[i].End.After(o.Start) {
				i++
			}
			for j := i; j < len(days) && days[j].Start.Before(o.End); j++ {
				part := earlier(o.End, days[j].End).Sub(later(o.Start, days[j].Start))
				days[j].Downtime[c.Component] += part
			}
		}
	}
	return days
}

// Presets are the named ranges the ledger page offers, in its order.
var Presets = []string{"this-month", "last-month", "last-7-days", "last-30-days"}

// Preset is a named range of whole days in loc, as of now.
func Preset(name string, now time.Time, loc *time.Location) (Range, error) {
	today := midnight(now, loc)
	y, m, _ := today.Date()
	month := time.Date(y, m, 1, 0, 0, 0, 0, loc)
	switch name {
	case "this-month":
		return Range{month, month.AddDate(0, 1, 0)}, nil
	case "last-month":
		return Range{month.AddDate(0, -1, 0), month}, nil
	case "last-7-days":
		return lastDays(today, 7), nil
	case "last-30-days":
		return lastDays(today, 30), nil
	}
	return Range{}, fmt.Errorf("range %q is not one of %v", name, Presets)
}

// lastDays is n whole days ending with today.
func lastDays(today time.Time, n int) Range {
	y, m, d := today.Date()
	loc := today.Location()
	return Range{time.Date(y, m, d-n+1, 0, 0, 0, 0, loc), time.Date(y, m, d+1, 0, 0, 0, 0, loc)}
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

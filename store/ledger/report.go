package ledger

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// Summary is one component's figures over a range.
type Summary struct {
	Component string
	// Incidents counts outages: overlapping intervals of one component are
	// one incident, so two monitors firing for one outage count once.
	Incidents int
	// Downtime is the length of the union of its counted intervals.
	Downtime time.Duration
	// MTTR is the mean outage length, Longest the longest one.
	MTTR, Longest time.Duration
	// Availability is the percentage of the elapsed range it was up.
	Availability float64
	Target       Target
	// BudgetLeft is the downtime the target still allows over the elapsed
	// range; negative once the target is breached.
	BudgetLeft time.Duration
	// Cost is Downtime in minutes times the target's cost per minute.
	Cost float64
	// Remediated is the downtime of outages that ended after an automatic
	// remediation, ByHand that of outages closed otherwise. Ongoing
	// outages have not ended, so they are in neither.
	Remediated, ByHand time.Duration
	Ongoing            bool
	Outages            []Outage
}

// Met tells whether the component kept its availability target.
func (s Summary) Met() bool { return s.Availability >= s.Target.SLA }

// Report is the ledger over one range.
type Report struct {
	Range Range
	// Elapsed is the part of the range that has happened: availability is
	// measured over it, not over days still to come.
	Elapsed time.Duration
	// Intervals are every interval in the range, clipped to it, counted or
	// not, ordered by start.
	Intervals  []Interval
	Components []Summary
	// Total adds up the components' counts, downtime and cost.
	Total Summary
	Days  []Day
}

// Build computes the ledger of a range from the intervals that overlap it.
// An ongoing interval runs to now.
func Build(ivs []Interval, r Range, now time.Time, s Settings) Report {
	rep := Report{Range: r, Elapsed: max(0, earlier(r.To, now).Sub(r.From)), Intervals: make([]Interval, 0, len(ivs))}
	counted := map[string][]Outage{}
	for _, iv := range ivs {
		iv, ok := clipInterval(iv, r, now, s)
		if !ok {
			continue
		}
		rep.Intervals = append(rep.Intervals, iv)
		if _, seen := counted[iv.Component]; !seen {
			counted[iv.Component] = nil
		}
		if iv.Counted {
			counted[iv.Component] = append(counted[iv.Component], Outage{Start: iv.Start, End: iv.End, Remediated: iv.Remediated, Ongoing: iv.Ongoing})
		}
	}
	sortByStart(rep.Intervals)
	for name, spans := range counted {
		sortSpans(spans)
		rep.Components = append(rep.Components, summarize(name, mergeSorted(spans), rep.Elapsed, s.TargetFor(name)))
	}
	slices.SortFunc(rep.Components, func(a, b Summary) int {
		return cmp.Or(cmp.Compare(b.Downtime, a.Downtime), cmp.Compare(a.Component, b.Component))
	})
	rep.Total = total(rep.Components)
	rep.Days = Daily(rep.Components, r, s.Zone())
	return rep
}

// clipInterval ends an ongoing interval now, marks whether it counts and
// clips it to the range.
func clipInterval(iv Interval, r Range, now time.Time, s Settings) (Interval, bool) {
	if iv.Ongoing {
		iv.End = now
	}
	iv.Counted = s.Counts(iv.Severity)
	return r.Clip(iv)
}

func summarize(name string, outages []Outage, elapsed time.Duration, t Target) Summary {
	s := Summary{Component: name, Target: t, Incidents: len(outages), Outages: outages}
	for _, o := range outages {
		d := o.Duration()
		s.Downtime += d
		s.Longest = max(s.Longest, d)
		switch {
		case o.Ongoing:
			s.Ongoing = true
		case o.Remediated:
			s.Remediated += d
		default:
			s.ByHand += d
		}
	}
	if s.Incidents > 0 {
		s.MTTR = s.Downtime / time.Duration(s.Incidents)
	}
	s.Availability = Availability(s.Downtime, elapsed)
	s.BudgetLeft = Budget(t.SLA, elapsed) - s.Downtime
	s.Cost = Cost(s.Downtime, t.CostPerMinute)
	return s
}

func total(comps []Summary) Summary {
	t := Summary{Component: "Total"}
	for _, c := range comps {
		t.Incidents += c.Incidents
		t.Downtime += c.Downtime
		t.Cost += c.Cost
		t.Remediated += c.Remediated
		t.ByHand += c.ByHand
		t.Longest = max(t.Longest, c.Longest)
		t.Ongoing = t.Ongoing || c.Ongoing
	}
	if t.Incidents > 0 {
		t.MTTR = t.Downtime / time.Duration(t.Incidents)
	}
	return t
}

// Availability is the percentage of elapsed that was not downtime. Before
// any of the range has elapsed nothing can have been down: 100.
func Availability(downtime, elapsed time.Duration) float64 {
	if elapsed <= 0 {
		return 100
	}
	return 100 * (1 - downtime.Seconds()/elapsed.Seconds())
}

// Budget is the downtime an SLA in percent allows over elapsed.
func Budget(sla float64, elapsed time.Duration) time.Duration {
	return time.Duration(math.Round((1 - sla/100) * float64(elapsed)))
}

// Cost is what downtime costs at a price per minute, rounded to cents.
func Cost(downtime time.Duration, perMinute float64) float64 {
	return math.Round(downtime.Minutes()*perMinute*100) / 100
}

// sortByStart orders intervals by start. The store hands them over in
// that order already (clipping keeps it), so the usual cost is one pass.
func sortByStart(ivs []Interval) {
	byStart := func(a, b Interval) int { return a.Start.Compare(b.Start) }
	if !slices.IsSortedFunc(ivs, byStart) {
		slices.SortStableFunc(ivs, byStart)
	}
}

func sortSpans(spans []Outage) {
	byStart := func(a, b Outage) int { return a.Start.Compare(b.Start) }
	if !slices.IsSortedFunc(spans, byStart) {
		slices.SortFunc(spans, byStart)
	}
}

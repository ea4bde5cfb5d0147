// Package ledger turns notification life cycles into a downtime ledger:
// intervals clipped to a date range, merged per component so that two
// monitors firing for one outage count once, and the figures finance and
// SLA reports ask for (availability, MTTR, cost, downtime per day). It is
// pure: no I/O, no clock; callers pass the time it is now.
package ledger

import "time"

// Interval is one notification's downtime: from the open event's own time
// to the close event's own time, or to now while it is still open.
type Interval struct {
	Component      string
	Source         string
	NotificationID string
	Title          string
	Severity       string
	Start          time.Time
	// End is when it closed; for an ongoing interval Build sets it to now.
	End time.Time
	// Ongoing is set while the notification is still open.
	Ongoing bool
	// Remediated is set when an automatic remediation step succeeded before
	// it closed, so its downtime ended by remediation rather than by hand.
	Remediated bool
	// Counted is set when its severity is one the ledger counts; the others
	// are listed but add no downtime.
	Counted bool
}

// Duration is how long the interval lasted.
func (iv Interval) Duration() time.Duration { return iv.End.Sub(iv.Start) }

// Range is a half-open span of time [From, To).
type Range struct {
	From, To time.Time
}

// Duration is the length of the range.
func (r Range) Duration() time.Duration { return r.To.Sub(r.From) }

// Clip cuts an interval to the range. A zero-length interval is kept when
// its instant falls inside the range: it is a real, if instant, incident
// that the listing shows even though it adds no downtime.
func (r Range) Clip(iv Interval) (Interval, bool) {
	if iv.End.Before(iv.Start) {
		iv.End = iv.Start
	}
	if iv.Start.Equal(iv.End) {
		return iv, !iv.Start.Before(r.From) && iv.Start.Before(r.To)
	}
	if !iv.Start.Before(r.To) || !iv.End.After(r.From) {
		return iv, false
	}
	if iv.Start.Before(r.From) {
		iv.Start = r.From
	}
	if iv.End.After(r.To) {
		iv.End = r.To
	}
	return iv, true
}

// Outage is a stretch of continuous downtime of one component: the union
// of the intervals that overlap, nest or touch.
type Outage struct {
	Start, End time.Time
	// Remediated tells how the outage ended: by the interval that ended it
	// last having been remediated automatically.
	Remediated bool
	// Ongoing is set when an interval of it is still open.
	Ongoing bool
}

// Duration is how long the outage lasted.
func (o Outage) Duration() time.Duration { return o.End.Sub(o.Start) }

// Merge joins intervals into outages. Touching intervals (one ends as the
// next starts) are one outage: nothing came back up in between. Intervals
// of zero length add no downtime and are left out.
func Merge(ivs []Interval) []Outage {
	spans := make([]Outage, len(ivs))
	for i, iv := range ivs {
		spans[i] = Outage{Start: iv.Start, End: iv.End, Remediated: iv.Remediated, Ongoing: iv.Ongoing}
	}
	sortSpans(spans)
	return mergeSorted(spans)
}

// mergeSorted merges spans ordered by start, in place: outages are small
// next to intervals, and a year of them should not be copied again.
func mergeSorted(spans []Outage) []Outage {
	out := spans[:0]
	for _, sp := range spans {
		if !sp.End.After(sp.Start) {
			continue
		}
		if n := len(out); n > 0 && !sp.Start.After(out[n-1].End) {
			extend(&out[n-1], sp)
			continue
		}
		out = append(out, sp)
	}
	return out
}

// extend grows an outage by a span that starts inside it. The span that
// ends last decides how the outage ended.
func extend(o *Outage, sp Outage) {
	o.Ongoing = o.Ongoing || sp.Ongoing
	switch sp.End.Compare(o.End) {
	case 1:
		o.End, o.Remediated = sp.End, sp.Remediated
	case 0:
		// Two intervals end together: it came back when the last of them
		// was fixed, which was automatic only if both were.
		o.Remediated = o.Remediated && sp.Remediated
	}
}

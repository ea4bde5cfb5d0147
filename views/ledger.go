package views

import (
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/a-h/templ"

	"github.com/alertgate/alertgate/store/db"
	"github.com/alertgate/alertgate/store/ledger"
)

// LedgerQuery is the ledger's range and filters as its URL carries them,
// so a report can be bookmarked and exported with the same figures.
type LedgerQuery struct {
	// Range is a preset name, or "custom" for From and To.
	Range string
	// From and To are what the URL gave (a date or an RFC 3339 time);
	// the form shows the resolved range's dates instead.
	From, To  string
	Source    string
	Component string
	Severity  string
	// TZ is an IANA zone name that overrides the server's zone.
	TZ string
}

// Values is the query as URL parameters, empty ones left out.
func (q LedgerQuery) Values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{
		"range": q.Range, "from": q.From, "to": q.To, "source": q.Source,
		"component": q.Component, "severity": q.Severity, "tz": q.TZ,
	} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

func (q LedgerQuery) href(path string) templ.SafeURL {
	return templ.SafeURL(path + "?" + q.Values().Encode())
}

// preset is the same filters over a named range.
func (q LedgerQuery) preset(name string) templ.SafeURL {
	q.Range, q.From, q.To = name, "", ""
	return q.href("/ledger")
}

// Ledger is what the ledger page shows.
type Ledger struct {
	Query    LedgerQuery
	Report   ledger.Report
	Currency string
	Zone     *time.Location
	Sources  []db.ListSourceNamesRow
	// Chart is the SVG markup of the downtime chart, built by the ledger
	// package from escaped text only.
	Chart string
	// Shown caps the interval table; the CSV has every row.
	Shown int
}

// Intervals are the rows the table shows.
func (l Ledger) Intervals() []ledger.Interval {
	if len(l.Report.Intervals) > l.Shown {
		return l.Report.Intervals[:l.Shown]
	}
	return l.Report.Intervals
}

// lastDay is the last date inside the range, for the form's "to" field:
// people pick inclusive dates, the range ends at the next midnight.
func (l Ledger) lastDay() string {
	return l.Report.Range.To.In(l.Zone).Add(-time.Nanosecond).Format(time.DateOnly)
}

func (l Ledger) firstDay() string {
	return l.Report.Range.From.In(l.Zone).Format(time.DateOnly)
}

// localTime shows a stored time in the ledger's zone.
func (l Ledger) localTime(t time.Time) string {
	return t.In(l.Zone).Format("2006-01-02 15:04 MST")
}

func (l Ledger) money(v float64) string {
	return fmt.Sprintf("%.2f %s", v, l.Currency)
}

// budget shows what is left of the error budget, or how far over it is.
func budget(d time.Duration) string {
	if d < 0 {
		return span(-d) + " over"
	}
	return span(d) + " left"
}

func percent(v float64) string {
	return strconv.FormatFloat(v, 'f', 3, 64) + "%"
}

func presetLabel(name string) string {
	return map[string]string{
		"this-month": "This month", "last-month": "Last month",
		"last-7-days": "Last 7 days", "last-30-days": "Last 30 days",
	}[name]
}

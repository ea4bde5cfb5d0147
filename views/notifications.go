package views

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/store"
	"github.com/alertgate/alertgate/store/db"
)

// NotificationQuery is the notification list's filters as its URL carries
// them, so a filtered view can be bookmarked, shared and polled.
type NotificationQuery struct {
	State     string // "open" or "closed"
	Source    string // a source's slug
	Severity  string // the minimum severity
	Component string // exact component name
	Q         string // free text: title or component contains, or the lifecycle key
	Cursor    string // empty on the first (newest) page
	Limit     int    // page size; 0 is the default
}

// Filtered tells whether anything beyond the state narrows the list.
func (q NotificationQuery) Filtered() bool {
	return q.Source != "" || q.Severity != "" || q.Component != "" || q.Q != ""
}

// href is path with q as its query string; empty fields are left out so
// the URL stays readable.
func (q NotificationQuery) href(path string) string {
	v := url.Values{}
	for k, s := range map[string]string{
		"state": q.State, "source": q.Source, "severity": q.Severity,
		"component": q.Component, "q": q.Q, "cursor": q.Cursor,
	} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	return path + "?" + v.Encode()
}

// page is the URL of the list with the same filters at another cursor.
func (q NotificationQuery) page(cursor string) templ.SafeURL {
	q.Cursor = cursor
	return templ.SafeURL(q.href("/notifications"))
}

// tab is the first page of the other state, keeping the filters.
func (q NotificationQuery) tab(state string) templ.SafeURL {
	q.State, q.Cursor = state, ""
	return templ.SafeURL(q.href("/notifications"))
}

// cleared is the first page of the same state without filters.
func (q NotificationQuery) cleared() templ.SafeURL {
	return templ.SafeURL(NotificationQuery{State: q.State, Limit: q.Limit}.href("/notifications"))
}

// NotificationList is one page of the list, as the full page and its
// polling partial both show it.
type NotificationList struct {
	Query NotificationQuery
	Items []store.NotificationRow
	// Next is the cursor of the following (older) page; empty on the last.
	Next string
	// NoneAtAll is set when nothing has ever arrived, so the empty state
	// can explain how notifications get here rather than say "all clear".
	NoneAtAll bool
	Now       time.Time
}

// NotificationDetail is everything the page of one notification shows.
type NotificationDetail struct {
	Row      db.GetNotificationRow
	Timeline []db.ListTimelineRow
	// Truncated is set when older events were left out of Timeline.
	Truncated bool
	// Outbound is the newest messages to channels about it, newest first.
	Outbound []db.ListNotificationOutboxRow
	Now      time.Time
}

func notificationURL(id string) templ.SafeURL {
	return templ.SafeURL("/notifications/" + url.PathEscape(id))
}

// span is a duration as people read it on an incident console: the two
// largest units are enough ("3h 12m", "2d 4h").
func span(d time.Duration) string {
	if d < 0 {
		d = 0 // a sender's clock ahead of ours
	}
	d = d.Truncate(time.Second)
	days, hours, mins := int(d/(24*time.Hour)), int(d/time.Hour)%24, int(d/time.Minute)%60
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %dh", days, hours)
	case hours > 0:
		return fmt.Sprintf("%dh %dm", hours, mins)
	case mins > 0:
		return fmt.Sprintf("%dm %ds", mins, int(d/time.Second)%60)
	}
	return fmt.Sprintf("%ds", int(d/time.Second))
}

// lasted is how long a notification was (or has been) open.
func lasted(n db.Notification, now time.Time) string {
	if n.ClosedAt.Valid {
		return span(n.ClosedAt.Time.Sub(n.OpenedAt))
	}
	return span(now.Sub(n.OpenedAt))
}

func orNone(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// titleOr gives an untitled notification something to click.
func titleOr(s string) string {
	if s == "" {
		return "(no title)"
	}
	return s
}

// The sender's parts of a notification, stored as JSON. A part that does
// not decode shows as empty rather than failing the page.
func componentOf(n db.Notification) (c alert.Component) {
	json.Unmarshal([]byte(n.ComponentJson), &c)
	return c
}

func monitorOf(n db.Notification) (m alert.Monitor) {
	json.Unmarshal([]byte(n.MonitorJson), &m)
	return m
}

// labelsOf is the labels sorted by key, so the page reads the same each time.
func labelsOf(n db.Notification) [][2]string {
	var m map[string]string
	json.Unmarshal([]byte(n.LabelsJson), &m)
	out := make([][2]string, 0, len(m))
	for k, v := range m {
		out = append(out, [2]string{k, v})
	}
	slices.SortFunc(out, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	return out
}

// webURL tells a link safe to follow from the page: a sender controls it,
// so only absolute http(s) URLs become links (never javascript: or data:).
func webURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// distinctDeliveries are the deliveries behind a timeline, in its order:
// one delivery can carry several events for the same notification.
func distinctDeliveries(timeline []db.ListTimelineRow) []db.ListTimelineRow {
	seen := map[int64]bool{}
	var out []db.ListTimelineRow
	for _, e := range timeline {
		if e.InboxID.Valid && !seen[e.InboxID.Int64] {
			seen[e.InboxID.Int64] = true
			out = append(out, e)
		}
	}
	return out
}

// bodyText is a stored delivery body for reading: indented when it is
// JSON, as sent otherwise (bodies are kept as raw bytes).
func bodyText(b []byte) string {
	return prettyJSON(strings.ToValidUTF8(string(b), "\uFFFD"))
}

func severityClass(s string) string { return "badge sev-" + s }

package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/store/db"
)

// ingestTitled stores one event with its own title, severity and body.
func ingestTitled(t *testing.T, s *Store, sourceID int64, key string, typ alert.Type, sev alert.Severity, title string) IngestResult {
	t.Helper()
	res, err := s.Ingest(context.Background(), Ingest{
		SourceID: sourceID, ReceivedAt: time.Now(), Headers: `{"X-Test":["1"]}`, Body: []byte(`{"title":"` + title + `"}`),
		Delivery: alert.Delivery{Events: []alert.Event{{Key: key, Type: typ, Severity: sev, Title: title}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (s *Store) timelineRows(t *testing.T) int {
	t.Helper()
	var n int
	if err := s.reader.QueryRow("SELECT count(*) FROM timeline").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func describeTimeline(rows []db.ListTimelineRow) string {
	var parts []string
	for _, r := range rows {
		parts = append(parts, r.Change+" "+r.Severity+" "+r.Title+" "+string(r.Body))
	}
	return strings.Join(parts, " | ")
}

// TestOpenedEventLivesOnTheRowUntilTheFirstChange: a new notification
// writes no timeline row, yet its timeline shows the "opened" event with
// its delivery; the first change writes that event with the values it
// opened with, before the change's own.
func TestOpenedEventLivesOnTheRowUntilTheFirstChange(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	src, _ := s.CreateSource(ctx, Actor{}, NewSource{Slug: "a", Kind: "generic", Secret: "0123456789abcdef"})
	res := ingestTitled(t, s, src.ID, "db", alert.Open, alert.Medium, "lag")
	n, err := s.Notification(ctx, res.Changes[0].NotificationID)
	if err != nil {
		t.Fatal(err)
	}
	seq := n.Notification.Seq
	if got := s.timelineRows(t); got != 0 {
		t.Fatalf("an open wrote %d timeline rows, want none", got)
	}
	want := `opened medium lag {"title":"lag"}`
	for name, read := range map[string]func() ([]db.ListTimelineRow, error){
		"Timeline":       func() ([]db.ListTimelineRow, error) { return s.Timeline(ctx, seq) },
		"RecentTimeline": func() ([]db.ListTimelineRow, error) { return s.RecentTimeline(ctx, seq, 5) },
	} {
		rows, err := read()
		if err != nil || describeTimeline(rows) != want || rows[0].InboxID.Int64 != res.InboxID {
			t.Fatalf("%s = %q (inbox %+v), %v; want %q from delivery %d", name, describeTimeline(rows), rows, err, want, res.InboxID)
		}
	}

	ingestTitled(t, s, src.ID, "db", alert.Open, alert.Critical, "lag worse")
	ingestTitled(t, s, src.ID, "db", alert.Close, alert.Critical, "lag worse")
	rows, err := s.Timeline(ctx, seq)
	want = `opened medium lag {"title":"lag"} | updated critical lag worse {"title":"lag worse"} | closed critical lag worse {"title":"lag worse"}`
	if err != nil || describeTimeline(rows) != want {
		t.Fatalf("timeline after update and close =\n %q, %v\nwant\n %q", describeTimeline(rows), err, want)
	}
	if recent, _ := s.RecentTimeline(ctx, seq, 2); describeTimeline(recent) != describeTimeline(rows[1:]) {
		t.Fatalf("RecentTimeline(2) = %q, want the last two", describeTimeline(recent))
	}
}

// TestEveryKindOfChangeLogsTheOpenFirst: a quiet close or a remediation
// mark is the first change as much as an update is.
func TestEveryKindOfChangeLogsTheOpenFirst(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	heal, _ := s.CreateSource(ctx, Actor{}, NewSource{Slug: "h", Kind: "autoheal", Secret: "0123456789abcdef"})
	quiet := ingestTitled(t, s, heal.ID, "app", alert.Open, alert.High, "app unhealthy")
	fixed := ingestTitled(t, s, heal.ID, "web", alert.Open, alert.High, "web unhealthy")
	if err := s.MarkRemediated(ctx, fixed.Changes[0].NotificationID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if n, err := s.CloseQuiet(ctx, time.Now().Add(time.Hour)); err != nil || n != 2 {
		t.Fatalf("CloseQuiet = %d, %v; want both", n, err)
	}
	for _, res := range []IngestResult{quiet, fixed} {
		n, _ := s.Notification(ctx, res.Changes[0].NotificationID)
		rows, err := s.Timeline(ctx, n.Notification.Seq)
		if err != nil || len(rows) != 2 || rows[0].Change != "opened" || rows[0].InboxID.Int64 != res.InboxID || rows[1].Change != "closed" {
			t.Fatalf("%s: timeline %q, %v; want opened (delivery %d) then closed", n.Notification.Title, describeTimeline(rows), err, res.InboxID)
		}
	}
	if got := s.timelineRows(t); got != 4 {
		t.Fatalf("%d timeline rows, want 4 (each open logged once)", got)
	}
}

package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/queries"
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

// TestOpenedEventsFromBeforeMigration14StayInTheTimeline: a notification
// stored before the opened event moved onto the row keeps its timeline row,
// shown once, and its first change after the upgrade does not log the open
// again.
func TestOpenedEventsFromBeforeMigration14StayInTheTimeline(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	pool, err := openPool(filepath.Join(dir, FileName), writerPragmas(Options{}), 1)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := loadMigrations(queries.Migrations)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms[:13] {
		if err := apply(ctx, pool, m); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().UTC()
	for _, stmt := range []string{
		`INSERT INTO sources (id, slug, name, kind, secret, created_at, updated_at) VALUES (1, 'a', 'a', 'generic', '0123456789abcdef', ?1, ?1)`,
		`INSERT INTO inbox (id, source_id, delivery_key, received_at, headers, body) VALUES (1, 1, 'd1', ?1, '{}', '{"old":1}')`,
		`INSERT INTO notifications (seq, id, source_id, lifecycle_key, state, severity, severity_rank, title, opened_at, first_seen, last_seen)
		 VALUES (1, 'old-1', 1, 'db', 'open', 'medium', 3, 'lag', ?1, ?1, ?1)`,
		`INSERT INTO timeline (notification_seq, inbox_id, at, change, severity, title) VALUES (1, 1, ?1, 'opened', 'medium', 'lag')`,
	} {
		if _, err := pool.ExecContext(ctx, stmt, now); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	pool.Close()

	s, err := Open(ctx, dir, Options{PasswordCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	rows, err := s.Timeline(ctx, 1)
	if want := `opened medium lag {"old":1}`; err != nil || describeTimeline(rows) != want {
		t.Fatalf("upgraded timeline = %q, %v; want %q", describeTimeline(rows), err, want)
	}
	ingestTitled(t, s, 1, "db", alert.Open, alert.Critical, "lag worse")
	rows, err = s.Timeline(ctx, 1)
	want := `opened medium lag {"old":1} | updated critical lag worse {"title":"lag worse"}`
	if err != nil || describeTimeline(rows) != want {
		t.Fatalf("after an update = %q, %v; want %q", describeTimeline(rows), err, want)
	}
}

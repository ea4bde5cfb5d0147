package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/store/db"
)

// NotificationFilter selects a page of notifications.
type NotificationFilter struct {
	// State is "open" or "closed".
	State       string
	SourceID    int64
	MinSeverity alert.Severity
	Component   string
	Query       string
	// Cursor is the Next of the previous page; empty for the first.
	Cursor string
	Limit  int
}

// NotificationRow is a notification with its source's slug and name.
type NotificationRow struct {
	db.Notification
	SourceSlug string
	SourceName string
}

// NotificationPage is one page, newest first; Next is the cursor of the
// following page, empty on the last.
type NotificationPage struct {
	Items []NotificationRow
	Next  string
}

// Notifications reads a page by keyset: the cursor is the last row's sort
// key, so a page costs the same however much history lies behind it.
func (s *Store) Notifications(ctx context.Context, f NotificationFilter) (NotificationPage, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	var items []NotificationRow
	var err error
	if f.State == "closed" {
		items, err = s.closedPage(ctx, f)
	} else {
		items, err = s.openPage(ctx, f)
	}
	if err != nil {
		return NotificationPage{}, fmt.Errorf("store: list %s notifications: %w", f.State, err)
	}
	page := NotificationPage{Items: items}
	if len(items) > f.Limit {
		page.Items = items[:f.Limit]
		last := page.Items[f.Limit-1]
		page.Next = strconv.FormatInt(last.Seq, 10)
		if f.State == "closed" {
			page.Next = last.ClosedAt.Time.UTC().Format(time.RFC3339Nano) + "_" + page.Next
		}
	}
	return page, nil
}

func nullable[T comparable](v T) any {
	var zero T
	if v == zero {
		return nil
	}
	return v
}

func (s *Store) openPage(ctx context.Context, f NotificationFilter) ([]NotificationRow, error) {
	before, err := strconv.ParseInt(f.Cursor, 10, 64)
	if f.Cursor == "" {
		before, err = 1<<63-1, nil
	}
	if err != nil {
		return nil, invalid("cursor", "the page cursor is not one this server made")
	}
	rows, err := s.read.ListOpenNotifications(ctx, db.ListOpenNotificationsParams{
		BeforeSeq: before, SourceID: nullable(f.SourceID), MinRank: int64(f.MinSeverity.Rank()),
		Component: nullable(f.Component), Query: nullable(f.Query), PageSize: int64(f.Limit + 1),
	})
	out := make([]NotificationRow, len(rows))
	for i, r := range rows {
		out[i] = NotificationRow{r.Notification, r.SourceSlug, r.SourceName}
	}
	return out, err
}

func (s *Store) closedPage(ctx context.Context, f NotificationFilter) ([]NotificationRow, error) {
	closed, seq := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), int64(1<<63-1)
	if f.Cursor != "" {
		at, n, ok := strings.Cut(f.Cursor, "_")
		t, terr := time.Parse(time.RFC3339Nano, at)
		v, nerr := strconv.ParseInt(n, 10, 64)
		if !ok || terr != nil || nerr != nil {
			return nil, invalid("cursor", "the page cursor is not one this server made")
		}
		closed, seq = t, v
	}
	rows, err := s.read.ListClosedNotifications(ctx, db.ListClosedNotificationsParams{
		BeforeClosed: sql.NullTime{Time: closed, Valid: true}, BeforeSeq: seq,
		SourceID: nullable(f.SourceID), MinRank: int64(f.MinSeverity.Rank()),
		Component: nullable(f.Component), Query: nullable(f.Query), PageSize: int64(f.Limit + 1),
	})
	out := make([]NotificationRow, len(rows))
	for i, r := range rows {
		out[i] = NotificationRow{r.Notification, r.SourceSlug, r.SourceName}
	}
	return out, err
}

// Notification reads one notification by its public id.
func (s *Store) Notification(ctx context.Context, id string) (db.GetNotificationRow, error) {
	n, err := s.read.GetNotification(ctx, id)
	if err != nil {
		return db.GetNotificationRow{}, notFound(err, "notification "+id)
	}
	return n, nil
}

// Timeline lists a notification's events, oldest first, with the raw
// delivery each came in.
func (s *Store) Timeline(ctx context.Context, seq int64) ([]db.ListTimelineRow, error) {
	if open, found, err := s.unloggedOpen(ctx, seq); err != nil || found {
		return open, err
	}
	rows, err := s.read.ListTimeline(ctx, seq)
	if err != nil {
		return nil, fmt.Errorf("store: timeline: %w", err)
	}
	return rows, nil
}

// RecentTimeline is the newest limit events of a notification, oldest
// first: a condition repeated every minute for months must not make its
// page load every delivery it ever sent.
func (s *Store) RecentTimeline(ctx context.Context, seq int64, limit int) ([]db.ListTimelineRow, error) {
	if open, found, err := s.unloggedOpen(ctx, seq); err != nil || found {
		return open, err
	}
	rows, err := s.read.ListTimelineTail(ctx, db.ListTimelineTailParams{NotificationSeq: seq, Limit: int64(limit)})
	if err != nil {
		return nil, fmt.Errorf("store: timeline: %w", err)
	}
	out := make([]db.ListTimelineRow, len(rows))
	for i, r := range rows {
		out[len(rows)-1-i] = db.ListTimelineRow(r)
	}
	return out, nil
}

// unloggedOpen is the timeline of a notification that nothing has happened
// to since it opened: its "opened" event, read from its own row, which
// still holds the values it opened with (migration 0014).
func (s *Store) unloggedOpen(ctx context.Context, seq int64) ([]db.ListTimelineRow, bool, error) {
	rows, err := s.read.UnloggedOpen(ctx, seq)
	if err != nil {
		return nil, false, fmt.Errorf("store: timeline: %w", err)
	}
	if len(rows) == 0 {
		return nil, false, nil
	}
	r := rows[0]
	return []db.ListTimelineRow{{
		NotificationSeq: seq, InboxID: r.InboxID, At: r.At, Change: "opened",
		Severity: r.Severity, SenderState: r.SenderState, Title: r.Title,
		Body: r.Body, Headers: r.Headers, DeliveryKey: r.DeliveryKey,
	}}, true, nil
}

// HasNotifications tells an empty list of a new install ("nothing has
// arrived yet") from one where nothing is open right now.
func (s *Store) HasNotifications(ctx context.Context) (bool, error) {
	found, err := s.read.HasNotifications(ctx)
	if err != nil {
		return false, fmt.Errorf("store: any notifications: %w", err)
	}
	return found, nil
}

// SourceNames lists every source's slug and name, for the list's source
// filter; unlike Sources it counts nothing, so it costs the same however
// many notifications there are.
func (s *Store) SourceNames(ctx context.Context) ([]db.ListSourceNamesRow, error) {
	rows, err := s.read.ListSourceNames(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: list source names: %w", err)
	}
	return rows, nil
}

// CountOpen counts open notifications, for the navigation badge.
func (s *Store) CountOpen(ctx context.Context) (int64, error) {
	n, err := s.read.CountOpenNotifications(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: count open: %w", err)
	}
	return n, nil
}

// CloseQuiet closes autoheal notifications that saw no failure for their
// source's resolve_after: autoheal reports failures, never recoveries.
func (s *Store) CloseQuiet(ctx context.Context, now time.Time) (int, error) {
	rows, err := s.read.ListQuietNotifications(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: list quiet notifications: %w", err)
	}
	closed := 0
	for _, r := range rows {
		quiet := time.Duration(r.ResolveAfterSeconds) * time.Second
		if now.Sub(r.LastSeen) < quiet {
			continue
		}
		done := false
		var msgs []Message
		err := s.Batch(ctx, func(ctx context.Context, q *db.Queries) error {
			var err error
			done, msgs, err = s.closeQuiet(ctx, q, r, now, quiet)
			return err
		})
		if err != nil {
			return closed, err
		}
		s.handOver(msgs)
		if done {
			closed++
		}
	}
	return closed, nil
}

// closeQuiet closes the notification unless a failure arrived since it was
// listed (last_seen moved on), which keeps it open.
func (s *Store) closeQuiet(ctx context.Context, q *db.Queries, r db.ListQuietNotificationsRow, now time.Time, quiet time.Duration) (bool, []Message, error) {
	reason := "no failure for " + quiet.String()
	n, err := q.CloseIfQuiet(ctx, db.CloseIfQuietParams{
		CloseReason: reason, ClosedAt: sql.NullTime{Time: now.UTC(), Valid: true}, Seq: r.Seq, LastSeen: r.LastSeen,
	})
	if err != nil || n == 0 {
		return false, nil, err
	}
	ev := alert.Event{Title: r.Title, Severity: alert.Severity(r.Severity), State: r.SenderState}
	if err := addTimeline(ctx, q, r.Seq, 0, now.UTC(), "closed", ev, reason); err != nil {
		return false, nil, err
	}
	ch := Change{NotificationID: r.ID, Change: "closed", Severity: ev.Severity, after: snapshot{
		title: r.Title, senderState: r.SenderState, closeReason: reason,
		componentJSON: r.ComponentJson, monitorJSON: r.MonitorJson, openedAt: r.OpenedAt,
	}}
	msgs, err := s.enqueue(ctx, q, r.SourceSlug, ch, now.UTC())
	return err == nil, msgs, err
}

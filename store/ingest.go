package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/store/db"
)

// Ingest is one verified, decoded delivery to store.
type Ingest struct {
	SourceID int64
	// SourceSlug is what channel filters name the source by.
	SourceSlug string
	Delivery   alert.Delivery
	ReceivedAt time.Time
	// Headers are the request's headers as JSON, secrets already removed.
	Headers string
	Body    []byte
}

// Change is what one event did to a notification.
type Change struct {
	NotificationID string
	// Change is opened, updated, repeated or closed; empty when the event
	// changed nothing (a close for a key that is not open).
	Change string
	// Severity is the notification's, which channel filters compare (a
	// close carries none of its own).
	Severity alert.Severity
	// after is the notification as the change left it: what messages
	// about the change report.
	after snapshot
}

// snapshot is what a channel message reports of a notification.
type snapshot struct {
	title, senderState, closeReason, componentJSON, monitorJSON string
	openedAt                                                    time.Time
}

// message is the outbox row queued for the change, with what it reports.
func (c Change) message(row db.Outbox) Message {
	return Message{
		Outbox: row, Title: c.after.title, SenderState: c.after.senderState, Severity: string(c.Severity),
		OpenedAt: c.after.openedAt, CloseReason: c.after.closeReason,
		ComponentJson: c.after.componentJSON, MonitorJson: c.after.monitorJSON,
	}
}

// IngestResult is the outcome of a stored delivery.
type IngestResult struct {
	InboxID   int64
	Duplicate bool
	Changes   []Change
	// messages are the outbox messages queued, handed to the worker once
	// the commit is durable.
	messages []Message
}

// Ingest stores a delivery and applies its events in the next group commit,
// returning only once that is durable. A delivery whose key was seen before
// for the source is a duplicate and changes nothing.
func (s *Store) Ingest(ctx context.Context, in Ingest) (IngestResult, error) {
	// The JSON and the ids are made here, in the caller's goroutine, so the
	// one writer goroutine that every delivery waits on only runs SQL.
	fs := make([]fields, len(in.Delivery.Events))
	for i, ev := range in.Delivery.Events {
		fs[i] = eventFields(ev)
	}
	var res IngestResult
	s.senders.Add(1)
	err := s.Batch(ctx, func(ctx context.Context, q *db.Queries) error {
		var err error
		res, err = s.applyIngest(ctx, q, in, fs)
		return err
	})
	s.senders.Add(-1)
	if err == nil {
		s.handOver(res.messages)
	}
	return res, err
}

func (s *Store) applyIngest(ctx context.Context, q *db.Queries, in Ingest, fs []fields) (IngestResult, error) {
	key := sql.NullString{String: in.Delivery.Key, Valid: in.Delivery.Key != ""}
	id, inserted, err := insertedID(q.InsertInbox(ctx, db.InsertInboxParams{
		SourceID: in.SourceID, DeliveryKey: key, ReceivedAt: in.ReceivedAt.UTC(),
		Headers: in.Headers, Body: in.Body, Note: in.Delivery.Note,
	}))
	if err != nil {
		return IngestResult{}, fmt.Errorf("store: insert delivery: %w", err)
	}
	if !inserted {
		id, err = q.GetInboxByKey(ctx, db.GetInboxByKeyParams{SourceID: in.SourceID, DeliveryKey: key})
		return IngestResult{InboxID: id, Duplicate: true}, err
	}
	res := IngestResult{InboxID: id}
	var notes []string
	for i, ev := range in.Delivery.Events {
		ch, note, err := applyEvent(ctx, q, in, id, ev, fs[i])
		if err != nil {
			return IngestResult{}, err
		}
		res.Changes = append(res.Changes, ch)
		msgs, err := s.enqueue(ctx, q, in.SourceSlug, ch, in.ReceivedAt.UTC())
		if err != nil {
			return IngestResult{}, err
		}
		res.messages = append(res.messages, msgs...)
		if note != "" {
			notes = append(notes, note)
		}
	}
	if len(notes) > 0 {
		note := strings.TrimPrefix(in.Delivery.Note+"; "+strings.Join(notes, "; "), "; ")
		if err := q.SetInboxNote(ctx, db.SetInboxNoteParams{Note: note, ID: id}); err != nil {
			return IngestResult{}, err
		}
	}
	return res, nil
}

// applyEvent moves one notification through its life cycle. The note, if
// any, is kept on the delivery (a close for a key that is not open).
func applyEvent(ctx context.Context, q *db.Queries, in Ingest, inboxID int64, ev alert.Event, f fields) (Change, string, error) {
	at := in.ReceivedAt.UTC()
	if ev.Type != alert.Close {
		// The insert does nothing when the key is open already: then this
		// event updates that notification.
		ch, opened, err := openNotification(ctx, q, in.SourceID, inboxID, ev, f, at)
		if err != nil || opened {
			return ch, "", err
		}
	}
	open, err := q.GetOpenNotification(ctx, db.GetOpenNotificationParams{SourceID: in.SourceID, LifecycleKey: ev.Key})
	switch {
	case errors.Is(err, sql.ErrNoRows) && ev.Type == alert.Close:
		return Change{}, fmt.Sprintf("close for %q, which is not open: nothing to close", ev.Key), nil
	case err != nil:
		return Change{}, "", fmt.Errorf("store: find notification %s: %w", ev.Key, err)
	case ev.Type == alert.Close:
		return closeNotification(ctx, q, open, inboxID, ev, at)
	}
	return updateNotification(ctx, q, open, inboxID, ev, f, at)
}

// openNotification opens a notification for the event unless its key is
// open already, which it reports as opened == false.
func openNotification(ctx context.Context, q *db.Queries, sourceID, inboxID int64, ev alert.Event, f fields, at time.Time) (ch Change, opened bool, err error) {
	id := f.newID
	openedAt := at
	if !ev.OccurredAt.IsZero() {
		openedAt = ev.OccurredAt.UTC()
	}
	_, opened, err = insertedID(q.InsertNotification(ctx, db.InsertNotificationParams{
		ID: id, SourceID: sourceID, LifecycleKey: ev.Key, Severity: string(ev.Severity), SeverityRank: int64(ev.Severity.Rank()),
		SenderState: ev.State, Title: ev.Title, Component: f.component, ComponentJson: f.componentJSON,
		MonitorJson: f.monitorJSON, LabelsJson: f.labelsJSON, Host: ev.Host, IncidentType: ev.IncidentType,
		Target: ev.Target, OpenedAt: openedAt, FirstSeen: at, LastSeen: at,
		OpenedInboxID: sql.NullInt64{Int64: inboxID, Valid: inboxID != 0},
	}))
	if err != nil {
		return Change{}, false, fmt.Errorf("store: open notification %s: %w", ev.Key, err)
	}
	if !opened {
		return Change{}, false, nil
	}
	// The "opened" event is the row itself until its first change, which
	// writes it to the timeline (migration 0014).
	ch = Change{NotificationID: id, Change: "opened", Severity: ev.Severity, after: eventSnapshot(ev, f, openedAt)}
	return ch, true, nil
}

// insertedID is the rowid an INSERT … ON CONFLICT DO NOTHING made, and
// whether it made one.
func insertedID(res sql.Result, err error) (id int64, inserted bool, _ error) {
	if err != nil {
		return 0, false, err
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return 0, false, err
	}
	id, err = res.LastInsertId()
	return id, err == nil, err
}

func updateNotification(ctx context.Context, q *db.Queries, n db.Notification, inboxID int64, ev alert.Event, f fields, at time.Time) (Change, string, error) {
	err := q.UpdateOpenNotification(ctx, db.UpdateOpenNotificationParams{
		Severity: string(ev.Severity), SeverityRank: int64(ev.Severity.Rank()), SenderState: ev.State, Title: ev.Title,
		Component: f.component, ComponentJson: f.componentJSON, MonitorJson: f.monitorJSON, LabelsJson: f.labelsJSON,
		Host: ev.Host, IncidentType: ev.IncidentType, Target: ev.Target, LastSeen: at, Seq: n.Seq,
	})
	if err != nil {
		return Change{}, "", fmt.Errorf("store: update notification %s: %w", n.ID, err)
	}
	// StackState's rule: an update is a new state or title; anything else is
	// the same condition reported again.
	change, detail := "repeated", ""
	if n.Title != ev.Title || n.SenderState != ev.State || n.Severity != string(ev.Severity) {
		change, detail = "updated", describeUpdate(n, ev)
	}
	ch := Change{NotificationID: n.ID, Change: change, Severity: ev.Severity, after: eventSnapshot(ev, f, n.OpenedAt)}
	return ch, "", addTimeline(ctx, q, n.Seq, inboxID, at, change, ev, detail)
}

func describeUpdate(n db.Notification, ev alert.Event) string {
	var parts []string
	if n.SenderState != ev.State {
		parts = append(parts, fmt.Sprintf("state %s → %s", n.SenderState, ev.State))
	}
	if n.Severity != string(ev.Severity) {
		parts = append(parts, fmt.Sprintf("severity %s → %s", n.Severity, ev.Severity))
	}
	if n.Title != ev.Title {
		parts = append(parts, "title changed")
	}
	return strings.Join(parts, ", ")
}

func closeNotification(ctx context.Context, q *db.Queries, n db.Notification, inboxID int64, ev alert.Event, at time.Time) (Change, string, error) {
	closed := at
	if !ev.OccurredAt.IsZero() {
		closed = ev.OccurredAt.UTC()
	}
	err := q.CloseNotification(ctx, db.CloseNotificationParams{
		CloseReason: ev.CloseReason, ClosedAt: sql.NullTime{Time: closed, Valid: true}, LastSeen: at, Seq: n.Seq,
	})
	if err != nil {
		return Change{}, "", fmt.Errorf("store: close notification %s: %w", n.ID, err)
	}
	ev.Title, ev.Severity, ev.State = n.Title, alert.Severity(n.Severity), n.SenderState
	ch := Change{NotificationID: n.ID, Change: "closed", Severity: ev.Severity, after: snapshot{
		title: n.Title, senderState: n.SenderState, closeReason: ev.CloseReason,
		componentJSON: n.ComponentJson, monitorJSON: n.MonitorJson, openedAt: n.OpenedAt,
	}}
	return ch, "", addTimeline(ctx, q, n.Seq, inboxID, at, "closed", ev, ev.CloseReason)
}

func addTimeline(ctx context.Context, q *db.Queries, seq, inboxID int64, at time.Time, change string, ev alert.Event, detail string) error {
	err := q.InsertTimeline(ctx, db.InsertTimelineParams{
		NotificationSeq: seq, InboxID: sql.NullInt64{Int64: inboxID, Valid: inboxID != 0}, At: at, Change: change,
		Severity: string(ev.Severity), SenderState: ev.State, Title: ev.Title, Detail: detail,
	})
	if err != nil {
		return fmt.Errorf("store: timeline: %w", err)
	}
	return nil
}

func eventSnapshot(ev alert.Event, f fields, opened time.Time) snapshot {
	return snapshot{
		title: ev.Title, senderState: ev.State, componentJSON: f.componentJSON, monitorJSON: f.monitorJSON, openedAt: opened,
	}
}

// fields are an event's parts stored as columns of their own, and the id
// its notification gets if the event opens one.
type fields struct {
	component, componentJSON, monitorJSON, labelsJSON string
	newID                                             string
}

func eventFields(ev alert.Event) fields {
	return fields{
		component:     componentName(ev),
		componentJSON: mustJSON(ev.Component),
		monitorJSON:   mustJSON(ev.Monitor),
		labelsJSON:    mustJSON(ev.Labels),
		newID:         newUUID(),
	}
}

// componentName is the name lists and the ledger group by: the sender's
// component name, else its identifier, else the host or target.
func componentName(ev alert.Event) string {
	for _, s := range []string{ev.Component.Name, ev.Component.Identifier, ev.Host, ev.Target} {
		if s != "" {
			return s
		}
	}
	return ""
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return "{}"
	}
	return string(b)
}

// newUUID is a time-ordered (version 7) UUID, the public id of a
// notification. New ids sort after old ones, so inserts append to the id
// index instead of landing on a random page of it.
func newUUID() string {
	var b [16]byte
	rand.Read(b[6:])
	ms := time.Now().UnixMilli()
	for i := 0; i < 6; i++ {
		b[i] = byte(ms >> (40 - 8*i))
	}
	b[6] = b[6]&0x0f | 0x70
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

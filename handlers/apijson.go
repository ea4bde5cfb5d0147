package handlers

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/store/db"
)

// apiPage is one page of the API's notification list. NextCursor is ""
// on the last page.
type apiPage struct {
	Items      []apiNotification `json:"items"`
	NextCursor string            `json:"next_cursor"`
}

// apiNotification is a notification as the API shows it. Component is the
// name the list filters on; ComponentInfo is everything the sender said
// about the component.
type apiNotification struct {
	ID            string            `json:"id"`
	Source        string            `json:"source"`
	LifecycleKey  string            `json:"lifecycle_key"`
	State         string            `json:"state"`
	Severity      string            `json:"severity"`
	SenderState   string            `json:"sender_state"`
	Title         string            `json:"title"`
	Component     string            `json:"component"`
	Host          string            `json:"host"`
	IncidentType  string            `json:"incident_type"`
	Target        string            `json:"target"`
	Occurrences   int64             `json:"occurrences"`
	OpenedAt      time.Time         `json:"opened_at"`
	FirstSeen     time.Time         `json:"first_seen"`
	LastSeen      time.Time         `json:"last_seen"`
	ClosedAt      *time.Time        `json:"closed_at"`
	CloseReason   string            `json:"close_reason"`
	ComponentInfo alert.Component   `json:"component_info"`
	Monitor       alert.Monitor     `json:"monitor"`
	Labels        map[string]string `json:"labels"`
}

// apiNotificationDetail adds the newest events; TimelineTruncated says
// older ones were left out.
type apiNotificationDetail struct {
	apiNotification
	Timeline          []apiEvent `json:"timeline"`
	TimelineTruncated bool       `json:"timeline_truncated"`
}

// apiEvent is one timeline entry. DeliveryID is the inbox id of the
// delivery it came in (the id /hooks answered with); null when Alertgate
// itself made the change, such as closing after a quiet period.
type apiEvent struct {
	At          time.Time `json:"at"`
	Change      string    `json:"change"`
	Severity    string    `json:"severity"`
	SenderState string    `json:"sender_state"`
	Title       string    `json:"title"`
	Detail      string    `json:"detail"`
	DeliveryID  *int64    `json:"delivery_id"`
}

// notificationJSON shapes a stored notification, decoding its JSON columns
// so clients get objects, not strings of JSON.
func notificationJSON(n db.Notification, sourceSlug string) (apiNotification, error) {
	out := apiNotification{
		ID: n.ID, Source: sourceSlug, LifecycleKey: n.LifecycleKey, State: n.State, Severity: n.Severity,
		SenderState: n.SenderState, Title: n.Title, Component: n.Component, Host: n.Host,
		IncidentType: n.IncidentType, Target: n.Target, Occurrences: n.Occurrences,
		OpenedAt: n.OpenedAt.UTC(), FirstSeen: n.FirstSeen.UTC(), LastSeen: n.LastSeen.UTC(), CloseReason: n.CloseReason,
	}
	if n.ClosedAt.Valid {
		t := n.ClosedAt.Time.UTC()
		out.ClosedAt = &t
	}
	for _, col := range []struct {
		name, raw string
		into      any
	}{
		{"component", n.ComponentJson, &out.ComponentInfo},
		{"monitor", n.MonitorJson, &out.Monitor},
		{"labels", n.LabelsJson, &out.Labels},
	} {
		if err := json.Unmarshal([]byte(col.raw), col.into); err != nil {
			return apiNotification{}, fmt.Errorf("handlers: notification %s: stored %s: %w", n.ID, col.name, err)
		}
	}
	if out.Labels == nil {
		out.Labels = map[string]string{}
	}
	return out, nil
}

func timelineJSON(rows []db.ListTimelineRow) []apiEvent {
	out := make([]apiEvent, len(rows))
	for i, r := range rows {
		out[i] = apiEvent{
			At: r.At.UTC(), Change: r.Change, Severity: r.Severity, SenderState: r.SenderState,
			Title: r.Title, Detail: r.Detail,
		}
		if r.InboxID.Valid {
			id := r.InboxID.Int64
			out[i].DeliveryID = &id
		}
	}
	return out
}

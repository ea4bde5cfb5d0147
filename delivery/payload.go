// Package delivery sends notifications to outbound webhook channels: the
// StackState-style envelope, its headers and signature, the retry policy,
// and the words for a failed attempt. The pieces here are pure; the worker
// that claims outbox rows and posts them builds on them.
package delivery

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/alertgate/alertgate/alert"
)

// The changes a channel is told about. The store's timeline words (opened,
// updated, closed) are accepted too, so a caller can pass either.
const (
	ChangeOpen   = "open"
	ChangeUpdate = "update"
	ChangeClose  = "close"
)

// DefaultCloseReason is sent when a notification closed without a reason:
// of the reasons StackState's schema allows, it is the one that says the
// problem went away.
const DefaultCloseReason = "HealthStateResolved"

// Notification is what the envelope needs of a notification.
type Notification struct {
	// ID is the notification's UUID, sent as notificationId so that the
	// receiver ties open, updates and close together.
	ID string
	// Title, SenderState and Severity describe it now (after any update).
	Title       string
	SenderState string
	Severity    alert.Severity
	// OpenedAt is when it started, sent as triggeredTimeMs.
	OpenedAt    time.Time
	CloseReason string
	Component   alert.Component
	Monitor     alert.Monitor
}

// ChannelRef names the channel the envelope is sent through, as StackState
// names its notification configuration.
type ChannelRef struct {
	// ID is the channel's stable identifier, sent as
	// notificationConfiguration.identifier.
	ID string
	// Name is the channel's name as shown in Alertgate.
	Name string
	// Link is the channel's page in Alertgate (absolute URL).
	Link string
	// Metadata is the channel's key/value pairs, sent verbatim.
	Metadata map[string]string
}

// Envelope is the body sent to a channel: StackState's webhook envelope, so
// a receiver written for StackState works unchanged. Fields the schema marks
// required carry no omitempty.
type Envelope struct {
	NotificationID            string                    `json:"notificationId"`
	Event                     Event                     `json:"event"`
	Component                 Component                 `json:"component"`
	Monitor                   Monitor                   `json:"monitor"`
	NotificationConfiguration NotificationConfiguration `json:"notificationConfiguration"`
	Metadata                  map[string]string         `json:"metadata"`
}

// Event is an open event (type, state, title, triggeredTimeMs) or a close
// event (type, reason); the unused half is left out.
type Event struct {
	Type            string `json:"type"`
	State           string `json:"state,omitempty"`
	Title           string `json:"title,omitempty"`
	TriggeredTimeMs int64  `json:"triggeredTimeMs,omitempty"`
	Reason          string `json:"reason,omitempty"`
}

// Component is the thing the notification is about.
type Component struct {
	Identifier string   `json:"identifier"`
	Name       string   `json:"name"`
	Type       string   `json:"type"`
	Link       string   `json:"link"`
	Tags       []string `json:"tags"`
}

// Monitor is the check that raised the notification. Tags is always an
// empty list: Alertgate keeps no monitor tags, but the schema requires the
// field.
type Monitor struct {
	Identifier string   `json:"identifier"`
	Name       string   `json:"name"`
	Link       string   `json:"link"`
	Tags       []string `json:"tags"`
}

// NotificationConfiguration names the channel and links to it.
type NotificationConfiguration struct {
	Identifier string `json:"identifier"`
	Name       string `json:"name"`
	Link       string `json:"link"`
}

// BuildEnvelope encodes n's change (open, update or close) for channel ch.
// An update is sent as an open event with the same notificationId, which is
// how StackState itself reports a new state or title.
func BuildEnvelope(n Notification, change string, ch ChannelRef) ([]byte, error) {
	env, err := newEnvelope(n, change, ch)
	if err != nil {
		return nil, err
	}
	return encode(env)
}

// encode is json.Marshal without HTML escaping: the body is not HTML, and a
// title like "latency > 3 s" should read as such in a receiver's raw log.
func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("delivery: envelope: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func newEnvelope(n Notification, change string, ch ChannelRef) (Envelope, error) {
	if strings.TrimSpace(n.ID) == "" {
		return Envelope{}, errors.New("delivery: envelope: notification has no id")
	}
	ev, err := newEvent(n, change)
	if err != nil {
		return Envelope{}, err
	}
	c := n.Component
	return Envelope{
		NotificationID: n.ID,
		Event:          ev,
		Component: Component{
			Identifier: c.Identifier, Name: c.Name, Type: c.Type, Link: c.Link,
			Tags: nonNil(c.Tags),
		},
		Monitor: Monitor{
			Identifier: n.Monitor.Identifier, Name: n.Monitor.Name, Link: n.Monitor.Link,
			Tags: []string{},
		},
		NotificationConfiguration: NotificationConfiguration{Identifier: ch.ID, Name: ch.Name, Link: ch.Link},
		Metadata:                  metadata(ch.Metadata),
	}, nil
}

func newEvent(n Notification, change string) (Event, error) {
	switch change {
	case ChangeOpen, "opened", ChangeUpdate, "updated":
		if n.OpenedAt.IsZero() {
			// triggeredTimeMs is required; 0 would claim 1970.
			return Event{}, fmt.Errorf("delivery: envelope: notification %s has no opening time", n.ID)
		}
		return Event{
			Type:            "open",
			State:           openState(n),
			Title:           firstNonEmpty(n.Title, n.Monitor.Name, n.Component.Name, "Alertgate notification "+n.ID),
			TriggeredTimeMs: n.OpenedAt.UnixMilli(),
		}, nil
	case ChangeClose, "closed":
		return Event{Type: "close", Reason: firstNonEmpty(n.CloseReason, DefaultCloseReason)}, nil
	}
	return Event{}, fmt.Errorf("delivery: envelope: change %q is not open, update or close", change)
}

// openState is the sender's own word when it gave one (CRITICAL,
// DEVIATING, firing); otherwise the severity in StackState's capitals.
func openState(n Notification) string {
	if s := strings.TrimSpace(n.SenderState); s != "" {
		return s
	}
	return strings.ToUpper(string(n.Severity))
}

// metadata copies the channel's pairs; never null, since the schema
// requires an object.
func metadata(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

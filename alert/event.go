// Package alert is Alertgate's domain vocabulary: the Event every source kind
// decodes into, severities, and one verifier and decoder per kind. Nothing
// here does I/O: a decoder is a pure function of the request it is given.
package alert

import (
	"encoding/json"
	"net/http"
	"net/url"
	"time"
)

// Type is what an event does to its notification.
type Type string

const (
	// Open opens a notification, or updates the open one with the same key.
	Open Type = "open"
	// Close closes the open notification with the same key.
	Close Type = "close"
)

// Severity is how bad an event is, from critical down to info.
type Severity string

// The severities, most severe first.
const (
	Critical Severity = "critical"
	High     Severity = "high"
	Medium   Severity = "medium"
	Low      Severity = "low"
	Info     Severity = "info"
)

// Severities lists every severity, most severe first.
var Severities = []Severity{Critical, High, Medium, Low, Info}

// Rank orders severities: critical is 5, info 1, anything else 0.
func (s Severity) Rank() int {
	for i, v := range Severities {
		if v == s {
			return len(Severities) - i
		}
	}
	return 0
}

// Component is the thing an event is about, as the sender names it.
type Component struct {
	Identifier string   `json:"identifier,omitempty"`
	Name       string   `json:"name,omitempty"`
	Type       string   `json:"type,omitempty"`
	Link       string   `json:"link,omitempty"`
	Tags       []string `json:"tags,omitempty"` // "key:value" or bare values
}

// Monitor is the check that raised the event, as the sender names it.
type Monitor struct {
	Identifier string `json:"identifier,omitempty"`
	Name       string `json:"name,omitempty"`
	Link       string `json:"link,omitempty"`
}

// Event is one transition reported by a sender, in Alertgate's terms.
type Event struct {
	// Key identifies the notification's life cycle within its source
	// (StackState's notificationId, an alert fingerprint, a container name).
	Key      string   `json:"key"`
	Type     Type     `json:"type"`
	Severity Severity `json:"severity"`
	// State is the sender's own word for it (CRITICAL, DEVIATING, firing).
	State        string    `json:"state,omitempty"`
	Title        string    `json:"title"`
	Component    Component `json:"component"`
	Monitor      Monitor   `json:"monitor"`
	IncidentType string    `json:"incident_type,omitempty"`
	Host         string    `json:"host,omitempty"`
	// Target is what remediation acts on (an autoheal container), if named.
	Target      string `json:"target,omitempty"`
	CloseReason string `json:"close_reason,omitempty"`
	// OccurredAt is the sender's own time for the event; zero when it gives
	// none, and then the time Alertgate received it counts.
	OccurredAt time.Time         `json:"occurred_at,omitzero"`
	Labels     map[string]string `json:"labels,omitempty"`
	Evidence   json.RawMessage   `json:"evidence,omitempty"`
}

// Delivery is one decoded POST: its events and the identity used to
// recognise a repeat of the same delivery.
type Delivery struct {
	// Key is the delivery's identity within its source; empty when the kind
	// gives none, and then a repeat counts as a new occurrence.
	Key    string
	Events []Event
	// Note is something worth showing about the delivery as a whole, such
	// as Alertmanager's count of alerts left out.
	Note string
}

// Request is what a verifier and a decoder see of an HTTP delivery.
type Request struct {
	Header http.Header
	// Query is the URL's query string, where a sender that cannot set
	// headers puts its token.
	Query url.Values
	Body  []byte
	// Now is the time it arrived, for timestamp windows.
	Now time.Time
	// Settings are the source's own choices (labels, severity words, a
	// timestamp header) for the kinds that have any.
	Settings Settings
}

// AuthError is a failed authentication. Reason says why in words an admin
// can act on (scheme, header seen, digest prefixes, clock skew) and never
// contains a secret.
type AuthError struct {
	Reason string
}

func (e *AuthError) Error() string { return "unauthorized: " + e.Reason }

// DecodeError is a body that is not what the kind sends; Reason says what
// is wrong with it.
type DecodeError struct {
	Reason string
}

func (e *DecodeError) Error() string { return "bad payload: " + e.Reason }

// Kind is one sort of sender: how it authenticates and what it posts.
type Kind struct {
	Name string
	// Label is the name people know the sender by ("StackState").
	Label string
	// Verify checks req against one secret; it returns an *AuthError.
	Verify func(req Request, secret string) error
	// Decode turns the request into events; it returns a *DecodeError.
	Decode func(req Request) (Delivery, error)
	// GenerateSecret makes a new secret in the form the sender expects.
	GenerateSecret func() string
}

// kinds is every kind by name, filled by each kind's file.
var kinds = map[string]Kind{}

func register(k Kind) { kinds[k.Name] = k }

// Lookup finds a kind by name.
func Lookup(name string) (Kind, bool) {
	if name == InternalKind {
		return internalKind, true
	}
	k, ok := kinds[name]
	return k, ok
}

// KindNames lists the kinds in a stable order for forms.
func KindNames() []string {
	return []string{"stackstate", "generic", "standard", "autoheal",
		"alertmanager", "grafana", "datadog", "pagerduty", "uptimekuma"}
}

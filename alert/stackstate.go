package alert

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"strings"
	"time"
)

// StackStateHeader carries a StackState (SUSE Observability) webhook
// channel's secret token, verbatim.
const StackStateHeader = "X-StackState-Webhook-Token"

func init() {
	register(Kind{
		Name:           "stackstate",
		Label:          "StackState",
		Verify:         verifyStackState,
		Decode:         decodeStackState,
		GenerateSecret: newToken,
	})
}

func verifyStackState(req Request, secret string) error {
	return verifyToken(req, secret, StackStateHeader)
}

// ssEnvelope is StackState's webhook body. Only notificationId and
// event.type are required here, although the spec requires more: the docs'
// own close example breaks the spec (tags instead of metadata), and
// StackState retries a rejected message until it is superseded.
type ssEnvelope struct {
	NotificationID string      `json:"notificationId"`
	Event          *ssEvent    `json:"event"`
	Component      ssComponent `json:"component"`
	Monitor        ssMonitor   `json:"monitor"`
	// Metadata is the channel's key/value pairs; the docs' close example
	// and older schemas send them as tags.
	Metadata looseMap `json:"metadata"`
	Tags     looseMap `json:"tags"`
}

type ssEvent struct {
	Type            string      `json:"type"`
	State           string      `json:"state"`
	Title           string      `json:"title"`
	TriggeredTimeMs json.Number `json:"triggeredTimeMs"`
	Reason          string      `json:"reason"`
}

type ssComponent struct {
	Identifier string  `json:"identifier"`
	Name       string  `json:"name"`
	Type       string  `json:"type"`
	Link       string  `json:"link"`
	Tags       tagList `json:"tags"`
}

type ssMonitor struct {
	Identifier string `json:"identifier"`
	Name       string `json:"name"`
	Link       string `json:"link"`
}

func decodeStackState(req Request) (Delivery, error) {
	var env ssEnvelope
	if err := decodeObject(req.Body, &env); err != nil {
		return Delivery{}, err
	}
	ev, err := env.toEvent()
	if err != nil {
		return Delivery{}, err
	}
	// StackState sends no delivery id; a retry repeats the body byte for
	// byte, while an update always changes the event.
	sum := sha256.Sum256(req.Body)
	return Delivery{Key: hex.EncodeToString(sum[:]), Events: []Event{ev}}, nil
}

func (env ssEnvelope) toEvent() (Event, error) {
	id := strings.TrimSpace(env.NotificationID)
	if id == "" {
		return Event{}, decodeErrorf("missing notificationId")
	}
	if env.Event == nil || strings.TrimSpace(env.Event.Type) == "" {
		return Event{}, decodeErrorf("missing event.type")
	}
	ev := Event{
		Key:       id,
		Component: env.Component.toComponent(),
		Monitor:   Monitor(env.Monitor),
		Labels:    env.labels(),
	}
	switch typ := strings.TrimSpace(env.Event.Type); strings.ToLower(typ) {
	case "open":
		env.fillOpen(&ev)
	case "close":
		env.fillClose(&ev)
	default:
		return Event{}, decodeErrorf("event.type %s is neither open nor close", quote(typ))
	}
	return ev, nil
}

func (env ssEnvelope) fillOpen(ev *Event) {
	ev.Type = Open
	ev.State = strings.TrimSpace(env.Event.State)
	ev.Severity = stackStateSeverity(ev.State)
	ev.Title = firstNonEmpty(env.Event.Title, env.Monitor.Name, env.Component.Name, "StackState notification "+ev.Key)
	ev.OccurredAt = unixMillis(env.Event.TriggeredTimeMs)
}

// fillClose leaves Severity empty: a close carries no state, and the
// notification keeps the severity it had. The title falls back to the
// monitor so that a close for a notification Alertgate never saw open still
// says what it was about.
func (env ssEnvelope) fillClose(ev *Event) {
	ev.Type = Close
	ev.CloseReason = strings.TrimSpace(env.Event.Reason)
	ev.Title = firstNonEmpty(env.Monitor.Name, env.Component.Name, "StackState notification "+ev.Key)
}

// stackStateSeverity maps a monitor state. Anything but CRITICAL counts as
// high: DEVIATING is the only other state the spec names, and an unknown one
// is still an open problem.
func stackStateSeverity(state string) Severity {
	if strings.EqualFold(state, "CRITICAL") {
		return Critical
	}
	return High
}

// unixMillis reads triggeredTimeMs. A value that is not a plausible time
// gives the zero time (then the arrival time counts) rather than an error,
// since StackState would retry the rejected message for ever.
func unixMillis(n json.Number) time.Time {
	ms, err := n.Int64()
	if err != nil {
		f, ferr := n.Float64()
		if ferr != nil || math.IsNaN(f) || math.Abs(f) > math.MaxInt64/2 {
			return time.Time{}
		}
		ms = int64(f)
	}
	t := time.UnixMilli(ms).UTC()
	if ms <= 0 || t.Year() > 9999 {
		// Years past 9999 cannot be stored or marshalled as RFC 3339.
		return time.Time{}
	}
	return t
}

func (c ssComponent) toComponent() Component {
	return Component{
		Identifier: c.Identifier,
		Name:       c.Name,
		Type:       c.Type,
		Link:       c.Link,
		Tags:       c.Tags,
	}
}

// labels merges the channel metadata and the top-level tags that some
// payloads send in its place; metadata wins where both name a key.
func (env ssEnvelope) labels() map[string]string {
	out := map[string]string{}
	for k, v := range env.Tags {
		out[k] = v
	}
	for k, v := range env.Metadata {
		out[k] = v
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

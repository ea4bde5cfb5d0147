package alert

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Uptime Kuma's webhook notification: {heartbeat, monitor, msg}. A beat
// going down opens the monitor's notification and one coming up closes it.
// Certificate-expiry warnings and the Test button send only msg.

func init() {
	register(Kind{
		Name:           "uptimekuma",
		Label:          "Uptime Kuma",
		Verify:         verifyTokenOrBearer,
		Decode:         decodeUptimeKuma,
		GenerateSecret: newToken,
	})
}

// The heartbeat statuses.
const (
	kumaDown        = 0
	kumaUp          = 1
	kumaPending     = 2
	kumaMaintenance = 3
)

type kumaBody struct {
	Msg       string         `json:"msg"`
	Heartbeat *kumaHeartbeat `json:"heartbeat"`
	Monitor   *kumaMonitor   `json:"monitor"`
}

type kumaHeartbeat struct {
	MonitorID json.RawMessage `json:"monitorID"`
	Status    *int            `json:"status"`
	Time      string          `json:"time"`
	Msg       string          `json:"msg"`
}

type kumaMonitor struct {
	ID          json.RawMessage   `json:"id"`
	Name        string            `json:"name"`
	Type        string            `json:"type"`
	URL         string            `json:"url"`
	Hostname    string            `json:"hostname"`
	Description string            `json:"description"`
	Tags        []json.RawMessage `json:"tags"`
}

func decodeUptimeKuma(req Request) (Delivery, error) {
	body, err := kumaJSON(req)
	if err != nil {
		return Delivery{}, err
	}
	var b kumaBody
	if err := decodeObject(body, &b); err != nil {
		return Delivery{}, err
	}
	b.Msg = strings.TrimSpace(b.Msg)
	if b.Heartbeat == nil {
		events, err := kumaMessageOnly(b.Msg)
		return Delivery{Events: events}, err
	}
	ev, err := b.heartbeatEvent()
	if err != nil {
		return Delivery{}, err
	}
	return Delivery{Events: []Event{ev}}, nil
}

// kumaJSON is the JSON body, taken out of the form field "data" when the
// notification is set to send form data.
func kumaJSON(req Request) ([]byte, error) {
	ct, _ := headerValue(req.Header, "Content-Type")
	media, params, err := mime.ParseMediaType(ct)
	if err != nil || media != "multipart/form-data" {
		return req.Body, nil
	}
	r := multipart.NewReader(bytes.NewReader(req.Body), params["boundary"])
	for {
		part, err := r.NextPart()
		if err != nil {
			return nil, decodeErrorf("form data without a data field holding the JSON")
		}
		if part.FormName() == "data" {
			b, err := io.ReadAll(part)
			if err != nil {
				return nil, decodeErrorf("form field data could not be read: %s", err)
			}
			return b, nil
		}
	}
}

func (b *kumaBody) heartbeatEvent() (Event, error) {
	hb := b.Heartbeat
	if hb.Status == nil {
		return Event{}, decodeErrorf("missing heartbeat.status (0 down, 1 up)")
	}
	m := kumaMonitor{}
	if b.Monitor != nil {
		m = *b.Monitor
	}
	id := firstNonEmpty(scalarText(m.ID), scalarText(hb.MonitorID))
	if id == "" {
		return Event{}, decodeErrorf("missing monitor.id and heartbeat.monitorID: nothing says which monitor this is")
	}
	ev := Event{
		Key:        "monitor:" + id,
		Title:      firstNonEmpty(b.Msg, m.Name+" "+hb.Msg, "monitor "+id),
		Component:  m.component(id),
		Monitor:    Monitor{Identifier: id, Name: m.Name, Link: m.URL},
		Host:       m.Hostname,
		OccurredAt: kumaTime(hb.Time),
	}
	if hb.Msg != "" {
		ev.Evidence, _ = json.Marshal(map[string]string{"message": hb.Msg})
	}
	return ev, fillKumaStatus(&ev, *hb.Status)
}

func fillKumaStatus(ev *Event, status int) error {
	switch status {
	case kumaDown:
		ev.Type, ev.State, ev.Severity = Open, "down", High
	case kumaPending:
		// Retrying before it counts as down: worth a look, not a page.
		ev.Type, ev.State, ev.Severity = Open, "pending", Low
	case kumaUp:
		ev.Type, ev.State, ev.CloseReason = Close, "up", "up"
	case kumaMaintenance:
		// Planned: whatever was open is not an outage from here on.
		ev.Type, ev.State, ev.CloseReason = Close, "maintenance", "maintenance"
	default:
		return decodeErrorf("heartbeat.status %d is not 0 (down), 1 (up), 2 (pending) or 3 (maintenance)", status)
	}
	return nil
}

func (m kumaMonitor) component(id string) Component {
	c := Component{Identifier: id, Name: firstNonEmpty(m.Name, "monitor "+id), Type: m.Type, Link: m.URL}
	var tags []string
	for _, raw := range m.Tags {
		var t struct {
			Name  string          `json:"name"`
			Value json.RawMessage `json:"value"`
		}
		if json.Unmarshal(raw, &t) == nil {
			tags = append(tags, joinTag(t.Name, scalarText(t.Value)))
		}
	}
	c.Tags = normaliseTags(tags)
	return c
}

// kumaTime reads heartbeat.time, which Uptime Kuma writes in UTC without
// a zone; anything else counts as no time of its own.
func kumaTime(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04:05.999", strings.TrimSpace(s))
	if err != nil || t.Year() < 2 {
		return time.Time{}
	}
	return t
}

// kumaCertificate is the certificate-expiry message: monitor name, URL,
// which certificate, its name and the days left.
var kumaCertificate = regexp.MustCompile(`^\[(.*?)\]\[(.*?)\] (.*?) certificate (.*) will expire in (\d+) days?`)

// kumaMessageOnly handles the notifications that carry no heartbeat. A
// certificate warning opens a notification per certificate that repeats at
// each warning day; the Test button opens and at once closes one, so the
// test shows end to end and leaves nothing open.
func kumaMessageOnly(msg string) ([]Event, error) {
	if m := kumaCertificate.FindStringSubmatch(msg); m != nil {
		days, _ := strconv.Atoi(m[5])
		sev := Medium
		if days <= 7 {
			sev = High
		}
		return []Event{{
			Key: "certificate:" + m[2] + ":" + m[3], Type: Open, State: "expiring", Severity: sev, Title: msg,
			Component: Component{Name: m[1], Link: m[2]}, Monitor: Monitor{Name: m[1], Link: m[2]}, IncidentType: "certificate_expiry",
		}}, nil
	}
	if strings.HasSuffix(msg, " Testing") {
		test := Event{Key: "test:" + msg, Type: Open, State: "test", Severity: Info, Title: msg, IncidentType: "test"}
		closed := test
		closed.Type, closed.CloseReason = Close, "test notification"
		return []Event{test, closed}, nil
	}
	if msg == "" {
		return nil, decodeErrorf("no heartbeat and no msg: not an Uptime Kuma webhook notification")
	}
	return nil, decodeErrorf("no heartbeat, and msg %s is neither a certificate warning nor a test", quote(msg))
}

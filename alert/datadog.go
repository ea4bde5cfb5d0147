package alert

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Datadog's webhook integration posts whatever template the user set. The
// default one carries no transition and no cycle key, so those are read
// from the title's prefixes and the body's monitor link; custom templates
// usually carry $ALERT_TRANSITION and a key, which win when present.

func init() {
	register(Kind{
		Name:           "datadog",
		Label:          "Datadog",
		Verify:         verifyTokenOrBearer,
		Decode:         decodeDatadog,
		GenerateSecret: newToken,
	})
}

// ddBody is the default template's fields plus the custom ones common
// templates use, flat or nested under alert and event.
type ddBody struct {
	ID              json.RawMessage `json:"id"`
	EventID         json.RawMessage `json:"event_id"`
	Title           string          `json:"title"`
	Body            string          `json:"body"`
	EventMsg        string          `json:"event_msg"`
	EventType       string          `json:"event_type"`
	Date            json.RawMessage `json:"date"`
	LastUpdated     json.RawMessage `json:"last_updated"`
	Link            string          `json:"link"`
	AlertTransition string          `json:"alert_transition"`
	AlertCycleKey   json.RawMessage `json:"alert_cycle_key"`
	AggregKey       json.RawMessage `json:"aggreg_key"`
	AlertID         json.RawMessage `json:"alert_id"`
	AlertType       string          `json:"alert_type"`
	Priority        string          `json:"priority"`
	Hostname        string          `json:"hostname"`
	Tags            tagList         `json:"tags"`
	EventTags       tagList         `json:"event_tags"`
	Alert           *struct {
		AlertID         json.RawMessage `json:"alert_id"`
		AlertTransition string          `json:"alert_transition"`
		AlertType       string          `json:"alert_type"`
		AlertCycleKey   json.RawMessage `json:"alert_cycle_key"`
		AlertPriority   string          `json:"alert_priority"`
	} `json:"alert"`
	Event *struct {
		AggregKey json.RawMessage `json:"aggreg_key"`
		EventID   json.RawMessage `json:"event_id"`
		EventURL  string          `json:"event_url"`
	} `json:"event"`
}

func decodeDatadog(req Request) (Delivery, error) {
	var b ddBody
	if err := decodeObject(req.Body, &b); err != nil {
		return Delivery{}, err
	}
	f := b.fields()
	ev, err := f.event()
	if err != nil {
		return Delivery{}, err
	}
	return Delivery{Key: f.deliveryKey, Events: []Event{ev}}, nil
}

// ddFields is a body reduced to what matters, flat or nested alike, with
// Datadog's literal "null" for an empty variable read as missing.
type ddFields struct {
	title, message, eventType, transition, alertType, priority, host, link string
	cycleKey, aggregKey, alertID, deliveryKey                              string
	at                                                                     time.Time
	tags                                                                   []string
}

func (b *ddBody) fields() ddFields {
	f := ddFields{
		title: ddText(b.Title), message: firstNonEmpty(ddText(b.Body), ddText(b.EventMsg)), eventType: ddText(b.EventType),
		transition: ddText(b.AlertTransition), alertType: ddText(b.AlertType), priority: ddText(b.Priority),
		host: ddText(b.Hostname), link: ddText(b.Link),
		cycleKey: ddRaw(b.AlertCycleKey), aggregKey: ddRaw(b.AggregKey), alertID: ddRaw(b.AlertID),
		deliveryKey: firstNumeric(ddRaw(b.ID), ddRaw(b.EventID)),
		at:          firstTime(ddRaw(b.Date), ddRaw(b.LastUpdated)),
		tags:        splitTags(append(b.Tags, b.EventTags...)),
	}
	if a := b.Alert; a != nil {
		f.transition = firstNonEmpty(f.transition, ddText(a.AlertTransition))
		f.alertType = firstNonEmpty(f.alertType, ddText(a.AlertType))
		f.priority = firstNonEmpty(f.priority, ddText(a.AlertPriority))
		f.cycleKey = firstNonEmpty(f.cycleKey, ddRaw(a.AlertCycleKey))
		f.alertID = firstNonEmpty(f.alertID, ddRaw(a.AlertID))
	}
	if e := b.Event; e != nil {
		f.aggregKey = firstNonEmpty(f.aggregKey, ddRaw(e.AggregKey))
		f.deliveryKey = firstNumeric(f.deliveryKey, ddRaw(e.EventID))
		f.link = firstNonEmpty(f.link, ddText(e.EventURL))
	}
	return f
}

func (f ddFields) event() (Event, error) {
	if f.title == "" {
		return Event{}, decodeErrorf("missing title: Datadog's webhook template must send $EVENT_TITLE as title")
	}
	prio, word, rest := splitDatadogTitle(f.title)
	transition := firstNonEmpty(f.transition, word)
	typ, err := datadogType(transition)
	if err != nil {
		return Event{}, err
	}
	mon := monitorFromText(f.message + " " + f.link)
	key := firstNonEmpty(f.cycleKey, f.aggregKey, f.alertID, mon.key(), rest)
	if key == "" {
		return Event{}, decodeErrorf("nothing to key the alert by: the title is only its prefixes, and there is no " +
			"alert_cycle_key, aggreg_key, alert_id or monitor link; send $EVENT_TITLE with the monitor's name, or add \"alert_cycle_key\": \"$ALERT_CYCLE_KEY\"")
	}
	ev := Event{
		Key:          key,
		Type:         typ,
		State:        transition,
		Severity:     f.severity(firstNonEmpty(f.priority, prio), transition),
		Title:        firstNonEmpty(rest, f.title),
		Component:    Component{Name: firstNonEmpty(f.host, tagValue(f.tags, "host"), mon.groupHost()), Tags: f.tags},
		Monitor:      Monitor{Identifier: firstNonEmpty(mon.id, f.alertID), Name: rest, Link: mon.link},
		IncidentType: f.eventType,
		Host:         firstNonEmpty(f.host, tagValue(f.tags, "host"), mon.groupHost()),
		OccurredAt:   f.at,
	}
	if f.message != "" {
		ev.Evidence, _ = json.Marshal(map[string]string{"message": f.message})
	}
	if typ == Close {
		ev.CloseReason = transition
	}
	return ev, nil
}

// The title's prefixes: an optional priority, then the transition,
// optionally with the group it fired on ("[Triggered on {host:a}]").
// The rest may span lines ((?s)): a title is whatever the template sent.
var datadogTitle = regexp.MustCompile(`(?s)^\s*(?:\[(P[1-5])\]\s*)?(?:\[((?i:re-)?(?i:triggered|warn|no data|renotify|recovered))(?: on \{[^}]*\})?\]\s*)?(.*)$`)

func splitDatadogTitle(title string) (priority, transition, rest string) {
	m := datadogTitle.FindStringSubmatch(title)
	if m == nil { // cannot happen with (?s) and every part optional; never panic on a sender's text
		return "", "", strings.TrimSpace(title)
	}
	return m[1], m[2], strings.TrimSpace(m[3])
}

// datadogType maps $ALERT_TRANSITION; the Re- forms are reminders of the
// same open alert.
func datadogType(transition string) (Type, error) {
	switch strings.ToLower(strings.TrimPrefix(strings.TrimSpace(transition), "Re-")) {
	case "triggered", "re-triggered", "warn", "re-warn", "no data", "re-no data", "renotify":
		return Open, nil
	case "recovered":
		return Close, nil
	case "":
		return "", decodeErrorf("no transition: the title starts with neither [Triggered], [Warn], [No Data] nor [Recovered], " +
			"and there is no alert_transition field; add \"alert_transition\": \"$ALERT_TRANSITION\" to the webhook's payload")
	}
	return "", decodeErrorf("alert transition %s is not one of Triggered, Re-Triggered, Warn, No Data, Renotify or Recovered", quote(transition))
}

// severity is the monitor's priority (P1–P5) when set, else a warning is
// medium and anything else high.
func (f ddFields) severity(priority, transition string) Severity {
	if s, err := ParseSeverity(priority); err == nil && priority != "" {
		return s
	}
	if strings.Contains(strings.ToLower(transition), "warn") || strings.EqualFold(f.alertType, "warning") {
		return Medium
	}
	return High
}

// ddMonitor is the monitor the body links to: its id and the group of a
// multi-alert monitor, which together tell one alert's life cycle apart.
type ddMonitor struct {
	id, group, link string
}

var datadogMonitorLink = regexp.MustCompile(`https?://[^\s)\]"]*/monitors[/#](\d+)(\?[^\s)\]"#]*)?`)

func monitorFromText(text string) ddMonitor {
	m := datadogMonitorLink.FindStringSubmatch(text)
	if m == nil {
		return ddMonitor{}
	}
	q, _ := url.ParseQuery(strings.TrimPrefix(strings.ReplaceAll(m[2], "&amp;", "&"), "?"))
	return ddMonitor{id: m[1], group: q.Get("group"), link: m[0]}
}

func (m ddMonitor) key() string {
	switch {
	case m.id == "":
		return ""
	case m.group == "":
		return "monitor:" + m.id
	}
	return "monitor:" + m.id + "/" + m.group
}

func (m ddMonitor) groupHost() string {
	if v, ok := strings.CutPrefix(m.group, "host:"); ok && !strings.Contains(v, ",") {
		return v
	}
	return ""
}

// ddText trims a template value; "null" is how Datadog renders an empty
// variable inside a quoted string, and a "$NAME" left as is was never
// substituted (a template tried by hand).
func ddText(s string) string {
	s = strings.TrimSpace(s)
	if s == "null" || (strings.HasPrefix(s, "$") && strings.ToUpper(s) == s && !strings.Contains(s, " ")) {
		return ""
	}
	return s
}

func ddRaw(raw json.RawMessage) string { return ddText(scalarText(raw)) }

// firstNumeric is the first value made of digits only: Datadog's event ids
// are numbers, and templates that render a constant ("ID") must not make
// every delivery a duplicate of the first.
func firstNumeric(vs ...string) string {
	for _, v := range vs {
		if v != "" && strings.Trim(v, "0123456789") == "" {
			return v
		}
	}
	return ""
}

// firstTime reads $DATE or $LAST_UPDATED, epoch milliseconds as text.
func firstTime(vs ...string) time.Time {
	for _, v := range vs {
		if t := unixMillis(json.Number(v)); !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

// splitTags splits "a:b,c:d" strings, the form $TAGS renders in.
func splitTags(tags []string) []string {
	var out []string
	for _, t := range tags {
		for _, p := range strings.Split(t, ",") {
			out = append(out, strings.TrimSpace(p))
		}
	}
	return normaliseTags(out)
}

func tagValue(tags []string, key string) string {
	for _, t := range tags {
		if v, ok := strings.CutPrefix(t, key+":"); ok {
			return v
		}
	}
	return ""
}

package alert

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Prometheus Alertmanager's webhook (payload version 4): one POST per alert
// group, one event per alert in it. Grafana's unified alerting sends the
// same shape with a few fields more, so both kinds share this file.

func init() {
	register(Kind{
		Name:           "alertmanager",
		Label:          "Prometheus Alertmanager",
		Verify:         verifyBearerOrBasic,
		Decode:         decodeAlertmanager,
		GenerateSecret: newToken,
	})
}

// amMessage is the webhook body: Alertmanager's fields, Grafana's
// additions, and the legacy Grafana fields that are only read to refuse
// that format by name.
type amMessage struct {
	Version            string     `json:"version"`
	GroupKey           string     `json:"groupKey"`
	Status             string     `json:"status"`
	Alerts             *[]amAlert `json:"alerts"`
	TruncatedAlerts    int64      `json:"truncatedAlerts"`
	NotificationReason string     `json:"notification_reason"`
	// Grafana's additions.
	OrgID json.RawMessage `json:"orgId"`
	Title string          `json:"title"`
	// Legacy (pre-unified) Grafana alerting.
	EvalMatches json.RawMessage `json:"evalMatches"`
	RuleID      json.RawMessage `json:"ruleId"`
}

// amAlert is one alert; the fields after Fingerprint are Grafana's.
type amAlert struct {
	Status       string          `json:"status"`
	Labels       looseMap        `json:"labels"`
	Annotations  looseMap        `json:"annotations"`
	StartsAt     string          `json:"startsAt"`
	EndsAt       string          `json:"endsAt"`
	GeneratorURL string          `json:"generatorURL"`
	Fingerprint  string          `json:"fingerprint"`
	SilenceURL   string          `json:"silenceURL"`
	DashboardURL string          `json:"dashboardURL"`
	PanelURL     string          `json:"panelURL"`
	ImageURL     string          `json:"imageURL"`
	Values       json.RawMessage `json:"values"`
	ValueString  string          `json:"valueString"`
}

func decodeAlertmanager(req Request) (Delivery, error) {
	var m amMessage
	if err := decodeObject(req.Body, &m); err != nil {
		return Delivery{}, err
	}
	if m.Version == "1" && len(m.OrgID) > 0 {
		return Delivery{}, decodeErrorf("this is a Grafana alerting payload (version 1 with orgId); make the source's kind grafana")
	}
	if m.Version != "" && m.Version != "4" {
		return Delivery{}, decodeErrorf("version %s: this source takes the Alertmanager webhook payload version 4", quote(m.Version))
	}
	return m.delivery(req, "Alertmanager")
}

// delivery turns every alert into an event. The delivery key covers the
// group and each alert's fingerprint, status and start, so a resend of the
// same group state (a retry, or a repeat_interval reminder) is a duplicate
// while any change is new.
func (m *amMessage) delivery(req Request, sender string) (Delivery, error) {
	if m.Alerts == nil {
		return Delivery{}, decodeErrorf("missing alerts: not a %s webhook payload", sender)
	}
	alerts := *m.Alerts
	if len(alerts) == 0 {
		return Delivery{}, decodeErrorf("alerts is empty: there is nothing to open or close")
	}
	keys := alertKeys(alerts)
	d := Delivery{Note: m.note()}
	sum := sha256.New()
	fmt.Fprintf(sum, "%s\n", m.GroupKey)
	for i, a := range alerts {
		ev, err := m.event(i, a, keys[i], req)
		if err != nil {
			return Delivery{}, err
		}
		d.Events = append(d.Events, ev)
		fmt.Fprintf(sum, "%s %s %s\n", keys[i], ev.State, a.StartsAt)
	}
	d.Key = hex.EncodeToString(sum.Sum(nil))
	return d, nil
}

// note says what the sender left out, so a missing alert is explained.
func (m *amMessage) note() string {
	if m.TruncatedAlerts > 0 {
		return fmt.Sprintf("alerts of this group left out by the sender (max_alerts): %d", m.TruncatedAlerts)
	}
	return ""
}

func (m *amMessage) event(i int, a amAlert, key string, req Request) (Event, error) {
	typ, state, err := m.transition(i, a, req.Now)
	if err != nil {
		return Event{}, err
	}
	startsAt, err := alertTime(fmt.Sprintf("alerts[%d].startsAt", i), a.StartsAt)
	if err != nil {
		return Event{}, err
	}
	endsAt, err := alertTime(fmt.Sprintf("alerts[%d].endsAt", i), a.EndsAt)
	if err != nil {
		return Event{}, err
	}
	s := req.Settings
	ev := Event{
		Key:          key,
		Type:         typ,
		State:        state,
		Severity:     s.severityFor(a.Labels["severity"]),
		Title:        firstNonEmpty(a.Annotations["summary"], a.Annotations["description"], a.Labels["alertname"], m.Title, "alert "+key),
		Component:    a.component(s),
		Monitor:      Monitor{Name: a.Labels["alertname"], Link: a.GeneratorURL},
		IncidentType: a.Labels["alertname"],
		Host:         a.Labels["instance"],
		OccurredAt:   startsAt,
		Labels:       nonEmpty(a.Labels),
		Evidence:     a.evidence(),
	}
	if typ == Close {
		ev.CloseReason = "resolved"
		ev.OccurredAt = endsAt
	}
	return ev, nil
}

// transition reads firing or resolved from the alert, else from the group.
// When neither says (some hand-built senders omit both), an end time that
// has passed means resolved, as Alertmanager itself reads it.
func (m *amMessage) transition(i int, a amAlert, now time.Time) (Type, string, error) {
	status := strings.ToLower(firstNonEmpty(a.Status, m.Status))
	switch status {
	case "firing":
		return Open, status, nil
	case "resolved":
		return Close, status, nil
	case "":
		if end, err := alertTime("", a.EndsAt); err == nil && !end.IsZero() && !end.After(now) {
			return Close, "resolved", nil
		}
		return Open, "firing", nil
	}
	return "", "", decodeErrorf("alerts[%d].status %s is neither firing nor resolved", i, quote(status))
}

// alertTime reads startsAt or endsAt. Missing and Go's zero time (what
// Alertmanager sends for "no end yet") are both no time.
func alertTime(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, decodeErrorf("%s %s is not an RFC 3339 time", field, quote(s))
	}
	if t = t.UTC(); t.Year() <= 1 {
		return time.Time{}, nil
	}
	if t.Year() > 9999 {
		return time.Time{}, decodeErrorf("%s %s is after the year 9999 in UTC", field, quote(s))
	}
	return t, nil
}

// component names the component from the first label of the source's
// choice that is set; every label becomes a tag, for channel filters.
func (a amAlert) component(s Settings) Component {
	c := Component{Link: firstNonEmpty(a.PanelURL, a.DashboardURL)}
	for _, l := range s.componentLabels() {
		if v := strings.TrimSpace(a.Labels[l]); v != "" {
			c.Name = v
			break
		}
	}
	tags := make([]string, 0, len(a.Labels))
	for k, v := range a.Labels {
		tags = append(tags, joinTag(k, v))
	}
	c.Tags = normaliseTags(tags)
	return c
}

// evidence keeps what an alert says beyond its labels: annotations, links
// and Grafana's query values.
func (a amAlert) evidence() json.RawMessage {
	out := map[string]any{}
	if len(a.Annotations) > 0 {
		out["annotations"] = a.Annotations
	}
	for k, v := range map[string]string{
		"generatorURL": a.GeneratorURL, "silenceURL": a.SilenceURL, "dashboardURL": a.DashboardURL,
		"panelURL": a.PanelURL, "imageURL": a.ImageURL, "valueString": a.ValueString,
	} {
		if v != "" {
			out[k] = v
		}
	}
	if v := evidence(a.Values); v != nil && json.Valid(v) {
		out["values"] = v
	}
	if len(out) == 0 {
		return nil
	}
	b, _ := json.Marshal(out)
	return b
}

func nonEmpty(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

// alertKeys is each alert's life-cycle key: its fingerprint, computed from
// its labels when the sender left it out. A fingerprint given to two alerts
// with different labels in one group (a hand-edited payload) cannot tell
// them apart, so those alerts fall back to their labels' fingerprint.
func alertKeys(alerts []amAlert) []string {
	keys := make([]string, len(alerts))
	labelsByFP := map[string]string{}
	clash := map[string]bool{}
	for i, a := range alerts {
		computed := labelsFingerprint(a.Labels)
		keys[i] = strings.ToLower(strings.TrimSpace(a.Fingerprint))
		if keys[i] == "" {
			keys[i] = computed
			continue
		}
		if seen, ok := labelsByFP[keys[i]]; ok && seen != computed {
			clash[keys[i]] = true
		}
		labelsByFP[keys[i]] = computed
	}
	for i, a := range alerts {
		if clash[keys[i]] {
			keys[i] = labelsFingerprint(a.Labels)
		}
	}
	return keys
}

// labelsFingerprint is Prometheus's label-set fingerprint
// (model.LabelSet.Fingerprint), which Alertmanager sends as the alert's
// fingerprint: FNV-1a 64 over the sorted names and values, each followed
// by the byte 0xff, as 16 hex digits.
func labelsFingerprint(labels map[string]string) string {
	const offset64, prime64 = 14695981039346656037, 1099511628211
	names := make([]string, 0, len(labels))
	for k := range labels {
		names = append(names, k)
	}
	slices.Sort(names)
	h := uint64(offset64)
	add := func(s string) {
		for i := 0; i < len(s); i++ {
			h ^= uint64(s[i])
			h *= prime64
		}
		h ^= 0xff
		h *= prime64
	}
	for _, n := range names {
		add(n)
		add(labels[n])
	}
	return fmt.Sprintf("%016x", h)
}

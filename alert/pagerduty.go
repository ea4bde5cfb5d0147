package alert

import (
	"crypto/hmac"
	"encoding/hex"
	"encoding/json"
	"strings"
)

// PagerDuty's Generic Webhooks v3: one event per POST, signed with
// HMAC-SHA256 of the body; a subscription's incident events carry the
// incident, whose id keys the life cycle.

// PagerDutySignatureHeader is a comma-separated list of "v1=<hex>"; more
// than one during a secret rotation.
const PagerDutySignatureHeader = "X-PagerDuty-Signature"

// pagerDutyWebhookID names the webhook and repeats on retries.
const pagerDutyWebhookID = "X-Webhook-Id"

func init() {
	register(Kind{
		Name:           "pagerduty",
		Label:          "PagerDuty",
		Verify:         verifyPagerDuty,
		Decode:         decodePagerDuty,
		GenerateSecret: newToken,
	})
}

// SignPagerDuty is one entry of the signature header for body.
func SignPagerDuty(secret string, body []byte) string {
	return "v1=" + hex.EncodeToString(hmacSHA256([]byte(secret), body))
}

// verifyPagerDuty passes when any v1 entry matches; entries of other
// versions are skipped, as PagerDuty asks of receivers.
func verifyPagerDuty(req Request, secret string) error {
	if secret == "" {
		return errNoSecret()
	}
	got, ok := headerValue(req.Header, PagerDutySignatureHeader)
	if !ok {
		return missingHeader(PagerDutySignatureHeader, req.Header)
	}
	want := SignPagerDuty(secret, req.Body)
	var v1 []string
	for _, entry := range strings.Split(got, ",") {
		entry = strings.TrimSpace(entry)
		if !strings.HasPrefix(entry, "v1=") {
			continue
		}
		if hmac.Equal([]byte(strings.ToLower(entry)), []byte(want)) {
			return nil
		}
		v1 = append(v1, entry)
	}
	if len(v1) == 0 {
		return authErrorf("%s has no v1= entry (it starts %s)", PagerDutySignatureHeader, quote(preview(got)))
	}
	return authErrorf("none of the %d v1 entries in %s matched (the first is %q); the body's HMAC with the current secret starts %q",
		len(v1), PagerDutySignatureHeader, "v1="+preview(strings.TrimPrefix(v1[0], "v1=")), "v1="+preview(strings.TrimPrefix(want, "v1=")))
}

type pdBody struct {
	Event *pdEvent `json:"event"`
}

type pdEvent struct {
	ID           string          `json:"id"`
	EventType    string          `json:"event_type"`
	ResourceType string          `json:"resource_type"`
	OccurredAt   string          `json:"occurred_at"`
	Agent        *pdReference    `json:"agent"`
	Data         json.RawMessage `json:"data"`
}

type pdReference struct {
	ID      string `json:"id"`
	Summary string `json:"summary"`
	HTMLURL string `json:"html_url"`
}

type pdIncident struct {
	ID           string          `json:"id"`
	Number       json.RawMessage `json:"number"`
	Status       string          `json:"status"`
	Title        string          `json:"title"`
	HTMLURL      string          `json:"html_url"`
	IncidentKey  string          `json:"incident_key"`
	Urgency      string          `json:"urgency"`
	Service      *pdReference    `json:"service"`
	Priority     *pdReference    `json:"priority"`
	IncidentType *struct {
		Name string `json:"name"`
	} `json:"incident_type"`
}

func decodePagerDuty(req Request) (Delivery, error) {
	var b pdBody
	if err := decodeObject(req.Body, &b); err != nil {
		return Delivery{}, err
	}
	if b.Event == nil {
		return Delivery{}, decodeErrorf("missing event: not a PagerDuty v3 webhook payload")
	}
	ev, err := b.Event.toEvent()
	if err != nil {
		return Delivery{}, err
	}
	id, _ := headerValue(req.Header, pagerDutyWebhookID)
	return Delivery{Key: firstNonEmpty(id, b.Event.ID), Events: []Event{ev}}, nil
}

func (e *pdEvent) toEvent() (Event, error) {
	if e.ResourceType != "incident" {
		return Event{}, decodeErrorf("event.resource_type is %s: only incident events open or close notifications; subscribe the webhook to incident events",
			quote(e.ResourceType))
	}
	var inc pdIncident
	if evidence(e.Data) == nil {
		return Event{}, decodeErrorf("missing event.data, the incident")
	}
	if err := json.Unmarshal(e.Data, &inc); err != nil {
		return Event{}, decodeErrorf("event.data: %s", jsonError(err).(*DecodeError).Reason)
	}
	if strings.TrimSpace(inc.ID) == "" {
		return Event{}, decodeErrorf("missing event.data.id, the incident id")
	}
	typ, err := pagerDutyType(e.EventType, inc.Status)
	if err != nil {
		return Event{}, err
	}
	at, err := alertTime("event.occurred_at", e.OccurredAt)
	if err != nil {
		return Event{}, err
	}
	ev := Event{
		Key:          strings.TrimSpace(inc.ID),
		Type:         typ,
		State:        firstNonEmpty(inc.Status, strings.TrimPrefix(e.EventType, "incident.")),
		Severity:     inc.severity(),
		Title:        firstNonEmpty(inc.Title, "PagerDuty incident "+inc.ID),
		Component:    inc.component(),
		Monitor:      Monitor{Identifier: inc.ID, Name: "PagerDuty incident #" + scalarText(inc.Number), Link: inc.HTMLURL},
		IncidentType: inc.incidentType(),
		OccurredAt:   at,
		Labels:       e.labels(inc),
		Evidence:     evidence(e.Data),
	}
	if typ == Close {
		ev.CloseReason = "resolved"
	}
	return ev, nil
}

// pagerDutyType maps the event type. Incident events not named below (a
// note, a reassignment) follow the incident's status, so a note on a
// resolved incident does not reopen it.
func pagerDutyType(eventType, status string) (Type, error) {
	switch eventType {
	case "incident.triggered", "incident.reopened", "incident.acknowledged", "incident.unacknowledged", "incident.priority_updated":
		return Open, nil
	case "incident.resolved":
		return Close, nil
	}
	switch strings.ToLower(status) {
	case "triggered", "acknowledged":
		return Open, nil
	case "resolved":
		return Close, nil
	}
	return "", decodeErrorf("event_type %s with incident status %s neither opens nor closes an incident", quote(eventType), quote(status))
}

// severity is the incident's priority when it is P1–P5, else its urgency.
func (inc pdIncident) severity() Severity {
	if inc.Priority != nil {
		if s, err := ParseSeverity(inc.Priority.Summary); err == nil && inc.Priority.Summary != "" {
			return s
		}
	}
	if strings.EqualFold(inc.Urgency, "low") {
		return Low
	}
	return High
}

func (inc pdIncident) component() Component {
	if inc.Service == nil {
		return Component{}
	}
	return Component{Identifier: inc.Service.ID, Name: inc.Service.Summary, Type: "service", Link: inc.Service.HTMLURL}
}

func (inc pdIncident) incidentType() string {
	if inc.IncidentType == nil {
		return ""
	}
	return inc.IncidentType.Name
}

func (e *pdEvent) labels(inc pdIncident) map[string]string {
	out := map[string]string{"event_type": e.EventType, "urgency": inc.Urgency, "incident_key": inc.IncidentKey,
		"incident_number": scalarText(inc.Number)}
	if inc.Priority != nil {
		out["priority"] = inc.Priority.Summary
	}
	if e.Agent != nil {
		out["agent"] = e.Agent.Summary
	}
	for k, v := range out {
		if v == "" {
			delete(out, k)
		}
	}
	return nonEmpty(out)
}

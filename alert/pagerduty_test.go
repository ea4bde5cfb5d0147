package alert

import (
	"encoding/json"
	"testing"
	"time"
)

func TestDecodePagerDutyFixtures(t *testing.T) {
	const bump = "A little bump in the road"
	table := map[string]fixtureCase{
		// Priority P1 outranks the urgency; conference_number is a string.
		"docs-v3-incident.priority_updated.json": {rows: []row{{"PGR0VU2", Open, Critical, bump, "API Service"}},
			at: []time.Time{utc("2020-10-02T18:45:22.169Z")}},
		"docs-v3-service.updated.json": {err: []string{`resource_type is "service"`, "incident events"}},
		// conference_number is the integer 1000 here.
		"go-pagerduty-v3-incident.priority_updated.json": {rows: []row{{"PGR0VU2", Open, Critical, bump, "API Service"}}},
		// The trailing space of the title is the sender's; trimmed.
		"nudgebee-v3-resolved.json": {rows: []row{{"QEXAMPLE1", Close, High, "NGINXTooMany400s triggered on nudgebee-api-alerts", "Test-Service"}},
			at: []time.Time{utc("2025-02-15T14:42:34.992Z")}},
		"nudgebee-v3-triggered-agent-null-chronosphere.json": {rows: []row{{"Q2X369CTEOAGYM", Open, High,
			`[Critical] Critical | Staging | AWS INF | SQS | ApproximateNumberOfMessagesVisible breached Upper Threshold {dimension_QueueName="load-worker-staging", tag_alert="SRE-OTR-FTL", tag_env="staging"}`, "SRE-OTR-FTL"}}},
		"nudgebee-v3-triggered-agent-null-client-null.json": {rows: []row{{"Q19Z7CCJDTBD40", Open, High,
			"ALARM: CRITICAL | AWS APP | ELB | mm-carrier-updates-worker-stg-al2-r2... in US East (N. Virginia)", "Event_Catchall_ocean"}}},
		"nudgebee-v3-triggered-events-api-v2-agent-long-client-url.json": {rows: []row{{"QEXAMPLE1", Open, High, "up rule triggered on nn", "Test-Service"}}},
		"signature-test-vector.json":                                     {err: []string{"missing event"}},
		"zulip-resolved_v3.json":                                         {rows: []row{{"PCPZE64", Close, High, "Test Incident", "pig208"}}},
		"zulip-triggered_v3.json":                                        {rows: []row{{"PFQZPSY", Open, High, "Test Incident 3", "pig208"}}},
	}
	checkFixtures(t, "pagerduty", "pagerduty", table, func(b []byte) Request { return Request{Body: b} })
}

// The vector is go-pagerduty's known answer (see the fixture's note).
func TestPagerDutySignatureVector(t *testing.T) {
	var v struct {
		Secret    string `json:"secret"`
		Body      string `json:"body"`
		Valid     string `json:"valid_signature"`
		Negatives []struct {
			Name   string  `json:"name"`
			Header *string `json:"X-PagerDuty-Signature"`
			Body   *string `json:"body"`
		} `json:"negative_cases"`
	}
	if err := json.Unmarshal(readFixture(t, "pagerduty/signature-test-vector.json"), &v); err != nil {
		t.Fatal(err)
	}
	if got := SignPagerDuty(v.Secret, []byte(v.Body)); got != v.Valid {
		t.Fatalf("signature %s, want %s", got, v.Valid)
	}
	body := []byte(v.Body)
	ok := []string{v.Valid, "v1=" + hex64('0') + "," + v.Valid, "v0=abc, " + v.Valid, "V2=x," + v.Valid}
	for _, h := range ok {
		if err := verifyPagerDuty(Request{Header: headers(PagerDutySignatureHeader, h), Body: body}, v.Secret); err != nil {
			t.Errorf("%q refused: %v", h, err)
		}
	}
	if len(v.Negatives) != 3 {
		t.Fatalf("%d negative cases", len(v.Negatives))
	}
	for _, n := range v.Negatives {
		req := Request{Header: headers(), Body: body}
		if n.Header != nil {
			req.Header.Set(PagerDutySignatureHeader, *n.Header)
		}
		if n.Body != nil {
			req.Body = []byte(*n.Body)
		}
		if verifyPagerDuty(req, v.Secret) == nil {
			t.Errorf("negative case %s accepted", n.Name)
		}
	}
	wantAuthError(t, verifyPagerDuty(Request{Header: headers(PagerDutySignatureHeader, "sha256=abc"), Body: body}, v.Secret), v.Secret, "no v1= entry")
	wantAuthError(t, verifyPagerDuty(Request{Header: headers(PagerDutySignatureHeader, "v1="+hex64('a')+",v1="+hex64('b')), Body: body}, v.Secret),
		v.Secret, "none of the 2 v1 entries", `"v1=aaaaaaaa…"`, `"v1=0c0b9495…"`)
}

func hex64(c byte) string {
	b := make([]byte, 64)
	for i := range b {
		b[i] = c
	}
	return string(b)
}

func TestPagerDutyDeliveryKeyAndLabels(t *testing.T) {
	body := readFixture(t, "pagerduty/docs-v3-incident.priority_updated.json")
	d, ev := decodeOne(t, "pagerduty", Request{Header: headers("X-Webhook-Id", "wh-1"), Body: body})
	if d.Key != "wh-1" {
		t.Errorf("delivery key %q, want the X-Webhook-Id", d.Key)
	}
	if ev.Labels["priority"] != "P1" || ev.Labels["urgency"] != "high" || ev.Labels["agent"] != "Tenex Engineer" || ev.Monitor.Link == "" {
		t.Errorf("labels %v, monitor %+v", ev.Labels, ev.Monitor)
	}
	d, _ = decodeOne(t, "pagerduty", Request{Body: body})
	if d.Key != "5ac64822-4adc-4fda-ade0-410becf0de4f" {
		t.Errorf("without X-Webhook-Id the delivery key is %q, want the event id", d.Key)
	}
}

func TestPagerDutyOtherIncidentEventsFollowStatus(t *testing.T) {
	tests := map[string]Type{
		`{"event":{"event_type":"incident.annotated","resource_type":"incident","data":{"id":"P1","status":"resolved"}}}`:     Close,
		`{"event":{"event_type":"incident.escalated","resource_type":"incident","data":{"id":"P1","status":"acknowledged"}}}`: Open,
	}
	for body, want := range tests {
		_, ev := decodeOne(t, "pagerduty", Request{Body: []byte(body)})
		if ev.Type != want {
			t.Errorf("%s: type %s, want %s", body, ev.Type, want)
		}
	}
	_, err := mustKind(t, "pagerduty").Decode(Request{Body: []byte(`{"event":{"event_type":"incident.annotated","resource_type":"incident","data":{"id":"P1"}}}`)})
	wantDecodeError(t, err, "incident.annotated", "neither opens nor closes")
	_, err = mustKind(t, "pagerduty").Decode(Request{Body: []byte(`{"event":{"event_type":"incident.triggered","resource_type":"incident"}}`)})
	wantDecodeError(t, err, "missing event.data")
}

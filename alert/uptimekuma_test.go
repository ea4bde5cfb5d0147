package alert

import (
	"bytes"
	"mime/multipart"
	"testing"
	"time"
)

func TestDecodeUptimeKumaFixtures(t *testing.T) {
	const test = "My Webhook Alert (1) Testing"
	table := map[string]fixtureCase{
		// Down without ping; heartbeat.time is UTC without a zone.
		"captured-down-http-monitor.json": {rows: []row{{"monitor:1", Open, High, "[pmwiki] [🔴 Down] Request failed with status code 503", "pmwiki"}},
			at: []time.Time{utc("2025-06-30T01:42:13.564Z")}},
		"captured-up-http-monitor.json": {rows: []row{{"monitor:1", Close, "", "[pmwiki] [✅ Up] 200 - OK", "pmwiki"}},
			at: []time.Time{utc("2025-06-30T01:47:13.797Z")}},
		// Seven days left: high; keyed by URL and certificate type so each
		// warning day updates one notification.
		"cert-expiry-no-heartbeat-no-monitor.constructed.json": {rows: []row{{"certificate:https://apache.joatd.org:server", Open, High,
			"[pmwiki][https://apache.joatd.org] server certificate apache.joatd.org will expire in 7 days", "pmwiki"}}},
		// The Test button opens and closes at once.
		"test-notification.constructed.json": {rows: []row{{"test:" + test, Open, Info, test, ""}, {"test:" + test, Close, Info, test, ""}}},
	}
	checkFixtures(t, "uptimekuma", "uptime-kuma", table, func(b []byte) Request { return Request{Body: b} })
}

func TestUptimeKumaFormData(t *testing.T) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := w.WriteField("data", string(readFixture(t, "uptime-kuma/captured-down-http-monitor.json"))); err != nil {
		t.Fatal(err)
	}
	w.Close()
	_, ev := decodeOne(t, "uptimekuma", Request{Header: headers("Content-Type", w.FormDataContentType()), Body: buf.Bytes()})
	if ev.Key != "monitor:1" || ev.Type != Open {
		t.Errorf("form data decoded to %+v", ev)
	}
	_, err := mustKind(t, "uptimekuma").Decode(Request{Header: headers("Content-Type", w.FormDataContentType()), Body: []byte("junk")})
	wantDecodeError(t, err, "form data")
}

func TestUptimeKumaStatuses(t *testing.T) {
	tests := map[string]struct {
		typ Type
		sev Severity
	}{
		`{"heartbeat":{"monitorID":5,"status":2},"msg":"m"}`: {Open, Low},
		`{"heartbeat":{"monitorID":5,"status":3},"msg":"m"}`: {Close, ""},
	}
	for body, want := range tests {
		_, ev := decodeOne(t, "uptimekuma", Request{Body: []byte(body)})
		if ev.Type != want.typ || ev.Severity != want.sev || ev.Key != "monitor:5" {
			t.Errorf("%s: %s %s %s", body, ev.Key, ev.Type, ev.Severity)
		}
	}
	for body, words := range map[string][]string{
		`{"heartbeat":{"monitorID":5,"status":7}}`:        {"heartbeat.status 7"},
		`{"heartbeat":{"monitorID":5}}`:                   {"missing heartbeat.status"},
		`{"heartbeat":{"status":0}}`:                      {"missing monitor.id"},
		`{"heartbeat":null,"monitor":null,"msg":"hello"}`: {`msg "hello"`},
		`{}`: {"not an Uptime Kuma"},
	} {
		_, err := mustKind(t, "uptimekuma").Decode(Request{Body: []byte(body)})
		wantDecodeError(t, err, words...)
	}
}

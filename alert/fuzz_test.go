package alert

import (
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// checkDelivery holds every decoder to its contract: an error is a
// *DecodeError with a reason; a delivery has at least one event, each with
// a key, a known type, an open's real severity, and each one storable as
// JSON (which, for instance, rules out years past 9999).
func checkDelivery(t *testing.T, d Delivery, err error) {
	t.Helper()
	if err != nil {
		var de *DecodeError
		if !errors.As(err, &de) || de.Reason == "" {
			t.Fatalf("error %v (%T) is not a *DecodeError with a reason", err, err)
		}
		return
	}
	if len(d.Events) == 0 {
		t.Fatal("no error and no events")
	}
	for i, ev := range d.Events {
		if ev.Key == "" {
			t.Errorf("event %d has no key", i)
		}
		if ev.Type != Open && ev.Type != Close {
			t.Errorf("event %d has type %q", i, ev.Type)
		}
		if ev.Type == Open && ev.Severity.Rank() == 0 {
			t.Errorf("open event %d has severity %q", i, ev.Severity)
		}
	}
	if _, err := json.Marshal(d.Events); err != nil {
		t.Errorf("events do not marshal: %v", err)
	}
}

// seedFuzz adds every file of the given fixture folders as a seed body.
func seedFuzz(f *testing.F, add func(body []byte), dirs ...string) {
	for _, dir := range dirs {
		for _, p := range filesIn(f, dir, "*") {
			add(readFile(f, p))
		}
	}
}

func fuzzDecode(t *testing.T, kind string, req Request) {
	d, err := mustKind(t, kind).Decode(req)
	checkDelivery(t, d, err)
}

func FuzzDecodeStackState(f *testing.F) {
	seedFuzz(f, func(b []byte) { f.Add(b) }, filepath.Join(fixturesDir, "stackstate"))
	f.Add([]byte(`{"notificationId":"n","event":{"type":"open","triggeredTimeMs":9e18},"component":{"tags":{"a":1}},"tags":["x:y"]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzDecode(t, "stackstate", Request{Body: body})
	})
}

func FuzzDecodeGeneric(f *testing.F) {
	seedFuzz(f, func(b []byte) { f.Add("", b) }, genericDir)
	f.Add("idem-1", []byte(`{"key":"k","title":"T","status":"resolved","severity":"P1","occurred_at":"2026-01-01T00:00:00Z"}`))
	f.Fuzz(func(t *testing.T, idempotencyKey string, body []byte) {
		fuzzDecode(t, "generic", Request{Header: http.Header{"Idempotency-Key": {idempotencyKey}}, Body: body})
	})
}

func FuzzDecodeStandard(f *testing.F) {
	seedFuzz(f, func(b []byte) { f.Add("msg_1", b) }, genericDir, filepath.Join(fixturesDir, "standard-webhooks"))
	f.Fuzz(func(t *testing.T, id string, body []byte) {
		fuzzDecode(t, "standard", Request{Header: http.Header{"Webhook-Id": {id}}, Body: body})
	})
}

func FuzzDecodeAutoheal(f *testing.F) {
	seedFuzz(f, func(b []byte) { f.Add(b) }, filepath.Join(fixturesDir, "autoheal"))
	f.Add([]byte(`{"text":"h|[a (0123456789ab)] Container last output: "x"|y|[a (0123456789ab)] Container restart failed: z"}`))
	f.Add([]byte("Container my-app (0123456789ab) found to be unhealthy. Failed to restart the container!"))
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzDecode(t, "autoheal", Request{Body: body})
	})
}

func FuzzDecodeAlertmanager(f *testing.F) {
	seedFuzz(f, func(b []byte) { f.Add(b) }, filepath.Join(fixturesDir, "alertmanager"))
	f.Add([]byte(`{"alerts":[{"labels":{"a":"1"},"endsAt":"2000-01-01T00:00:00Z","fingerprint":"x"},{"labels":{"a":"2"},"fingerprint":"x"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzDecode(t, "alertmanager", Request{Body: body, Now: time.Unix(1700000000, 0), Settings: Settings{ComponentLabel: "job"}})
	})
}

func FuzzDecodeGrafana(f *testing.F) {
	seedFuzz(f, func(b []byte) { f.Add(b) }, filepath.Join(fixturesDir, "grafana"))
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzDecode(t, "grafana", Request{Body: body, Now: time.Unix(1700000000, 0)})
	})
}

func FuzzDecodeDatadog(f *testing.F) {
	seedFuzz(f, func(b []byte) { f.Add(b) }, filepath.Join(fixturesDir, "datadog"))
	f.Add([]byte(`{"title":"[P1] [Re-Triggered on {host:a}] x","body":"https://x/monitors/1?group=host%3Aa&amp;b=c","alert":{"alert_cycle_key":"null"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzDecode(t, "datadog", Request{Body: body})
	})
}

func FuzzDecodePagerDuty(f *testing.F) {
	seedFuzz(f, func(b []byte) { f.Add("wh-1", b) }, filepath.Join(fixturesDir, "pagerduty"))
	f.Fuzz(func(t *testing.T, webhookID string, body []byte) {
		fuzzDecode(t, "pagerduty", Request{Header: http.Header{"X-Webhook-Id": {webhookID}}, Body: body})
	})
}

func FuzzDecodeUptimeKuma(f *testing.F) {
	seedFuzz(f, func(b []byte) { f.Add(b) }, filepath.Join(fixturesDir, "uptime-kuma"))
	f.Add([]byte(`{"heartbeat":{"monitorID":"7","status":0,"time":"2025-01-01 00:00:00"},"monitor":{"tags":[{"name":"env","value":"prod"},3]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzDecode(t, "uptimekuma", Request{Body: body})
	})
}

// TestDecodersOnEveryFixture feeds every shared fixture, of every tool, to
// every decoder: a sender pointed at the wrong kind of source must get a
// DecodeError, never a panic or a keyless event.
func TestDecodersOnEveryFixture(t *testing.T) {
	var paths []string
	err := filepath.WalkDir(fixturesDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			paths = append(paths, p)
		}
		return err
	})
	if err != nil || len(paths) < 50 {
		t.Fatalf("walk %s: %d files, %v", fixturesDir, len(paths), err)
	}
	for _, name := range KindNames() {
		for _, p := range paths {
			req := Request{Header: headers("Webhook-Id", "msg_1"), Body: readFile(t, p)}
			d, err := mustKind(t, name).Decode(req)
			checkDelivery(t, d, err)
		}
	}
}

// TestKindsRegistered checks the registry against KindNames and that each
// kind accepts a request authenticated with a secret it generated.
func TestKindsRegistered(t *testing.T) {
	body := []byte(`{"hostname":"h","incident_type":"i"}`)
	for _, name := range KindNames() {
		t.Run(name, func(t *testing.T) {
			k := mustKind(t, name)
			if k.Name != name || k.Label == "" || k.Verify == nil || k.Decode == nil || k.GenerateSecret == nil {
				t.Fatalf("kind %+v is incomplete", k)
			}
			secret := k.GenerateSecret()
			if len(secret) < 32 || secret == k.GenerateSecret() {
				t.Fatalf("secret %q is short or repeats", secret)
			}
			if err := k.Verify(signedFor(name, secret, body), secret); err != nil {
				t.Errorf("own secret rejected: %v", err)
			}
		})
	}
	if len(kinds) != len(KindNames()) {
		t.Errorf("%d kinds registered, KindNames lists %d", len(kinds), len(KindNames()))
	}
}

// signedFor authenticates body as the kind's sender would.
func signedFor(kind, secret string, body []byte) Request {
	now := time.Unix(1700000000, 0)
	h := http.Header{}
	switch kind {
	case "stackstate":
		h.Set(StackStateHeader, secret)
	case "autoheal":
		h.Set(AutohealHeader, secret)
	case "generic":
		h.Set("X-Signature", "sha256="+hmacHexOf(secret, body))
	case "alertmanager", "grafana":
		h.Set("Authorization", "Bearer "+secret)
	case "datadog", "uptimekuma":
		h.Set(WebhookTokenHeader, secret)
	case "pagerduty":
		h.Set(PagerDutySignatureHeader, SignPagerDuty(secret, body))
	case "standard":
		h.Set("webhook-id", "msg_1")
		h.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
		h.Set("webhook-signature", SignStandard(secret, "msg_1", now, body))
	}
	return Request{Header: h, Body: body, Now: now}
}

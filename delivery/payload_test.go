package delivery

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
)

// fixturesDir holds the shared payloads; tests read them in place and fail
// (never skip) when they are missing.
const fixturesDir = "../../shared/fixtures"

func readFixture(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixturesDir, rel))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return b
}

// generic decodes JSON into maps and slices, so that two bodies compare by
// content and field names, not by key order or spacing.
func generic(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not a JSON object: %v\n%s", err, b)
	}
	return m
}

// TestEnvelopeDecodesFixtures proves the Envelope's field names are
// StackState's: the docs' open example decodes with no field left over and
// re-encodes to the same document. The docs' close example sends tags where
// the schema says metadata; everything else must round-trip.
func TestEnvelopeDecodesFixtures(t *testing.T) {
	tests := []struct {
		file   string
		ignore []string // top-level fields the fixture gets wrong
	}{
		{"stackstate/docs-open-notification.json", nil},
		{"stackstate/docs-close-notification.json", []string{"tags", "metadata"}},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			raw := readFixture(t, tt.file)
			dec := json.NewDecoder(bytes.NewReader(raw))
			if tt.ignore == nil {
				dec.DisallowUnknownFields()
			}
			var env Envelope
			if err := dec.Decode(&env); err != nil {
				t.Fatalf("decode: %v", err)
			}
			out, err := encode(env)
			if err != nil {
				t.Fatal(err)
			}
			want, got := generic(t, raw), generic(t, out)
			for _, k := range tt.ignore {
				delete(want, k)
				delete(got, k)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("round trip differs\n got %s\nwant %s", out, raw)
			}
		})
	}
}

// fixtureNotification is the notification and channel behind the docs'
// examples, in Alertgate's terms.
func fixtureNotification(t *testing.T) (Notification, ChannelRef) {
	t.Helper()
	var env Envelope
	if err := json.Unmarshal(readFixture(t, "stackstate/docs-open-notification.json"), &env); err != nil {
		t.Fatal(err)
	}
	c, m := env.Component, env.Monitor
	n := Notification{
		ID:          env.NotificationID,
		Title:       env.Event.Title,
		SenderState: env.Event.State,
		Severity:    alert.Critical,
		OpenedAt:    time.UnixMilli(env.Event.TriggeredTimeMs),
		CloseReason: "HealthStateResolved",
		Component:   alert.Component{Identifier: c.Identifier, Name: c.Name, Type: c.Type, Link: c.Link, Tags: c.Tags},
		Monitor:     alert.Monitor{Identifier: m.Identifier, Name: m.Name, Link: m.Link},
	}
	nc := env.NotificationConfiguration
	return n, ChannelRef{ID: nc.Identifier, Name: nc.Name, Link: nc.Link, Metadata: env.Metadata}
}

// TestBuildEnvelopeMatchesStackState builds the docs' open example from its
// parts and gets the docs' document back, byte-for-byte in content.
func TestBuildEnvelopeMatchesStackState(t *testing.T) {
	n, ch := fixtureNotification(t)
	for _, change := range []string{ChangeOpen, ChangeUpdate, "opened", "updated"} {
		b, err := BuildEnvelope(n, change, ch)
		if err != nil {
			t.Fatalf("%s: %v", change, err)
		}
		want := generic(t, readFixture(t, "stackstate/docs-open-notification.json"))
		if got := generic(t, b); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: envelope differs from the docs' example\n got %s", change, b)
		}
	}
}

func TestBuildEnvelopeClose(t *testing.T) {
	n, ch := fixtureNotification(t)
	for _, change := range []string{ChangeClose, "closed"} {
		b, err := BuildEnvelope(n, change, ch)
		if err != nil {
			t.Fatalf("%s: %v", change, err)
		}
		got := generic(t, b)
		want := map[string]any{"type": "close", "reason": "HealthStateResolved"}
		if !reflect.DeepEqual(got["event"], want) {
			t.Errorf("%s: event = %v, want %v", change, got["event"], want)
		}
		if got["notificationId"] != n.ID {
			t.Errorf("%s: notificationId = %v", change, got["notificationId"])
		}
		// The docs' close example names the same fields apart from its
		// tags/metadata slip.
		fixture := generic(t, readFixture(t, "stackstate/docs-close-notification.json"))
		delete(fixture, "tags")
		fixture["metadata"] = nil
		if !sameKeys(got, fixture) {
			t.Errorf("%s: fields %v, the docs' close example has %v", change, keys(got), keys(fixture))
		}
	}
}

func sameKeys(a, b map[string]any) bool {
	return reflect.DeepEqual(keys(a), keys(b))
}

// keys lists a document's fields and, one level down, its objects' fields
// (metadata's keys are the channel's, not field names).
func keys(m map[string]any) []string {
	var ks []string
	for k, v := range m {
		ks = append(ks, k)
		if sub, ok := v.(map[string]any); ok && k != "metadata" {
			for sk := range sub {
				ks = append(ks, k+"."+sk)
			}
		}
	}
	slices.Sort(ks)
	return ks
}

func TestBuildEnvelopeEvent(t *testing.T) {
	opened := time.Date(2026, 3, 1, 12, 0, 0, 250e6, time.UTC)
	base := Notification{ID: "n-1", Title: "disk full", Severity: alert.High, OpenedAt: opened}
	tests := []struct {
		name   string
		n      func(Notification) Notification
		change string
		want   Event
	}{
		{"open keeps the sender's state", func(n Notification) Notification { n.SenderState = "DEVIATING"; return n },
			ChangeOpen, Event{Type: "open", State: "DEVIATING", Title: "disk full", TriggeredTimeMs: opened.UnixMilli()}},
		{"open without state sends the severity", func(n Notification) Notification { return n },
			ChangeOpen, Event{Type: "open", State: "HIGH", Title: "disk full", TriggeredTimeMs: opened.UnixMilli()}},
		{"update is an open event", func(n Notification) Notification { n.SenderState = "CRITICAL"; return n },
			ChangeUpdate, Event{Type: "open", State: "CRITICAL", Title: "disk full", TriggeredTimeMs: opened.UnixMilli()}},
		{"open without title falls back to the monitor", func(n Notification) Notification {
			n.Title, n.Monitor.Name = "", "Disk usage"
			return n
		}, ChangeOpen, Event{Type: "open", State: "HIGH", Title: "Disk usage", TriggeredTimeMs: opened.UnixMilli()}},
		{"close with the sender's reason", func(n Notification) Notification { n.CloseReason = "ConfigRemoved"; return n },
			ChangeClose, Event{Type: "close", Reason: "ConfigRemoved"}},
		{"close without reason", func(n Notification) Notification { return n },
			ChangeClose, Event{Type: "close", Reason: DefaultCloseReason}},
		{"close needs no opening time", func(n Notification) Notification { n.OpenedAt = time.Time{}; return n },
			ChangeClose, Event{Type: "close", Reason: DefaultCloseReason}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := BuildEnvelope(tt.n(base), tt.change, ChannelRef{ID: "7", Name: "ops"})
			if err != nil {
				t.Fatal(err)
			}
			var env Envelope
			if err := json.Unmarshal(b, &env); err != nil {
				t.Fatal(err)
			}
			if env.Event != tt.want {
				t.Errorf("event = %+v, want %+v", env.Event, tt.want)
			}
			ev := generic(t, b)["event"].(map[string]any)
			if tt.want.Type == "close" && (ev["state"] != nil || ev["title"] != nil || ev["triggeredTimeMs"] != nil) {
				t.Errorf("close event carries open fields: %v", ev)
			}
		})
	}
}

// TestBuildEnvelopeRequiredFields: the schema requires metadata and the tag
// lists, so they are empty rather than null or missing.
func TestBuildEnvelopeRequiredFields(t *testing.T) {
	n := Notification{ID: "n-1", Title: "t", OpenedAt: time.Unix(1, 0)}
	b, err := BuildEnvelope(n, ChangeOpen, ChannelRef{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"metadata":{}`, `"tags":[]`, `"notificationConfiguration":{"identifier":"","name":"","link":""}`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("body lacks %s: %s", want, b)
		}
	}
	if strings.Contains(string(b), "null") {
		t.Errorf("body has a null: %s", b)
	}
}

func TestBuildEnvelopeErrors(t *testing.T) {
	ok := Notification{ID: "n-1", Title: "t", OpenedAt: time.Unix(1, 0)}
	tests := []struct {
		name   string
		n      Notification
		change string
		want   string
	}{
		{"no id", Notification{Title: "t", OpenedAt: time.Unix(1, 0)}, ChangeOpen, "no id"},
		{"repeat is not sent", ok, "repeated", `change "repeated"`},
		{"empty change", ok, "", `change ""`},
		{"open without time", Notification{ID: "n-1"}, ChangeOpen, "no opening time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := BuildEnvelope(tt.n, tt.change, ChannelRef{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestBuildEnvelopeUnicode(t *testing.T) {
	n := Notification{
		ID: "n-ü", Title: "Überlast — 応答時間 > 3 s & <steigend> 🚨", SenderState: "KRITISCH",
		OpenedAt:  time.Unix(1700000000, 0),
		Component: alert.Component{Name: "Zahlungsdienst ✓", Tags: []string{"équipe:paiement"}},
		Monitor:   alert.Monitor{Name: "Antwortzeit ≥ 3 s"},
	}
	ch := ChannelRef{ID: "ch-1", Name: "Bereitschaft 📟", Metadata: map[string]string{"équipe": "Équipe A", "时区": "UTC+8"}}
	b, err := BuildEnvelope(n, ChangeOpen, ch)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(b) || !strings.Contains(string(b), n.Title) {
		// Written as UTF-8, not \u escapes, so raw logs read as sent.
		t.Errorf("title not sent verbatim: %s", b)
	}
	var env Envelope
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatal(err)
	}
	if env.Event.Title != n.Title || env.Event.State != "KRITISCH" || env.Component.Name != n.Component.Name ||
		env.Component.Tags[0] != "équipe:paiement" || env.Monitor.Name != n.Monitor.Name ||
		env.NotificationConfiguration.Name != ch.Name || !maps.Equal(env.Metadata, ch.Metadata) {
		t.Errorf("unicode did not survive: %+v", env)
	}
}

func TestSampleEnvelope(t *testing.T) {
	ch := ChannelRef{ID: "12", Name: "on-call", Link: "https://alertgate.example/channels/12", Metadata: map[string]string{"team": "A"}}
	before := time.Now()
	b, err := SampleEnvelope(ch)
	if err != nil {
		t.Fatal(err)
	}
	var env Envelope
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatal(err)
	}
	if env.NotificationID != SampleNotificationID || env.Event.Type != "open" || env.Event.State != "CRITICAL" {
		t.Errorf("not a sample open event: %s", b)
	}
	if !strings.Contains(env.Event.Title, "TEST") {
		t.Errorf("title %q does not say it is a test", env.Event.Title)
	}
	if ms := env.Event.TriggeredTimeMs; ms < before.UnixMilli() || ms > time.Now().UnixMilli() {
		t.Errorf("triggeredTimeMs %d is not now", ms)
	}
	want := NotificationConfiguration{Identifier: "12", Name: "on-call", Link: ch.Link}
	if env.NotificationConfiguration != want || env.Metadata["team"] != "A" {
		t.Errorf("channel not echoed: %+v %v", env.NotificationConfiguration, env.Metadata)
	}
	if env.Component.Identifier == "" || env.Component.Name == "" || env.Monitor.Name == "" || len(env.Component.Tags) == 0 {
		t.Errorf("sample is not realistic: %s", b)
	}
}

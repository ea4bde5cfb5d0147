package alert

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestDecodeGrafanaFixtures(t *testing.T) {
	table := map[string]fixtureCase{
		"alerting-test-custom-payload-toplevel-array.json": {err: []string{"JSON array", "custom payload template"}},
		// Zero startsAt: no time of its own.
		"alerting-test-default-payload-template.json": {rows: []row{{"fac0861a85de433a", Open, High, "alert1", ""}}, at: []time.Time{{}}},
		"docs-webhook-firing-two-alerts.json": {rows: []row{
			{"c6eadffa33fcdf37", Open, High, "This alert was triggered for zone us-1", ""},
			{"bc97ff14869b13e3", Open, High, "This alert was triggered for zone eu-1", ""},
		}, at: []time.Time{utc("2021-10-12T07:51:03.157076Z"), utc("2021-10-12T07:56:03.157076Z")}},
		"hmac-signature-vectors.DERIVED.json": {err: []string{"missing alerts"}},
		// An alert with only a status: keyed by the empty label set, titled
		// by the group.
		"zulip-alert_alerts_style_missing_fields.json": {rows: []row{{"cbf29ce484222325", Open, High, "[FIRING:1]", ""}},
			note: "alerts of this group left out by the sender (max_alerts): 1"},
		// Grafana's test notification: resolved while state says alerting.
		"zulip-alert_new_no_labels.json": {rows: []row{{"57c6d9296de2ad39", Close, High, "[RESOLVED:1]  (TestAlert Grafana)", ""}},
			note: "alerts of this group left out by the sender (max_alerts): 1", at: []time.Time{utc("2022-08-31T10:30:00.52288431Z")}},
		"zulip-alert_values_v11.json": {rows: []row{{"e6349a25f5ef0e9e", Open, High, "High memory usage", ""}}},
		"zulip-legacy-alert_ok.json":  {err: []string{"legacy", "unified alerting"}},
	}
	checkFixtures(t, "grafana", "grafana", table, func(b []byte) Request { return Request{Body: b, Now: arrival} })
}

func TestGrafanaKeepsValuesAndLinks(t *testing.T) {
	_, ev := decodeOne(t, "grafana", Request{Body: readFixture(t, "grafana/zulip-alert_values_v11.json"), Now: arrival})
	var got struct {
		Values       map[string]float64 `json:"values"`
		DashboardURL string             `json:"dashboardURL"`
	}
	if err := json.Unmarshal(ev.Evidence, &got); err != nil {
		t.Fatal(err)
	}
	if got.Values["A"] != 2473545728 || got.DashboardURL == "" || ev.Component.Link == "" {
		t.Errorf("evidence %s, component link %q", ev.Evidence, ev.Component.Link)
	}
}

// The vectors were computed outside this package (see the fixture's note).
func TestGrafanaSignatureVectors(t *testing.T) {
	var f struct {
		Vectors []struct {
			Secret    string  `json:"secret"`
			Timestamp *string `json:"timestamp"`
			Body      *string `json:"body"`
			BodyFile  string  `json:"body_file"`
			Expected  string  `json:"expected_signature"`
		} `json:"vectors"`
	}
	if err := json.Unmarshal(readFixture(t, "grafana/hmac-signature-vectors.DERIVED.json"), &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Vectors) != 4 {
		t.Fatalf("%d vectors", len(f.Vectors))
	}
	for i, v := range f.Vectors {
		body := readFixture(t, "grafana/docs-webhook-firing-two-alerts.json")
		if v.Body != nil {
			body = []byte(*v.Body)
		}
		req := Request{Header: headers(GrafanaSignatureHeader, v.Expected), Body: body}
		if v.Timestamp != nil {
			ts, _ := strconv.ParseInt(*v.Timestamp, 10, 64)
			req.Header.Set("X-Grafana-Timestamp", *v.Timestamp)
			req.Settings.TimestampHeader = "X-Grafana-Timestamp"
			req.Now = time.Unix(ts+120, 0)
		}
		if err := verifyGrafana(req, v.Secret); err != nil {
			t.Errorf("vector %d refused: %v", i, err)
		}
		if v.Timestamp != nil {
			// Signed with the time, so out of the window it fails.
			req.Now = req.Now.Add(10 * time.Minute)
			wantAuthError(t, verifyGrafana(req, v.Secret), "", "in the past")
		}
	}
}

func TestVerifyGrafana(t *testing.T) {
	const secret = "grafana-secret-0123456789abcdef"
	body := []byte(`{"alerts":[]}`)
	now := time.Unix(1700000000, 0)
	ts := "1700000000"
	withTS := Settings{TimestampHeader: "X-Ts"}
	tests := []struct {
		name     string
		h        []string
		settings Settings
		words    []string // nil: accepted
	}{
		{"bearer", []string{"Authorization", "Bearer " + secret}, Settings{}, nil},
		{"hmac of body", []string{GrafanaSignatureHeader, SignGrafana(secret, "", body)}, Settings{}, nil},
		{"hmac in upper-case hex", []string{GrafanaSignatureHeader, strings.ToUpper(SignGrafana(secret, "", body))}, Settings{}, nil},
		{"hmac of ts:body", []string{GrafanaSignatureHeader, SignGrafana(secret, ts, body), "X-Ts", ts}, withTS, nil},
		{"body-only hmac when ts configured", []string{GrafanaSignatureHeader, SignGrafana(secret, "", body), "X-Ts", ts}, withTS, []string{"timestamp:body"}},
		{"ts header missing", []string{GrafanaSignatureHeader, SignGrafana(secret, ts, body)}, withTS, []string{"missing header X-Ts"}},
		{"ts not a number", []string{GrafanaSignatureHeader, SignGrafana(secret, "x", body), "X-Ts", "x"}, withTS, []string{"not unix seconds"}},
		{"ts too new", []string{GrafanaSignatureHeader, SignGrafana(secret, "1700000400", body), "X-Ts", "1700000400"}, withTS, []string{"400 s in the future"}},
		{"signature missing when ts configured", []string{"X-Ts", ts}, withTS, []string{"missing header " + GrafanaSignatureHeader}},
		{"bad hmac", []string{GrafanaSignatureHeader, SignGrafana("other", "", body)}, Settings{}, []string{GrafanaSignatureHeader, "starts"}},
		{"nothing", nil, Settings{}, []string{"missing header Authorization"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := verifyGrafana(Request{Header: headers(tt.h...), Body: body, Now: now, Settings: tt.settings}, secret)
			if tt.words == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			wantAuthError(t, err, secret, tt.words...)
		})
	}
}

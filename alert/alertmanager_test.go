package alert

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

// arrival is when the fixtures are taken to arrive: after every endsAt in
// them, so an alert without a status that has ended reads as resolved.
var arrival = time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)

func TestDecodeAlertmanagerFixtures(t *testing.T) {
	const disk = "Disk usage alert on CS30.evilcorp"
	diskClosed := fixtureCase{rows: []row{{"dd19ae3d4e06ac55", Close, High, disk, "cs30.evilcorp"}}}
	table := map[string]fixtureCase{
		"captured-compact-resolved-notification_reason.json": {
			rows: []row{{"1c90b4a513296c21", Close, Critical, "Target 19 has failed repeatedly in the last 5 minutes", "app:8000"}},
			at:   []time.Time{utc("2026-08-07T07:36:13.599Z")},
		},
		// CJK names; "exception" is not a known severity word: high.
		"cloudeon-unicode-firing-3-alerts.json": {rows: []row{
			{"72a2002704e27a2e", Open, High, "444", "k8s-node1:9101"},
			{"ba18df1a61fe8e0b", Open, High, "444", "k8s-node2:9101"},
			{"5a6e9db40eb24b04", Open, High, "444", "k8s-node3:9101"},
		}, at: []time.Time{utc("2023-03-25T14:39:51.68943305+08:00"), utc("2023-03-25T14:41:21.68943305+08:00"), utc("2023-03-25T14:41:06.68943305+08:00")}},
		// No summary or description: the alertname.
		"cloudeon-unicode-resolved.json": {rows: []row{{"20453f227ff62f33", Close, High, "Grafana进程存活", "k8s-node1:3000"}},
			at: []time.Time{utc("2023-03-25T15:27:51.039625135+08:00")}},
		"prom2teams-all_ok.json":                   diskClosed,
		"prom2teams-all_ok_extra_annotations.json": diskClosed,
		"prom2teams-all_ok_extra_labels.json":      diskClosed,
		// One fingerprint on two label sets: each keyed by its labels.
		"prom2teams-all_ok_multiple.json": {rows: []row{
			{"d7639280ae704875", Close, High, disk, "cs30.evilcorp"},
			{"73156dd28f7bde77", Close, Critical, "Disk usage alert on CS31.evilcorp", "cs31.evilcorp"},
		}, at: []time.Time{utc("2017-05-09T07:08:37.818Z"), utc("2017-05-09T07:08:37.81827Z")}},
		// No instance or job label: no component.
		"prom2teams-with_common_items.json": {rows: []row{{"dd19ae3d4e06ac55", Close, Medium, "CPU throttling", ""}}},
		// Fingerprint computed from the labels.
		"prom2teams-without_fingerprint.json": {rows: []row{{"d7639280ae704875", Close, High, disk, "cs30.evilcorp"}}},
		// The job label names the component when instance is missing.
		"prom2teams-without_instance_field.json": {rows: []row{{"dd19ae3d4e06ac55", Close, High, disk, "fsociety"}}},
		// No status anywhere and an endsAt in the past: resolved; title
		// from the description.
		"prom2teams-without_mandatory_field.json": {rows: []row{{"dd19ae3d4e06ac55", Close, High, "disk usage 73% on rootfs device", "fsociety"}}},
		"prom2teams-without_optional_field.json":  {rows: []row{{"230df8ca898682ca", Close, High, disk, "cs30.evilcorp"}}},
		"prometheus-msteams-card-example-payload.json": {rows: []row{
			{"ff6a7a0f5f1c1309", Open, Info, "Ratio(Max(Working Set, RSS) / Reservation) [5m Avg] < 40 %", ""},
			{"554664fa753a2b45", Open, Info, "Ratio(Max(Working Set, RSS) / Reservation) [5m Avg] < 40 %", ""},
			{"911c76f0240f015b", Open, Info, "Ratio(Max(Working Set, RSS) / Reservation) [5m Avg] < 40 %", ""},
		}},
		// No alert status: the group's firing; -05:00 with 9 digits.
		"prometheus-msteams-prom_post_request.json": {rows: []row{{"b29784719d6a11e6", Open, Medium, "Server High Memory usage", "instance-with-hyphen_and_underscore"}},
			at: []time.Time{utc("2018-03-07T11:33:21.873077559Z")}},
		// Identical labels, different fingerprints: two notifications.
		"zulip-alert.json": {rows: []row{
			{"a1bc48475b20e73d", Open, Critical, "High CPU core temperature", ""},
			{"c2ea85182f28cbd9", Open, Critical, "High CPU core temperature", ""},
		}},
		"zulip-single_alert_no_url.json": {rows: []row{{"a1bc48475b20e73d", Open, Critical, "High CPU core temperature", ""}}},
	}
	checkFixtures(t, "alertmanager", "alertmanager", table, func(b []byte) Request { return Request{Body: b, Now: arrival} })
}

// TestAlertmanagerFingerprintMatchesRealCaptures checks the computed
// fingerprint against what real Alertmanagers sent for the same labels.
func TestAlertmanagerFingerprintMatchesRealCaptures(t *testing.T) {
	for _, f := range []string{"captured-compact-resolved-notification_reason.json", "cloudeon-unicode-firing-3-alerts.json", "cloudeon-unicode-resolved.json"} {
		var m amMessage
		if err := decodeObject(readFixture(t, "alertmanager/"+f), &m); err != nil {
			t.Fatal(err)
		}
		for _, a := range *m.Alerts {
			if got := labelsFingerprint(a.Labels); got != a.Fingerprint {
				t.Errorf("%s: fingerprint of %v = %s, Alertmanager sent %s", f, a.Labels, got, a.Fingerprint)
			}
		}
	}
}

func TestAlertmanagerSettings(t *testing.T) {
	body := readFixture(t, "alertmanager/cloudeon-unicode-firing-3-alerts.json")
	s := Settings{ComponentLabel: "serviceRoleName", SeverityMap: map[string]Severity{"exception": Critical}}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	d, err := mustKind(t, "alertmanager").Decode(Request{Body: body, Now: arrival, Settings: s})
	if err != nil {
		t.Fatal(err)
	}
	ev := d.Events[0]
	if ev.Severity != Critical || ev.Component.Name != "node" {
		t.Errorf("with settings: severity %s, component %q; want critical, node", ev.Severity, ev.Component.Name)
	}
	if ev.Labels["clusterId"] != "1" || !strings.Contains(string(ev.Evidence), "实例产生告警") {
		t.Errorf("labels %v or annotations %s not kept", ev.Labels, ev.Evidence)
	}
}

func TestAlertmanagerDeliveryKey(t *testing.T) {
	decode := func(body string) Delivery {
		t.Helper()
		d, err := mustKind(t, "alertmanager").Decode(Request{Body: []byte(body), Now: arrival})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	firing := `{"version":"4","groupKey":"g","status":"firing","alerts":[{"status":"firing","labels":{"a":"1"},"startsAt":"2026-01-01T00:00:00Z","fingerprint":"f1"}]}`
	again := strings.Replace(firing, `"version":"4",`, `"version":"4","receiver":"x",`, 1)
	resolved := strings.ReplaceAll(firing, "firing", "resolved")
	if decode(firing).Key != decode(again).Key {
		t.Error("the same group state resent has a new delivery key")
	}
	if decode(firing).Key == decode(resolved).Key {
		t.Error("firing and resolved share a delivery key")
	}
}

func TestAlertmanagerRejects(t *testing.T) {
	tests := map[string][]string{
		`{"version":"4"}`:                                   {"missing alerts"},
		`{"version":"4","alerts":[]}`:                       {"alerts is empty"},
		`{"version":"3","alerts":[{}]}`:                     {`version "3"`, "version 4"},
		`{"version":"1","orgId":1,"alerts":[{}]}`:           {"Grafana", "kind grafana"},
		`{"alerts":[{"status":"pending"}]}`:                 {`alerts[0].status "pending"`},
		`{"alerts":[{"status":"firing","startsAt":"yes"}]}`: {"alerts[0].startsAt", "RFC 3339"},
		`[{"status":"firing"}]`:                             {"JSON array"},
	}
	for body, words := range tests {
		_, err := mustKind(t, "alertmanager").Decode(Request{Body: []byte(body)})
		wantDecodeError(t, err, words...)
	}
}

func TestVerifyBearerOrBasic(t *testing.T) {
	const secret = "am-secret-0123456789abcdef"
	basic := func(user, pw string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pw))
	}
	ok := []string{"Bearer " + secret, "bearer " + secret, basic("alertmanager", secret), basic("", secret)}
	for _, v := range ok {
		if err := verifyBearerOrBasic(Request{Header: headers("Authorization", v)}, secret); err != nil {
			t.Errorf("Authorization %q refused: %v", v, err)
		}
	}
	bad := map[string]string{
		"Bearer wrong":       "bearer scheme",
		basic("am", "wrong"): `user "am"`,
		"Basic !!!":          "not base64",
		"Token " + secret:    `scheme "Token"`,
		"Basic " + base64.StdEncoding.EncodeToString([]byte(secret)): "no user:password colon",
	}
	for v, word := range bad {
		wantAuthError(t, verifyBearerOrBasic(Request{Header: headers("Authorization", v)}, secret), secret, word)
	}
	wantAuthError(t, verifyBearerOrBasic(Request{Header: headers("X-Other", "1")}, secret), secret, "missing header Authorization", "X-Other")
	wantAuthError(t, verifyBearerOrBasic(Request{Header: headers("Authorization", "Bearer ")}, ""), "", "no secret")
}

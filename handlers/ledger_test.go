package handlers

import (
	"context"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/store"
	"github.com/alertgate/alertgate/store/ledger"
)

// ledgerNow is when the ledger tests look: March 20, 2026, noon UTC.
var ledgerNow = time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC)

// newLedgerApp is the real app with provisioned ledger settings: payment
// has its own target and price, everything else the defaults.
func newLedgerApp(t *testing.T) *testApp {
	t.Helper()
	st, err := store.Open(context.Background(), t.TempDir(), store.Options{PasswordCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clk := newClock(ledgerNow)
	settings := ledger.DefaultSettings()
	settings.Components = map[string]ledger.Target{"payment": {SLA: 99.95, CostPerMinute: 10}}
	base, _ := url.Parse("http://alertgate.test")
	app, err := New(st, Options{
		BaseURL: base, Version: "test", Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		SessionKeys: [][]byte{[]byte("0123456789abcdef0123456789abcdef")},
		SessionIdle: time.Hour, SessionMaxAge: 24 * time.Hour, Now: clk.Now, Ledger: settings,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &testApp{app: app, store: st, clock: clk}
}

// scripted is one scripted open or close from a monitor.
type scripted struct {
	key, component, severity, at string
	close                        bool
}

func (d scripted) body() string {
	status := ""
	if d.close {
		status = `,"status":"resolved"`
	}
	return fmt.Sprintf(`{"hostname":"%s-1","incident_type":"http_5xx","severity":"%s","key":"%s","component":"%s","occurred_at":"%s"%s}`,
		d.component, d.severity, d.key, d.component, d.at, status)
}

// scriptLedger posts the sequence the ledger tests expect and returns the
// notification id of each key.
func scriptLedger(t *testing.T, ta *testApp) map[string]string {
	t.Helper()
	ta.source(t, "mon", "generic", testSecret)
	script := []scripted{
		// Two monitors see one payment outage: 10:00-10:30 and 10:10-10:40.
		{"p1", "payment", "critical", "2026-03-02T10:00:00Z", false},
		{"p2", "payment", "high", "2026-03-02T10:10:00Z", false},
		{"p1", "payment", "critical", "2026-03-02T10:30:00Z", true},
		{"p2", "payment", "high", "2026-03-02T10:40:00Z", true},
		// Across midnight, ended by remediation.
		{"p3", "payment", "critical", "2026-03-05T23:50:00Z", false},
		{"p3", "payment", "critical", "2026-03-06T00:10:00Z", true},
		// A medium one is listed but not counted.
		{"w1", "web", "medium", "2026-03-03T08:00:00Z", false},
		{"w1", "web", "medium", "2026-03-03T09:00:00Z", true},
		// Began in February: only its hour in March counts.
		{"w2", "web", "critical", "2026-02-28T23:00:00Z", false},
		{"w2", "web", "critical", "2026-03-01T01:00:00Z", true},
		// Still down an hour before now.
		{"d1", "db", "critical", "2026-03-20T11:00:00Z", false},
	}
	ids := map[string]string{}
	for _, d := range script {
		r := ta.postGeneric(t, "mon", d.body(), nil)
		if r.status != http.StatusOK || len(r.body.Notifications) != 1 {
			t.Fatalf("%+v: %d %+v", d, r.status, r.body)
		}
		ids[d.key] = r.body.Notifications[0]
	}
	if err := ta.store.MarkRemediated(context.Background(), ids["p3"], time.Date(2026, 3, 6, 0, 5, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	return ids
}

const march = "/ledger?range=custom&from=2026-03-01&to=2026-03-31"

// apiLedgerAnswer is the part of the JSON the tests read.
type apiLedgerAnswer struct {
	From, To   string
	Currency   string
	Components []apiLedgerComponent
	Total      apiLedgerComponent
	Intervals  []struct {
		Component, Source, Title, Severity, Start, End string
		NotificationID                                 string `json:"notification_id"`
		DurationSeconds                                int64  `json:"duration_seconds"`
		Ongoing, Counted, Remediated                   bool
	}
}

func TestLedgerFromScriptedDeliveries(t *testing.T) {
	ta := newLedgerApp(t)
	ids := scriptLedger(t, ta)
	token := ta.token(t, "reports", store.RoleViewer)

	var got apiLedgerAnswer
	resp := ta.apiGet(t, token, "/api/v1/ledger?from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z", &got)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %+v", resp.StatusCode, got)
	}
	if got.From != "2026-03-01T00:00:00Z" || got.To != "2026-04-01T00:00:00Z" || got.Currency != "EUR" {
		t.Errorf("range %s..%s in %s", got.From, got.To, got.Currency)
	}
	comps := map[string]apiLedgerComponent{}
	for _, c := range got.Components {
		comps[c.Component] = c
	}
	// 19.5 days (468 hours) have elapsed: each component was down one of
	// them; payment may be down 842.4s of it, the others 1684.8s.
	want := map[string]apiLedgerComponent{
		"payment": {Component: "payment", Incidents: 2, DowntimeSeconds: 3600, MTTRSeconds: 1800, LongestSeconds: 2400,
			Availability: round(100*(1-1.0/468), 4), SLATarget: 99.95, Met: false, Cost: 600, RemediatedSeconds: 1200, ByHandSeconds: 2400,
			BudgetLeftSeconds: -2758},
		"web": {Component: "web", Incidents: 1, DowntimeSeconds: 3600, MTTRSeconds: 3600, LongestSeconds: 3600,
			Availability: round(100*(1-1.0/468), 4), SLATarget: 99.9, Met: false, Cost: 120, ByHandSeconds: 3600,
			BudgetLeftSeconds: -1915},
		"db": {Component: "db", Incidents: 1, DowntimeSeconds: 3600, MTTRSeconds: 3600, LongestSeconds: 3600,
			Availability: round(100*(1-1.0/468), 4), SLATarget: 99.9, Met: false, Cost: 120, Ongoing: true,
			BudgetLeftSeconds: -1915},
	}
	for name, w := range want {
		if comps[name] != w {
			t.Errorf("%s =\n %+v, want\n %+v", name, comps[name], w)
		}
	}
	if len(got.Components) != 3 {
		t.Errorf("%d components, want 3: %+v", len(got.Components), got.Components)
	}
	if got.Total.Incidents != 4 || got.Total.DowntimeSeconds != 3*3600 || got.Total.Cost != 840 {
		t.Errorf("total = %+v, want 4 incidents, 3h, 840", got.Total)
	}
	if len(got.Intervals) != 6 {
		t.Fatalf("%d intervals, want 6: %+v", len(got.Intervals), got.Intervals)
	}
	first := got.Intervals[0]
	if first.NotificationID != ids["w2"] || first.Start != "2026-03-01T00:00:00Z" || first.DurationSeconds != 3600 {
		t.Errorf("the interval from February is not clipped to March 1: %+v", first)
	}
	last := got.Intervals[5]
	if last.NotificationID != ids["d1"] || !last.Ongoing || last.End != "2026-03-20T12:00:00Z" {
		t.Errorf("the open interval does not run to now: %+v", last)
	}

	checkLedgerCSV(t, ta, ids)
	checkLedgerPage(t, ta, ids)
}

func checkLedgerCSV(t *testing.T, ta *testApp, ids map[string]string) {
	t.Helper()
	ta.addUser(t, "vera", store.RoleViewer)
	b := ta.signedIn(t, "vera")
	r := b.get("/ledger.csv?range=custom&from=2026-03-01&to=2026-03-31")
	expectStatus(t, r, http.StatusOK)
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") || !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("CSV headers: %v", r.Header)
	}
	records, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v\n%s", err, r.body)
	}
	if strings.Join(records[0], ",") != "component,source,notification_id,title,severity,start,end,duration_seconds,counted,remediated" {
		t.Errorf("header = %q", records[0])
	}
	rows := map[string][]string{}
	for _, rec := range records[1:] {
		rows[rec[2]] = rec
	}
	want := map[string]string{
		"w2": "web,mon,%s,http_5xx on web-1,critical,2026-03-01T00:00:00Z,2026-03-01T01:00:00Z,3600,true,false",
		"p1": "payment,mon,%s,http_5xx on payment-1,critical,2026-03-02T10:00:00Z,2026-03-02T10:30:00Z,1800,true,false",
		"p2": "payment,mon,%s,http_5xx on payment-1,high,2026-03-02T10:10:00Z,2026-03-02T10:40:00Z,1800,true,false",
		"w1": "web,mon,%s,http_5xx on web-1,medium,2026-03-03T08:00:00Z,2026-03-03T09:00:00Z,3600,false,false",
		"p3": "payment,mon,%s,http_5xx on payment-1,critical,2026-03-05T23:50:00Z,2026-03-06T00:10:00Z,1200,true,true",
		"d1": "db,mon,%s,http_5xx on db-1,critical,2026-03-20T11:00:00Z,,3600,true,false",
	}
	if len(records) != len(want)+1 {
		t.Errorf("%d rows, want %d", len(records)-1, len(want))
	}
	for key, w := range want {
		line := strings.Join(rows[ids[key]], ",")
		if line != fmt.Sprintf(w, ids[key]) {
			t.Errorf("%s row = %s\nwant %s", key, line, fmt.Sprintf(w, ids[key]))
		}
	}

	r = b.get("/ledger/summary.csv?range=custom&from=2026-03-01&to=2026-03-31")
	expectStatus(t, r, http.StatusOK)
	sum, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
	if err != nil || len(sum) != 4 || sum[0][0] != "component" {
		t.Fatalf("summary CSV = %q, %v", sum, err)
	}
}

func checkLedgerPage(t *testing.T, ta *testApp, ids map[string]string) {
	t.Helper()
	b := ta.signedIn(t, "vera")
	r := b.get(march)
	expectStatus(t, r, http.StatusOK)
	for _, want := range []string{
		`id="ledger-summary"`, `data-component="payment"`, "breached", "600.00 EUR", "840.00 EUR",
		`href="/notifications/` + ids["p3"] + `"`, "ongoing", `<svg xmlns="http://www.w3.org/2000/svg"`,
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the ledger page lacks %q", want)
		}
	}
	if strings.Contains(r.body, "<script>") || strings.Contains(r.body, " style=") {
		t.Error("the ledger page has inline script or style, which the CSP blocks")
	}
	// Switching the range: last month (February) has only w2's first hour.
	r = b.get("/ledger?range=last-month")
	expectStatus(t, r, http.StatusOK)
	if !strings.Contains(r.body, "2026-02-01") || strings.Contains(r.body, `data-component="payment"`) {
		t.Errorf("last month shows payment or not February")
	}
}

func TestLedgerChartHasOneGroupPerDay(t *testing.T) {
	ta := newLedgerApp(t)
	scriptLedger(t, ta)
	ta.addUser(t, "vera", store.RoleViewer)
	b := ta.signedIn(t, "vera")
	r := b.get("/ledger/chart.svg?range=custom&from=2026-03-01&to=2026-03-31&tz=Europe/Amsterdam")
	expectStatus(t, r, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "image/svg+xml") {
		t.Errorf("Content-Type %q", ct)
	}
	dec := xml.NewDecoder(strings.NewReader(r.body))
	var days []string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed: %v", err)
		}
		if el, ok := tok.(xml.StartElement); ok && el.Name.Local == "g" && attrOf(el, "class") == "day" {
			days = append(days, attrOf(el, "data-date"))
		}
	}
	// March in Amsterdam has 31 days, one of them 23 hours long.
	if len(days) != 31 || days[0] != "2026-03-01" || days[30] != "2026-03-31" {
		t.Errorf("day groups %v, want March 1 to 31", days)
	}
}

func attrOf(el xml.StartElement, name string) string {
	for _, a := range el.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func TestLedgerRefusesBadParameters(t *testing.T) {
	ta := newLedgerApp(t)
	ta.source(t, "mon", "generic", testSecret)
	ta.addUser(t, "vera", store.RoleViewer)
	b := ta.signedIn(t, "vera")
	token := ta.token(t, "reports", store.RoleViewer)
	cases := []struct{ query, says string }{
		{"range=yearly", "range"},
		{"range=custom&from=2026-03-10&to=2026-03-01", "before"},
		{"range=custom&from=2026-03-01", "both from and to"},
		{"from=2026-02-30&to=2026-03-01", "from"},
		{"from=yesterday&to=2026-03-01", "from"},
		{"from=2026-03-01T00:00:00Z&to=2026-03-01T00:00:00Z", "before"},
		{"range=this-month&tz=Mars/Olympus", "time zone"},
		{"range=this-month&severity=apocalyptic", "severity"},
		{"range=this-month&source=nowhere", "nowhere"},
		{"from=2020-01-01&to=2026-03-01", "CSV"},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			paths := []string{"/ledger", "/ledger/chart.svg", "/ledger/summary.csv"}
			if c.says != "CSV" {
				paths = append(paths, "/ledger.csv")
			}
			for _, p := range paths {
				r := b.get(p + "?" + c.query)
				expectStatus(t, r, http.StatusBadRequest)
				if !strings.Contains(r.body, c.says) {
					t.Errorf("%s: the error does not say %q: %.300s", p, c.says, r.body)
				}
			}
			var e struct{ Error string }
			if resp := ta.apiGet(t, token, "/api/v1/ledger?"+c.query, &e); resp.StatusCode != http.StatusBadRequest || !strings.Contains(e.Error, c.says) {
				t.Errorf("API: %d %q", resp.StatusCode, e.Error)
			}
		})
	}
	if resp := ta.apiGet(t, "", "/api/v1/ledger", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the API answered %d without a token", resp.StatusCode)
	}
	if r := ta.browser(t).get("/ledger.csv"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("the CSV answered %d without a session", r.StatusCode)
	}
}

func TestLedgerExportsTakeAnAPIToken(t *testing.T) {
	ta := newLedgerApp(t)
	scriptLedger(t, ta)
	token := ta.token(t, "reports", store.RoleViewer)
	for _, c := range []struct {
		token string
		want  int
	}{{token, http.StatusOK}, {"not-a-token", http.StatusUnauthorized}} {
		for _, p := range []string{"/ledger.csv", "/ledger/summary.csv", "/ledger/chart.svg"} {
			b := ta.browser(t)
			r := b.do("GET", p+"?range=custom&from=2026-03-01&to=2026-03-31", nil, map[string]string{"Authorization": "Bearer " + c.token})
			expectStatus(t, r, c.want)
			if c.want == http.StatusOK && !strings.Contains(r.body, "payment") {
				t.Errorf("%s with a token: %.200s", p, r.body)
			}
		}
	}
}

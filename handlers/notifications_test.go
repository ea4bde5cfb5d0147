package handlers

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/store"
)

// genericSource creates a generic source to feed notifications through.
func (ta *testApp) genericSource(t testing.TB, slug string) int64 {
	t.Helper()
	src, err := ta.store.CreateSource(context.Background(), store.Actor{}, store.NewSource{Slug: slug, Kind: "generic", Secret: "0123456789abcdef0123"})
	if err != nil {
		t.Fatal(err)
	}
	return src.ID
}

// feed stores one delivery of events as the webhook handler would.
func (ta *testApp) feed(t testing.TB, sourceID int64, body string, events ...alert.Event) store.IngestResult {
	t.Helper()
	res, err := ta.store.Ingest(context.Background(), store.Ingest{
		SourceID: sourceID, Delivery: alert.Delivery{Events: events},
		ReceivedAt: time.Now(), Headers: `{"Content-Type":["application/json"]}`, Body: []byte(body),
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func opening(key string, sev alert.Severity, title string) alert.Event {
	return alert.Event{Key: key, Type: alert.Open, Severity: sev, Title: title, Host: "db1"}
}

var rowID = regexp.MustCompile(`id="notification-([0-9a-f-]{36})"`)

// listed is the notification ids a list page shows, in order.
func listed(body string) []string {
	var ids []string
	for _, m := range rowID.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

func shows(body, title string) bool { return strings.Contains(body, ">"+title+"</a>") }

func TestNotificationsOpenThenClosed(t *testing.T) {
	ta := newTestApp(t)
	ta.addUser(t, "vera", store.RoleViewer)
	b := ta.signedIn(t, "vera")

	r := b.get("/notifications")
	expectStatus(t, r, http.StatusOK)
	if !strings.Contains(r.body, "No notifications yet") {
		t.Errorf("a new install should say nothing has arrived yet: %s", r.body)
	}

	src := ta.genericSource(t, "s1")
	id := ta.feed(t, src, `{"x":1}`, opening("k1", alert.High, "disk full")).Changes[0].NotificationID

	r = b.get("/notifications")
	if !shows(r.body, "disk full") || !slices.Equal(listed(r.body), []string{id}) {
		t.Fatalf("open list should show the notification: %s", r.body)
	}
	if !strings.Contains(r.body, "open for ") || !strings.Contains(r.body, ">s1</td>") {
		t.Errorf("open row should say how long it is open and its source: %s", r.body)
	}
	if !strings.Contains(r.body, `id="tab-open" aria-current="page"`) || !strings.Contains(r.body, `id="tab-open-count" class="badge count">1<`) {
		t.Errorf("the Open tab should be current and count 1: %s", r.body)
	}
	r = b.get("/notifications?state=closed")
	if shows(r.body, "disk full") || !strings.Contains(r.body, "Nothing has closed yet") || !strings.Contains(r.body, `id="tab-closed" aria-current="page"`) {
		t.Errorf("closed list should be empty: %s", r.body)
	}

	ta.feed(t, src, `{"x":2}`, alert.Event{Key: "k1", Type: alert.Close, CloseReason: "disk cleaned"})
	r = b.get("/notifications")
	if shows(r.body, "disk full") || !strings.Contains(r.body, "Nothing is open") {
		t.Errorf("open list should be empty after the close: %s", r.body)
	}
	r = b.get("/notifications?state=closed")
	if !shows(r.body, "disk full") || !strings.Contains(r.body, "disk cleaned") || !strings.Contains(r.body, "lasted ") {
		t.Errorf("closed list should show it with its reason and duration: %s", r.body)
	}
}

func TestNotificationFilters(t *testing.T) {
	ta := newTestApp(t)
	ta.addUser(t, "vera", store.RoleViewer)
	b := ta.signedIn(t, "vera")
	s1, s2 := ta.genericSource(t, "s1"), ta.genericSource(t, "s2")
	ta.feed(t, s1, `{}`, opening("k1", alert.High, "disk full"))
	ta.feed(t, s2, `{}`, alert.Event{Key: "k2", Type: alert.Open, Severity: alert.Low, Title: "cpu warm", Component: alert.Component{Name: "web"}})
	ta.feed(t, s1, `{}`, alert.Event{Key: "crit-key", Type: alert.Open, Severity: alert.Critical, Title: "db down", Host: "db2"})

	all := []string{"disk full", "cpu warm", "db down"}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", all},
		{"source=s1", []string{"disk full", "db down"}},
		{"source=s2", []string{"cpu warm"}},
		{"source=gone", nil},
		{"severity=high", []string{"disk full", "db down"}},
		{"severity=critical", []string{"db down"}},
		{"severity=info", all},
		{"component=db1", []string{"disk full"}},
		{"component=db", nil}, // exact, not contains
		{"q=disk", []string{"disk full"}},
		{"q=we", []string{"cpu warm"}},      // component contains
		{"q=crit-key", []string{"db down"}}, // the lifecycle key, exactly
		{"q=crit", nil},                     // a key is not searched by part
		{"source=s1&severity=critical&q=db", []string{"db down"}},
		{"source=&severity=&component=&q=", all}, // an empty form
	} {
		r := b.get("/notifications?" + tc.query)
		expectStatus(t, r, http.StatusOK)
		for _, title := range all {
			if got, want := shows(r.body, title), slices.Contains(tc.want, title); got != want {
				t.Errorf("%q: shows %q = %v, want %v", tc.query, title, got, want)
			}
		}
		if tc.want == nil && !strings.Contains(r.body, "Nothing matches these filters") {
			t.Errorf("%q: want the no-match empty state: %s", tc.query, r.body)
		}
	}
	r := b.get("/notifications?severity=high&source=s1")
	if !strings.Contains(r.body, `<option value="high" selected>`) || !strings.Contains(r.body, `<option value="s1" selected>`) {
		t.Errorf("the form should keep the chosen filters: %s", r.body)
	}
	for _, bad := range []string{"state=pending", "severity=urgent", "limit=0", "limit=x", "cursor=nonsense"} {
		if r := b.get("/notifications?" + bad); r.StatusCode < 400 || r.StatusCode >= 500 {
			t.Errorf("%s: status %d, want a 4xx", bad, r.StatusCode)
		}
	}
}

var olderLink = regexp.MustCompile(`href="([^"]+)" id="older"`)

func TestNotificationPagination(t *testing.T) {
	ta := newTestApp(t)
	ta.addUser(t, "vera", store.RoleViewer)
	b := ta.signedIn(t, "vera")
	src := ta.genericSource(t, "s1")
	const rows = 7
	var want []string
	for i := range rows {
		res := ta.feed(t, src, `{}`, opening("k"+strconv.Itoa(i), alert.Medium, "n"+strconv.Itoa(i)))
		want = append(want, res.Changes[0].NotificationID)
	}
	slices.Reverse(want) // newest first

	pages := func(state string) (got []string, sizes []int) {
		path := "/notifications?state=" + state + "&severity=info&limit=3"
		for path != "" {
			r := b.get(path)
			expectStatus(t, r, http.StatusOK)
			ids := listed(r.body)
			got, sizes = append(got, ids...), append(sizes, len(ids))
			if strings.Contains(path, "cursor=") && strings.Contains(r.body, "hx-trigger") {
				t.Errorf("%s: an older page must not poll", path)
			}
			path = ""
			if m := olderLink.FindStringSubmatch(r.body); m != nil {
				path = html.UnescapeString(m[1])
				if !strings.Contains(path, "severity=info") || !strings.Contains(path, "limit=3") || !strings.Contains(path, "state="+state) {
					t.Errorf("older link %s lost the filters", path)
				}
			}
		}
		return got, sizes
	}
	got, sizes := pages("open")
	if !slices.Equal(got, want) || !slices.Equal(sizes, []int{3, 3, 1}) {
		t.Errorf("open pages: got %v in pages of %v, want %v", got, sizes, want)
	}

	for i := range rows {
		ta.feed(t, src, `{}`, alert.Event{Key: "k" + strconv.Itoa(i), Type: alert.Close})
	}
	got, sizes = pages("closed")
	if !slices.Equal(got, want) || !slices.Equal(sizes, []int{3, 3, 1}) {
		t.Errorf("closed pages: got %v in pages of %v, want %v", got, sizes, want)
	}
	if r := b.get("/notifications?limit=100000"); r.StatusCode != http.StatusOK {
		t.Errorf("a large limit is capped, not refused: %d", r.StatusCode)
	}
}

var pollAttr = regexp.MustCompile(`hx-get="([^"]+)" hx-trigger="every 5s"`)

func TestNotificationListPolls(t *testing.T) {
	ta := newTestApp(t)
	ta.addUser(t, "vera", store.RoleViewer)
	b := ta.signedIn(t, "vera")
	src := ta.genericSource(t, "s1")
	for i := range 3 {
		ta.feed(t, src, `{}`, opening("k"+strconv.Itoa(i), alert.High, "disk full "+strconv.Itoa(i)))
	}

	r := b.get("/notifications/list?severity=high&q=disk&limit=2")
	expectStatus(t, r, http.StatusOK)
	if strings.Contains(r.body, "<html") || strings.Contains(r.body, "notification-filters") {
		t.Errorf("the partial should be only the list: %s", r.body)
	}
	m := pollAttr.FindStringSubmatch(r.body)
	if m == nil || !strings.Contains(r.body, `id="notification-list"`) {
		t.Fatalf("the partial should poll itself: %s", r.body)
	}
	if got, want := html.UnescapeString(m[1]), "/notifications/list?limit=2&q=disk&severity=high&state=open"; got != want {
		t.Errorf("poll URL %q, want %q", got, want)
	}
	if len(listed(r.body)) != 2 || !strings.Contains(r.body, `id="nav-open-count" class="badge count" title="3 open" hx-swap-oob="true">3<`) {
		t.Errorf("the partial should list a page and refresh the open count out of band: %s", r.body)
	}

	full := b.get("/notifications?severity=high")
	if m := pollAttr.FindStringSubmatch(full.body); m == nil || html.UnescapeString(m[1]) != "/notifications/list?severity=high&state=open" {
		t.Errorf("the first page should poll its partial with its filters: %v", m)
	}
	older := olderLink.FindStringSubmatch(r.body)
	if older == nil {
		t.Fatalf("want an older link: %s", r.body)
	}
	for _, path := range []string{html.UnescapeString(older[1]), strings.Replace(html.UnescapeString(older[1]), "/notifications?", "/notifications/list?", 1)} {
		if r := b.get(path); r.StatusCode != http.StatusOK || strings.Contains(r.body, "hx-trigger") {
			t.Errorf("%s: status %d; an older page must not poll: %s", path, r.StatusCode, r.body)
		}
	}

	anon := ta.browser(t).do("GET", "/notifications/list", nil, map[string]string{"HX-Request": "true"})
	if anon.StatusCode != http.StatusUnauthorized || anon.Header.Get("HX-Redirect") != "/login" {
		t.Errorf("a signed-out poll should be sent to the login page: %d %v", anon.StatusCode, anon.Header)
	}
}

func TestNotificationDetail(t *testing.T) {
	ta := newTestApp(t)
	ta.addUser(t, "vera", store.RoleViewer)
	b := ta.signedIn(t, "vera")
	src := ta.genericSource(t, "s1")
	ev := alert.Event{
		Key: "urn:c:1", Type: alert.Open, Severity: alert.High, State: "DEVIATING", Title: "cpu high",
		Component:    alert.Component{Identifier: "urn:c:1", Name: "api", Type: "service", Link: "https://ss.example/c/1", Tags: []string{"team:core"}},
		Monitor:      alert.Monitor{Identifier: "urn:m:9", Name: "CPU monitor", Link: "javascript:alert(1)"},
		IncidentType: "cpu", Host: "api-1", Labels: map[string]string{"env": "prod"},
	}
	id := ta.feed(t, src, `{"x":1,"y":[1,2]}`, ev).Changes[0].NotificationID
	ev.State, ev.Title = "CRITICAL", "cpu very high"
	ta.feed(t, src, `not json <b>`, ev)
	ta.feed(t, src, `{"status":"resolved"}`, alert.Event{Key: "urn:c:1", Type: alert.Close, CloseReason: "back to normal"})

	r := b.get("/notifications/" + id)
	expectStatus(t, r, http.StatusOK)
	text := html.UnescapeString(r.body)
	for _, want := range []string{
		id, "urn:c:1", "CPU monitor", "urn:m:9", "team:core", "env=prod", "api-1", "back to normal", "CRITICAL",
		"<td>opened</td>", "<td>updated</td>", "<td>closed</td>", "state DEVIATING → CRITICAL, title changed",
		"{\n  \"x\": 1,\n  \"y\": [\n    1,\n    2\n  ]\n}", "not json <b>", "<details",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("detail page lacks %q", want)
		}
	}
	if !strings.Contains(r.body, `<a href="https://ss.example/c/1" class="sender-link" rel="noopener noreferrer"`) {
		t.Errorf("the component link should lead back to the sender: %s", r.body)
	}
	if strings.Contains(r.body, `href="javascript:`) || strings.Contains(r.body, "not json <b>") {
		t.Errorf("sender text must not become markup or a script link: %s", r.body)
	}
	expectStatus(t, b.get("/notifications/00000000-0000-4000-8000-000000000000"), http.StatusNotFound)
}

var navCount = regexp.MustCompile(`id="nav-open-count"[^>]*>(\d+)<`)

func TestNavBadgeCountsOpen(t *testing.T) {
	ta := newTestApp(t)
	ta.addUser(t, "vera", store.RoleViewer)
	b := ta.signedIn(t, "vera")
	badge := func() string {
		r := b.get("/account")
		m := navCount.FindStringSubmatch(r.body)
		if m == nil {
			t.Fatalf("no badge: %s", r.body)
		}
		return m[0]
	}
	if got := badge(); !strings.Contains(got, "hidden") || !strings.HasSuffix(got, ">0<") {
		t.Errorf("no open notifications: badge %s, want hidden 0", got)
	}
	src := ta.genericSource(t, "s1")
	ta.feed(t, src, `{}`, opening("a", alert.High, "a"), opening("b", alert.Low, "b"))
	if got := badge(); strings.Contains(got, "hidden") || !strings.HasSuffix(got, ">2<") {
		t.Errorf("badge %s, want 2", got)
	}
	ta.feed(t, src, `{}`, alert.Event{Key: "a", Type: alert.Close})
	if got := badge(); !strings.HasSuffix(got, ">1<") {
		t.Errorf("badge %s, want 1", got)
	}
}

// BenchmarkOpenNotificationsPage measures the list against a large table;
// ALERTGATE_BENCH_ROWS sets its size (keyset pages should not slow as it
// grows).
func BenchmarkOpenNotificationsPage(b *testing.B) {
	n := 20000
	if s := os.Getenv("ALERTGATE_BENCH_ROWS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatalf("ALERTGATE_BENCH_ROWS: %v", err)
		}
	}
	ta := newTestApp(b)
	ta.addUser(b, "alice", store.RoleViewer)
	br := ta.signedIn(b, "alice")
	fillOpen(b, ta, n)
	b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
		for _, path := range []string{"/notifications", "/notifications/list", "/notifications/list?severity=critical"} {
			b.Run(strings.TrimPrefix(path, "/"), func(b *testing.B) {
				req := httptest.NewRequest("GET", path, nil)
				for k, v := range br.cookies {
					req.AddCookie(&http.Cookie{Name: k, Value: v})
				}
				b.ReportAllocs()
				for b.Loop() {
					if resp, err := ta.app.Test(req, -1); err != nil || resp.StatusCode != http.StatusOK {
						b.Fatalf("GET %s: %v %v", path, err, resp)
					}
				}
			})
		}
	})
}

// fillOpen opens n notifications, a thousand events per delivery from a
// few writers at once, so a large table is built in seconds.
func fillOpen(b *testing.B, ta *testApp, n int) {
	src := ta.genericSource(b, "bench")
	const perDelivery, writers = 1000, 4
	var wg sync.WaitGroup
	next := make(chan int)
	for range writers {
		wg.Go(func() {
			for start := range next {
				var evs []alert.Event
				for i := start; i < min(start+perDelivery, n); i++ {
					sev := alert.Severities[i%len(alert.Severities)]
					evs = append(evs, alert.Event{Key: fmt.Sprintf("k%d", i), Type: alert.Open, Severity: sev, Title: fmt.Sprintf("check %d failing", i), Host: fmt.Sprintf("host-%d", i%500)})
				}
				// Not feed: FailNow may not run outside the benchmark's goroutine.
				_, err := ta.store.Ingest(context.Background(), store.Ingest{
					SourceID: src, Delivery: alert.Delivery{Events: evs}, ReceivedAt: time.Now(), Headers: "{}", Body: []byte("{}"),
				})
				if err != nil {
					b.Error(err)
				}
			}
		})
	}
	for start := 0; start < n; start += perDelivery {
		next <- start
	}
	close(next)
	wg.Wait()
}

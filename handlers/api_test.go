package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/alertgate/alertgate/store"
)

// apiItem is the part of an API notification the tests look at.
type apiItem struct {
	ID           string            `json:"id"`
	Source       string            `json:"source"`
	LifecycleKey string            `json:"lifecycle_key"`
	State        string            `json:"state"`
	Severity     string            `json:"severity"`
	Host         string            `json:"host"`
	IncidentType string            `json:"incident_type"`
	Occurrences  int               `json:"occurrences"`
	OpenedAt     string            `json:"opened_at"`
	ClosedAt     *string           `json:"closed_at"`
	CloseReason  string            `json:"close_reason"`
	Labels       map[string]string `json:"labels"`
	Timeline     []struct {
		At         string `json:"at"`
		Change     string `json:"change"`
		DeliveryID *int64 `json:"delivery_id"`
	} `json:"timeline"`
}

type apiList struct {
	Items      []apiItem `json:"items"`
	NextCursor string    `json:"next_cursor"`
}

// apiGet calls the API with a bearer token ("" sends none) and decodes the
// JSON answer into out, when out is not nil.
func (ta *testApp) apiGet(t *testing.T, token, path string, out any) *http.Response {
	t.Helper()
	return ta.apiDo(t, httptest.NewRequest("GET", path, nil), token, out)
}

// apiDo sends req with a bearer token ("" sends none), checks the answer is
// JSON and decodes it into out, when out is not nil.
func (ta *testApp) apiDo(t *testing.T, req *http.Request, token string, out any) *http.Response {
	t.Helper()
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := ta.app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	where := req.Method + " " + req.URL.Path
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("%s: %d with Content-Type %q: %.200s", where, resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if out == nil {
		out = &map[string]any{}
	}
	if err := json.Unmarshal(body, out); err != nil {
		t.Fatalf("%s: %d, body is not JSON: %v: %.200s", where, resp.StatusCode, err, body)
	}
	return resp
}

func (ta *testApp) token(t *testing.T, name, role string) string {
	t.Helper()
	token, err := ta.store.CreateToken(context.Background(), store.Actor{Name: "test"}, name, role)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func wantStatus(t *testing.T, resp *http.Response, want int) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("GET %s: status %d, want %d", resp.Request.URL, resp.StatusCode, want)
	}
}

func TestAPIRequiresAToken(t *testing.T) {
	ta := newTestApp(t)
	for _, c := range []struct{ name, header string }{
		{"none", ""},
		{"unknown", "Bearer ag_NOTATOKEN"},
		{"basic scheme", "Basic " + ta.token(t, "ci", store.RoleViewer)},
		{"empty bearer", "Bearer "},
	} {
		req := httptest.NewRequest("GET", "/api/v1/notifications", nil)
		if c.header != "" {
			req.Header.Set("Authorization", c.header)
		}
		resp, err := ta.app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Error string }
		json.NewDecoder(resp.Body).Decode(&body)
		if resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") || body.Error == "" {
			t.Errorf("%s: status %d, WWW-Authenticate %q, error %q; want 401, a Bearer challenge and a message",
				c.name, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body.Error)
		}
	}
	// A browser session is not a token: the API ignores cookies.
	ta.addUser(t, "alice", store.RoleAdmin)
	b := ta.signedIn(t, "alice")
	expectStatus(t, b.get("/api/v1/notifications"), 401)
}

func TestAPIListsNotifications(t *testing.T) {
	ta := newTestApp(t)
	ta.source(t, "scripts", "generic", testSecret)
	token := ta.token(t, "grafana", store.RoleViewer)
	r := ta.postGeneric(t, "scripts", `{"key":"db","hostname":"db-1","incident_type":"replication_lag","severity":"medium"}`, nil)
	wantHook(t, r, 200, "status")
	id := r.body.Notifications[0]
	wantHook(t, ta.postGeneric(t, "scripts", diskFull, nil), 200, "status")

	var open apiList
	wantStatus(t, ta.apiGet(t, token, "/api/v1/notifications", &open), 200)
	if len(open.Items) != 2 || open.NextCursor != "" {
		t.Fatalf("open list = %+v, want 2 items and no next page", open)
	}
	got := open.Items[1] // newest first
	if got.ID != id || got.Source != "scripts" || got.LifecycleKey != "db" || got.State != "open" ||
		got.Severity != "medium" || got.Host != "db-1" || got.IncidentType != "replication_lag" || got.ClosedAt != nil || got.Labels == nil {
		t.Fatalf("item = %+v", got)
	}
	if at, err := time.Parse(time.RFC3339, got.OpenedAt); err != nil || at.Location() != time.UTC {
		t.Fatalf("opened_at %q is not RFC 3339 UTC: %v", got.OpenedAt, err)
	}

	wantHook(t, ta.postGeneric(t, "scripts", `{"key":"db","hostname":"db-1","incident_type":"replication_lag","status":"resolved"}`, nil), 200, "status")
	var closed apiList
	wantStatus(t, ta.apiGet(t, token, "/api/v1/notifications?state=closed", &closed), 200)
	if len(closed.Items) != 1 || closed.Items[0].ID != id || closed.Items[0].ClosedAt == nil || closed.Items[0].State != "closed" {
		t.Fatalf("closed list = %+v", closed)
	}
	ta.apiGet(t, token, "/api/v1/notifications", &open)
	if len(open.Items) != 1 || open.Items[0].ID == id {
		t.Fatalf("open list after the close = %+v", open)
	}
}

func TestAPIFilters(t *testing.T) {
	ta := newTestApp(t)
	ta.source(t, "scripts", "generic", testSecret)
	ta.source(t, "other", "generic", testSecret)
	token := ta.token(t, "ci", store.RoleViewer)
	for _, p := range []struct{ slug, host, sev string }{
		{"scripts", "web-1", "critical"}, {"scripts", "web-2", "low"}, {"other", "db-1", "high"},
	} {
		body := fmt.Sprintf(`{"hostname":%q,"incident_type":"disk_full","severity":%q}`, p.host, p.sev)
		wantHook(t, ta.postGeneric(t, p.slug, body, nil), 200, "status")
	}
	for _, c := range []struct {
		query string
		hosts string
	}{
		{"source=scripts", "web-2,web-1"},
		{"source=other", "db-1"},
		{"severity=high", "db-1,web-1"},
		{"severity=warning", "db-1,web-1"}, // an alias, as senders use it
		{"source=scripts&severity=critical", "web-1"},
		{"q=" + url.QueryEscape("db-1/disk_full"), "db-1"}, // its lifecycle key
	} {
		var l apiList
		wantStatus(t, ta.apiGet(t, token, "/api/v1/notifications?"+c.query, &l), 200)
		var hosts []string
		for _, it := range l.Items {
			hosts = append(hosts, it.Host)
		}
		if got := strings.Join(hosts, ","); got != c.hosts {
			t.Errorf("?%s: hosts %s, want %s", c.query, got, c.hosts)
		}
	}
	for _, c := range []struct{ query, want string }{
		{"severity=apocalyptic", "critical"},
		{"source=nope", `"nope"`},
		{"state=maybe", "open nor closed"},
		{"limit=0", "1 to 200"},
		{"limit=201", "1 to 200"},
		{"cursor=garbage", "cursor"},
	} {
		var body struct{ Error string }
		resp := ta.apiGet(t, token, "/api/v1/notifications?"+c.query, &body)
		if resp.StatusCode != 400 || !strings.Contains(body.Error, c.want) {
			t.Errorf("?%s: %d %q, want 400 mentioning %q", c.query, resp.StatusCode, body.Error, c.want)
		}
	}
}

func TestAPICursorCoversEveryRowOnce(t *testing.T) {
	ta := newTestApp(t)
	ta.source(t, "burst", "generic", testSecret)
	token := ta.token(t, "ci", store.RoleViewer)
	const n = 23
	for i := range n {
		body := fmt.Sprintf(`{"hostname":"h%d","incident_type":"x","severity":"high"}`, i)
		wantHook(t, ta.postGeneric(t, "burst", body, nil), 200, "status")
		body = fmt.Sprintf(`{"hostname":"h%d","incident_type":"x","status":"resolved"}`, i)
		if i%2 == 0 {
			wantHook(t, ta.postGeneric(t, "burst", body, nil), 200, "status")
		}
	}
	for state, want := range map[string]int{"open": n / 2, "closed": n - n/2} {
		seen := map[string]bool{}
		cursor, pages := "", 0
		for {
			var l apiList
			path := "/api/v1/notifications?limit=5&state=" + state + "&cursor=" + url.QueryEscape(cursor)
			wantStatus(t, ta.apiGet(t, token, path, &l), 200)
			pages++
			for _, it := range l.Items {
				if seen[it.ID] || it.State != state {
					t.Fatalf("%s page %d: %s repeated or in the wrong state (%s)", state, pages, it.ID, it.State)
				}
				seen[it.ID] = true
			}
			if cursor = l.NextCursor; cursor == "" {
				break
			}
		}
		if len(seen) != want || pages != (want+4)/5 {
			t.Errorf("%s: %d rows in %d pages, want %d in %d", state, len(seen), pages, want, (want+4)/5)
		}
	}
}

func TestAPINotificationDetail(t *testing.T) {
	ta := newTestApp(t)
	ta.source(t, "scripts", "generic", testSecret)
	token := ta.token(t, "ci", store.RoleViewer)
	var id string
	for _, body := range []string{
		`{"key":"db","hostname":"db-1","incident_type":"lag","severity":"medium"}`,
		`{"key":"db","hostname":"db-1","incident_type":"lag","severity":"critical"}`,
		`{"key":"db","hostname":"db-1","incident_type":"lag","status":"resolved"}`,
	} {
		r := ta.postGeneric(t, "scripts", body, nil)
		wantHook(t, r, 200, "status")
		id = r.body.Notifications[0]
	}
	var d apiItem
	wantStatus(t, ta.apiGet(t, token, "/api/v1/notifications/"+id, &d), 200)
	if d.ID != id || d.Source != "scripts" || d.State != "closed" || d.Occurrences != 2 || d.ClosedAt == nil {
		t.Fatalf("detail = %+v", d)
	}
	var changes []string
	for _, e := range d.Timeline {
		changes = append(changes, e.Change)
		if e.DeliveryID == nil || *e.DeliveryID == 0 || e.At == "" {
			t.Errorf("timeline entry %+v lacks its delivery or time", e)
		}
	}
	if got := strings.Join(changes, ","); got != "opened,updated,closed" {
		t.Fatalf("timeline = %s", got)
	}

	var body struct{ Error string }
	resp := ta.apiGet(t, token, "/api/v1/notifications/00000000-0000-4000-8000-000000000000", &body)
	if resp.StatusCode != 404 || body.Error == "" {
		t.Fatalf("unknown id: %d %q, want 404 JSON", resp.StatusCode, body.Error)
	}
	resp = ta.apiGet(t, token, "/api/v1/nothing-here", &body)
	if resp.StatusCode != 404 || body.Error == "" {
		t.Fatalf("unknown API path: %d %q, want 404 JSON", resp.StatusCode, body.Error)
	}
}

// No write endpoint exists yet; this checks the role gate they will use.
func TestRequireTokenChecksTheRole(t *testing.T) {
	ta := newTestApp(t)
	h := &Handler{store: ta.store}
	app := fiber.New(fiber.Config{ErrorHandler: func(c *fiber.Ctx, err error) error {
		status, msg := classify(err)
		return c.Status(status).JSON(fiber.Map{"error": msg})
	}})
	app.Post("/approve", h.requireToken(store.RoleResponder), func(c *fiber.Ctx) error { return c.SendStatus(204) })
	for _, c := range []struct {
		role string
		want int
	}{{store.RoleViewer, 403}, {store.RoleResponder, 204}, {store.RoleAdmin, 204}} {
		req := httptest.NewRequest("POST", "/approve", nil)
		req.Header.Set("Authorization", "Bearer "+ta.token(t, "t-"+c.role, c.role))
		resp, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != c.want {
			t.Errorf("%s token: status %d, want %d", c.role, resp.StatusCode, c.want)
		}
	}
}

package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/store"
	"github.com/alertgate/alertgate/store/db"
)

const testSecret = "generic-secret-0123456789"

// hookResult is a /hooks answer with its JSON decoded.
type hookResult struct {
	status int
	header http.Header
	body   hookReply
}

func (ta *testApp) source(t testing.TB, slug, kind, secret string) db.Source {
	t.Helper()
	src, err := ta.store.CreateSource(context.Background(), store.Actor{Name: "test"}, store.NewSource{Slug: slug, Kind: kind, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func (ta *testApp) post(t testing.TB, path, body string, headers map[string]string) hookResult {
	t.Helper()
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := ta.app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r hookReply
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("POST %s: status %d with a body that is not JSON: %v", path, resp.StatusCode, err)
	}
	return hookResult{resp.StatusCode, resp.Header, r}
}

func sign(secret, body string) string {
	return alert.SignGeneric(secret, []byte(body))
}

// postGeneric posts a correctly signed generic delivery.
func (ta *testApp) postGeneric(t testing.TB, slug, body string, headers map[string]string) hookResult {
	t.Helper()
	h := map[string]string{"X-Signature": sign(testSecret, body)}
	for k, v := range headers {
		h[k] = v
	}
	return ta.post(t, "/hooks/"+slug, body, h)
}

func wantHook(t *testing.T, r hookResult, status int, field string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d (%+v)", r.status, status, r.body)
	}
	if field == "status" && r.body.Status == "" || field == "error" && r.body.Error == "" {
		t.Fatalf("answer %+v lacks %q", r.body, field)
	}
}

func (ta *testApp) openCount(t *testing.T) int64 {
	n, err := ta.store.CountOpen(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

const diskFull = `{"hostname":"web-1","incident_type":"disk_full","severity":"high","evidence":{"used_pct":97}}`

func TestHookStatusCodes(t *testing.T) {
	ta := newTestApp(t)
	ta.source(t, "scripts", "generic", testSecret)

	r := ta.postGeneric(t, "scripts", diskFull, map[string]string{"Idempotency-Key": "d-1"})
	wantHook(t, r, 200, "status")
	if r.body.Status != "accepted" || r.body.ID == 0 || len(r.body.Notifications) != 1 {
		t.Fatalf("accepted answer = %+v", r.body)
	}
	r = ta.postGeneric(t, "scripts", diskFull, map[string]string{"Idempotency-Key": "d-1"})
	if r.status != 200 || r.body.Status != "duplicate" {
		t.Fatalf("repeat of d-1 = %d %+v, want 200 duplicate", r.status, r.body)
	}

	r = ta.postGeneric(t, "scripts", `{"hostname": "web-1"`, nil)
	wantHook(t, r, 400, "error")
	r = ta.postGeneric(t, "scripts", `{"hostname":"web-1","incident_type":"x","severity":"apocalyptic"}`, nil)
	wantHook(t, r, 400, "error")
	if !strings.Contains(r.body.Error, "critical") {
		t.Errorf("bad severity answer does not list the allowed ones: %q", r.body.Error)
	}

	r = ta.post(t, "/hooks/scripts", diskFull, map[string]string{"X-Signature": sign("wrong secret", diskFull)})
	wantHook(t, r, 401, "error")
	r = ta.post(t, "/hooks/scripts", diskFull, nil)
	wantHook(t, r, 401, "error")
	if latest, _ := ta.store.Rejected(context.Background(), 1, 1); len(latest) != 1 || !strings.Contains(latest[0].Reason, "X-Signature") {
		t.Errorf("the rejection record does not name the missing header: %+v", latest)
	}
	if strings.Contains(r.body.Error, "sha256") {
		t.Errorf("the caller is told digest details: %q", r.body.Error)
	}

	wantHook(t, ta.postGeneric(t, "nope", diskFull, nil), 404, "error")

	big := `{"hostname":"web-1","incident_type":"x","evidence":"` + strings.Repeat("a", DefaultHookBodyLimit) + `"}`
	wantHook(t, ta.postGeneric(t, "scripts", big, nil), 413, "error")

	if n := ta.openCount(t); n != 1 {
		t.Fatalf("refused requests changed state: %d open, want 1", n)
	}
	rejected, _ := ta.store.Rejected(context.Background(), 1, 50)
	if len(rejected) != 5 {
		t.Fatalf("kept %d rejections, want 5 (two 400, two 401, one 413)", len(rejected))
	}
	for _, rj := range rejected {
		if strings.Contains(rj.Headers, testSecret) || strings.Contains(rj.BodyExcerpt, strings.Repeat("a", 3000)) {
			t.Errorf("rejection keeps a secret or a whole large body: %+v", rj.Reason)
		}
	}
}

func TestHookDisabledSourceIs404(t *testing.T) {
	ta := newTestApp(t)
	src := ta.source(t, "scripts", "generic", testSecret)
	ta.store.SetSourceDisabled(context.Background(), store.Actor{}, src.ID, true)
	wantHook(t, ta.postGeneric(t, "scripts", diskFull, nil), 404, "error")
	if ta.openCount(t) != 0 {
		t.Fatal("a disabled source stored a delivery")
	}
}

func TestHookAuthFailuresGet429BeforeAnyWork(t *testing.T) {
	ta := newTestApp(t)
	ta.source(t, "scripts", "generic", testSecret)
	bad := map[string]string{"X-Signature": sign("guess", diskFull)}
	for i := 0; i < DefaultHookAuthFailures; i++ {
		wantHook(t, ta.post(t, "/hooks/scripts", diskFull, bad), 401, "error")
	}
	r := ta.postGeneric(t, "scripts", diskFull, nil) // even a good one waits now
	wantHook(t, r, 429, "error")
	if r.header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	rejected, _ := ta.store.Rejected(context.Background(), 1, 500)
	if len(rejected) != DefaultHookAuthFailures {
		t.Fatalf("%d rejections recorded, want %d: a 429 must do no work", len(rejected), DefaultHookAuthFailures)
	}
	ta.clock.Add(time.Minute)
	wantHook(t, ta.postGeneric(t, "scripts", diskFull, nil), 200, "status")
}

func TestHookBurstIsNotThrottledUnlessCapped(t *testing.T) {
	ta := newTestApp(t)
	ta.source(t, "burst", "generic", testSecret)
	for i := 0; i < 300; i++ {
		body := fmt.Sprintf(`{"hostname":"h%d","incident_type":"x","severity":"high"}`, i)
		wantHook(t, ta.postGeneric(t, "burst", body, nil), 200, "status")
	}
	capped, err := ta.store.CreateSource(context.Background(), store.Actor{}, store.NewSource{Slug: "capped", Kind: "generic", Secret: testSecret, RatePerMinute: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		wantHook(t, ta.postGeneric(t, capped.Slug, diskFull, nil), 200, "status")
	}
	wantHook(t, ta.postGeneric(t, capped.Slug, diskFull, nil), 429, "error")
}

func TestHookStorageUnavailableIs503(t *testing.T) {
	ta := newTestApp(t)
	ta.source(t, "scripts", "generic", testSecret)
	ta.store.Close()
	r := ta.postGeneric(t, "scripts", diskFull, nil)
	wantHook(t, r, 503, "error")
	if r.header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
}

func TestLifecycleOpenUpdateCloseReopen(t *testing.T) {
	ta := newTestApp(t)
	ta.source(t, "scripts", "generic", testSecret)
	ctx := context.Background()
	post := func(body string) string {
		t.Helper()
		r := ta.postGeneric(t, "scripts", body, nil)
		wantHook(t, r, 200, "status")
		if len(r.body.Notifications) != 1 {
			return ""
		}
		return r.body.Notifications[0]
	}
	first := post(`{"key":"db","hostname":"db-1","incident_type":"replication_lag","severity":"medium"}`)
	post(`{"key":"db","hostname":"db-1","incident_type":"replication_lag","severity":"medium"}`)
	if again := post(`{"key":"db","hostname":"db-1","incident_type":"replication_lag","severity":"critical"}`); again != first {
		t.Fatalf("an update opened %s instead of updating %s", again, first)
	}
	post(`{"key":"db","hostname":"db-1","incident_type":"replication_lag","status":"resolved"}`)
	second := post(`{"key":"db","hostname":"db-1","incident_type":"replication_lag","severity":"high"}`)
	if second == first || second == "" {
		t.Fatalf("open after close reused %s", first)
	}

	n, err := ta.store.Notification(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	if n.Notification.State != "closed" || n.Notification.Occurrences != 3 || n.Notification.Severity != "critical" {
		t.Fatalf("first notification = %+v", n.Notification)
	}
	var changes []string
	tl, _ := ta.store.Timeline(ctx, n.Notification.Seq)
	for _, e := range tl {
		changes = append(changes, e.Change)
	}
	if got := strings.Join(changes, ","); got != "opened,repeated,updated,closed" {
		t.Fatalf("timeline = %s", got)
	}

	// A close for a key never opened is kept on record but opens nothing.
	r := ta.postGeneric(t, "scripts", `{"key":"ghost","hostname":"x","incident_type":"y","status":"resolved"}`, nil)
	wantHook(t, r, 200, "status")
	if ta.openCount(t) != 1 {
		t.Fatalf("open count %d, want 1", ta.openCount(t))
	}
	ds, _ := ta.store.Deliveries(ctx, 1, 1)
	if len(ds) != 1 || !strings.Contains(ds[0].Note, "nothing to close") {
		t.Fatalf("orphan close not noted on its delivery: %+v", ds)
	}
}

func TestDuplicateLeavesOneTimelineEntry(t *testing.T) {
	ta := newTestApp(t)
	ta.source(t, "scripts", "generic", testSecret)
	var id string
	for i := 0; i < 3; i++ {
		r := ta.postGeneric(t, "scripts", diskFull, map[string]string{"X-Request-Id": "same"})
		wantHook(t, r, 200, "status")
		if i == 0 {
			id = r.body.Notifications[0]
		}
	}
	n, _ := ta.store.Notification(context.Background(), id)
	tl, _ := ta.store.Timeline(context.Background(), n.Notification.Seq)
	if n.Notification.Occurrences != 1 || len(tl) != 1 {
		t.Fatalf("duplicates changed the notification: %d occurrences, %d timeline rows", n.Notification.Occurrences, len(tl))
	}
}

func TestStackStateOpenAndCloseExamples(t *testing.T) {
	ta := newTestApp(t)
	const token = "stackstate-token-0123456789"
	ta.source(t, "k8s", "stackstate", token)
	var id string
	for _, f := range []string{"docs-open-notification.json", "docs-close-notification.json"} {
		body, err := os.ReadFile("../../shared/fixtures/stackstate/" + f)
		if err != nil {
			t.Fatal(err)
		}
		r := ta.post(t, "/hooks/k8s", string(body), map[string]string{"X-StackState-Webhook-Token": token})
		wantHook(t, r, 200, "status")
		id = r.body.Notifications[0]
	}
	n, err := ta.store.Notification(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	got := n.Notification
	if got.State != "closed" || got.CloseReason != "HealthStateResolved" || got.LifecycleKey != "836f628c-1258-4500-b1c7-23884e00f439" ||
		got.Severity != "critical" || got.Component != "catalogue" {
		t.Fatalf("StackState notification = %+v", got)
	}
	if want := time.UnixMilli(1702635356757).UTC(); !got.OpenedAt.Equal(want) {
		t.Fatalf("opened_at %v, want the sender's triggeredTimeMs %v", got.OpenedAt, want)
	}
	if ta.openCount(t) != 0 {
		t.Fatal("StackState's close left something open")
	}
}

func TestOldSecretWorksDuringGrace(t *testing.T) {
	ta := newTestApp(t)
	src := ta.source(t, "scripts", "generic", testSecret)
	ctx := context.Background()
	const next = "the-new-secret-0123456789"
	if err := ta.store.RotateSecret(ctx, store.Actor{}, src.ID, next, time.Hour); err != nil {
		t.Fatal(err)
	}
	wantHook(t, ta.postGeneric(t, "scripts", diskFull, nil), 200, "status")
	wantHook(t, ta.post(t, "/hooks/scripts", diskFull, map[string]string{"X-Signature": sign(next, diskFull)}), 200, "status")
	ta.clock.Add(time.Hour + time.Second)
	wantHook(t, ta.postGeneric(t, "scripts", diskFull, nil), 401, "error")
	wantHook(t, ta.post(t, "/hooks/scripts", diskFull, map[string]string{"X-Signature": sign(next, diskFull)}), 200, "status")
}

func TestHookRefusesCompressedBodiesUnread(t *testing.T) {
	ta := newTestApp(t)
	ta.source(t, "scripts", "generic", testSecret)
	r := ta.postGeneric(t, "scripts", diskFull, map[string]string{"Content-Encoding": "gzip"})
	wantHook(t, r, 415, "error")
	if ta.openCount(t) != 0 {
		t.Fatal("a compressed delivery was stored")
	}
}

func TestRejectionKeepsOnlyTheStartOfASignature(t *testing.T) {
	ta := newTestApp(t)
	ta.source(t, "scripts", "generic", testSecret)
	// A sender that sends the secret itself instead of its HMAC.
	ta.post(t, "/hooks/scripts", diskFull, map[string]string{"X-Signature": "sha256=" + testSecret})
	rj, _ := ta.store.Rejected(context.Background(), 1, 1)
	if len(rj) != 1 || strings.Contains(rj[0].Headers, testSecret) || strings.Contains(rj[0].Reason, testSecret) {
		t.Fatalf("the rejection record keeps the secret: %+v", rj)
	}
}

func TestMetricsPathIsExact(t *testing.T) {
	ta := newTestApp(t)
	for _, path := range []string{"/metrics/", "/Metrics"} {
		if r := ta.browser(t).get(path); r.StatusCode == 200 {
			t.Errorf("%s answers 200: a proxy rule for /metrics would not cover it", path)
		}
	}
	expectStatus(t, ta.browser(t).get("/metrics"), 200)
}

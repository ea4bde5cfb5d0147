package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/alertgate/alertgate/static"
	"github.com/alertgate/alertgate/store"
)

func userID(t *testing.T, ta *testApp, name string) int64 {
	t.Helper()
	us, _ := ta.store.Users(context.Background())
	for _, u := range us {
		if u.Name == name {
			return u.ID
		}
	}
	t.Fatalf("no user %s", name)
	return 0
}

func TestAdminManagesUsers(t *testing.T) {
	ta := newTestApp(t)
	ta.addUser(t, "alice", store.RoleAdmin)
	admin := ta.signedIn(t, "alice")

	r := admin.post("/users", url.Values{"name": {"bob"}, "role": {"responder"}, "password": {"bob password"}, "confirm": {"bob password"}})
	expectStatus(t, r, http.StatusSeeOther)
	page := admin.get("/users").body
	if !strings.Contains(page, "User bob added as responder.") || !strings.Contains(page, "<td>bob</td>") {
		t.Fatalf("users page after adding bob: %.800s", page)
	}
	bob := ta.browser(t)
	expectStatus(t, bob.login("bob", "bob password"), http.StatusSeeOther)

	admin.post("/users", url.Values{"name": {"bob"}, "role": {"viewer"}, "password": {"12345678"}, "confirm": {"12345678"}})
	if page := admin.get("/users").body; !strings.Contains(page, "already exists") {
		t.Fatal("adding a taken name says nothing")
	}
	admin.post("/users", url.Values{"name": {"carl"}, "role": {"viewer"}, "password": {"short"}, "confirm": {"short"}})
	if page := admin.get("/users").body; !strings.Contains(page, "at least 8 characters") {
		t.Fatal("a short password is not explained")
	}

	id := userID(t, ta, "bob")
	expectStatus(t, admin.post(fmt.Sprintf("/users/%d/role", id), url.Values{"role": {"viewer"}}), http.StatusSeeOther)
	if u, _ := ta.store.User(context.Background(), id); u.Role != store.RoleViewer {
		t.Fatalf("bob's role is %s, want viewer", u.Role)
	}
	expectStatus(t, admin.post(fmt.Sprintf("/users/%d/disabled", id), url.Values{"disabled": {"true"}}), http.StatusSeeOther)
	expectStatus(t, bob.get("/notifications"), http.StatusSeeOther) // signed out at once
	expectStatus(t, ta.browser(t).login("bob", "bob password"), http.StatusUnauthorized)

	// The last admin can neither demote nor disable themself.
	me := userID(t, ta, "alice")
	admin.post(fmt.Sprintf("/users/%d/role", me), url.Values{"role": {"viewer"}})
	if page := admin.get("/users").body; !strings.Contains(page, "last active admin") {
		t.Fatalf("demoting the last admin is not refused with a reason: %.600s", page)
	}
	admin.post(fmt.Sprintf("/users/%d/disabled", me), url.Values{"disabled": {"true"}})
	if u, _ := ta.store.User(context.Background(), me); u.Disabled || u.Role != store.RoleAdmin {
		t.Fatalf("last admin was changed: %+v", u)
	}

	audit := admin.get("/audit").body
	for _, action := range []string{store.ActionUserCreated, store.ActionRoleChanged, store.ActionUserDisabled, store.ActionLogin} {
		if !strings.Contains(audit, "<td>"+action+"</td>") {
			t.Errorf("audit page lacks %s", action)
		}
	}
	expectStatus(t, admin.post("/users/999/role", url.Values{"role": {"viewer"}}), http.StatusNotFound)
}

func TestAuditPages(t *testing.T) {
	ta := newTestApp(t)
	ta.addUser(t, "alice", store.RoleAdmin)
	for i := 0; i < auditPageSize+5; i++ {
		ta.store.Audit(context.Background(), store.Actor{Name: "x"}, "test", fmt.Sprintf("t%d", i), "")
	}
	b := ta.signedIn(t, "alice")
	first := b.get("/audit").body
	if strings.Count(first, "<tr>") != auditPageSize+1 { // rows plus the header row
		t.Fatalf("first page has %d rows", strings.Count(first, "<tr>")-1)
	}
	i := strings.Index(first, `/audit?before=`)
	if i < 0 {
		t.Fatal("no link to older entries")
	}
	next := first[i : i+strings.IndexByte(first[i:], '"')]
	older := b.get(next).body
	if !strings.Contains(older, "<td>t0</td>") || strings.Contains(older, "rel=\"next\"") {
		t.Fatalf("last page should hold the oldest entry and no further link: %.400s", older)
	}
}

func TestStaticFilesAreCachedByHash(t *testing.T) {
	ta := newTestApp(t)
	r := ta.browser(t).get(static.URL("css/app.css"))
	expectStatus(t, r, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Fatalf("Content-Type %q", ct)
	}
	if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Fatalf("current file not cached for good: %q", cc)
	}
	r = ta.browser(t).get("/static/000000000000/css/app.css")
	expectStatus(t, r, http.StatusOK)
	if cc := r.Header.Get("Cache-Control"); strings.Contains(cc, "immutable") {
		t.Fatalf("an outdated hash is cached for good: %q", cc)
	}
	expectStatus(t, ta.browser(t).get("/static/x/nope.css"), http.StatusNotFound)
}

func TestHealthAndReadiness(t *testing.T) {
	ta := newTestApp(t)
	expectStatus(t, ta.browser(t).get("/healthz"), http.StatusOK)
	expectStatus(t, ta.browser(t).get("/readyz"), http.StatusOK)
	ta.store.Close()
	expectStatus(t, ta.browser(t).get("/readyz"), http.StatusServiceUnavailable)
	expectStatus(t, ta.browser(t).get("/healthz"), http.StatusOK)
}

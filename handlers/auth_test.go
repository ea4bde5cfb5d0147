package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/store"
)

func TestLoginSuccessAndFailure(t *testing.T) {
	ta := newTestApp(t)
	ta.addUser(t, "alice", store.RoleAdmin)
	b := ta.browser(t)

	r := b.login("alice", "wrong password")
	expectStatus(t, r, http.StatusUnauthorized)
	if !strings.Contains(r.body, "Wrong name or password") {
		t.Fatalf("failed login page does not say why: %.300s", r.body)
	}
	r = b.login("alice", "password-alice")
	expectStatus(t, r, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); loc != "/" {
		t.Fatalf("login redirects to %q, want /", loc)
	}
	r = b.get("/notifications")
	expectStatus(t, r, http.StatusOK)
	if !strings.Contains(r.body, `id="current-user" title="Your account">alice<`) {
		t.Fatalf("dashboard does not show the user: %.500s", r.body)
	}

	page, _ := ta.store.ListAudit(context.Background(), 0, 10)
	var actions []string
	for _, e := range page.Entries {
		actions = append(actions, e.Action+":"+e.Actor)
	}
	if got := strings.Join(actions, ","); !strings.HasPrefix(got, "login:alice,login_failed:alice") {
		t.Fatalf("audit = %s, want the login after the failed login", got)
	}
}

func TestLoginRedirectsOnlyToLocalPaths(t *testing.T) {
	ta := newTestApp(t)
	ta.addUser(t, "alice", store.RoleViewer)
	for next, want := range map[string]string{
		"/ledger": "/ledger", "/notifications?state=closed": "/notifications?state=closed",
		"//evil.example/x": "/", "https://evil.example": "/", "/\t/evil.example/x": "/",
		"/\\evil.example": "/", "/\n/evil.example": "/", "javascript:alert(1)": "/",
	} {
		b := ta.browser(t)
		b.get("/login")
		r := b.post("/login", url.Values{"name": {"alice"}, "password": {"password-alice"}, "next": {next}})
		if loc := r.Header.Get("Location"); loc != want {
			t.Errorf("next=%q: redirect to %q, want %q", next, loc, want)
		}
	}
}

func TestCSRFRequired(t *testing.T) {
	ta := newTestApp(t)
	ta.addUser(t, "alice", store.RoleAdmin)
	b := ta.signedIn(t, "alice")

	r := b.do("POST", "/logout", url.Values{}, nil)
	expectStatus(t, r, http.StatusForbidden)
	r = b.do("POST", "/users", url.Values{"_csrf": {"forged"}, "name": {"mallory"}, "role": {"admin"}, "password": {"12345678"}, "confirm": {"12345678"}}, nil)
	expectStatus(t, r, http.StatusForbidden)
	if n, _ := ta.store.CountUsers(context.Background()); n != 1 {
		t.Fatalf("a forged form created a user: %d users", n)
	}
	// htmx sends the token as a header instead of a form field.
	r = b.do("POST", "/logout", url.Values{}, map[string]string{"X-Csrf-Token": b.csrf})
	expectStatus(t, r, http.StatusSeeOther)
}

func TestLoginFormNeedsCSRFToo(t *testing.T) {
	ta := newTestApp(t)
	ta.addUser(t, "alice", store.RoleAdmin)
	b := ta.browser(t)
	r := b.do("POST", "/login", url.Values{"name": {"alice"}, "password": {"password-alice"}}, nil)
	expectStatus(t, r, http.StatusForbidden)
}

func TestRoles(t *testing.T) {
	ta := newTestApp(t)
	ta.addUser(t, "alice", store.RoleAdmin)
	ta.addUser(t, "vic", store.RoleViewer)
	ta.addUser(t, "rita", store.RoleResponder)
	for _, name := range []string{"vic", "rita"} {
		b := ta.signedIn(t, name)
		for _, path := range []string{"/users", "/audit", "/sources"} {
			r := b.get(path)
			expectStatus(t, r, http.StatusForbidden)
			if !strings.Contains(r.body, "needs admin") {
				t.Errorf("%s on %s: 403 page does not say why: %.200s", name, path, r.body)
			}
		}
		expectStatus(t, b.post("/users", url.Values{"name": {"x" + name}, "role": {"admin"}, "password": {"12345678"}, "confirm": {"12345678"}}), http.StatusForbidden)
		expectStatus(t, b.get("/notifications"), http.StatusOK)
	}
	if n, _ := ta.store.CountUsers(context.Background()); n != 3 {
		t.Fatalf("a non-admin created a user: %d users", n)
	}
	expectStatus(t, ta.signedIn(t, "alice").get("/users"), http.StatusOK)
}

func TestNoSession(t *testing.T) {
	ta := newTestApp(t)
	b := ta.browser(t)
	r := b.do("GET", "/notifications?state=open", nil, map[string]string{"HX-Request": "true"})
	expectStatus(t, r, http.StatusUnauthorized)
	if got := r.Header.Get("HX-Redirect"); got != "/login" {
		t.Fatalf("htmx without session: HX-Redirect = %q, want /login", got)
	}
	r = b.get("/notifications?state=open")
	expectStatus(t, r, http.StatusSeeOther)
	if got := r.Header.Get("Location"); got != "/login?next=%2Fnotifications%3Fstate%3Dopen" {
		t.Fatalf("browser without session goes to %q", got)
	}
}

func TestSetupTokenWorksOnce(t *testing.T) {
	ta := newTestApp(t)
	token, err := ta.store.NewSetupToken(context.Background())
	if err != nil || token == "" {
		t.Fatalf("NewSetupToken = %q, %v", token, err)
	}
	b := ta.browser(t)
	expectStatus(t, b.get("/setup?token=wrong"), http.StatusNotFound)
	expectStatus(t, b.get("/setup?token="+token), http.StatusOK)

	r := b.post("/setup", url.Values{"token": {token}, "name": {"root"}, "password": {"long enough"}, "confirm": {"different"}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	r = b.post("/setup", url.Values{"token": {token}, "name": {"root"}, "password": {"long enough"}, "confirm": {"long enough"}})
	expectStatus(t, r, http.StatusSeeOther)
	if !strings.Contains(b.get("/login").body, "Admin root created") {
		t.Fatal("login page does not confirm the new admin")
	}

	expectStatus(t, b.get("/setup?token="+token), http.StatusNotFound)
	r = b.post("/setup", url.Values{"token": {token}, "name": {"root2"}, "password": {"long enough"}, "confirm": {"long enough"}})
	expectStatus(t, r, http.StatusNotFound)
	if n, _ := ta.store.CountUsers(context.Background()); n != 1 {
		t.Fatalf("setup link created %d users, want 1", n)
	}
	if r := b.login("root", "long enough"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("the new admin cannot sign in: %d", r.StatusCode)
	}
}

func TestSecurityHeaders(t *testing.T) {
	ta := newTestApp(t)
	b := ta.browser(t)
	for _, path := range []string{"/login", "/healthz", "/nope"} {
		r := b.get(path)
		for header, want := range map[string]string{
			"X-Content-Type-Options": "nosniff",
			"X-Frame-Options":        "DENY",
			"Referrer-Policy":        "same-origin",
		} {
			if got := r.Header.Get(header); got != want {
				t.Errorf("%s: %s = %q, want %q", path, header, got, want)
			}
		}
		csp := r.Header.Get("Content-Security-Policy")
		for _, part := range []string{"default-src 'self'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, part) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, part)
			}
		}
		if strings.Contains(csp, "unsafe") {
			t.Errorf("%s: CSP allows unsafe sources: %q", path, csp)
		}
	}
	cookie := ta.browser(t).get("/login").Header.Get("Set-Cookie")
	for _, attr := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(cookie, attr) {
			t.Errorf("session cookie %q lacks %s", cookie, attr)
		}
	}
}

func TestFailedLoginsAreSlowedDown(t *testing.T) {
	ta := newTestApp(t)
	ta.addUser(t, "alice", store.RoleAdmin)
	b := ta.browser(t)
	for i := 0; i < freeFailures+1; i++ {
		expectStatus(t, b.login("alice", "guess"), http.StatusUnauthorized)
	}
	// Even the right password waits now: the address has to slow down.
	r := b.login("alice", "password-alice")
	expectStatus(t, r, http.StatusTooManyRequests)
	if r.Header.Get("Retry-After") != "2" {
		t.Fatalf("Retry-After = %q, want 2", r.Header.Get("Retry-After"))
	}
	ta.clock.Add(2 * time.Second)
	expectStatus(t, b.login("alice", "guess"), http.StatusUnauthorized)
	if r := b.login("alice", "password-alice"); r.Header.Get("Retry-After") != "4" {
		t.Fatalf("second throttled wait: Retry-After = %q, want 4 (doubling)", r.Header.Get("Retry-After"))
	}
	ta.clock.Add(4 * time.Second)
	expectStatus(t, b.login("alice", "password-alice"), http.StatusSeeOther)
}

func TestSessionLifetimes(t *testing.T) {
	ta := newTestApp(t)
	ta.addUser(t, "alice", store.RoleAdmin)

	idle := ta.signedIn(t, "alice")
	ta.clock.Add(time.Hour + time.Minute)
	expectStatus(t, idle.get("/notifications"), http.StatusSeeOther)

	busy := ta.signedIn(t, "alice")
	for i := 0; i < 30; i++ { // 30 × 50 min: busy for 25 h, never idle for an hour
		ta.clock.Add(50 * time.Minute)
		if r := busy.get("/notifications"); r.StatusCode != http.StatusOK {
			expectStatus(t, r, http.StatusSeeOther)
			if i < 27 {
				t.Fatalf("active session ended after %d min, before the 24 h maximum", (i+1)*50)
			}
			return
		}
	}
	t.Fatal("an active session outlived the 24 h maximum age")
}

func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	ta := newTestApp(t)
	ta.addUser(t, "alice", store.RoleViewer)
	here, there := ta.signedIn(t, "alice"), ta.signedIn(t, "alice")
	r := here.post("/account/password", url.Values{"current": {"password-alice"}, "password": {"new password"}, "confirm": {"new password"}})
	expectStatus(t, r, http.StatusSeeOther)
	if !strings.Contains(here.get("/account").body, "Password changed") {
		t.Fatal("no confirmation after changing the password")
	}
	expectStatus(t, here.get("/notifications"), http.StatusOK)
	expectStatus(t, there.get("/notifications"), http.StatusSeeOther)
	expectStatus(t, ta.browser(t).login("alice", "new password"), http.StatusSeeOther)
}

func TestLogoutEndsTheSessionOnTheServer(t *testing.T) {
	ta := newTestApp(t)
	ta.addUser(t, "alice", store.RoleAdmin)
	b := ta.signedIn(t, "alice")
	stolen := ta.browser(t)
	for k, v := range b.cookies {
		stolen.cookies[k] = v
	}
	expectStatus(t, stolen.get("/notifications"), http.StatusOK)
	expectStatus(t, b.post("/logout", nil), http.StatusSeeOther)
	expectStatus(t, b.get("/notifications"), http.StatusSeeOther)
	// A copy of the cookie taken before the logout is worth nothing after.
	expectStatus(t, stolen.get("/notifications"), http.StatusSeeOther)
}

func TestCookieIsSecureBehindHTTPS(t *testing.T) {
	ta := newTestApp(t)
	if c := ta.browser(t).get("/login").Header.Get("Set-Cookie"); strings.Contains(c, "Secure") {
		t.Fatalf("http base URL, yet the cookie is Secure: %s", c)
	}
	st, err := store.Open(context.Background(), t.TempDir(), store.Options{PasswordCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	base, _ := url.Parse("https://alerts.example.com")
	app, err := New(st, Options{
		BaseURL: base, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		SessionKeys: [][]byte{[]byte("0123456789abcdef0123456789abcdef")}, SessionIdle: time.Hour, SessionMaxAge: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := app.Test(httptest.NewRequest("GET", "/login", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	if c := resp.Header.Get("Set-Cookie"); !strings.Contains(c, "Secure") {
		t.Fatalf("https base URL, yet the cookie is not Secure: %s", c)
	}
	if resp.Header.Get("Strict-Transport-Security") == "" {
		t.Fatal("https base URL without HSTS")
	}
}

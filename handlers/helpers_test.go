package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/alertgate/alertgate/store"
)

type testApp struct {
	app   *fiber.App
	store *store.Store
	clock *clock
}

// newTestApp is the real app on a real SQLite file in a temporary directory.
func newTestApp(t testing.TB) *testApp {
	t.Helper()
	st, err := store.Open(context.Background(), t.TempDir(), store.Options{PasswordCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clk := newClock(time.Now())
	base, _ := url.Parse("http://alertgate.test")
	app, err := New(st, Options{
		BaseURL: base, Version: "test", Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		SessionKeys: [][]byte{[]byte("0123456789abcdef0123456789abcdef")},
		SessionIdle: time.Hour, SessionMaxAge: 24 * time.Hour, Now: clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &testApp{app: app, store: st, clock: clk}
}

func (ta *testApp) addUser(t testing.TB, name, role string) {
	t.Helper()
	if _, err := ta.store.CreateUser(context.Background(), store.Actor{Name: "test"}, name, "password-"+name, role); err != nil {
		t.Fatal(err)
	}
}

// browser is a cookie-keeping client of the app, like one browser tab.
type browser struct {
	t       testing.TB
	ta      *testApp
	cookies map[string]string
	csrf    string
}

func (ta *testApp) browser(t testing.TB) *browser {
	return &browser{t: t, ta: ta, cookies: map[string]string{}}
}

// result is a response with its body read.
type result struct {
	*http.Response
	body string
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (b *browser) do(method, path string, form url.Values, headers map[string]string) result {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := b.ta.app.Test(req, -1)
	if err != nil {
		b.t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	for _, c := range resp.Cookies() {
		b.cookies[c.Name] = c.Value
	}
	if m := csrfField.FindStringSubmatch(string(raw)); m != nil {
		b.csrf = m[1]
	}
	return result{resp, string(raw)}
}

func (b *browser) get(path string) result { return b.do("GET", path, nil, nil) }

// post submits a form with the CSRF token the last page carried.
func (b *browser) post(path string, form url.Values) result {
	if form == nil {
		form = url.Values{}
	}
	form.Set("_csrf", b.csrf)
	return b.do("POST", path, form, nil)
}

func (b *browser) login(name, password string) result {
	b.get("/login")
	return b.post("/login", url.Values{"name": {name}, "password": {password}})
}

// signedIn is a browser signed in as an existing user.
func (ta *testApp) signedIn(t testing.TB, name string) *browser {
	b := ta.browser(t)
	if r := b.login(name, "password-"+name); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("login %s: status %d: %s", name, r.StatusCode, r.body)
	}
	b.get("/account")
	return b
}

func expectStatus(t *testing.T, r result, want int) {
	t.Helper()
	if r.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d; body: %.300s", r.Request.Method, r.Request.URL, r.StatusCode, want, r.body)
	}
}

package main

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// TestBrowserSetupLoginDashboardLogout walks the first minutes of a new
// install in a real browser: the setup link creates the admin, the admin
// signs in, sees the styled dashboard, signs out, and the setup link is
// spent. It catches what handler tests cannot: a Content-Security-Policy
// that blocks our own files, or forms and redirects that lead a real
// browser somewhere else than the handler tests assume.
func TestBrowserSetupLoginDashboardLogout(t *testing.T) {
	base, logs := startServer(t, nil)
	link := setupLink(t, logs, base)
	ctx := newBrowser(t)
	recordCSPViolations(t, ctx)

	const name, password = "alice", "correct horse battery"
	createAdmin(t, ctx, link, name, password)
	signIn(t, ctx, name, password)
	checkDashboard(t, ctx, name)
	signOut(t, ctx)

	// Signed out for real in this browser: its cookie no longer opens the
	// dashboard, which sends it to sign in and come back.
	navigate(t, ctx, base+"/notifications", 200)
	wantPath(t, ctx, "/login")
	wantQuery(t, ctx, "next", "/notifications")

	// The link worked once; now it explains why it does not.
	navigate(t, ctx, link, 404)
	wantText(t, ctx, "#error-message", "This setup link was used already")
}

// createAdmin fills in the setup form and expects the login page to confirm.
func createAdmin(t *testing.T, ctx context.Context, link, name, password string) {
	t.Helper()
	navigate(t, ctx, link, 200)
	do(t, ctx, "fill in the setup form",
		chromedp.WaitVisible(chromedp.ID("create-admin")),
		chromedp.SendKeys(chromedp.ID("name"), name),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.SendKeys(chromedp.ID("confirm"), password),
	)
	submit(t, ctx, "create-admin", 200)
	wantPath(t, ctx, "/login")
	wantText(t, ctx, "p.flash", "Admin "+name+" created")
}

// signIn fills in the login form on the current page and expects the
// dashboard, which "/" redirects to.
func signIn(t *testing.T, ctx context.Context, name, password string) {
	t.Helper()
	do(t, ctx, "fill in the login form",
		chromedp.WaitVisible(chromedp.ID("sign-in")),
		chromedp.SendKeys(chromedp.ID("name"), name),
		chromedp.SendKeys(chromedp.ID("password"), password),
	)
	submit(t, ctx, "sign-in", 200)
	wantPath(t, ctx, "/notifications")
}

// checkDashboard asserts the signed-in user is shown and the page is styled
// and scripted by our own static files, which proves the CSP lets them in.
func checkDashboard(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if got := text(t, ctx, "#current-user"); got != name {
		t.Errorf("#current-user = %q, want %q", got, name)
	}
	got := readPageStyles(t, ctx)
	for _, file := range []string{"/css/pico.min.css", "/css/app.css"} {
		if !slices.ContainsFunc(got.Sheets, func(href string) bool { return strings.HasSuffix(href, file) }) {
			t.Errorf("no rules loaded from %s; stylesheets with rules: %q", file, got.Sheets)
		}
	}
	if got.Border != "solid" {
		t.Errorf(".topbar border-bottom-style = %q, want solid: app.css did not apply", got.Border)
	}
	if got.Pico == "" {
		t.Error("--pico-spacing is not set: pico.min.css did not apply")
	}
	if got.Htmx != "object" {
		t.Errorf("typeof htmx = %q, want object: htmx.min.js did not run", got.Htmx)
	}
	if !got.Recording {
		t.Error("window.cspViolations is missing: the CSP recorder did not run, so blocked files would go unnoticed")
	}
	if len(got.Violations) > 0 {
		t.Errorf("the Content-Security-Policy blocked: %s", strings.Join(got.Violations, "; "))
	}
}

// pageStyles is what readPageStyles finds in the page. Each value is there
// only when its file loaded: a browser's default <header> has no border,
// and without pico.min.css no --pico-* variables exist.
type pageStyles struct {
	Sheets     []string `json:"sheets"` // hrefs of stylesheets with rules
	Border     string   `json:"border"` // of .topbar, set by app.css
	Pico       string   `json:"pico"`   // --pico-spacing
	Htmx       string   `json:"htmx"`   // typeof window.htmx
	Recording  bool     `json:"recording"`
	Violations []string `json:"violations"`
}

func readPageStyles(t *testing.T, ctx context.Context) pageStyles {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[pageStyles](hasRulesJS+`({
		sheets: [...document.styleSheets].filter(hasRules).map((s) => s.href),
		border: getComputedStyle(document.querySelector("header.topbar")).borderBottomStyle,
		pico: getComputedStyle(document.documentElement).getPropertyValue("--pico-spacing").trim(),
		htmx: typeof window.htmx,
		recording: Array.isArray(window.cspViolations),
		violations: window.cspViolations,
	})`))
	if err != nil {
		t.Fatalf("read the dashboard's styles: %v", err)
	}
	return got
}

// hasRulesJS defines hasRules(sheet). A stylesheet the CSP blocked can
// still be listed in document.styleSheets, and reading its rules throws a
// SecurityError; count it as empty, so the test names the missing file
// instead of failing on the exception.
const hasRulesJS = `function hasRules(s) {
	try { return s.cssRules.length > 0; } catch { return false; }
}
`

// signOut clicks "Log out" and expects the login page to say so.
func signOut(t *testing.T, ctx context.Context) {
	t.Helper()
	submit(t, ctx, "logout", 200)
	wantPath(t, ctx, "/login")
	wantText(t, ctx, "p.flash", "You are signed out.")
}

// recordCSPViolations makes every page collect the Content-Security-Policy
// violations it reports into window.cspViolations. A blocked file shows only
// as an event in the page, never as an HTTP error.
func recordCSPViolations(t *testing.T, ctx context.Context) {
	t.Helper()
	const script = `window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
	window.cspViolations.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline code"));
});`
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument,
		page.AddScriptToEvaluateOnNewDocumentParams{Source: script})
	if err != nil {
		t.Fatalf("install the CSP recorder: %v", err)
	}
}

// navigate opens url and checks the status of the page it ends on, after
// any redirects.
func navigate(t *testing.T, ctx context.Context, url string, status int64) {
	t.Helper()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(url))
	checkResponse(t, "open "+url, resp, err, status)
}

// submit clicks the button with id and waits for the page the form leads to.
// Waiting for the load, not for an element, matters: the next page often
// has the same fields as this one.
func submit(t *testing.T, ctx context.Context, id string, status int64) {
	t.Helper()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID(id)))
	checkResponse(t, "click #"+id, resp, err, status)
}

func checkResponse(t *testing.T, what string, resp *network.Response, err error, status int64) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if resp == nil {
		t.Fatalf("%s: no response for the page", what)
	}
	if resp.Status != status {
		t.Fatalf("%s: got %s with status %d, want %d", what, resp.URL, resp.Status, status)
	}
}

// do runs steps that return nothing, failing the test with what they were for.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// text returns the visible text of the element sel once it is visible.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	do(t, ctx, "wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// wantText checks that the element sel shows a text containing want.
func wantText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	if got := text(t, ctx, sel); !strings.Contains(got, want) {
		t.Errorf("%s says %q, want it to contain %q", sel, got, want)
	}
}

// location is the address the browser shows now.
func location(t *testing.T, ctx context.Context) *url.URL {
	t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatalf("read the location: %v", err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatalf("location %q: %v", loc, err)
	}
	return u
}

// wantPath fails the test if the browser is not on path: every later step
// would only report confusing errors about missing elements.
func wantPath(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	if u := location(t, ctx); u.Path != path {
		t.Fatalf("browser is on %s, want path %s", u, path)
	}
}

func wantQuery(t *testing.T, ctx context.Context, key, want string) {
	t.Helper()
	if u := location(t, ctx); u.Query().Get(key) != want {
		t.Errorf("browser is on %s, want query %s=%s", u, key, want)
	}
}

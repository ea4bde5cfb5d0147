package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/alertgate/alertgate/alert"
)

// TestBrowserSourceToNotification is the first real use: an admin adds a
// source, a sender posts to it, the open list shows the notification
// without a reload, and its detail page shows the delivery.
func TestBrowserSourceToNotification(t *testing.T) {
	base, logs := startServer(t, nil)
	link := setupLink(t, logs, base)
	ctx := newBrowser(t)
	recordCSPViolations(t, ctx)
	createAdmin(t, ctx, link, "alice", "correct horse battery")
	signIn(t, ctx, "alice", "correct horse battery")

	endpoint, secret := createSource(t, ctx, base)
	if endpoint != base+"/hooks/scripts" {
		t.Fatalf("endpoint shown as %q, want %s/hooks/scripts", endpoint, base)
	}

	navigate(t, ctx, base+"/notifications", 200)
	do(t, ctx, "mark the page", chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`))
	postGenericDelivery(t, endpoint, secret, `{"hostname":"web-1","incident_type":"disk_full","severity":"critical","title":"Disk full on web-1"}`)

	// The poll brings the row in; the marker proves the page never reloaded.
	row := `#notification-list a[href^="/notifications/"]`
	do(t, ctx, "wait for the notification to appear", chromedp.WaitVisible(chromedp.CSS(row)))
	wantText(t, ctx, row, "Disk full on web-1")
	still, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.notReloaded === true`))
	if err != nil || !still {
		t.Fatalf("the page reloaded to show the notification (%v)", err)
	}

	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(row)))
	checkResponse(t, "open the notification", resp, err, 200)
	wantText(t, ctx, "#notification-title", "Disk full on web-1")
	wantText(t, ctx, "#timeline", "opened")
	wantText(t, ctx, "#notification-fields", "scripts")
	if v := readPageStyles(t, ctx).Violations; len(v) > 0 {
		t.Errorf("the Content-Security-Policy blocked: %s", strings.Join(v, "; "))
	}
}

// createSource adds a generic source through the form and reads the
// endpoint and secret the page shows once.
func createSource(t *testing.T, ctx context.Context, base string) (endpoint, secret string) {
	t.Helper()
	navigate(t, ctx, base+"/sources", 200)
	do(t, ctx, "fill in the source form",
		chromedp.SetValue(chromedp.ID("source-kind"), "generic"),
		chromedp.SendKeys(chromedp.ID("source-name"), "Cron checks"),
		chromedp.SendKeys(chromedp.ID("source-slug"), "scripts"),
	)
	submit(t, ctx, "create-source", 200)
	return text(t, ctx, "#endpoint"), text(t, ctx, "#secret")
}

// postGenericDelivery posts body to a generic source the way a sender's script does.
func postGenericDelivery(t *testing.T, endpoint, secret, body string) {
	t.Helper()
	req, _ := http.NewRequest("POST", endpoint, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Signature", alert.SignGeneric(secret, []byte(body)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(answer), `"accepted"`) {
		t.Fatalf("delivery answered %d %s", resp.StatusCode, answer)
	}
}

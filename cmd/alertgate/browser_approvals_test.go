package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserApproveDestructiveStep is the approval gate end to end: autoheal
// reports a container failing until a recipe's threshold, the recipe's
// destructive step (a real script) waits for approval, a viewer sees the
// request but no buttons, a responder approves it with a comment, and the
// run's output is then on the Remediations page.
func TestBrowserApproveDestructiveStep(t *testing.T) {
	script, err := filepath.Abs("testdata/full-reset.sh")
	if err != nil {
		t.Fatal(err)
	}
	ran := filepath.Join(t.TempDir(), "ran")
	config := writeProvisioning(t, `
sources:
  - {slug: heal, kind: autoheal, secret: "heal-secret-0123456789"}
recipes:
  - name: heal-app
    match: {sources: [heal], target: "app-*"}
    threshold: 2
    window: 10m
    steps:
      - name: full-reset
        run: [`+strconv.Quote(script)+`, `+strconv.Quote(ran)+`, "{{.Target}}"]
        destructive: true
        timeout: 30s
`)
	data := t.TempDir()
	vars := map[string]string{"ALERTGATE_DATA_DIR": data}
	for _, u := range []struct{ name, role string }{{"rita", "responder"}, {"vera", "viewer"}} {
		if code, _, errOut := runCmd(t, []string{"user", "add", "--name", u.name, "--role", u.role}, "password-"+u.name+"\n", vars); code != 0 {
			t.Fatalf("user add %s: %s", u.name, errOut)
		}
	}
	base, logs := startServerIn(t, data, map[string]string{"ALERTGATE_CONFIG": config})
	for range 2 {
		postAutoheal(t, base, "heal-secret-0123456789", "app-1")
	}

	ctx := newBrowser(t)
	recordCSPViolations(t, ctx)
	const card = "#approvals article.approval"
	const comment = "logs saved, go ahead"

	// The viewer sees the request and the exact command, and cannot act.
	navigate(t, ctx, base+"/login", 200)
	signIn(t, ctx, "vera", "password-vera")
	navigate(t, ctx, base+"/approvals", 200)
	// The engine handles deliveries in the background; the list's own
	// refresh brings the request in.
	wantText(t, ctx, card+" header", "heal-app: full-reset on app-1")
	wantText(t, ctx, card+" pre.command", strconv.Quote(script)+" "+strconv.Quote(ran)+` "app-1"`)
	controls, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#approvals form, #approvals button").length`))
	if err != nil || controls != 0 {
		t.Fatalf("the viewer's approvals page has %d forms and buttons (%v), want none", controls, err)
	}
	if _, err := os.Stat(ran); !os.IsNotExist(err) {
		t.Fatalf("the destructive step ran before anyone approved it (%v)", err)
	}
	signOut(t, ctx)

	// The responder approves with a comment.
	navigate(t, ctx, base+"/login", 200)
	signIn(t, ctx, "rita", "password-rita")
	navigate(t, ctx, base+"/approvals", 200)
	do(t, ctx, "type a comment",
		chromedp.WaitVisible(chromedp.CSS(card+" button.approve")),
		chromedp.SendKeys(chromedp.CSS(card+` form[action$="/approve"] input[name="comment"]`), comment),
	)
	// The list refreshes itself every few seconds while the responder types:
	// the comment must survive a refresh, or it is lost unseen.
	do(t, ctx, "wait for the list to refresh",
		chromedp.Evaluate[chromedp.Void](`document.getElementById("approvals").dataset.beforeRefresh = "yes"`),
		chromedp.Poll[chromedp.Void](`document.getElementById("approvals") && !document.getElementById("approvals").dataset.beforeRefresh`,
			chromedp.WithPollingInterval(100*time.Millisecond)),
	)
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(card+" button.approve")))
	checkResponse(t, "press Approve", resp, err, 200)
	wantPath(t, ctx, "/approvals")
	wantText(t, ctx, "p.flash", "Approved: full-reset on app-1 runs now")

	// The step runs in the background; the run list shows it when done.
	run := waitForRun(t, ctx, base, "succeeded", logs)
	navigate(t, ctx, run, 200)
	wantText(t, ctx, "#run-output", "full reset of app-1 done")
	wantText(t, ctx, "main", "Decision: approved by rita: "+comment)

	if got, err := os.ReadFile(ran); err != nil || string(got) != "app-1\n" {
		t.Fatalf("the step's record is %q (%v), want it run once for app-1", got, err)
	}
	if v := readPageStyles(t, ctx).Violations; len(v) > 0 {
		t.Errorf("the Content-Security-Policy blocked: %s", strings.Join(v, "; "))
	}
}

// waitForRun reloads the Remediations page until its newest run is in
// state, and returns the address of that run's page.
func waitForRun(t *testing.T, ctx context.Context, base, state string, logs *syncBuffer) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		navigate(t, ctx, base+"/remediations", 200)
		got, err := chromedp.Run(ctx, chromedp.Evaluate[struct {
			State string `json:"state"`
			Href  string `json:"href"`
		}](`(() => {
			const row = document.querySelector("#runs tbody tr");
			return row ? {state: row.querySelector(".state").textContent.trim(), href: row.querySelector("a").href} : {state: "", href: ""};
		})()`))
		if err != nil {
			t.Fatalf("read the runs: %v", err)
		}
		if got.State == state {
			return got.Href
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s run on the Remediations page within 30s (newest: %q)\nlog:\n%s", state, got.State, logs)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// postAutoheal posts what autoheal sends when it finds container unhealthy.
func postAutoheal(t *testing.T, base, secret, container string) {
	t.Helper()
	body := `{"content":"Container ` + container + ` (0123456789ab) found to be unhealthy. Failed to restart the container!"}`
	req, _ := http.NewRequest("POST", base+"/hooks/heal", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Webhook-Token", secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("autoheal delivery answered %d", resp.StatusCode)
	}
}

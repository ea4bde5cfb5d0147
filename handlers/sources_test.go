package handlers

import (
	"context"
	"fmt"
	"html"
	"net"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/alertgate/alertgate/store"
)

var secretShown = regexp.MustCompile(`<code id="secret">([^<]+)</code>`)

// addSource creates a source through the form and returns the secret the
// page shows once.
func addSource(t *testing.T, b *browser, kind, slug string) string {
	t.Helper()
	b.get("/sources")
	r := b.post("/sources", url.Values{"kind": {kind}, "name": {"Test " + slug}, "slug": {slug}})
	expectStatus(t, r, 200)
	m := secretShown.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("the new source's page shows no secret: %.600s", r.body)
	}
	if !strings.Contains(r.body, "http://alertgate.test/hooks/"+slug) {
		t.Fatal("the new source's page shows no endpoint URL")
	}
	return html.UnescapeString(m[1])
}

func TestAdminCreatesSourceAndSenderUsesIt(t *testing.T) {
	ta := newTestApp(t)
	ta.addUser(t, "alice", store.RoleAdmin)
	admin := ta.signedIn(t, "alice")
	secret := addSource(t, admin, "generic", "scripts")

	r := ta.post(t, "/hooks/scripts", diskFull, map[string]string{"X-Signature": sign(secret, diskFull)})
	wantHook(t, r, 200, "status")

	page := admin.get("/sources/1")
	expectStatus(t, page, 200)
	if strings.Contains(page.body, secret) {
		t.Fatal("the source page shows the secret again")
	}
	if !strings.Contains(page.body, "••••••••"+secret[len(secret)-4:]) {
		t.Fatal("the source page does not show the masked secret")
	}
	list := admin.get("/sources").body
	if !strings.Contains(list, "http://alertgate.test/hooks/scripts") || !strings.Contains(list, "<td>1</td>") {
		t.Fatalf("source list lacks the endpoint or the open count: %.800s", list)
	}

	admin.post("/sources", url.Values{"kind": {"generic"}, "name": {"again"}, "slug": {"scripts"}})
	if !strings.Contains(admin.get("/sources").body, "already exists") {
		t.Fatal("a taken slug is not explained")
	}
	admin.post("/sources", url.Values{"kind": {"generic"}, "name": {"bad"}, "slug": {"Bad Slug"}})
	if !strings.Contains(admin.get("/sources").body, "lowercase letters") {
		t.Fatal("a bad slug is not explained")
	}
	expectStatus(t, ta.signedInAs(t, "vic", store.RoleViewer).get("/sources/1"), 403)
}

func (ta *testApp) signedInAs(t *testing.T, name, role string) *browser {
	ta.addUser(t, name, role)
	return ta.signedIn(t, name)
}

func TestRejectedRequestsExplainedOnSourcePage(t *testing.T) {
	ta := newTestApp(t)
	admin := ta.signedInAs(t, "alice", store.RoleAdmin)
	secret := addSource(t, admin, "generic", "scripts")
	ta.post(t, "/hooks/scripts", diskFull, map[string]string{"X-Signature": sign("not-the-secret", diskFull), "Authorization": "Bearer hunter2"})
	page := admin.get("/sources/1").body
	if !strings.Contains(page, `id="rejected"`) || !strings.Contains(page, "X-Signature") {
		t.Fatalf("source page does not explain the rejection: %.1500s", page)
	}
	if strings.Contains(page, "hunter2") || strings.Contains(page, secret) {
		t.Fatal("the rejection record shows a secret")
	}
}

func TestRotateDisableDeleteSource(t *testing.T) {
	ta := newTestApp(t)
	admin := ta.signedInAs(t, "alice", store.RoleAdmin)
	old := addSource(t, admin, "generic", "scripts")

	admin.get("/sources/1")
	r := admin.post("/sources/1/rotate", nil)
	expectStatus(t, r, 200)
	m := secretShown.FindStringSubmatch(r.body)
	if m == nil || html.UnescapeString(m[1]) == old {
		t.Fatal("rotation shows no new secret")
	}
	fresh := html.UnescapeString(m[1])
	for _, s := range []string{old, fresh} {
		wantHook(t, ta.post(t, "/hooks/scripts", diskFull, map[string]string{"X-Signature": sign(s, diskFull)}), 200, "status")
	}

	admin.get("/sources/1")
	expectStatus(t, admin.post("/sources/1/disabled", url.Values{"disabled": {"true"}}), 303)
	wantHook(t, ta.post(t, "/hooks/scripts", diskFull, map[string]string{"X-Signature": sign(fresh, diskFull)}), 404, "error")
	admin.get("/sources/1")
	expectStatus(t, admin.post("/sources/1/disabled", url.Values{"disabled": {"false"}}), 303)

	admin.get("/sources/1")
	admin.post("/sources/1/delete", nil)
	if _, err := ta.store.Source(context.Background(), 1); err != nil {
		t.Fatal("deleted without the confirmation box")
	}
	admin.get("/sources/1")
	expectStatus(t, admin.post("/sources/1/delete", url.Values{"confirm": {"yes"}}), 303)
	if _, err := ta.store.Source(context.Background(), 1); err == nil {
		t.Fatal("source still there after a confirmed delete")
	}
	if ta.openCount(t) != 0 {
		t.Fatal("its notifications outlived the source")
	}
}

func TestProvisionedSourceIsReadOnly(t *testing.T) {
	ta := newTestApp(t)
	admin := ta.signedInAs(t, "alice", store.RoleAdmin)
	err := ta.store.ProvisionSources(context.Background(), []store.NewSource{{Slug: "k8s", Name: "StackState prod", Kind: "stackstate", Secret: "provisioned-secret-123"}})
	if err != nil {
		t.Fatal(err)
	}
	page := admin.get("/sources/1").body
	if !strings.Contains(page, "provisioned") || strings.Contains(page, `id="rotate-secret"`) {
		t.Fatal("a provisioned source is not shown read-only")
	}
	admin.post("/sources/1/rotate", nil)
	if !strings.Contains(admin.get("/sources/1").body, "change it there") {
		t.Fatal("rotating a provisioned source is not refused with a reason")
	}
	// Dropped from the file: kept (with its history), disabled, editable.
	if err := ta.store.ProvisionSources(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	src, _ := ta.store.Source(context.Background(), 1)
	if src.Provisioned || !src.Disabled {
		t.Fatalf("source dropped from the file: %+v", src)
	}
}

// TestGenericExampleWorksAsPasted runs the generic sender example the
// source page shows, with bash, openssl and curl, against the real app.
func TestGenericExampleWorksAsPasted(t *testing.T) {
	for _, tool := range []string{"bash", "openssl", "curl", "od", "base64"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s not installed: .ci/run must install it", tool)
			}
			t.Skipf("%s not installed (.ci/run installs it)", tool)
		}
	}
	ta := newTestApp(t)
	admin := ta.signedInAs(t, "alice", store.RoleAdmin)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go ta.app.Listener(ln)
	defer ta.app.Shutdown()
	for _, kind := range []string{"generic", "standard"} {
		secret := addSource(t, admin, kind, kind)
		example := exampleFor(t, admin, kind)
		example = strings.ReplaceAll(example, "http://alertgate.test", "http://"+ln.Addr().String())
		example = strings.ReplaceAll(example, "YOUR-SECRET", secret)
		out, err := exec.Command("bash", "-c", example).CombinedOutput()
		if err != nil || !strings.Contains(string(out), `"status":"accepted"`) {
			t.Errorf("%s example: %v\n%s\nscript:\n%s", kind, err, out, example)
		}
	}
}

var examplePre = regexp.MustCompile(`(?s)<pre id="example">(.*?)</pre>`)

func exampleFor(t *testing.T, b *browser, slug string) string {
	t.Helper()
	srcs, _ := b.ta.store.Sources(context.Background())
	for _, s := range srcs {
		if s.Slug == slug {
			m := examplePre.FindStringSubmatch(b.get(fmt.Sprintf("/sources/%d", s.ID)).body)
			if m == nil {
				t.Fatal("no example on the source page")
			}
			return html.UnescapeString(m[1])
		}
	}
	t.Fatalf("no source %s", slug)
	return ""
}

func TestSourceLimitsFromTheBrowser(t *testing.T) {
	ta := newTestApp(t)
	admin := ta.signedInAs(t, "alice", store.RoleAdmin)
	admin.get("/sources")
	admin.post("/sources", url.Values{"kind": {"autoheal"}, "name": {"Heal"}, "slug": {"heal"}, "rate_per_minute": {"30"}, "resolve_after": {"30m"}})
	src, err := ta.store.SourceBySlug(context.Background(), "heal")
	if err != nil || src.RatePerMinute != 30 || src.ResolveAfterSeconds != 1800 {
		t.Fatalf("created with limits: %+v %v", src, err)
	}
	admin.get("/sources/1")
	expectStatus(t, admin.post("/sources/1/limits", url.Values{"rate_per_minute": {""}, "resolve_after": {"1h"}}), 303)
	src, _ = ta.store.SourceBySlug(context.Background(), "heal")
	if src.RatePerMinute != 0 || src.ResolveAfterSeconds != 3600 {
		t.Fatalf("limits after saving: %+v", src)
	}
	admin.get("/sources/1")
	admin.post("/sources/1/limits", url.Values{"resolve_after": {"soon"}})
	if !strings.Contains(admin.get("/sources/1").body, "duration such as 15m") {
		t.Fatal("a bad duration is not explained")
	}
}

package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alertgate/alertgate/store"
	"github.com/alertgate/alertgate/store/db"
)

func (ta *testApp) pendingApproval(t *testing.T) int64 {
	t.Helper()
	now := ta.clock.Now().UTC()
	id, err := ta.store.CreateApproval(context.Background(), db.InsertApprovalParams{
		Recipe: "heal-app", Step: "full-reset", StepIndex: 1, Target: "app-1", Argv: `["docker","restart","app 1"]`,
		ArchiveArgv: "[]", TimeoutMs: 1000, TriggerText: "failure after cooldown", NotificationID: "none",
		CreatedAt: now, ExpiresAt: now.Add(30 * time.Minute),
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestViewerSeesNoButtonsAndCannotDecide(t *testing.T) {
	ta := newTestApp(t)
	ta.addUser(t, "vera", store.RoleViewer)
	id := ta.pendingApproval(t)
	b := ta.signedIn(t, "vera")
	r := b.get("/approvals")
	expectStatus(t, r, http.StatusOK)
	if !strings.Contains(r.body, `&#34;docker&#34; &#34;restart&#34; &#34;app 1&#34;`) || strings.Contains(r.body, ">Approve<") {
		t.Fatalf("viewer page: %s", r.body)
	}
	expectStatus(t, b.post("/approvals/"+itoa(id)+"/approve", nil), http.StatusForbidden)
	if a, _ := ta.store.Approval(context.Background(), id); a.State != store.ApprovalPending {
		t.Fatalf("a viewer changed the request to %s", a.State)
	}
}

func TestResponderApprovesOnceUnderConcurrency(t *testing.T) {
	ta := newTestApp(t)
	ta.addUser(t, "rita", store.RoleResponder)
	ta.addUser(t, "ron", store.RoleResponder)
	id := ta.pendingApproval(t)
	rita, ron := ta.signedIn(t, "rita"), ta.signedIn(t, "ron")
	rita.get("/approvals")
	ron.get("/approvals")
	if !strings.Contains(rita.get("/approvals").body, ">Approve<") {
		t.Fatal("responder sees no Approve button")
	}
	var wg sync.WaitGroup
	wg.Go(func() { rita.post("/approvals/"+itoa(id)+"/approve", url.Values{"comment": {"go"}}) })
	wg.Go(func() { ron.post("/approvals/"+itoa(id)+"/reject", url.Values{"comment": {"no"}}) })
	wg.Wait()
	a, _ := ta.store.Approval(context.Background(), id)
	if a.State == store.ApprovalPending || (a.DecidedBy != "rita" && a.DecidedBy != "ron") {
		t.Fatalf("approval %+v", a)
	}
	page, _ := ta.store.ListAudit(context.Background(), 0, 50)
	decisions := 0
	for _, e := range page.Entries {
		if e.Action == store.ActionApprovalApproved || e.Action == store.ActionApprovalRejected {
			decisions++
		}
	}
	if decisions != 1 {
		t.Fatalf("%d decisions audited, want 1", decisions)
	}
	// The loser is told what happened, and a third try changes nothing.
	r := rita.post("/approvals/"+itoa(id)+"/reject", nil)
	expectStatus(t, r, http.StatusSeeOther)
	if again, _ := ta.store.Approval(context.Background(), id); again.State != a.State {
		t.Fatal("a decided request was decided again")
	}
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

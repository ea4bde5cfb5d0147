package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/store"
)

// apiApproval is the part of an API approval the tests look at.
type apiApproval struct {
	ID        int64    `json:"id"`
	Recipe    string   `json:"recipe"`
	Step      string   `json:"step"`
	Target    string   `json:"target"`
	Argv      []string `json:"argv"`
	State     string   `json:"state"`
	DecidedBy string   `json:"decided_by"`
	Comment   string   `json:"comment"`
	DecidedAt *string  `json:"decided_at"`
	ExpiresAt string   `json:"expires_at"`
}

// apiPost posts body (of contentType, when not "") with a bearer token
// and returns the status and the JSON answer decoded into a map.
func (ta *testApp) apiPost(t *testing.T, token, path, contentType, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	var out map[string]any
	resp := ta.apiDo(t, req, token, &out)
	return resp.StatusCode, out
}

const formType = "application/x-www-form-urlencoded"

func comment(text string) string { return url.Values{"comment": {text}}.Encode() }

func TestAPIApprovalsListAndDecide(t *testing.T) {
	ta := newTestApp(t)
	viewer := ta.token(t, "grafana", store.RoleViewer)
	responder := ta.token(t, "oncall", store.RoleResponder)
	id := ta.pendingApproval(t)
	path := "/api/v1/approvals/" + itoa(id)

	// Anyone with a token reads the pending requests, argv as a list.
	var list struct{ Approvals []apiApproval }
	wantStatus(t, ta.apiGet(t, viewer, "/api/v1/approvals", &list), 200)
	if len(list.Approvals) != 1 {
		t.Fatalf("approvals = %+v, want the one pending", list.Approvals)
	}
	got := list.Approvals[0]
	if got.ID != id || got.Recipe != "heal-app" || got.Step != "full-reset" || got.Target != "app-1" || got.State != store.ApprovalPending ||
		strings.Join(got.Argv, "|") != "docker|restart|app 1" || got.DecidedBy != "" || got.DecidedAt != nil {
		t.Fatalf("approval = %+v", got)
	}
	if _, err := time.Parse(time.RFC3339, got.ExpiresAt); err != nil {
		t.Errorf("expires_at %q is not RFC 3339: %v", got.ExpiresAt, err)
	}

	// No token, or a viewer's: no decision.
	if status, _ := ta.apiPost(t, "", path+"/approve", formType, comment("x")); status != http.StatusUnauthorized {
		t.Fatalf("approve without a token: %d, want 401", status)
	}
	for _, action := range []string{"approve", "reject"} {
		status, body := ta.apiPost(t, viewer, path+"/"+action, formType, comment("viewer says yes"))
		if status != http.StatusForbidden || !strings.Contains(body["error"].(string), "responder") {
			t.Fatalf("%s with a viewer token: %d %v, want 403 naming the role it needs", action, status, body)
		}
	}
	if a, _ := ta.store.Approval(context.Background(), id); a.State != store.ApprovalPending {
		t.Fatalf("a viewer token changed the request to %s", a.State)
	}

	// A responder token decides, once.
	status, body := ta.apiPost(t, responder, path+"/approve", formType, comment("logs saved, go ahead"))
	if status != http.StatusOK || body["state"] != store.ApprovalApproved || body["decided_by"] != "token:oncall" ||
		body["comment"] != "logs saved, go ahead" || body["decided_at"] == nil {
		t.Fatalf("approve: %d %v", status, body)
	}
	wantStatus(t, ta.apiGet(t, viewer, "/api/v1/approvals", &list), 200)
	if len(list.Approvals) != 0 {
		t.Fatalf("pending after the decision = %+v, want none", list.Approvals)
	}
	for _, action := range []string{"reject", "approve"} {
		status, body := ta.apiPost(t, responder, path+"/"+action, formType, comment("again"))
		msg, _ := body["error"].(string)
		if status != http.StatusConflict || !strings.Contains(msg, "already approved by token:oncall") {
			t.Fatalf("%s of a decided request: %d %q, want 409 saying who decided it", action, status, msg)
		}
	}
	if a, _ := ta.store.Approval(context.Background(), id); a.State != store.ApprovalApproved || a.Comment != "logs saved, go ahead" {
		t.Fatalf("after the second decision: %s with comment %q", a.State, a.Comment)
	}

	// Unknown requests are 404, as JSON.
	for _, p := range []string{"/api/v1/approvals/999999/approve", "/api/v1/approvals/999999/reject", "/api/v1/approvals/nope/approve"} {
		if status, body := ta.apiPost(t, responder, p, formType, ""); status != http.StatusNotFound || body["error"] == "" {
			t.Fatalf("POST %s: %d %v, want 404 with a message", p, status, body)
		}
	}

	// The audit log has exactly the one decision, with who and why.
	page, err := ta.store.ListAudit(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var decisions []string
	for _, e := range page.Entries {
		if e.Action == store.ActionApprovalApproved || e.Action == store.ActionApprovalRejected {
			decisions = append(decisions, e.Actor+" "+e.Action+" "+e.Target+": "+e.Detail)
		}
	}
	want := "token:oncall " + store.ActionApprovalApproved + " approval " + itoa(id) + ": heal-app full-reset on app-1; comment: logs saved, go ahead"
	if len(decisions) != 1 || decisions[0] != want {
		t.Fatalf("audited decisions = %q, want [%q]", decisions, want)
	}
	// And an admin reads it on the audit page.
	ta.addUser(t, "alice", store.RoleAdmin)
	r := ta.signedIn(t, "alice").get("/audit")
	expectStatus(t, r, http.StatusOK)
	if !strings.Contains(r.body, "token:oncall") || !strings.Contains(r.body, "logs saved, go ahead") {
		t.Fatalf("the audit page does not show the decision: %.2000s", r.body)
	}
}

func TestAPIRejectAndExpired(t *testing.T) {
	ta := newTestApp(t)
	responder := ta.token(t, "oncall", store.RoleResponder)
	rejected, expired := ta.pendingApproval(t), ta.pendingApproval(t)

	status, body := ta.apiPost(t, responder, "/api/v1/approvals/"+itoa(rejected)+"/reject", formType, comment("not during the release"))
	if status != http.StatusOK || body["state"] != store.ApprovalRejected || body["comment"] != "not during the release" {
		t.Fatalf("reject: %d %v", status, body)
	}
	status, body = ta.apiPost(t, responder, "/api/v1/approvals/"+itoa(rejected)+"/approve", formType, "")
	if msg, _ := body["error"].(string); status != http.StatusConflict || !strings.Contains(msg, "already rejected by token:oncall") {
		t.Fatalf("approve after a rejection: %d %v, want 409", status, body)
	}

	// Past its time a request cannot be approved, even before the engine
	// has marked it expired.
	ta.clock.Add(31 * time.Minute)
	status, body = ta.apiPost(t, responder, "/api/v1/approvals/"+itoa(expired)+"/approve", formType, "")
	if msg, _ := body["error"].(string); status != http.StatusConflict || !strings.Contains(msg, "expired") {
		t.Fatalf("approve of an expired request: %d %v, want 409 saying it expired", status, body)
	}
	if a, _ := ta.store.Approval(context.Background(), expired); a.State != store.ApprovalPending || a.DecidedBy != "" {
		t.Fatalf("the expired request was decided: %+v", a)
	}
}

// Scripts send JSON to a JSON API: the comment in a JSON body is kept like
// a form's, and a body that is not JSON is refused rather than ignored.
func TestAPIDecideTakesAJSONComment(t *testing.T) {
	ta := newTestApp(t)
	responder := ta.token(t, "oncall", store.RoleResponder)
	id, bad := ta.pendingApproval(t), ta.pendingApproval(t)

	status, body := ta.apiPost(t, responder, "/api/v1/approvals/"+itoa(id)+"/approve", "application/json", `{"comment":"approved from the runbook script"}`)
	if status != http.StatusOK || body["comment"] != "approved from the runbook script" {
		t.Fatalf("approve with a JSON comment: %d %v", status, body)
	}
	status, body = ta.apiPost(t, responder, "/api/v1/approvals/"+itoa(bad)+"/approve", "application/json", `{"comment":`)
	if status != http.StatusBadRequest || body["error"] == "" {
		t.Fatalf("approve with broken JSON: %d %v, want 400", status, body)
	}
	if a, _ := ta.store.Approval(context.Background(), bad); a.State != store.ApprovalPending {
		t.Fatalf("broken JSON decided the request: %s", a.State)
	}
}

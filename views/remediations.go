package views

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/alertgate/alertgate/remedy"
	"github.com/alertgate/alertgate/store"
	"github.com/alertgate/alertgate/store/db"
)

// ApprovalContext is a pending request with what a responder needs to
// decide: the notification, its recent timeline and the target's runs.
type ApprovalContext struct {
	Approval     db.Approval
	Notification *db.GetNotificationRow
	Timeline     []db.ListTimelineRow
	Runs         []db.RemediationRun
}

// Approvals is the approvals page's content.
type Approvals struct {
	Pending []ApprovalContext
	Decided []db.Approval
	Now     time.Time
}

// Remediations is the remediations page's content.
type Remediations struct {
	Runs    store.RunPage
	Targets []db.RemediationTarget
	Recipes []remedy.Recipe
}

func canDecide(p Page) bool {
	return p.User != nil && store.RoleRank(p.User.Role) >= store.RoleRank(store.RoleResponder)
}

func approvalAction(a db.Approval, action string) string {
	return "/approvals/" + strconv.FormatInt(a.ID, 10) + "/" + action
}

// commentID is the stable id of a request's comment field for action.
func commentID(a db.Approval, action string) string {
	return "comment-" + action + "-" + strconv.FormatInt(a.ID, 10)
}

// argvText shows a stored argv one quoted element per argument, exactly as
// it will be passed.
func argvText(raw string) string {
	var argv []string
	if json.Unmarshal([]byte(raw), &argv) != nil {
		return raw
	}
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = strconv.Quote(a)
	}
	return strings.Join(q, " ")
}

func timeLeft(a db.Approval, now time.Time) string {
	left := a.ExpiresAt.Sub(now).Round(time.Second)
	if left <= 0 {
		return "expiring now"
	}
	return left.String() + " left"
}

func runURL(r db.RemediationRun) templ.SafeURL {
	return templ.SafeURL("/remediations/runs/" + strconv.FormatInt(r.ID, 10))
}

func archiveURL(r db.RemediationRun) templ.SafeURL {
	return templ.SafeURL("/remediations/runs/" + strconv.FormatInt(r.ID, 10) + "/archive")
}

func exitText(r db.RemediationRun) string {
	if !r.ExitCode.Valid {
		return "—"
	}
	return strconv.FormatInt(r.ExitCode.Int64, 10)
}

func durationText(ms int64) string {
	return (time.Duration(ms) * time.Millisecond).String()
}

func decisionText(a db.Approval) string {
	if a.DecidedBy == "" {
		return a.State
	}
	s := a.State + " by " + a.DecidedBy
	if a.Comment != "" {
		s += ": " + a.Comment
	}
	return s
}

func ladderText(t db.RemediationTarget, recipes []remedy.Recipe) string {
	if t.StoppedAt.Valid {
		return "manual intervention required since " + when(t.StoppedAt.Time)
	}
	total := 0
	for _, r := range recipes {
		if r.Name == t.Recipe {
			total = len(r.Steps)
		}
	}
	if t.Taken == 0 {
		var f []string
		json.Unmarshal([]byte(t.Failures), &f)
		return fmt.Sprintf("counting: %d failures in the window, no step taken", len(f))
	}
	return fmt.Sprintf("%d of %d steps taken", t.Taken, total)
}

func runsNext(page store.RunPage) templ.SafeURL {
	return templ.SafeURL("/remediations?before=" + strconv.FormatInt(page.Next, 10))
}

func stepSummary(s remedy.Step) string {
	out := strings.Join(quoteAll(s.Run), " ")
	if s.Destructive {
		out += "  (destructive: needs approval)"
	}
	return out
}

func quoteAll(argv []string) []string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = strconv.Quote(a)
	}
	return q
}

func recipeSummary(r remedy.Recipe) string {
	return fmt.Sprintf("%d failures within %s, cooldown %s, approvals expire after %s, mode %s", r.Threshold, r.Window, r.Cooldown, r.ApprovalTTL, r.Mode)
}

package remedy

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/store"
	"github.com/alertgate/alertgate/store/db"
)

// requestApproval holds a destructive step for a person: the request is
// bound to this exact argv, and an alertgate notification pages for it.
// Called with e.mu held.
func (e *Engine) requestApproval(ctx context.Context, r *Recipe, s runSpec) {
	argv, _ := json.Marshal(s.argv)
	archive, _ := json.Marshal(s.archive)
	if s.archive == nil {
		archive = []byte("[]")
	}
	now := e.Now().UTC()
	id, err := e.store.CreateApproval(ctx, db.InsertApprovalParams{
		Recipe: r.Name, Step: s.step, StepIndex: int64(s.index), Target: s.target, Argv: string(argv), ArchiveArgv: string(archive),
		TimeoutMs: s.timeout.Milliseconds(), TriggerText: s.trigger, NotificationID: s.notificationID,
		CreatedAt: now, ExpiresAt: now.Add(r.ApprovalTTL),
	})
	if err != nil {
		e.log.Error("create approval request", "recipe", r.Name, "step", s.step, "err", err)
		return
	}
	e.busy[key{r.Name, s.target}] = true
	alertID, err := e.notify(ctx, alert.Event{
		Key: approvalKey(id), Type: alert.Open, Severity: alert.High, State: "awaiting_approval",
		Title:     fmt.Sprintf("Approval needed: %s step %s on %s", r.Name, s.step, s.target),
		Component: alert.Component{Name: s.target}, IncidentType: "remediation_approval", Target: s.target,
		Labels: map[string]string{"recipe": r.Name, "step": s.step, "command": quoteArgv(s.argv), "approve_at": "/approvals"},
	})
	if err == nil {
		err = e.store.SetApprovalAlert(ctx, id, alertID)
	}
	e.logErr("page for approval", err, "approval", id)
}

func approvalKey(id int64) string { return fmt.Sprintf("approval/%d", id) }

// finalStop marks the target for a person and tells every channel.
// Called with e.mu held.
func (e *Engine) finalStop(ctx context.Context, r *Recipe, st *State, why string) {
	e.log.Warn("remediation exhausted: manual intervention required", "recipe", r.Name, "target", st.Target, "why", why)
	_, err := e.notify(ctx, alert.Event{
		Key: "final-stop/" + r.Name + "/" + st.Target, Type: alert.Open, Severity: alert.Critical, State: "manual_intervention_required",
		Title:     fmt.Sprintf("%s: manual intervention required (recipe %s has no step left)", st.Target, r.Name),
		Component: alert.Component{Name: st.Target}, IncidentType: "remediation_final_stop", Target: st.Target,
		Labels: map[string]string{"recipe": r.Name, "why": why, "notification": st.NotificationID},
	})
	e.logErr("open final stop notification", err, "recipe", r.Name, "target", st.Target)
}

// notify opens or closes a notification of the internal source through
// the same path as a webhook, so it reaches channels and the ledger.
func (e *Engine) notify(ctx context.Context, ev alert.Event) (string, error) {
	body, _ := json.Marshal(ev)
	res, err := e.store.Ingest(ctx, store.Ingest{
		SourceID: e.internal.ID, SourceSlug: InternalSource, Delivery: alert.Delivery{Events: []alert.Event{ev}},
		ReceivedAt: e.Now(), Headers: "{}", Body: body,
	})
	if err != nil || len(res.Changes) == 0 {
		return "", err
	}
	return res.Changes[0].NotificationID, nil
}

// Decided is told of a decision made in the browser or the API.
func (e *Engine) Decided(ctx context.Context, a db.Approval) {
	if a.State == store.ApprovalApproved {
		e.Wake()
		return
	}
	e.approvalEnded(ctx, a)
}

// approvalEnded frees the target of a request that will not run and
// closes the notification that paged for it.
func (e *Engine) approvalEnded(ctx context.Context, a db.Approval) {
	e.mu.Lock()
	delete(e.busy, key{a.Recipe, a.Target})
	e.mu.Unlock()
	e.closeApprovalAlert(ctx, a)
}

func (e *Engine) closeApprovalAlert(ctx context.Context, a db.Approval) {
	reason := a.State
	if a.DecidedBy != "" && a.DecidedBy != "alertgate" {
		reason += " by " + a.DecidedBy
	}
	_, err := e.notify(ctx, alert.Event{Key: approvalKey(a.ID), Type: alert.Close, CloseReason: reason})
	e.logErr("close approval notification", err, "approval", a.ID)
}

// Tick ends expired requests and those whose notification closed, resets
// the ladders of closed notifications and starts approved steps.
func (e *Engine) Tick(ctx context.Context) {
	now := e.Now()
	for _, end := range []func(context.Context, time.Time) ([]db.Approval, error){e.store.ExpireApprovals, e.store.CancelApprovalsForClosed} {
		ended, err := end(ctx, now)
		e.logErr("end approval requests", err)
		for _, a := range ended {
			e.log.Info("approval request ended", "approval", a.ID, "state", a.State)
			e.approvalEnded(ctx, a)
		}
	}
	closed, err := e.store.ClosedTargetNotifications(ctx)
	e.logErr("find closed notifications", err)
	for _, c := range closed {
		e.resetTarget(ctx, key{c.Recipe, c.Target})
	}
	approved, err := e.store.ApprovedToRun(ctx)
	e.logErr("find approved steps", err)
	for _, a := range approved {
		e.runApproved(ctx, a)
	}
}

func (e *Engine) resetTarget(ctx context.Context, k key) {
	e.mu.Lock()
	defer e.mu.Unlock()
	st := e.state(k)
	st.Reset()
	e.save(ctx, st)
}

// runApproved runs exactly the argv that was approved.
func (e *Engine) runApproved(ctx context.Context, a db.Approval) {
	s := runSpec{
		recipe: a.Recipe, step: a.Step, index: int(a.StepIndex), target: a.Target, notificationID: a.NotificationID,
		trigger: fmt.Sprintf("approved by %s; %s", a.DecidedBy, a.TriggerText), timeout: time.Duration(a.TimeoutMs) * time.Millisecond,
		mode: ModeLive, approvalID: a.ID,
	}
	if json.Unmarshal([]byte(a.Argv), &s.argv) != nil || len(s.argv) == 0 {
		e.log.Error("approval has no command", "approval", a.ID)
		return
	}
	json.Unmarshal([]byte(a.ArchiveArgv), &s.archive)
	e.mu.Lock()
	e.startRun(ctx, s)
	e.mu.Unlock()
	e.closeApprovalAlert(ctx, a)
}

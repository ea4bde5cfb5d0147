package handlers

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/alertgate/alertgate/store"
	"github.com/alertgate/alertgate/store/db"
	"github.com/alertgate/alertgate/views"
)

// Context shown with each pending request.
const (
	approvalTimelineShown = 5
	approvalRunsShown     = 3
	decidedShown          = 20
)

func (h *Handler) approvals(c *fiber.Ctx) error {
	a, err := h.loadApprovals(c)
	if err != nil {
		return err
	}
	return render(c, views.ApprovalsPage(h.page(c, "Approvals", "/approvals"), a))
}

// approvalsPartial is what the page's htmx poll swaps in.
func (h *Handler) approvalsPartial(c *fiber.Ctx) error {
	a, err := h.loadApprovals(c)
	if err != nil {
		return err
	}
	return render(c, views.ApprovalsList(h.page(c, "Approvals", "/approvals"), a))
}

func (h *Handler) loadApprovals(c *fiber.Ctx) (views.Approvals, error) {
	ctx := c.UserContext()
	pending, err := h.store.PendingApprovals(ctx)
	if err != nil {
		return views.Approvals{}, err
	}
	out := views.Approvals{Now: h.opts.Now()}
	for _, a := range pending {
		ac, err := h.approvalContext(c, a)
		if err != nil {
			return out, err
		}
		out.Pending = append(out.Pending, ac)
	}
	out.Decided, err = h.store.DecidedApprovals(ctx, decidedShown)
	return out, err
}

func (h *Handler) approvalContext(c *fiber.Ctx, a db.Approval) (views.ApprovalContext, error) {
	ctx := c.UserContext()
	ac := views.ApprovalContext{Approval: a}
	n, err := h.store.Notification(ctx, a.NotificationID)
	switch {
	case err == nil:
		ac.Notification = &n
		if ac.Timeline, err = h.store.RecentTimeline(ctx, n.Notification.Seq, approvalTimelineShown); err != nil {
			return ac, err
		}
	case !errors.Is(err, store.ErrNotFound):
		return ac, err
	}
	ac.Runs, err = h.store.TargetRuns(ctx, a.Recipe, a.Target, approvalRunsShown)
	return ac, err
}

// decide is POST /approvals/{id}/approve|reject from the browser.
func (h *Handler) decide(approve bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		a, err := h.decideApproval(c, h.actor(c), approve)
		if done, rerr := backTo(c, "/approvals", err); done {
			return rerr
		}
		msg := "Approved: " + a.Step + " on " + a.Target + " runs now; its output will be on the Remediations page."
		if !approve {
			msg = "Rejected: " + a.Step + " on " + a.Target + " will not run."
		}
		return redirectWith(c, "/approvals", msg, false)
	}
}

// decideApproval records the decision and tells the engine.
func (h *Handler) decideApproval(c *fiber.Ctx, actor store.Actor, approve bool) (db.Approval, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return db.Approval{}, fiber.NewError(fiber.StatusNotFound, "There is no approval request "+c.Params("id")+".")
	}
	comment, err := decisionComment(c)
	if err != nil {
		return db.Approval{}, err
	}
	if len(comment) > 1000 {
		return db.Approval{}, &store.InvalidError{Field: "comment", Msg: "A comment is at most 1000 characters."}
	}
	a, err := h.store.DecideApproval(c.UserContext(), actor, id, approve, comment, h.opts.Now())
	if err != nil {
		return a, err
	}
	if h.opts.Remediation != nil {
		h.opts.Remediation.Decided(c.UserContext(), a)
	}
	return a, nil
}

// decisionComment is a decision's comment: a form field from the browser or
// a script, or {"comment": "…"} from a script that posts JSON. A JSON body
// that does not parse is refused, so no decision is recorded without the
// comment that was meant to go with it.
func decisionComment(c *fiber.Ctx) (string, error) {
	if !c.Is("json") {
		return strings.TrimSpace(c.FormValue("comment")), nil
	}
	var body struct {
		Comment string `json:"comment"`
	}
	if len(c.Body()) > 0 {
		if err := json.Unmarshal(c.Body(), &body); err != nil {
			return "", fiber.NewError(fiber.StatusBadRequest, `The body is not JSON like {"comment": "…"}: `+err.Error())
		}
	}
	return strings.TrimSpace(body.Comment), nil
}

// apiApprovals is GET /api/v1/approvals: the pending requests.
func (h *Handler) apiApprovals(c *fiber.Ctx) error {
	pending, err := h.store.PendingApprovals(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]fiber.Map, len(pending))
	for i, a := range pending {
		out[i] = approvalJSON(a)
	}
	return c.JSON(fiber.Map{"approvals": out})
}

// apiDecide is POST /api/v1/approvals/{id}/approve|reject.
func (h *Handler) apiDecide(approve bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		client, _ := c.Locals(localToken).(apiClient)
		a, err := h.decideApproval(c, store.Actor{Name: "token:" + client.Name, IP: c.IP()}, approve)
		if err != nil {
			return err
		}
		return c.JSON(approvalJSON(a))
	}
}

func approvalJSON(a db.Approval) fiber.Map {
	m := fiber.Map{
		"id": a.ID, "recipe": a.Recipe, "step": a.Step, "target": a.Target, "argv": json.RawMessage(a.Argv),
		"trigger": a.TriggerText, "notification_id": a.NotificationID, "state": a.State,
		"created_at": a.CreatedAt, "expires_at": a.ExpiresAt, "decided_by": a.DecidedBy, "comment": a.Comment,
	}
	if a.DecidedAt.Valid {
		m["decided_at"] = a.DecidedAt.Time
	}
	return m
}

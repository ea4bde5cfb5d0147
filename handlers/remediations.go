package handlers

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/alertgate/alertgate/remedy"
	"github.com/alertgate/alertgate/views"
)

// runsShown is one page of the runs list.
const runsShown = 50

func (h *Handler) remediations(c *fiber.Ctx) error {
	ctx := c.UserContext()
	before, _ := strconv.ParseInt(c.Query("before"), 10, 64)
	runs, err := h.store.Runs(ctx, before, runsShown)
	if err != nil {
		return err
	}
	targets, err := h.store.RemediationTargets(ctx)
	if err != nil {
		return err
	}
	r := views.Remediations{Runs: runs, Targets: targets}
	if h.opts.Remediation != nil {
		r.Recipes = h.opts.Remediation.Recipes()
	}
	return render(c, views.RemediationsPage(h.page(c, "Remediations", "/remediations"), r))
}

func (h *Handler) remediationRun(c *fiber.Ctx) error {
	id, _ := strconv.ParseInt(c.Params("id"), 10, 64)
	run, err := h.store.Run(c.UserContext(), id)
	if err != nil {
		return err
	}
	decision := ""
	if run.ApprovalID.Valid {
		a, err := h.store.Approval(c.UserContext(), run.ApprovalID.Int64)
		if err != nil {
			return err
		}
		decision = a.State + " by " + a.DecidedBy
		if a.Comment != "" {
			decision += ": " + a.Comment
		}
	}
	return render(c, views.RunPage(h.page(c, "Run "+c.Params("id"), "/remediations"), run, decision))
}

// remediationArchive sends a run's gzip'd archive as stored.
func (h *Handler) remediationArchive(c *fiber.Ctx) error {
	id, _ := strconv.ParseInt(c.Params("id"), 10, 64)
	run, err := h.store.Run(c.UserContext(), id)
	if err != nil {
		return err
	}
	// The name is ours, but refuse anything that could leave the directory.
	if run.Archive == "" || strings.ContainsAny(run.Archive, `/\`) {
		return fiber.NewError(fiber.StatusNotFound, "This run has no archive.")
	}
	path := filepath.Join(filepath.Dir(h.store.Path()), remedy.ArchiveDir, run.Archive)
	b, err := os.ReadFile(path)
	if err != nil {
		return fiber.NewError(fiber.StatusNotFound, "The archive file is gone from the data directory.")
	}
	c.Set(fiber.HeaderContentType, "application/gzip")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+run.Archive+`"`)
	return c.Send(b)
}

// resetTarget is POST /remediations/targets/reset (admin, audited).
func (h *Handler) resetTarget(c *fiber.Ctx) error {
	recipe, target := c.FormValue("recipe"), c.FormValue("target")
	err := h.store.ResetRemediationTarget(c.UserContext(), h.actor(c), recipe, target)
	if err != nil {
		return err
	}
	if h.opts.Remediation != nil {
		h.opts.Remediation.Reset(recipe, target)
	}
	return redirectWith(c, "/remediations", "Reset "+target+" of "+recipe+" to the first step.", false)
}

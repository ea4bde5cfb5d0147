package handlers

import (
	"github.com/gofiber/fiber/v2"

	"github.com/alertgate/alertgate/views"
)

const auditPageSize = 50

func (h *Handler) audit(c *fiber.Ctx) error {
	page, err := h.store.ListAudit(c.UserContext(), int64(c.QueryInt("before")), auditPageSize)
	if err != nil {
		return err
	}
	return render(c, views.Audit(h.page(c, "Audit log", "/audit"), page.Entries, page.Next))
}

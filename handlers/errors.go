package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/alertgate/alertgate/store"
	"github.com/alertgate/alertgate/views"
)

// handleError is Fiber's ErrorHandler: the one place an error becomes a
// status and a page (or JSON for machine routes). 5xx are logged here, once.
func (h *Handler) handleError(c *fiber.Ctx, err error) error {
	status, msg := classify(err)
	if status >= 500 {
		h.log.Error("request failed", "method", c.Method(), "path", c.Path(), "err", err)
		msg = "Something went wrong on our side. It has been logged; try again in a moment."
	}
	c.Status(status)
	if wantsJSON(c) {
		return c.JSON(fiber.Map{"error": msg})
	}
	p := h.page(c, http.StatusText(status), "")
	return render(c, views.ErrorPage(p, status, msg))
}

func classify(err error) (int, string) {
	var fe *fiber.Error
	var inv *store.InvalidError
	switch {
	case errors.As(err, &fe):
		return fe.Code, fe.Message
	case errors.As(err, &inv):
		return fiber.StatusUnprocessableEntity, inv.Msg
	case errors.Is(err, store.ErrNotFound):
		return fiber.StatusNotFound, "Not found: " + userMessage(err)
	case errors.Is(err, store.ErrConflict):
		return fiber.StatusConflict, userMessage(err)
	}
	return fiber.StatusInternalServerError, err.Error()
}

// userMessage is a store error as a person reads it: without the package
// prefix and the sentinel's own name.
func userMessage(err error) string {
	msg := strings.TrimPrefix(err.Error(), "store: ")
	for _, s := range []error{store.ErrConflict, store.ErrNotFound} {
		msg = strings.TrimSuffix(msg, ": "+s.Error())
	}
	return msg
}

// wantsJSON tells machine routes (webhooks, the API) from browser pages.
func wantsJSON(c *fiber.Ctx) bool {
	p := c.Path()
	return strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/hooks/")
}

func (h *Handler) notFound(c *fiber.Ctx) error {
	return fiber.NewError(fiber.StatusNotFound, "There is no page at "+c.Path()+".")
}

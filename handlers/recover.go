package handlers

import (
	"runtime/debug"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
)

// recoverPanics turns a panic in a handler into a 500 for that request,
// logged with its stack, instead of the end of the process: fasthttp does
// not recover, and one malformed webhook must never stop the server.
func (h *Handler) recoverPanics() fiber.Handler {
	return recover.New(recover.Config{
		EnableStackTrace: true,
		StackTraceHandler: func(c *fiber.Ctx, e any) {
			h.log.Error("panic while handling a request", "method", c.Method(), "path", c.Path(),
				"panic", e, "stack", string(debug.Stack()))
		},
	})
}

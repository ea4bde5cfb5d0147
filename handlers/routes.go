package handlers

import (
	"github.com/gofiber/fiber/v2"

	"github.com/alertgate/alertgate/store"
)

// routes is the whole route table. Order matters in Fiber: routes that need
// no browser session (health, static files, and later webhooks and the API)
// come first, because the session and CSRF middleware below apply to every
// route registered after them.
func (h *Handler) routes(app *fiber.App) {
	app.Use(securityHeaders(h.opts.BaseURL), h.logRequests, h.recoverPanics())

	app.Get("/healthz", h.healthz)
	app.Get("/readyz", h.readyz)
	app.Get("/static/*", serveStatic)
	app.Post("/hooks/:slug", h.receive)
	app.Get("/metrics", h.metrics.handler())

	// The JSON API authenticates by bearer token, not cookie, so it sits
	// before the session and CSRF middleware.
	reader := h.requireToken(store.RoleViewer)
	app.Get("/api/v1/notifications", reader, h.apiNotifications)
	app.Get("/api/v1/notifications/:id", reader, h.apiNotification)
	app.Get("/api/v1/channels", reader, h.apiChannels)
	app.Get("/api/v1/channels/:id/deliveries", reader, h.apiChannelDeliveries)
	app.Get("/api/v1/approvals", reader, h.apiApprovals)
	app.Post("/api/v1/approvals/:id/approve", h.requireToken(store.RoleResponder), h.apiDecide(true))
	app.Post("/api/v1/approvals/:id/reject", h.requireToken(store.RoleResponder), h.apiDecide(false))
	app.Get("/api/v1/ledger", reader, h.apiLedger)
	app.All("/api/*", h.notFound)

	app.Use(h.withSession, h.checkCSRF)
	app.Get("/login", h.loginForm)
	app.Post("/login", h.login)
	app.Get("/setup", h.setupForm)
	app.Post("/setup", h.setup)

	user := requireRole(store.RoleViewer)
	admin := requireRole(store.RoleAdmin)
	app.Post("/logout", user, h.logout)
	app.Get("/", user, h.home)
	app.Get("/account", user, h.account)
	app.Post("/account/password", user, h.changePassword)

	app.Get("/notifications", user, h.notifications)
	app.Get("/notifications/list", user, h.notificationsPartial)
	app.Get("/notifications/:id", user, h.notification)
	app.Get("/channels", user, h.channels)
	app.Post("/channels", admin, h.addChannel)
	app.Get("/channels/metadata-row", admin, h.metadataRow)
	app.Get("/channels/empty", user, h.emptyPartial)
	app.Get("/channels/:id", user, h.channel)
	app.Post("/channels/:id/test", admin, h.testChannel)
	app.Get("/channels/:id/edit", admin, h.editChannelForm)
	app.Post("/channels/:id/edit", admin, h.editChannel)
	app.Post("/channels/:id/token", admin, h.regenerateToken)
	app.Post("/channels/:id/enabled", admin, h.setChannelEnabled)
	app.Post("/channels/:id/delete", admin, h.deleteChannel)
	app.Post("/channels/:id/deliveries/:outbox/redeliver", admin, h.redeliver)
	app.Get("/sources", admin, h.sources)
	app.Post("/sources", admin, h.addSource)
	app.Get("/sources/:id", admin, h.source)
	app.Post("/sources/:id/rotate", admin, h.rotateSecret)
	app.Post("/sources/:id/disabled", admin, h.setSourceDisabled)
	app.Post("/sources/:id/limits", admin, h.setSourceLimits)
	app.Post("/sources/:id/settings", admin, h.setSourceSettings)
	app.Post("/sources/:id/delete", admin, h.deleteSource)
	responder := requireRole(store.RoleResponder)
	app.Get("/approvals", user, h.approvals)
	app.Get("/approvals/list", user, h.approvalsPartial)
	app.Post("/approvals/:id/approve", responder, h.decide(true))
	app.Post("/approvals/:id/reject", responder, h.decide(false))
	app.Get("/remediations", user, h.remediations)
	app.Get("/remediations/runs/:id", user, h.remediationRun)
	app.Get("/remediations/runs/:id/archive", user, h.remediationArchive)
	app.Post("/remediations/targets/reset", admin, h.resetTarget)
	app.Get("/ledger", user, h.ledger)
	// The exports also take an API token, for scripts that build reports.
	app.Get("/ledger.csv", h.sessionOrToken(user), h.ledgerCSV)
	app.Get("/ledger/summary.csv", h.sessionOrToken(user), h.ledgerSummaryCSV)
	app.Get("/ledger/chart.svg", h.sessionOrToken(user), h.ledgerChart)

	app.Get("/audit", admin, h.audit)
	app.Get("/users", admin, h.users)
	app.Post("/users", admin, h.addUser)
	app.Post("/users/:id/role", admin, h.setRole)
	app.Post("/users/:id/disabled", admin, h.setDisabled)

	app.Use(h.notFound)
}

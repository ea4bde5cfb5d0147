package handlers

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/store"
)

// API page sizes: a default that suits a script, and a cap so one request
// cannot ask for the whole table.
const (
	apiDefaultLimit = 50
	apiMaxLimit     = 200
	// apiTimelineLimit is how many of a notification's newest events its
	// detail carries; a condition repeated every minute for months would
	// otherwise make one answer of every delivery it ever sent.
	apiTimelineLimit = 500
)

const localToken = "api_token"

// apiClient is who holds the bearer token of an API request.
type apiClient struct {
	Name, Role string
}

// requireToken lets through a request whose bearer token has at least
// role. Scripts get JSON and a WWW-Authenticate challenge, never a login
// page; the token stands in for the session, so there is no CSRF check.
func (h *Handler) requireToken(role string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		scheme, token, _ := strings.Cut(c.Get(fiber.HeaderAuthorization), " ")
		token = strings.TrimSpace(token)
		if !strings.EqualFold(scheme, "Bearer") || token == "" {
			c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="alertgate"`)
			return fiber.NewError(fiber.StatusUnauthorized, "this API needs the header Authorization: Bearer TOKEN; an admin makes one with `alertgate token add`")
		}
		name, tokenRole, err := h.store.TokenUser(c.UserContext(), token)
		if errors.Is(err, store.ErrNotFound) {
			c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="alertgate", error="invalid_token"`)
			return fiber.NewError(fiber.StatusUnauthorized, "the bearer token is not one this server knows")
		}
		if err != nil {
			return err
		}
		if store.RoleRank(tokenRole) < store.RoleRank(role) {
			return fiber.NewError(fiber.StatusForbidden, fmt.Sprintf("this token's role (%s) may not do this: it needs %s", tokenRole, role))
		}
		c.Locals(localToken, apiClient{Name: name, Role: tokenRole})
		return c.Next()
	}
}

// apiNotifications is GET /api/v1/notifications: one page, newest first.
func (h *Handler) apiNotifications(c *fiber.Ctx) error {
	f, err := h.apiFilter(c)
	if err != nil {
		return err
	}
	page, err := h.store.Notifications(c.UserContext(), f)
	var inv *store.InvalidError
	if errors.As(err, &inv) {
		return fiber.NewError(fiber.StatusBadRequest, inv.Field+": "+inv.Msg)
	}
	if err != nil {
		return err
	}
	out := apiPage{Items: make([]apiNotification, 0, len(page.Items)), NextCursor: page.Next}
	for _, row := range page.Items {
		item, err := notificationJSON(row.Notification, row.SourceSlug)
		if err != nil {
			return err
		}
		out.Items = append(out.Items, item)
	}
	return c.JSON(out)
}

// apiNotification is GET /api/v1/notifications/:id, with its timeline.
func (h *Handler) apiNotification(c *fiber.Ctx) error {
	ctx := c.UserContext()
	row, err := h.store.Notification(ctx, c.Params("id"))
	if err != nil {
		return err
	}
	item, err := notificationJSON(row.Notification, row.SourceSlug)
	if err != nil {
		return err
	}
	events, err := h.store.RecentTimeline(ctx, row.Notification.Seq, apiTimelineLimit+1)
	if err != nil {
		return err
	}
	d := apiNotificationDetail{apiNotification: item}
	if len(events) > apiTimelineLimit {
		events, d.TimelineTruncated = events[1:], true
	}
	d.Timeline = timelineJSON(events)
	return c.JSON(d)
}

// apiFilter parses the list's query. Unlike the browser list, a source
// slug that names nothing is an error: a script's typo should not read as
// "all quiet".
func (h *Handler) apiFilter(c *fiber.Ctx) (store.NotificationFilter, error) {
	f := store.NotificationFilter{
		State: c.Query("state", "open"), Component: c.Query("component"), Query: c.Query("q"),
		Cursor: c.Query("cursor"), Limit: apiDefaultLimit,
	}
	if f.State != "open" && f.State != "closed" {
		return f, fiber.NewError(fiber.StatusBadRequest, fmt.Sprintf("state %q is neither open nor closed", f.State))
	}
	if s := c.Query("severity"); s != "" {
		sev, err := alert.ParseSeverity(s)
		var bad *alert.DecodeError
		if errors.As(err, &bad) {
			return f, fiber.NewError(fiber.StatusBadRequest, bad.Reason)
		}
		f.MinSeverity = sev
	}
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > apiMaxLimit {
			return f, fiber.NewError(fiber.StatusBadRequest, fmt.Sprintf("limit %q is not a page size from 1 to %d", s, apiMaxLimit))
		}
		f.Limit = n
	}
	if slug := c.Query("source"); slug != "" {
		src, err := h.store.SourceBySlug(c.UserContext(), slug)
		if errors.Is(err, store.ErrNotFound) {
			return f, fiber.NewError(fiber.StatusBadRequest, fmt.Sprintf("source %q does not exist", slug))
		}
		if err != nil {
			return f, err
		}
		f.SourceID = src.ID
	}
	return f, nil
}

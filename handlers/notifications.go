package handlers

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/store"
	"github.com/alertgate/alertgate/views"
)

// maxPageSize caps ?limit=, so one request cannot ask for the whole table.
const maxPageSize = 200

// timelineShown is how many of a notification's newest events its page
// shows, raw deliveries included.
const timelineShown = 100

// notifications is GET /notifications: the tabs, filters and first list.
func (h *Handler) notifications(c *fiber.Ctx) error {
	list, err := h.notificationList(c)
	if err != nil {
		return err
	}
	sources, err := h.store.SourceNames(c.UserContext())
	if err != nil {
		return err
	}
	return render(c, views.Notifications(h.page(c, "Notifications", "/notifications"), list, sources))
}

// notificationsPartial is GET /notifications/list, the fragment the list
// polls. It is its own route rather than an HX-Request check, so what
// htmx swaps in is exactly what this handler renders.
func (h *Handler) notificationsPartial(c *fiber.Ctx) error {
	list, err := h.notificationList(c)
	if err != nil {
		return err
	}
	open, err := h.store.CountOpen(c.UserContext())
	if err != nil {
		return err
	}
	return render(c, views.NotificationListPartial(list, open))
}

// notification is GET /notifications/:id.
func (h *Handler) notification(c *fiber.Ctx) error {
	ctx := c.UserContext()
	row, err := h.store.Notification(ctx, c.Params("id"))
	if err != nil {
		return err
	}
	timeline, err := h.store.RecentTimeline(ctx, row.Notification.Seq, timelineShown+1)
	if err != nil {
		return err
	}
	outbound, err := h.store.NotificationDeliveries(ctx, row.Notification.ID)
	if err != nil {
		return err
	}
	d := views.NotificationDetail{Row: row, Timeline: timeline, Outbound: outbound, Now: h.opts.Now()}
	if len(timeline) > timelineShown {
		d.Timeline, d.Truncated = timeline[1:], true
	}
	title := row.Notification.Title
	if title == "" {
		title = "Notification"
	}
	return render(c, views.NotificationPage(h.page(c, title, "/notifications"), d))
}

// notificationList reads the page the URL's filters select.
func (h *Handler) notificationList(c *fiber.Ctx) (views.NotificationList, error) {
	q, err := listQuery(c)
	if err != nil {
		return views.NotificationList{}, err
	}
	ctx := c.UserContext()
	f := store.NotificationFilter{
		State: q.State, MinSeverity: alert.Severity(q.Severity), Component: q.Component,
		Query: q.Q, Cursor: q.Cursor, Limit: q.Limit,
	}
	if q.Source != "" {
		if f.SourceID, err = h.sourceID(ctx, q.Source); err != nil {
			return views.NotificationList{}, err
		}
	}
	page, err := h.store.Notifications(ctx, f)
	if err != nil {
		return views.NotificationList{}, err
	}
	l := views.NotificationList{Query: q, Items: page.Items, Next: page.Next, Now: h.opts.Now()}
	if len(l.Items) == 0 && !q.Filtered() && q.Cursor == "" {
		found, err := h.store.HasNotifications(ctx)
		if err != nil {
			return views.NotificationList{}, err
		}
		l.NoneAtAll = !found
	}
	return l, nil
}

// sourceID is the id of the source a filter names. A slug that names no
// source (one since deleted, in a bookmark) matches nothing rather than
// failing the page.
func (h *Handler) sourceID(ctx context.Context, slug string) (int64, error) {
	src, err := h.store.SourceBySlug(ctx, slug)
	if errors.Is(err, store.ErrNotFound) {
		return -1, nil
	}
	return src.ID, err
}

// listQuery parses the list's filters from the URL.
func listQuery(c *fiber.Ctx) (views.NotificationQuery, error) {
	q := views.NotificationQuery{
		State: c.Query("state", "open"), Source: c.Query("source"), Severity: c.Query("severity"),
		Component: c.Query("component"), Q: c.Query("q"), Cursor: c.Query("cursor"),
	}
	if q.State != "open" && q.State != "closed" {
		return q, fiber.NewError(fiber.StatusBadRequest, fmt.Sprintf("state %q is neither open nor closed", q.State))
	}
	if q.Severity != "" && alert.Severity(q.Severity).Rank() == 0 {
		return q, fiber.NewError(fiber.StatusBadRequest, fmt.Sprintf("severity %q is not one of %v", q.Severity, alert.Severities))
	}
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return q, fiber.NewError(fiber.StatusBadRequest, "limit is a page size from 1 to 200")
		}
		q.Limit = min(n, maxPageSize)
	}
	return q, nil
}

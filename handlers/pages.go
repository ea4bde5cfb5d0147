package handlers

import (
	"path/filepath"

	"github.com/gofiber/fiber/v2"

	"github.com/alertgate/alertgate/static"
	"github.com/alertgate/alertgate/views"
)

// page fills in what the layout shows on every page: the user, the CSRF
// token, any one-time messages and the open count in the navigation.
func (h *Handler) page(c *fiber.Ctx, title, nav string) views.Page {
	p := views.Page{Title: title, Nav: nav, User: currentUser(c)}
	if s := sess(c); s != nil {
		p.CSRF, _ = s.Values[keyCSRF].(string)
		p.Flash = s.take(keyFlash)
		p.Error = s.take(keyError)
	}
	if p.User != nil {
		// One COUNT over the state index; a failure only hides the badge,
		// since the page itself (often an error page) matters more.
		n, err := h.store.CountOpen(c.UserContext())
		if err != nil {
			h.log.Warn("count open notifications", "err", err)
		}
		p.OpenCount = n
		// The channels table holds a handful of rows, so this costs about
		// as little as the count; a failure only hides the banner.
		if p.GoneChannels, err = h.store.GoneChannels(c.UserContext()); err != nil {
			h.log.Warn("list channels gone", "err", err)
		}
	}
	return p
}

// redirectWith sends the browser on with a one-time message (or an error)
// for the next page, after a form post (post/redirect/get).
func redirectWith(c *fiber.Ctx, to, flash string, failed bool) error {
	key := keyFlash
	if failed {
		key = keyError
	}
	sess(c).set(key, flash)
	return c.Redirect(to, fiber.StatusSeeOther)
}

func (h *Handler) home(c *fiber.Ctx) error {
	return c.Redirect("/notifications", fiber.StatusSeeOther)
}

func (h *Handler) healthz(c *fiber.Ctx) error {
	return c.SendString("ok")
}

func (h *Handler) readyz(c *fiber.Ctx) error {
	if err := h.store.Ping(c.UserContext()); err != nil {
		h.log.Warn("not ready", "err", err)
		return c.Status(fiber.StatusServiceUnavailable).SendString("database unavailable")
	}
	return c.SendString("ready")
}

// serveStatic serves the embedded files. A URL with the current content hash
// may be cached forever; an outdated hash still gets the file, briefly cached.
func serveStatic(c *fiber.Ctx) error {
	body, name, current, err := static.Open(c.Params("*"))
	if err != nil {
		return fiber.ErrNotFound
	}
	c.Type(filepath.Ext(name))
	if current {
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	} else {
		c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	}
	return c.Send(body)
}

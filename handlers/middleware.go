package handlers

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/alertgate/alertgate/store"
	"github.com/alertgate/alertgate/store/db"
)

const (
	localSession = "session"
	localUser    = "user"
)

// contentSecurityPolicy allows only our own files. data: images are for the
// small SVG icons Pico CSS draws checkboxes and selects with.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; object-src 'none'; " +
	"base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

func securityHeaders(base *url.URL) fiber.Handler {
	https := base != nil && base.Scheme == "https"
	return func(c *fiber.Ctx) error {
		c.Set("Content-Security-Policy", contentSecurityPolicy)
		c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
		c.Set(fiber.HeaderXFrameOptions, "DENY")
		c.Set(fiber.HeaderReferrerPolicy, "same-origin")
		c.Set("Cross-Origin-Opener-Policy", "same-origin")
		if https {
			c.Set(fiber.HeaderStrictTransportSecurity, "max-age=31536000")
		}
		return c.Next()
	}
}

// logRequests writes one line per request after it is answered.
func (h *Handler) logRequests(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		// Let the ErrorHandler set the status before it is logged.
		if herr := c.App().ErrorHandler(c, err); herr != nil {
			c.Status(fiber.StatusInternalServerError)
		}
	}
	level := requestLogLevel(c.Path(), c.Response().StatusCode())
	h.log.Log(c.UserContext(), level, "request",
		"method", c.Method(), "path", c.Path(), "status", c.Response().StatusCode(),
		"duration_ms", time.Since(start).Milliseconds(), "ip", c.IP())
	return nil
}

// requestLogLevel keeps routine traffic out of the log: static files,
// probes, scrapes and accepted webhooks (thousands a minute in a burst; the
// metrics count them) are debug, everything else info.
func requestLogLevel(path string, status int) slog.Level {
	switch {
	case strings.HasPrefix(path, "/static/"), path == "/healthz", path == "/readyz", path == "/metrics":
		return slog.LevelDebug
	case strings.HasPrefix(path, "/hooks/") && status < 300:
		return slog.LevelDebug
	}
	return slog.LevelInfo
}

// withSession loads the cookie session, checks the signed-in user is still
// allowed in (not disabled, password unchanged, within both lifetimes), and
// saves the session after the handler if anything in it changed.
func (h *Handler) withSession(c *fiber.Ctx) error {
	s := h.sessions.load(c)
	c.Locals(localSession, s)
	if u := h.sessionUser(c, s); u != nil {
		c.Locals(localUser, u)
	}
	err := c.Next()
	if s.changed {
		if serr := h.sessions.save(c, s); serr != nil {
			return fmt.Errorf("handlers: save session: %w", serr)
		}
	}
	return err
}

// sessionUser is the user the cookie's session belongs to, or nil when the
// session is unknown, ended, expired or its user disabled.
func (h *Handler) sessionUser(c *fiber.Ctx, s *session) *db.User {
	id := s.id()
	if id == "" {
		return nil
	}
	ctx, now := c.UserContext(), h.opts.Now()
	found, err := h.store.Session(ctx, id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		// The database did not answer: treat this request as anonymous,
		// but keep the cookie, so one failed read signs nobody out.
		h.log.Warn("read session", "err", err)
		return nil
	}
	if err != nil || found.User.Disabled || h.sessions.limits.Expired(found, now) {
		if err == nil {
			h.store.EndSession(ctx, id)
		}
		s.signOut()
		return nil
	}
	if now.Sub(found.SeenAt) >= touchEvery {
		if err := h.store.TouchSession(ctx, id, now); err != nil {
			h.log.Warn("touch session", "err", err)
		}
	}
	return &found.User
}

func sess(c *fiber.Ctx) *session {
	s, _ := c.Locals(localSession).(*session)
	return s
}

func currentUser(c *fiber.Ctx) *db.User {
	u, _ := c.Locals(localUser).(*db.User)
	return u
}

// checkCSRF refuses a state-changing browser request that does not carry
// the session's token, as the form field _csrf or htmx's X-Csrf-Token.
func (h *Handler) checkCSRF(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	token := c.Get("X-Csrf-Token")
	if token == "" {
		token = c.FormValue("_csrf")
	}
	if !sess(c).csrfMatches(token) {
		return fiber.NewError(fiber.StatusForbidden, "This form is out of date or did not come from Alertgate (CSRF check failed). Reload the page and try again.")
	}
	return c.Next()
}

// requireRole lets through a signed-in user with at least role. Without a
// session, browsers go to the login page; htmx is told to go there too,
// since it would otherwise swap the login page into a fragment.
func requireRole(role string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u := currentUser(c)
		if u == nil {
			if c.Get("HX-Request") == "true" {
				c.Set("HX-Redirect", "/login")
				return c.SendStatus(fiber.StatusUnauthorized)
			}
			return c.Redirect("/login?next="+url.QueryEscape(c.OriginalURL()), fiber.StatusSeeOther)
		}
		if store.RoleRank(u.Role) < store.RoleRank(role) {
			return fiber.NewError(fiber.StatusForbidden, fmt.Sprintf("Your role (%s) may not open this page: it needs %s.", u.Role, role))
		}
		return c.Next()
	}
}

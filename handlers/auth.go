package handlers

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/gofiber/fiber/v2"

	"github.com/alertgate/alertgate/store"
	"github.com/alertgate/alertgate/views"
)

func (h *Handler) loginForm(c *fiber.Ctx) error {
	if currentUser(c) != nil {
		return c.Redirect(localPath(c.Query("next")), fiber.StatusSeeOther)
	}
	return render(c, views.Login(h.page(c, "Sign in", ""), "", c.Query("next")))
}

func (h *Handler) login(c *fiber.Ctx) error {
	ip := c.IP()
	name, next := strings.TrimSpace(c.FormValue("name")), c.FormValue("next")
	if wait := h.throttle.wait(ip); wait > 0 {
		secs := int(math.Ceil(wait.Seconds()))
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(secs))
		return fiber.NewError(fiber.StatusTooManyRequests, fmt.Sprintf("Too many failed sign-ins from your address. Try again in %d seconds.", secs))
	}
	u, err := h.store.Authenticate(c.UserContext(), name, c.FormValue("password"))
	if errors.Is(err, store.ErrBadCredentials) {
		h.throttle.fail(ip)
		if aerr := h.store.Audit(c.UserContext(), store.Actor{Name: name, IP: ip}, store.ActionLoginFailed, name, ""); aerr != nil {
			return aerr
		}
		p := h.page(c, "Sign in", "")
		p.Error = "Wrong name or password."
		return render(c.Status(fiber.StatusUnauthorized), views.Login(p, name, next))
	}
	if err != nil {
		return err
	}
	h.throttle.succeed(ip)
	id, err := h.store.CreateSession(c.UserContext(), u.ID, h.opts.Now(), h.sessions.limits)
	if err != nil {
		return err
	}
	sess(c).signIn(id)
	if err := h.store.Audit(c.UserContext(), store.Actor{Name: u.Name, IP: ip}, store.ActionLogin, u.Name, ""); err != nil {
		return err
	}
	return c.Redirect(localPath(next), fiber.StatusSeeOther)
}

// localPath keeps a post-login redirect on this site: only a path, never
// "//evil.example", an absolute URL, or a path a browser would read as
// one (backslashes, tabs and other control characters are refused).
func localPath(next string) string {
	u, err := url.Parse(next)
	bad := err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(next, "/") ||
		strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\") ||
		strings.IndexFunc(next, unicode.IsControl) >= 0
	if bad {
		return "/"
	}
	return next
}

func (h *Handler) logout(c *fiber.Ctx) error {
	a := h.actor(c)
	if err := h.store.EndSession(c.UserContext(), sess(c).id()); err != nil {
		return err
	}
	sess(c).signOut()
	if err := h.store.Audit(c.UserContext(), a, store.ActionLogout, a.Name, ""); err != nil {
		return err
	}
	return redirectWith(c, "/login", "You are signed out.", false)
}

// setupLinkUsed is shown for any setup link that cannot create an admin.
var setupLinkUsed = fiber.NewError(fiber.StatusNotFound,
	"This setup link was used already or is out of date. Ask an admin for an account, or create one on the server with: alertgate user add --name NAME --role admin")

func (h *Handler) setupForm(c *fiber.Ctx) error {
	token := c.Query("token")
	ok, err := h.store.SetupTokenValid(c.UserContext(), token)
	if err != nil {
		return err
	}
	if !ok {
		return setupLinkUsed
	}
	return render(c, views.Setup(h.page(c, "Set up Alertgate", ""), token, ""))
}

func (h *Handler) setup(c *fiber.Ctx) error {
	token, name := c.FormValue("token"), strings.TrimSpace(c.FormValue("name"))
	password := c.FormValue("password")
	var err error
	if password != c.FormValue("confirm") {
		err = &store.InvalidError{Field: "confirm", Msg: "The two passwords differ."}
	} else {
		_, err = h.store.CreateFirstAdmin(c.UserContext(), c.IP(), token, name, password)
	}
	var inv *store.InvalidError
	switch {
	case errors.As(err, &inv):
		p := h.page(c, "Set up Alertgate", "")
		p.Error = inv.Msg
		return render(c.Status(fiber.StatusUnprocessableEntity), views.Setup(p, token, name))
	case errors.Is(err, store.ErrNotFound):
		return setupLinkUsed
	case err != nil:
		return err
	}
	return redirectWith(c, "/login", fmt.Sprintf("Admin %s created. Sign in to continue.", name), false)
}

func (h *Handler) account(c *fiber.Ctx) error {
	return render(c, views.Account(h.page(c, "Your account", "")))
}

func (h *Handler) changePassword(c *fiber.Ctx) error {
	u := currentUser(c)
	next := c.FormValue("password")
	if next != c.FormValue("confirm") {
		return redirectWith(c, "/account", "The two new passwords differ.", true)
	}
	err := h.store.ChangePassword(c.UserContext(), h.actor(c), u.ID, c.FormValue("current"), next, sess(c).id())
	var inv *store.InvalidError
	if errors.As(err, &inv) {
		return redirectWith(c, "/account", inv.Msg, true)
	}
	if err != nil {
		return err
	}
	return redirectWith(c, "/account", "Password changed. Your other sessions are signed out.", false)
}

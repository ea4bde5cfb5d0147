package handlers

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/alertgate/alertgate/views"
)

func (h *Handler) users(c *fiber.Ctx) error {
	us, err := h.store.Users(c.UserContext())
	if err != nil {
		return err
	}
	return render(c, views.Users(h.page(c, "Users", "/users"), us))
}

func (h *Handler) addUser(c *fiber.Ctx) error {
	name, role, password := strings.TrimSpace(c.FormValue("name")), c.FormValue("role"), c.FormValue("password")
	if password != c.FormValue("confirm") {
		return redirectWith(c, "/users", "The two passwords differ.", true)
	}
	_, err := h.store.CreateUser(c.UserContext(), h.actor(c), name, password, role)
	if done, rerr := backTo(c, "/users", err); done {
		return rerr
	}
	return redirectWith(c, "/users", fmt.Sprintf("User %s added as %s.", name, role), false)
}

func (h *Handler) setRole(c *fiber.Ctx) error {
	id, err := c.ParamsInt("id")
	if err != nil {
		return fiber.ErrNotFound
	}
	err = h.store.SetRole(c.UserContext(), h.actor(c), int64(id), c.FormValue("role"))
	if done, rerr := backTo(c, "/users", err); done {
		return rerr
	}
	return redirectWith(c, "/users", "Role changed.", false)
}

func (h *Handler) setDisabled(c *fiber.Ctx) error {
	id, err := c.ParamsInt("id")
	if err != nil {
		return fiber.ErrNotFound
	}
	disabled := c.FormValue("disabled") == "true"
	if disabled && int64(id) == currentUser(c).ID {
		return redirectWith(c, "/users", "You cannot disable yourself.", true)
	}
	err = h.store.SetDisabled(c.UserContext(), h.actor(c), int64(id), disabled)
	if done, rerr := backTo(c, "/users", err); done {
		return rerr
	}
	if disabled {
		return redirectWith(c, "/users", "User disabled and signed out.", false)
	}
	return redirectWith(c, "/users", "User enabled.", false)
}

package handlers

import (
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/alertgate/alertgate/store"
	"github.com/alertgate/alertgate/store/db"
	"github.com/alertgate/alertgate/views"
)

// The admin's changes to an existing channel. A provisioned channel is
// refused by the store (409 with the reason): the UI offers no control for
// it, and the provisioning file would undo the change at the next start.

// editableParam loads the channel of the route for a change, refusing a
// provisioned one.
func (h *Handler) editableParam(c *fiber.Ctx) (db.Channel, error) {
	return byID(c, h.store.EditableChannel)
}

func (h *Handler) editChannelForm(c *fiber.Ctx) error {
	ch, err := h.editableParam(c)
	if err != nil {
		return err
	}
	return h.renderChannelEdit(c, ch, views.ChannelFormOf(ch))
}

// editChannel saves the edit form. A problem shows the form again as sent,
// with the problem named; nothing is changed then.
func (h *Handler) editChannel(c *fiber.Ctx) error {
	ch, err := h.editableParam(c)
	if err != nil {
		return err
	}
	f := readChannelForm(c)
	n, err := newChannel(f)
	if err == nil {
		_, err = h.store.UpdateChannel(c.UserContext(), h.actor(c), ch.ID, n)
	}
	var inv *store.InvalidError
	if errors.As(err, &inv) {
		f.Error, f.Field = inv.Msg, inv.Field
		c.Status(fiber.StatusUnprocessableEntity)
		return h.renderChannelEdit(c, ch, f)
	}
	if err != nil {
		return err
	}
	return redirectWith(c, channelPath(ch), "Channel saved.", false)
}

func (h *Handler) renderChannelEdit(c *fiber.Ctx, ch db.Channel, f views.ChannelForm) error {
	sources, err := h.store.SourceNames(c.UserContext())
	if err != nil {
		return err
	}
	return render(c, views.ChannelEdit(h.page(c, "Edit "+ch.Name, "/channels"), ch, f, sources))
}

// regenerateToken makes a new token and shows it, this once, as adding a
// channel does.
func (h *Handler) regenerateToken(c *fiber.Ctx) error {
	ch, err := h.channelParam(c)
	if err != nil {
		return err
	}
	token := "agt_" + rand.Text()
	if err := h.store.RegenerateChannelToken(c.UserContext(), h.actor(c), ch.ID, token); err != nil {
		return err
	}
	return render(c, views.ChannelToken(h.page(c, ch.Name, "/channels"), ch, token))
}

func (h *Handler) setChannelEnabled(c *fiber.Ctx) error {
	ch, err := h.channelParam(c)
	if err != nil {
		return err
	}
	enabled := c.FormValue("enabled") == "true"
	if err := h.store.SetChannelEnabled(c.UserContext(), h.actor(c), ch.ID, enabled); err != nil {
		return err
	}
	if enabled {
		return redirectWith(c, channelPath(ch), "Channel enabled: new notifications are sent to it again.", false)
	}
	return redirectWith(c, channelPath(ch), "Channel disabled: new notifications are not sent to it.", false)
}

func (h *Handler) deleteChannel(c *fiber.Ctx) error {
	ch, err := h.channelParam(c)
	if err != nil {
		return err
	}
	if c.FormValue("confirm") != "yes" {
		return redirectWith(c, channelPath(ch), "Tick the box to confirm: deleting a channel deletes its delivery log too.", true)
	}
	if err := h.store.DeleteChannel(c.UserContext(), h.actor(c), ch.ID); err != nil {
		return err
	}
	return redirectWith(c, "/channels", fmt.Sprintf("Channel %s deleted.", ch.Name), false)
}

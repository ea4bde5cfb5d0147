package handlers

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/delivery"
	"github.com/alertgate/alertgate/store"
	"github.com/alertgate/alertgate/store/db"
	"github.com/alertgate/alertgate/views"
)

// channelDeliveriesShown is how many of a channel's newest messages its
// page lists.
const channelDeliveriesShown = 50

func (h *Handler) channels(c *fiber.Ctx) error {
	ctx := c.UserContext()
	rows, err := h.store.Channels(ctx)
	if err != nil {
		return err
	}
	health, err := h.store.ChannelHealth(ctx)
	if err != nil {
		return err
	}
	sources, err := h.store.SourceNames(ctx)
	if err != nil {
		return err
	}
	return render(c, views.Channels(h.page(c, "Channels", "/channels"), rows, health, sources))
}

// addChannel creates a channel and shows its token, this once.
func (h *Handler) addChannel(c *fiber.Ctx) error {
	n, err := channelForm(c)
	if done, rerr := backTo(c, "/channels", err); done {
		return rerr
	}
	ch, err := h.store.CreateChannel(c.UserContext(), h.actor(c), n)
	if done, rerr := backTo(c, "/channels", err); done {
		return rerr
	}
	return render(c, views.ChannelToken(h.page(c, ch.Name, "/channels"), ch, n.Token))
}

// channelForm reads the add form; an empty token is generated.
func channelForm(c *fiber.Ctx) (store.NewChannel, error) {
	n, err := newChannel(readChannelForm(c))
	n.Token = strings.TrimSpace(c.FormValue("token"))
	if n.Token == "" {
		n.Token = "agt_" + rand.Text()
	}
	return n, err
}

// readChannelForm reads the add or edit form as typed, so a form with a
// problem can be shown again as it was. Metadata comes as repeated
// meta_key/meta_value fields, one pair per row.
func readChannelForm(c *fiber.Ctx) views.ChannelForm {
	f := views.ChannelForm{
		Name:        strings.TrimSpace(c.FormValue("name")),
		URL:         strings.TrimSpace(c.FormValue("url")),
		Timeout:     strings.TrimSpace(c.FormValue("timeout")),
		MinSeverity: strings.TrimSpace(c.FormValue("min_severity")),
		VerifyTLS:   c.FormValue("verify_tls") == "on",
		Enabled:     c.FormValue("enabled") == "on",
	}
	args := c.Request().PostArgs()
	for _, s := range args.PeekMulti("sources") {
		if v := strings.TrimSpace(string(s)); v != "" {
			f.Sources = append(f.Sources, v)
		}
	}
	keys, values := args.PeekMulti("meta_key"), args.PeekMulti("meta_value")
	for i, k := range keys {
		val := ""
		if i < len(values) {
			val = string(values[i])
		}
		f.Metadata = append(f.Metadata, [2]string{strings.TrimSpace(string(k)), val})
	}
	return f
}

// newChannel turns the form into the store's terms; rows with an empty
// key are skipped.
func newChannel(f views.ChannelForm) (store.NewChannel, error) {
	n := store.NewChannel{
		Name: f.Name, URL: f.URL, VerifyTLS: f.VerifyTLS, Enabled: f.Enabled,
		Sources: f.Sources, MinSeverity: alert.Severity(f.MinSeverity),
	}
	if f.Timeout != "" {
		d, err := time.ParseDuration(f.Timeout)
		if err != nil {
			return n, &store.InvalidError{Field: "timeout", Msg: "The timeout is a duration such as 10s."}
		}
		n.Timeout = d
	}
	for _, kv := range f.Metadata {
		if kv[0] == "" {
			continue
		}
		if n.Metadata == nil {
			n.Metadata = map[string]string{}
		}
		if _, dup := n.Metadata[kv[0]]; dup {
			return n, &store.InvalidError{Field: "metadata", Msg: fmt.Sprintf("The metadata key %q is given twice.", kv[0])}
		}
		n.Metadata[kv[0]] = kv[1]
	}
	return n, nil
}

// metadataRow is one more key/value row for the add form.
func (h *Handler) metadataRow(c *fiber.Ctx) error {
	return render(c, views.MetadataRow())
}

// emptyPartial answers an htmx swap that removes its target.
func (h *Handler) emptyPartial(c *fiber.Ctx) error {
	c.Type("html", "utf-8")
	return c.SendString("")
}

func (h *Handler) channelParam(c *fiber.Ctx) (db.Channel, error) {
	return byID(c, h.store.Channel)
}

func (h *Handler) channel(c *fiber.Ctx) error {
	ch, err := h.channelParam(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	rows, err := h.store.ChannelDeliveries(ctx, ch.ID, channelDeliveriesShown)
	if err != nil {
		return err
	}
	state := c.Query("state")
	if state != "dead" && state != "failed" {
		state = ""
	}
	var msgs []views.ChannelMessage
	for _, m := range rows {
		if state != "" && m.State != state {
			continue
		}
		attempts, err := h.store.Attempts(ctx, m.ID)
		if err != nil {
			return err
		}
		msgs = append(msgs, views.ChannelMessage{Outbox: m, Attempts: attempts})
	}
	return render(c, views.ChannelDetail(h.page(c, ch.Name, "/channels"), ch, msgs, state))
}

func (h *Handler) redeliver(c *fiber.Ctx) error {
	ch, err := h.channelParam(c)
	if err != nil {
		return err
	}
	outboxID, err := c.ParamsInt("outbox")
	if err != nil {
		return fiber.ErrNotFound
	}
	back := channelPath(ch)
	err = h.store.Redeliver(c.UserContext(), h.actor(c), ch.ID, int64(outboxID), h.opts.Now())
	if done, rerr := backTo(c, back, err); done {
		return rerr
	}
	return redirectWith(c, back, fmt.Sprintf("Message %d will be sent again now.", outboxID), false)
}

// testChannel sends a sample envelope to the channel now and shows what
// came back. It stores nothing: no message, no attempt, and a 410 does not
// disable the channel.
func (h *Handler) testChannel(c *fiber.Ctx) error {
	ch, err := h.channelParam(c)
	if err != nil {
		return err
	}
	ref := delivery.ChannelRef{
		ID: strconv.FormatInt(ch.ID, 10), Name: ch.Name,
		Link: fmt.Sprintf("%s/channels/%d", h.opts.BaseURL.String(), ch.ID),
	}
	json.Unmarshal([]byte(ch.MetadataJson), &ref.Metadata)
	body, err := delivery.SampleEnvelope(ref)
	if err != nil {
		return err
	}
	res := delivery.Send(c.UserContext(), ch, "msg_test_"+rand.Text(), body, h.opts.Version, h.opts.Now())
	return render(c, views.TestResult(res, delivery.Explain(res.Err)))
}

func channelPath(ch db.Channel) string {
	return fmt.Sprintf("/channels/%d", ch.ID)
}

package handlers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/store"
	"github.com/alertgate/alertgate/store/db"
	"github.com/alertgate/alertgate/views"
)

// endpoint is the URL a sender posts to for src.
func (h *Handler) endpoint(src db.Source) string {
	return h.opts.BaseURL.String() + "/hooks/" + src.Slug
}

func (h *Handler) sources(c *fiber.Ctx) error {
	rows, err := h.store.Sources(c.UserContext())
	if err != nil {
		return err
	}
	return render(c, views.Sources(h.page(c, "Sources", "/sources"), rows, h.opts.BaseURL.String()))
}

// addSource creates a source and shows its secret, this once.
func (h *Handler) addSource(c *fiber.Ctx) error {
	kind, ok := alert.Lookup(c.FormValue("kind"))
	if !ok {
		return redirectWith(c, "/sources", fmt.Sprintf("Unknown kind %q.", c.FormValue("kind")), true)
	}
	rate, resolveAfter, err := limitsForm(c)
	if err != nil {
		return redirectWith(c, "/sources", err.Error(), true)
	}
	secret := kind.GenerateSecret()
	src, err := h.store.CreateSource(c.UserContext(), h.actor(c), store.NewSource{
		Slug: strings.TrimSpace(c.FormValue("slug")), Name: strings.TrimSpace(c.FormValue("name")), Kind: kind.Name, Secret: secret,
		RatePerMinute: rate, ResolveAfter: resolveAfter,
	})
	if done, rerr := backTo(c, "/sources", err); done {
		return rerr
	}
	return render(c, views.SourceSecret(h.page(c, src.Name, "/sources"), src, h.endpoint(src), secret))
}

func (h *Handler) source(c *fiber.Ctx) error {
	src, err := h.sourceParam(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	deliveries, err := h.store.Deliveries(ctx, src.ID, 20)
	if err != nil {
		return err
	}
	rejected, err := h.store.Rejected(ctx, src.ID, 50)
	if err != nil {
		return err
	}
	return render(c, views.SourceDetail(h.page(c, src.Name, "/sources"), src, h.endpoint(src), deliveries, rejected))
}

func (h *Handler) sourceParam(c *fiber.Ctx) (db.Source, error) {
	return byID(c, h.store.Source)
}

// byID loads what the route's :id names; an id that is not a number is a
// 404 like an unknown one.
func byID[T any](c *fiber.Ctx, load func(context.Context, int64) (T, error)) (T, error) {
	id, err := c.ParamsInt("id")
	if err != nil {
		var zero T
		return zero, fiber.ErrNotFound
	}
	return load(c.UserContext(), int64(id))
}

// rotateSecret makes a new secret and shows it once; the old one keeps
// working for the grace period.
func (h *Handler) rotateSecret(c *fiber.Ctx) error {
	src, err := h.sourceParam(c)
	if err != nil {
		return err
	}
	kind, _ := alert.Lookup(src.Kind)
	secret := kind.GenerateSecret()
	if pasted := strings.TrimSpace(c.FormValue("secret")); pasted != "" && src.Kind == "pagerduty" {
		// PagerDuty makes the signing secret itself and shows it once.
		secret = pasted
	}
	err = h.store.RotateSecret(c.UserContext(), h.actor(c), src.ID, secret, store.RotationGrace)
	if done, rerr := backTo(c, sourcePath(src), err); done {
		return rerr
	}
	return render(c, views.SourceSecret(h.page(c, src.Name, "/sources"), src, h.endpoint(src), secret))
}

func (h *Handler) setSourceDisabled(c *fiber.Ctx) error {
	src, err := h.sourceParam(c)
	if err != nil {
		return err
	}
	disabled := c.FormValue("disabled") == "true"
	err = h.store.SetSourceDisabled(c.UserContext(), h.actor(c), src.ID, disabled)
	if done, rerr := backTo(c, sourcePath(src), err); done {
		return rerr
	}
	if disabled {
		return redirectWith(c, sourcePath(src), "Source disabled: its endpoint answers 404 until you enable it.", false)
	}
	return redirectWith(c, sourcePath(src), "Source enabled.", false)
}

func (h *Handler) deleteSource(c *fiber.Ctx) error {
	src, err := h.sourceParam(c)
	if err != nil {
		return err
	}
	if c.FormValue("confirm") != "yes" {
		return redirectWith(c, sourcePath(src), "Tick the box to confirm: deleting a source deletes its notifications too.", true)
	}
	err = h.store.DeleteSource(c.UserContext(), h.actor(c), src.ID)
	if done, rerr := backTo(c, sourcePath(src), err); done {
		return rerr
	}
	return redirectWith(c, "/sources", fmt.Sprintf("Source %s deleted.", src.Slug), false)
}

// setSourceLimits changes the delivery cap and the autoheal quiet period.
func (h *Handler) setSourceLimits(c *fiber.Ctx) error {
	src, err := h.sourceParam(c)
	if err != nil {
		return err
	}
	rate, resolveAfter, err := limitsForm(c)
	if err == nil {
		err = h.store.SetSourceLimits(c.UserContext(), h.actor(c), src.ID, rate, resolveAfter)
	}
	if done, rerr := backTo(c, sourcePath(src), err); done {
		return rerr
	}
	return redirectWith(c, sourcePath(src), "Limits saved.", false)
}

// limitsForm reads rate_per_minute (empty: no cap) and resolve_after
// (empty: the default) from a form.
func limitsForm(c *fiber.Ctx) (int64, time.Duration, error) {
	var rate int64
	var resolveAfter time.Duration
	var err error
	if v := strings.TrimSpace(c.FormValue("rate_per_minute")); v != "" {
		if rate, err = strconv.ParseInt(v, 10, 64); err != nil {
			return 0, 0, &store.InvalidError{Field: "rate_per_minute", Msg: "The rate cap is a whole number of deliveries a minute (0 or empty: no cap)."}
		}
	}
	if v := strings.TrimSpace(c.FormValue("resolve_after")); v != "" {
		if resolveAfter, err = time.ParseDuration(v); err != nil {
			return 0, 0, &store.InvalidError{Field: "resolve_after", Msg: "Close after quiet is a duration such as 15m or 1h."}
		}
	}
	return rate, resolveAfter, nil
}

// setSourceSettings saves the kind-specific settings form.
func (h *Handler) setSourceSettings(c *fiber.Ctx) error {
	src, err := h.sourceParam(c)
	if err != nil {
		return err
	}
	settings, err := settingsForm(c)
	if err == nil {
		err = h.store.SetSourceSettings(c.UserContext(), h.actor(c), src.ID, settings)
	}
	if done, rerr := backTo(c, sourcePath(src), err); done {
		return rerr
	}
	return redirectWith(c, sourcePath(src), "Settings saved.", false)
}

// settingsForm reads component_label, timestamp_header and severity_map,
// the last as one "word = severity" per line.
func settingsForm(c *fiber.Ctx) (alert.Settings, error) {
	s := alert.Settings{
		ComponentLabel:  strings.TrimSpace(c.FormValue("component_label")),
		TimestampHeader: strings.TrimSpace(c.FormValue("timestamp_header")),
	}
	for i, line := range strings.Split(c.FormValue("severity_map"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		word, sev, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(word) == "" {
			return s, &store.InvalidError{Field: "severity_map", Msg: fmt.Sprintf("Severity words: line %d is not word = severity.", i+1)}
		}
		if s.SeverityMap == nil {
			s.SeverityMap = map[string]alert.Severity{}
		}
		s.SeverityMap[strings.TrimSpace(word)] = alert.Severity(strings.ToLower(strings.TrimSpace(sev)))
	}
	return s, nil
}

// sourceSettings is a source's settings for its decoder. They were checked
// when saved, so text that no longer parses (edited by hand in the
// database) falls back to the defaults rather than refusing deliveries.
func sourceSettings(src db.Source) alert.Settings {
	s, _ := alert.ParseSettings(src.Settings)
	return s
}

func sourcePath(src db.Source) string {
	return fmt.Sprintf("/sources/%d", src.ID)
}

// backTo turns a refusal the user can act on (bad input, a conflict) into
// a message on the page at path; other errors go to the error handler.
func backTo(c *fiber.Ctx, path string, err error) (bool, error) {
	var inv *store.InvalidError
	switch {
	case err == nil:
		return false, nil
	case errors.As(err, &inv):
		return true, redirectWith(c, path, inv.Msg, true)
	case errors.Is(err, store.ErrConflict):
		return true, redirectWith(c, path, userMessage(err), true)
	}
	return true, err
}

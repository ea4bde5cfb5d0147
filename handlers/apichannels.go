package handlers

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/alertgate/alertgate/store"
	"github.com/alertgate/alertgate/store/db"
	"github.com/alertgate/alertgate/views"
)

// apiChannel is a channel as the API shows it. The token is masked like
// on the channel page: it signs every message, so it is never given out.
type apiChannel struct {
	ID             int64             `json:"id"`
	Name           string            `json:"name"`
	URL            string            `json:"url"`
	Token          string            `json:"token"`
	Metadata       map[string]string `json:"metadata"`
	VerifyTLS      bool              `json:"verify_tls"`
	TimeoutSeconds float64           `json:"timeout_seconds"`
	Filters        apiChannelFilters `json:"filters"`
	Enabled        bool              `json:"enabled"`
	DisabledReason string            `json:"disabled_reason"`
	Provisioned    bool              `json:"provisioned"`
}

// apiChannelFilters is which changes a channel gets: Sources empty is
// every source, MinSeverity "" is every severity.
type apiChannelFilters struct {
	Sources     []string `json:"sources"`
	MinSeverity string   `json:"min_severity"`
}

// apiDelivery is one outbound message of a channel, with its attempts
// oldest first. NextAt is when a pending message is tried next.
type apiDelivery struct {
	DeliveryID     string       `json:"delivery_id"`
	NotificationID string       `json:"notification_id"`
	Change         string       `json:"change"`
	State          string       `json:"state"`
	Attempts       int64        `json:"attempts"`
	CreatedAt      time.Time    `json:"created_at"`
	NextAt         time.Time    `json:"next_at"`
	LastStatus     int64        `json:"last_status"`
	LastError      string       `json:"last_error"`
	AttemptsLog    []apiAttempt `json:"attempts_log"`
}

type apiAttempt struct {
	At        time.Time `json:"at"`
	Status    int64     `json:"status"`
	LatencyMs int64     `json:"latency_ms"`
	Error     string    `json:"error"`
}

// apiChannels is GET /api/v1/channels: every channel, by name.
func (h *Handler) apiChannels(c *fiber.Ctx) error {
	rows, err := h.store.Channels(c.UserContext())
	if err != nil {
		return err
	}
	out := struct {
		Items []apiChannel `json:"items"`
	}{Items: make([]apiChannel, 0, len(rows))}
	for _, ch := range rows {
		item, err := channelJSON(ch)
		if err != nil {
			return err
		}
		out.Items = append(out.Items, item)
	}
	return c.JSON(out)
}

func channelJSON(ch db.Channel) (apiChannel, error) {
	out := apiChannel{
		ID: ch.ID, Name: ch.Name, URL: ch.Url, Token: views.Mask(ch.Token), VerifyTLS: ch.VerifyTls,
		TimeoutSeconds: float64(ch.TimeoutMs) / 1000, Filters: apiChannelFilters{MinSeverity: ch.MinSeverity},
		Enabled: ch.Enabled, DisabledReason: ch.DisabledReason, Provisioned: ch.Provisioned,
	}
	if err := json.Unmarshal([]byte(ch.MetadataJson), &out.Metadata); err != nil {
		return apiChannel{}, fmt.Errorf("handlers: channel %d: stored metadata: %w", ch.ID, err)
	}
	if err := json.Unmarshal([]byte(ch.SourcesJson), &out.Filters.Sources); err != nil {
		return apiChannel{}, fmt.Errorf("handlers: channel %d: stored sources: %w", ch.ID, err)
	}
	if out.Metadata == nil {
		out.Metadata = map[string]string{}
	}
	if out.Filters.Sources == nil {
		out.Filters.Sources = []string{}
	}
	return out, nil
}

// apiChannelDeliveries is GET /api/v1/channels/:id/deliveries: the
// channel's newest messages, optionally in one state.
func (h *Handler) apiChannelDeliveries(c *fiber.Ctx) error {
	state := c.Query("state")
	if state != "" && !slices.Contains(store.OutboxStates, state) {
		return fiber.NewError(fiber.StatusBadRequest, fmt.Sprintf("state %q is not one of %s", state, strings.Join(store.OutboxStates, ", ")))
	}
	limit := apiDefaultLimit
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > apiMaxLimit {
			return fiber.NewError(fiber.StatusBadRequest, fmt.Sprintf("limit %q is not a page size from 1 to %d", s, apiMaxLimit))
		}
		limit = n
	}
	ch, err := h.channelParam(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	rows, err := h.store.ChannelDeliveriesIn(ctx, ch.ID, state, limit)
	if err != nil {
		return err
	}
	out := struct {
		Items []apiDelivery `json:"items"`
	}{Items: make([]apiDelivery, 0, len(rows))}
	for _, m := range rows {
		attempts, err := h.store.Attempts(ctx, m.ID)
		if err != nil {
			return err
		}
		d := apiDelivery{
			DeliveryID: m.DeliveryID, NotificationID: m.NotificationID, Change: m.Change, State: m.State,
			Attempts: m.Attempts, CreatedAt: m.CreatedAt.UTC(), NextAt: m.NextAt.UTC(),
			LastStatus: m.LastStatus, LastError: m.LastError, AttemptsLog: make([]apiAttempt, len(attempts)),
		}
		for i, a := range attempts {
			d.AttemptsLog[i] = apiAttempt{At: a.At.UTC(), Status: a.Status, LatencyMs: a.LatencyMs, Error: a.Error}
		}
		out.Items = append(out.Items, d)
	}
	return c.JSON(out)
}

package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/store/db"
)

// NewChannel is what an admin (or the provisioning file) gives for a
// channel.
type NewChannel struct {
	Name        string
	URL         string
	Token       string
	Metadata    map[string]string
	VerifyTLS   bool
	Timeout     time.Duration
	Sources     []string // slugs; empty: every source
	MinSeverity alert.Severity
	Enabled     bool
}

func (n *NewChannel) validate() error {
	if n.Name == "" {
		return invalid("name", "a channel needs a name")
	}
	u, err := url.Parse(n.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return invalid("url", "the URL must be an absolute http:// or https:// address; percent-encode special characters (a space is %20)")
	}
	if len(n.Token) < 16 {
		return invalid("token", "a token needs at least 16 characters (leave it empty to have one made)")
	}
	if n.Timeout == 0 {
		n.Timeout = 10 * time.Second
	}
	if n.Timeout < time.Second || n.Timeout > time.Minute {
		return invalid("timeout", "the timeout must be between 1s and 1m")
	}
	if n.MinSeverity != "" && n.MinSeverity.Rank() == 0 {
		return invalid("min_severity", fmt.Sprintf("severity %q is not one of critical, high, medium, low, info", n.MinSeverity))
	}
	return nil
}

// CheckChannel validates a channel and fills in defaults, without storing it.
func CheckChannel(n *NewChannel) error { return n.validate() }

// CreateChannel adds a channel; a taken name is ErrConflict.
func (s *Store) CreateChannel(ctx context.Context, a Actor, n NewChannel) (db.Channel, error) {
	if err := n.validate(); err != nil {
		return db.Channel{}, err
	}
	var ch db.Channel
	err := s.channelTx(ctx, func(q *db.Queries) error {
		now := time.Now().UTC()
		var err error
		ch, err = q.CreateChannel(ctx, db.CreateChannelParams{
			Name: n.Name, Url: n.URL, Token: n.Token, MetadataJson: mustJSON(n.Metadata), VerifyTls: n.VerifyTLS,
			TimeoutMs: n.Timeout.Milliseconds(), SourcesJson: jsonList(n.Sources), MinSeverity: string(n.MinSeverity),
			Enabled: n.Enabled, CreatedAt: now, UpdatedAt: now,
		})
		if isUnique(err) {
			return fmt.Errorf("store: a channel named %q already exists: %w", n.Name, ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("store: create channel %s: %w", n.Name, err)
		}
		return addAudit(ctx, q, a, "channel_created", n.Name, n.URL)
	})
	return ch, err
}

func jsonList(v []string) string {
	if len(v) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Channel reads one channel.
func (s *Store) Channel(ctx context.Context, id int64) (db.Channel, error) {
	ch, err := s.read.GetChannel(ctx, id)
	if err != nil {
		return db.Channel{}, notFound(err, fmt.Sprintf("channel %d", id))
	}
	return ch, nil
}

// Channels lists every channel by name.
func (s *Store) Channels(ctx context.Context) ([]db.Channel, error) {
	rows, err := s.read.ListChannels(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: list channels: %w", err)
	}
	return rows, nil
}

// channelTx is Tx for a change to channels: the routes ingest matches
// against are reloaded after it.
func (s *Store) channelTx(ctx context.Context, fn func(q *db.Queries) error) error {
	defer s.channels.invalidate()
	return s.Tx(ctx, fn)
}

// channelRoute is an enabled channel as ingest matches it.
type channelRoute struct {
	id      int64
	sources []string
	minRank int
}

func (r channelRoute) matches(sourceSlug string, sev alert.Severity) bool {
	return (len(r.sources) == 0 || slices.Contains(r.sources, sourceSlug)) && sev.Rank() >= r.minRank
}

func (s *Store) loadRoutes(ctx context.Context) ([]channelRoute, error) {
	rows, err := s.read.ListChannels(ctx)
	var out []channelRoute
	for _, ch := range rows {
		if !ch.Enabled {
			continue
		}
		r := channelRoute{id: ch.ID, minRank: alert.Severity(ch.MinSeverity).Rank()}
		json.Unmarshal([]byte(ch.SourcesJson), &r.sources)
		out = append(out, r)
	}
	return out, err
}

// enqueue writes one outbox message per enabled channel that wants this
// change, in the caller's transaction, and supersedes older pending ones
// for the same notification: only the newest message is worth retrying.
func (s *Store) enqueue(ctx context.Context, q *db.Queries, sourceSlug string, ch Change, now time.Time) ([]Message, error) {
	if ch.Change != "opened" && ch.Change != "updated" && ch.Change != "closed" {
		return nil, nil
	}
	routes, err := s.channels.get(ctx, s.loadRoutes)
	if err != nil {
		return nil, fmt.Errorf("store: load channels: %w", err)
	}
	var msgs []Message
	for _, r := range routes {
		if !r.matches(sourceSlug, ch.Severity) {
			continue
		}
		if err := supersede(ctx, q, r.id, ch); err != nil {
			return nil, err
		}
		row := db.Outbox{
			DeliveryID: "msg_" + newUUID(), ChannelID: r.id, NotificationID: ch.NotificationID, Change: ch.Change,
			State: "pending", CreatedAt: now, NextAt: now,
		}
		// Not RETURNING *: SQLite would stage the row in a temporary table
		// first, which costs more than the insert on this, the busiest path.
		row.ID, err = q.InsertOutbox(ctx, db.InsertOutboxParams{
			DeliveryID: row.DeliveryID, ChannelID: row.ChannelID, NotificationID: row.NotificationID, Change: row.Change,
			CreatedAt: row.CreatedAt, NextAt: row.NextAt,
		})
		if err != nil {
			return nil, fmt.Errorf("store: enqueue: %w", err)
		}
		msgs = append(msgs, ch.message(row))
	}
	return msgs, nil
}

// supersede marks the older pending messages about the notification as
// superseded: only the newest is worth sending. A notification just opened
// has none, which saves a write per channel on the busiest path.
func supersede(ctx context.Context, q *db.Queries, channelID int64, ch Change) error {
	if ch.Change == "opened" {
		return nil
	}
	if err := q.SupersedePending(ctx, db.SupersedePendingParams{ChannelID: channelID, NotificationID: ch.NotificationID}); err != nil {
		return fmt.Errorf("store: supersede: %w", err)
	}
	return nil
}

// Message is an outbox message with what it reports of its notification.
type Message = db.DueForChannelRow

// OnMessages has fn called with the messages each commit queued, right
// after the commit, from the goroutine that waited for it. The delivery
// worker sends them from there, so a new message costs no read; fn must
// not block. Messages it drops are still in the outbox and are read back
// later (see DueForChannel). A nil fn stops the calls.
func (s *Store) OnMessages(fn func([]Message)) {
	if fn == nil {
		s.onMessages.Store(nil)
		return
	}
	s.onMessages.Store(&fn)
}

func (s *Store) handOver(msgs []Message) {
	if fn := s.onMessages.Load(); fn != nil && len(msgs) > 0 {
		(*fn)(msgs)
	}
}

// DeliveryWake fires when a message was put back to pending by hand
// (Redeliver), so the worker reads the outbox now instead of at its poll.
func (s *Store) DeliveryWake() <-chan struct{} { return s.wake }

// DueForChannel lists a channel's pending messages whose time has come,
// oldest first, each with its notification. New messages (never tried,
// never put back by Redeliver) with an id above readUpTo are left out:
// they were handed over at their commit (OnMessages) and are on their way.
func (s *Store) DueForChannel(ctx context.Context, channelID int64, now time.Time, readUpTo int64, limit int) ([]Message, error) {
	rows, err := s.read.DueForChannel(ctx, db.DueForChannelParams{
		ChannelID: channelID, NextAt: now.UTC(), ReadUpTo: readUpTo, Limit: int64(limit),
	})
	if err != nil {
		return nil, fmt.Errorf("store: due deliveries of channel %d: %w", channelID, err)
	}
	return rows, nil
}

// MaxOutboxID is the newest message's id, 0 when there is none. Messages
// commit in id order, so every message above it is yet to commit.
func (s *Store) MaxOutboxID(ctx context.Context) (int64, error) {
	id, err := s.read.MaxOutboxID(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: newest message: %w", err)
	}
	return id, nil
}

// Attempt is the outcome of one try at a message.
type Attempt struct {
	OutboxID int64
	At       time.Time
	Status   int
	Latency  time.Duration
	Error    string
	Response string
	// State is what the message becomes: pending (retry at NextAt),
	// delivered, failed or dead.
	State  string
	NextAt time.Time
	// DisableChannel, when set, is why the channel must stop (410 Gone).
	DisableChannel string
	ChannelID      int64
	ChannelName    string
}

// RecordAttempt logs an attempt and moves the message on. A message
// superseded meanwhile stays superseded.
func (s *Store) RecordAttempt(ctx context.Context, a Attempt) error {
	return s.RecordAttempts(ctx, []Attempt{a})
}

// RecordAttempts records several attempts in one write, as the delivery
// worker does for each batch it sends: one job instead of one per message
// keeps the group commit small while thousands of messages go out.
func (s *Store) RecordAttempts(ctx context.Context, attempts []Attempt) error {
	disabled := false
	err := s.Batch(ctx, func(ctx context.Context, q *db.Queries) error {
		for _, a := range attempts {
			if err := recordAttempt(ctx, q, a); err != nil {
				return err
			}
		}
		return nil
	})
	for _, a := range attempts {
		disabled = disabled || a.DisableChannel != ""
	}
	if err == nil && disabled {
		s.channels.invalidate()
	}
	return err
}

func recordAttempt(ctx context.Context, q *db.Queries, a Attempt) error {
	at := a.At.UTC()
	err := q.InsertAttempt(ctx, db.InsertAttemptParams{
		OutboxID: a.OutboxID, At: at, Status: int64(a.Status), LatencyMs: a.Latency.Milliseconds(), Error: a.Error, Response: a.Response,
	})
	if err != nil {
		return fmt.Errorf("store: record attempt: %w", err)
	}
	_, err = q.UpdateOutboxAfterAttempt(ctx, db.UpdateOutboxAfterAttemptParams{
		State: a.State, NextAt: a.NextAt.UTC(), LastStatus: int64(a.Status), LastError: a.Error,
		FirstTriedAt: sqlTime(at), ID: a.OutboxID,
	})
	if err != nil || a.DisableChannel == "" {
		return err
	}
	if err := q.DisableChannel(ctx, db.DisableChannelParams{DisabledReason: a.DisableChannel, UpdatedAt: at, ID: a.ChannelID}); err != nil {
		return err
	}
	return addAudit(ctx, q, Actor{Name: "delivery"}, "channel_disabled", a.ChannelName, a.DisableChannel)
}

// Attempts lists a message's attempts, oldest first.
func (s *Store) Attempts(ctx context.Context, outboxID int64) ([]db.DeliveryAttempt, error) {
	rows, err := s.read.ListAttempts(ctx, outboxID)
	if err != nil {
		return nil, fmt.Errorf("store: list attempts: %w", err)
	}
	return rows, nil
}

// ChannelDeliveries lists a channel's newest messages.
func (s *Store) ChannelDeliveries(ctx context.Context, channelID int64, limit int) ([]db.Outbox, error) {
	rows, err := s.read.ListChannelOutbox(ctx, db.ListChannelOutboxParams{ChannelID: channelID, Limit: int64(limit)})
	if err != nil {
		return nil, fmt.Errorf("store: list deliveries: %w", err)
	}
	return rows, nil
}

// OutboxStates are the states a message can be in.
var OutboxStates = []string{"pending", "delivered", "failed", "dead", "superseded"}

// ChannelDeliveriesIn lists a channel's newest messages in state; "" is
// every state.
func (s *Store) ChannelDeliveriesIn(ctx context.Context, channelID int64, state string, limit int) ([]db.Outbox, error) {
	p := db.ListChannelOutboxByStateParams{ChannelID: channelID, Limit: int64(limit)}
	if state != "" {
		p.State = state
	}
	rows, err := s.read.ListChannelOutboxByState(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("store: list deliveries: %w", err)
	}
	return rows, nil
}

// NotificationDeliveries lists the newest 100 messages sent, or to be
// sent, about a notification, with their channel's name.
func (s *Store) NotificationDeliveries(ctx context.Context, notificationID string) ([]db.ListNotificationOutboxRow, error) {
	rows, err := s.read.ListNotificationOutbox(ctx, notificationID)
	if err != nil {
		return nil, fmt.Errorf("store: list notification deliveries: %w", err)
	}
	return rows, nil
}

func sqlTime(t time.Time) sql.NullTime { return sql.NullTime{Time: t, Valid: true} }

// ProvisionChannels makes the provisioned channels exactly those given,
// by name; ones dropped from the file are disabled, not deleted, so their
// delivery log stays.
func (s *Store) ProvisionChannels(ctx context.Context, channels []NewChannel) error {
	for i := range channels {
		if err := channels[i].validate(); err != nil {
			return fmt.Errorf("channel %q: %w", channels[i].Name, err)
		}
	}
	return s.channelTx(ctx, func(q *db.Queries) error {
		now := time.Now().UTC()
		var names []string
		for _, n := range channels {
			err := q.UpsertProvisionedChannel(ctx, db.UpsertProvisionedChannelParams{
				Name: n.Name, Url: n.URL, Token: n.Token, MetadataJson: mustJSON(n.Metadata), VerifyTls: n.VerifyTLS,
				TimeoutMs: n.Timeout.Milliseconds(), SourcesJson: jsonList(n.Sources), MinSeverity: string(n.MinSeverity),
				Enabled: n.Enabled, CreatedAt: now, UpdatedAt: now,
			})
			if err != nil {
				return fmt.Errorf("store: provision channel %s: %w", n.Name, err)
			}
			names = append(names, n.Name)
		}
		if len(names) == 0 {
			return q.UnprovisionAllChannels(ctx, now)
		}
		return q.UnprovisionChannelsExcept(ctx, db.UnprovisionChannelsExceptParams{UpdatedAt: now, Names: names})
	})
}

// ChannelHealth is one channel's delivery figures for the channel list.
type ChannelHealth struct {
	LastSuccess      time.Time // zero: never
	LastFailure      time.Time // zero: never
	LastFailureError string
	// FailingStreak counts messages failed, dead or still retrying since
	// the last delivered one.
	FailingStreak int64
	Pending       int64
}

// ChannelHealth reads every channel's delivery figures, by channel id.
func (s *Store) ChannelHealth(ctx context.Context) (map[int64]ChannelHealth, error) {
	rows, err := s.read.ChannelHealth(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: channel health: %w", err)
	}
	out := make(map[int64]ChannelHealth, len(rows))
	for _, r := range rows {
		out[r.ID] = ChannelHealth{
			LastSuccess: parseSQLTime(r.LastSuccessAt), LastFailure: parseSQLTime(r.LastFailureAt),
			LastFailureError: r.LastFailureError, FailingStreak: r.FailingStreak, Pending: r.PendingCount,
		}
	}
	return out, nil
}

// parseSQLTime reads a time SQLite returned as text from an expression
// (the driver stores times with _time_format=sqlite); empty or unreadable
// is the zero time.
func parseSQLTime(s string) time.Time {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999Z07:00", time.RFC3339Nano, "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// Redeliver sets a delivered, failed or dead message of the channel back
// to pending, due now, with a fresh retry budget. A pending or superseded
// message is refused: the first is on its way, the second was replaced by
// a newer message.
func (s *Store) Redeliver(ctx context.Context, a Actor, channelID, outboxID int64, now time.Time) error {
	err := s.Tx(ctx, func(q *db.Queries) error {
		m, err := q.GetOutbox(ctx, outboxID)
		if err == nil && m.ChannelID != channelID {
			err = sql.ErrNoRows
		}
		if err != nil {
			return notFound(err, fmt.Sprintf("message %d", outboxID))
		}
		n, err := q.RedeliverOutbox(ctx, db.RedeliverOutboxParams{NextAt: now.UTC(), ID: outboxID, ChannelID: channelID})
		if err != nil {
			return fmt.Errorf("store: redeliver: %w", err)
		}
		if n == 0 {
			return invalid("state", fmt.Sprintf("message %s is %s: only a delivered, failed or dead message can be redelivered", m.DeliveryID, m.State))
		}
		return addAudit(ctx, q, a, "delivery_redelivered", m.DeliveryID, fmt.Sprintf("channel %d, was %s", channelID, m.State))
	})
	if err != nil {
		return err
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return nil
}

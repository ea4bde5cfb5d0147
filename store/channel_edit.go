package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/alertgate/alertgate/store/db"
)

// GoneReasonPrefix starts the reason the delivery worker gives when a
// receiver answered 410 Gone and the channel was disabled. The banner finds
// such channels by it, so the worker must build its reason from it.
const GoneReasonPrefix = "the receiver answered 410 Gone"

// editableChannel loads a channel an admin may change: provisioned ones
// belong to the provisioning file.
func editableChannel(ctx context.Context, q *db.Queries, id int64) (db.Channel, error) {
	ch, err := q.GetChannel(ctx, id)
	if err != nil {
		return db.Channel{}, notFound(err, fmt.Sprintf("channel %d", id))
	}
	if ch.Provisioned {
		return db.Channel{}, fmt.Errorf("store: channel %s comes from the provisioning file; change it there: %w", ch.Name, ErrConflict)
	}
	return ch, nil
}

// EditableChannel reads a channel for its edit form, refusing a
// provisioned one as every change to it is refused.
func (s *Store) EditableChannel(ctx context.Context, id int64) (db.Channel, error) {
	return editableChannel(ctx, s.read, id)
}

// editChannelTx is channelTx for an admin's change, which also wakes the
// delivery worker: it syncs its lanes at once, so the next send uses the
// new URL and token rather than waiting for the next poll.
func (s *Store) editChannelTx(ctx context.Context, fn func(q *db.Queries) error) error {
	if err := s.channelTx(ctx, fn); err != nil {
		return err
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return nil
}

// UpdateChannel changes a channel's settings; n.Token is ignored (see
// RegenerateChannelToken). A taken name is an InvalidError, like any other
// problem the admin can fix in the form.
func (s *Store) UpdateChannel(ctx context.Context, a Actor, id int64, n NewChannel) (db.Channel, error) {
	var updated db.Channel
	err := s.editChannelTx(ctx, func(q *db.Queries) error {
		ch, err := editableChannel(ctx, q, id)
		if err != nil {
			return err
		}
		n.Token = ch.Token
		if err := n.validate(); err != nil {
			return err
		}
		err = q.UpdateChannel(ctx, db.UpdateChannelParams{
			Name: n.Name, Url: n.URL, MetadataJson: mustJSON(n.Metadata), VerifyTls: n.VerifyTLS,
			TimeoutMs: n.Timeout.Milliseconds(), SourcesJson: jsonList(n.Sources), MinSeverity: string(n.MinSeverity),
			Enabled: n.Enabled, UpdatedAt: time.Now().UTC(), ID: id,
		})
		if isUnique(err) {
			return invalid("name", fmt.Sprintf("a channel named %q already exists", n.Name))
		}
		if err != nil {
			return fmt.Errorf("store: update channel %s: %w", ch.Name, err)
		}
		if updated, err = q.GetChannel(ctx, id); err != nil {
			return fmt.Errorf("store: update channel %s: %w", ch.Name, err)
		}
		return addAudit(ctx, q, a, "channel_updated", updated.Name, channelChanges(ch, updated))
	})
	return updated, err
}

// channelChanges names the settings an edit changed, for the audit log.
// The URL is given in full: where messages go is what an audit reader
// wants to see.
func channelChanges(before, after db.Channel) string {
	var changed []string
	add := func(name string, differ bool) {
		if differ {
			changed = append(changed, name)
		}
	}
	add("name (was "+before.Name+")", before.Name != after.Name)
	add("url "+after.Url, before.Url != after.Url)
	add("metadata", before.MetadataJson != after.MetadataJson)
	add(fmt.Sprintf("verify_tls %t", after.VerifyTls), before.VerifyTls != after.VerifyTls)
	add(fmt.Sprintf("timeout %dms", after.TimeoutMs), before.TimeoutMs != after.TimeoutMs)
	add("sources "+after.SourcesJson, before.SourcesJson != after.SourcesJson)
	add("min_severity "+after.MinSeverity, before.MinSeverity != after.MinSeverity)
	add(fmt.Sprintf("enabled %t", after.Enabled), before.Enabled != after.Enabled)
	if len(changed) == 0 {
		return "nothing changed"
	}
	return strings.Join(changed, ", ")
}

// RegenerateChannelToken gives a channel a new token; the old one stops
// signing at once (the worker's lanes pick the new one up when woken).
func (s *Store) RegenerateChannelToken(ctx context.Context, a Actor, id int64, token string) error {
	if len(token) < 16 {
		return invalid("token", "a token needs at least 16 characters")
	}
	return s.editChannelTx(ctx, func(q *db.Queries) error {
		ch, err := editableChannel(ctx, q, id)
		if err != nil {
			return err
		}
		if err := q.SetChannelToken(ctx, db.SetChannelTokenParams{Token: token, UpdatedAt: time.Now().UTC(), ID: id}); err != nil {
			return fmt.Errorf("store: regenerate token of %s: %w", ch.Name, err)
		}
		return addAudit(ctx, q, a, "channel_token_regenerated", ch.Name, "")
	})
}

// SetChannelEnabled enables or disables a channel. Enabling clears why it
// was disabled; the audit keeps that reason.
func (s *Store) SetChannelEnabled(ctx context.Context, a Actor, id int64, enabled bool) error {
	return s.editChannelTx(ctx, func(q *db.Queries) error {
		ch, err := editableChannel(ctx, q, id)
		if err != nil {
			return err
		}
		err = q.SetChannelEnabled(ctx, db.SetChannelEnabledParams{Enabled: enabled, UpdatedAt: time.Now().UTC(), ID: id})
		if err != nil {
			return fmt.Errorf("store: enable channel %s: %w", ch.Name, err)
		}
		if enabled {
			return addAudit(ctx, q, a, "channel_enabled", ch.Name, ch.DisabledReason)
		}
		return addAudit(ctx, q, a, "channel_disabled", ch.Name, "")
	})
}

// DeleteChannel removes a channel with its messages and their attempts.
// It is disabled in a first commit so that ingest, whose cached routes are
// dropped only after a commit, can never queue a message for a channel
// that no longer exists (which would fail the whole ingest batch).
func (s *Store) DeleteChannel(ctx context.Context, a Actor, id int64) error {
	err := s.channelTx(ctx, func(q *db.Queries) error {
		if _, err := editableChannel(ctx, q, id); err != nil {
			return err
		}
		return q.SetChannelEnabled(ctx, db.SetChannelEnabledParams{Enabled: false, UpdatedAt: time.Now().UTC(), ID: id})
	})
	if err != nil {
		return err
	}
	return s.editChannelTx(ctx, func(q *db.Queries) error {
		ch, err := editableChannel(ctx, q, id)
		if err != nil {
			return err
		}
		if err := q.DeleteChannel(ctx, id); err != nil {
			return fmt.Errorf("store: delete channel %s: %w", ch.Name, err)
		}
		return addAudit(ctx, q, a, "channel_deleted", ch.Name, ch.Url)
	})
}

// GoneChannel is a channel the worker disabled after a 410 Gone.
type GoneChannel = db.ListChannelsDisabledWithRow

// GoneChannels lists the channels disabled by a 410 Gone and not enabled
// since, for the banner on every page.
func (s *Store) GoneChannels(ctx context.Context) ([]GoneChannel, error) {
	rows, err := s.read.ListChannelsDisabledWith(ctx, GoneReasonPrefix+"%")
	if err != nil {
		return nil, fmt.Errorf("store: channels gone: %w", err)
	}
	return rows, nil
}

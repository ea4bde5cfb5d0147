-- The delivery worker reads due messages one channel at a time, each
-- channel with its own lane, so the due index leads with the channel.
DROP INDEX outbox_due;
CREATE INDEX outbox_due_by_channel ON outbox (channel_id, next_at) WHERE state = 'pending';

-- Superseding finds a notification's pending messages to one channel; the
-- index by notification serves that once it also holds the channel, which
-- saves writing a separate index on every message queued.
DROP INDEX outbox_pending;
DROP INDEX outbox_by_notification;
CREATE INDEX outbox_by_notification ON outbox (notification_id, channel_id, id);

-- name: CreateChannel :one
INSERT INTO channels (name, url, token, metadata_json, verify_tls, timeout_ms, sources_json, min_severity, enabled, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING *;

-- name: GetChannel :one
SELECT * FROM channels WHERE id = ?;

-- name: ListChannels :many
SELECT * FROM channels ORDER BY name;

-- name: DisableChannel :exec
UPDATE channels SET enabled = 0, disabled_reason = ?, updated_at = ? WHERE id = ?;

-- name: SupersedePending :exec
UPDATE outbox SET state = 'superseded' WHERE channel_id = ? AND notification_id = ? AND state = 'pending';

-- name: InsertOutbox :execlastid
INSERT INTO outbox (delivery_id, channel_id, notification_id, change, state, created_at, next_at)
VALUES (?, ?, ?, ?, 'pending', ?, ?);

-- name: DueForChannel :many
-- A channel's messages whose time has come, each with its notification as
-- it is now, which is what the message reports. Messages never tried with
-- an id above @read_up_to were handed to the worker at their commit and
-- are its to send.
SELECT sqlc.embed(outbox), notifications.title, notifications.sender_state, notifications.severity,
    notifications.opened_at, notifications.close_reason, notifications.component_json, notifications.monitor_json
FROM outbox JOIN notifications ON notifications.id = outbox.notification_id
WHERE outbox.channel_id = @channel_id AND outbox.state = 'pending' AND outbox.next_at <= @next_at
    AND (outbox.id <= @read_up_to OR outbox.attempts > 0 OR outbox.next_at > outbox.created_at)
ORDER BY outbox.next_at, outbox.id LIMIT @limit;

-- name: MaxOutboxID :one
SELECT CAST(coalesce(max(id), 0) AS INTEGER) FROM outbox;

-- name: GetOutbox :one
SELECT * FROM outbox WHERE id = ?;

-- name: UpdateOutboxAfterAttempt :execrows
UPDATE outbox SET state = ?, attempts = attempts + 1, next_at = ?, last_status = ?, last_error = ?,
    first_tried_at = coalesce(first_tried_at, ?)
WHERE id = ? AND state = 'pending';

-- name: InsertAttempt :exec
INSERT INTO delivery_attempts (outbox_id, at, status, latency_ms, error, response) VALUES (?, ?, ?, ?, ?, ?);

-- name: ListAttempts :many
SELECT * FROM delivery_attempts WHERE outbox_id = ? ORDER BY id;

-- name: ListChannelOutbox :many
SELECT * FROM outbox WHERE channel_id = ? ORDER BY id DESC LIMIT ?;

-- name: UpsertProvisionedChannel :exec
INSERT INTO channels (name, url, token, metadata_json, verify_tls, timeout_ms, sources_json, min_severity, enabled, provisioned, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
ON CONFLICT (name) DO UPDATE SET
    url = excluded.url, token = excluded.token, metadata_json = excluded.metadata_json,
    verify_tls = excluded.verify_tls, timeout_ms = excluded.timeout_ms, sources_json = excluded.sources_json,
    min_severity = excluded.min_severity, enabled = excluded.enabled, provisioned = 1,
    disabled_reason = '', updated_at = excluded.updated_at;

-- name: UnprovisionChannelsExcept :exec
UPDATE channels SET provisioned = 0, enabled = 0, disabled_reason = 'dropped from the provisioning file', updated_at = ?
WHERE provisioned AND name NOT IN (sqlc.slice(names));

-- name: UnprovisionAllChannels :exec
UPDATE channels SET provisioned = 0, enabled = 0, disabled_reason = 'dropped from the provisioning file', updated_at = ?
WHERE provisioned;

-- name: ChannelHealth :many
-- One row of delivery figures per channel: the last successful and the last
-- failed attempt, the failing streak (messages given up on or still retrying
-- since the last delivered one) and the pending count. Times come back as
-- text, since SQLite gives expressions no type.
SELECT c.id,
    CAST(coalesce((SELECT a.at FROM delivery_attempts a JOIN outbox o ON o.id = a.outbox_id
        WHERE o.channel_id = c.id AND a.status BETWEEN 200 AND 299 AND a.error = ''
        ORDER BY a.at DESC LIMIT 1), '') AS TEXT) AS last_success_at,
    CAST(coalesce((SELECT a.at FROM delivery_attempts a JOIN outbox o ON o.id = a.outbox_id
        WHERE o.channel_id = c.id AND (a.status NOT BETWEEN 200 AND 299 OR a.error <> '')
        ORDER BY a.at DESC LIMIT 1), '') AS TEXT) AS last_failure_at,
    CAST(coalesce((SELECT CASE WHEN a.error <> '' THEN a.error ELSE 'HTTP ' || a.status END
        FROM delivery_attempts a JOIN outbox o ON o.id = a.outbox_id
        WHERE o.channel_id = c.id AND (a.status NOT BETWEEN 200 AND 299 OR a.error <> '')
        ORDER BY a.at DESC LIMIT 1), '') AS TEXT) AS last_failure_error,
    CAST((SELECT count(*) FROM outbox o WHERE o.channel_id = c.id
        AND (o.state IN ('failed', 'dead') OR (o.state = 'pending' AND o.attempts > 0))
        AND o.id > coalesce((SELECT max(d.id) FROM outbox d WHERE d.channel_id = c.id AND d.state = 'delivered'), 0)) AS INTEGER) AS failing_streak,
    CAST((SELECT count(*) FROM outbox o WHERE o.channel_id = c.id AND o.state = 'pending') AS INTEGER) AS pending_count
FROM channels c ORDER BY c.name;

-- name: RedeliverOutbox :execrows
UPDATE outbox SET state = 'pending', next_at = ?, first_tried_at = NULL, attempts = 0
WHERE id = ? AND channel_id = ? AND state IN ('delivered', 'failed', 'dead');

-- name: ListChannelOutboxByState :many
SELECT * FROM outbox
WHERE channel_id = sqlc.arg(channel_id) AND (sqlc.narg(state) IS NULL OR state = sqlc.narg(state))
ORDER BY id DESC LIMIT sqlc.arg(limit);

-- name: ListNotificationOutbox :many
SELECT outbox.*, channels.name AS channel_name FROM outbox JOIN channels ON channels.id = outbox.channel_id
WHERE outbox.notification_id = ?
ORDER BY outbox.id DESC LIMIT 100;

-- name: UpdateChannel :exec
-- An admin's edit. Enabling a channel clears why it stopped; a channel
-- that stays disabled keeps its reason.
UPDATE channels SET name = @name, url = @url, metadata_json = @metadata_json, verify_tls = @verify_tls,
    timeout_ms = @timeout_ms, sources_json = @sources_json, min_severity = @min_severity, enabled = @enabled,
    disabled_reason = CASE WHEN @enabled THEN '' ELSE disabled_reason END, updated_at = @updated_at
WHERE id = @id;

-- name: SetChannelToken :exec
UPDATE channels SET token = ?, updated_at = ? WHERE id = ?;

-- name: SetChannelEnabled :exec
-- Enabling clears the reason the channel stopped (a 410 Gone, say), which
-- also takes it off the banner.
UPDATE channels SET enabled = @enabled, disabled_reason = CASE WHEN @enabled THEN '' ELSE disabled_reason END,
    updated_at = @updated_at
WHERE id = @id;

-- name: DeleteChannel :exec
-- Its outbox messages and their attempts go with it (ON DELETE CASCADE).
DELETE FROM channels WHERE id = ?;

-- name: ListChannelsDisabledWith :many
-- The disabled channels whose reason matches @pattern (a LIKE pattern such
-- as a prefix and %). The table holds a handful of rows: a scan is cheap.
SELECT id, name FROM channels WHERE NOT enabled AND disabled_reason LIKE @pattern ORDER BY name;

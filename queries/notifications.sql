-- InsertInbox inserts nothing for a delivery key the source sent before: no
-- row affected is a duplicate. (No RETURNING: SQLite stages returned rows in
-- a temporary table, a cost on the busiest insert.)
-- name: InsertInbox :execresult
INSERT INTO inbox (source_id, delivery_key, received_at, headers, body, note)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (source_id, delivery_key) DO NOTHING;

-- name: GetInboxByKey :one
SELECT id FROM inbox WHERE source_id = ? AND delivery_key = ?;

-- name: SetInboxNote :exec
UPDATE inbox SET note = ? WHERE id = ?;

-- name: GetOpenNotification :one
SELECT * FROM notifications WHERE source_id = ? AND lifecycle_key = ? AND state = 'open';

-- InsertNotification opens a notification unless one is already open for
-- the key: no row affected means there is one. Trying the insert first
-- spares the lookup for a new key, the common case of an alert storm. Its
-- "opened" event stays on the row until the first change (migration 0014).
-- name: InsertNotification :execresult
INSERT INTO notifications (
    id, source_id, lifecycle_key, state, severity, severity_rank, sender_state, title,
    component, component_json, monitor_json, labels_json, host, incident_type, target,
    opened_at, first_seen, last_seen, opened_inbox_id, open_logged
) VALUES (?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)
ON CONFLICT (source_id, lifecycle_key) WHERE state = 'open' DO NOTHING;

-- name: UpdateOpenNotification :exec
UPDATE notifications SET
    severity = ?, severity_rank = ?, sender_state = ?, title = ?,
    component = ?, component_json = ?, monitor_json = ?, labels_json = ?,
    host = ?, incident_type = ?, target = ?,
    occurrences = occurrences + 1, last_seen = ?
WHERE seq = ?;

-- name: CloseNotification :exec
UPDATE notifications SET state = 'closed', close_reason = ?, closed_at = ?, last_seen = ? WHERE seq = ? AND state = 'open';

-- name: CloseIfQuiet :execrows
UPDATE notifications SET state = 'closed', close_reason = ?, closed_at = ?
WHERE seq = ? AND state = 'open' AND last_seen = ?;

-- name: InsertTimeline :exec
INSERT INTO timeline (notification_seq, inbox_id, at, change, severity, sender_state, title, detail)
VALUES (?, ?, ?, ?, ?, ?, ?, ?);

-- name: ListOpenNotifications :many
SELECT sqlc.embed(notifications), sources.slug AS source_slug, sources.name AS source_name
FROM notifications JOIN sources ON sources.id = notifications.source_id
WHERE notifications.state = 'open' AND notifications.seq < @before_seq
    AND (sqlc.narg(source_id) IS NULL OR notifications.source_id = sqlc.narg(source_id))
    AND notifications.severity_rank >= @min_rank
    AND (sqlc.narg(component) IS NULL OR notifications.component = sqlc.narg(component))
    AND (sqlc.narg(query) IS NULL OR notifications.title LIKE '%' || sqlc.narg(query) || '%'
        OR notifications.component LIKE '%' || sqlc.narg(query) || '%'
        OR notifications.lifecycle_key = sqlc.narg(query))
ORDER BY notifications.seq DESC
LIMIT @page_size;

-- name: ListClosedNotifications :many
SELECT sqlc.embed(notifications), sources.slug AS source_slug, sources.name AS source_name
FROM notifications JOIN sources ON sources.id = notifications.source_id
WHERE notifications.state = 'closed'
    AND (notifications.closed_at < @before_closed OR (notifications.closed_at = @before_closed AND notifications.seq < @before_seq))
    AND (sqlc.narg(source_id) IS NULL OR notifications.source_id = sqlc.narg(source_id))
    AND notifications.severity_rank >= @min_rank
    AND (sqlc.narg(component) IS NULL OR notifications.component = sqlc.narg(component))
    AND (sqlc.narg(query) IS NULL OR notifications.title LIKE '%' || sqlc.narg(query) || '%'
        OR notifications.component LIKE '%' || sqlc.narg(query) || '%'
        OR notifications.lifecycle_key = sqlc.narg(query))
ORDER BY notifications.closed_at DESC, notifications.seq DESC
LIMIT @page_size;

-- name: CountOpenNotifications :one
SELECT CAST(coalesce(sum(n), 0) AS INTEGER) FROM open_counts;

-- name: GetNotification :one
SELECT sqlc.embed(notifications), sources.slug AS source_slug, sources.name AS source_name, sources.kind AS source_kind
FROM notifications JOIN sources ON sources.id = notifications.source_id
WHERE notifications.id = ?;

-- UnloggedOpen is a notification's "opened" event while it is still only
-- on the notification's row: then it is the whole timeline.
-- name: UnloggedOpen :many
SELECT notifications.opened_inbox_id AS inbox_id, notifications.first_seen AS at,
    notifications.severity, notifications.sender_state, notifications.title,
    inbox.body AS body, inbox.headers AS headers, inbox.delivery_key AS delivery_key
FROM notifications LEFT JOIN inbox ON inbox.id = notifications.opened_inbox_id
WHERE notifications.seq = ? AND notifications.open_logged = 0;

-- name: ListTimeline :many
SELECT timeline.*, inbox.body AS body, inbox.headers AS headers, inbox.delivery_key AS delivery_key
FROM timeline LEFT JOIN inbox ON inbox.id = timeline.inbox_id
WHERE timeline.notification_seq = ?
ORDER BY timeline.id;

-- name: ListQuietNotifications :many
SELECT notifications.seq, notifications.id, notifications.last_seen, notifications.title, notifications.severity,
    notifications.sender_state, notifications.opened_at, notifications.component_json, notifications.monitor_json,
    sources.resolve_after_seconds, sources.slug AS source_slug
FROM notifications JOIN sources ON sources.id = notifications.source_id
WHERE notifications.state = 'open' AND sources.kind = 'autoheal';

-- name: HasNotifications :one
SELECT EXISTS (SELECT 1 FROM notifications);

-- name: ListTimelineTail :many
SELECT timeline.*, inbox.body AS body, inbox.headers AS headers, inbox.delivery_key AS delivery_key
FROM timeline LEFT JOIN inbox ON inbox.id = timeline.inbox_id
WHERE timeline.notification_seq = ?
ORDER BY timeline.id DESC
LIMIT ?;

-- name: ListSourceNames :many
SELECT id, slug, name FROM sources ORDER BY name;

-- name: MarkRemediated :execrows
UPDATE notifications SET remediated_at = ? WHERE id = ?;

-- name: EarliestClosedAfter :one
-- The earliest start among notifications that closed after a time: the
-- ledger need not scan notifications that opened before it.
SELECT opened_at FROM notifications
WHERE state = 'closed' AND closed_at >= @since
ORDER BY opened_at
LIMIT 1;

-- name: EarliestOpen :one
SELECT opened_at FROM notifications WHERE state = 'open' ORDER BY opened_at LIMIT 1;

-- name: ListLedgerIntervals :many
-- One keyset page of the notifications that overlap [@range_from, @range_to),
-- in order of (opened_at, seq). @lower is the earliest opened_at that can
-- still overlap (or the previous page's last), so the index range stays tight.
SELECT notifications.seq, notifications.id, notifications.state, notifications.severity,
    notifications.title, notifications.component, notifications.opened_at,
    notifications.closed_at, notifications.remediated_at, sources.slug AS source_slug
FROM notifications JOIN sources ON sources.id = notifications.source_id
WHERE notifications.opened_at >= @lower AND notifications.opened_at < @range_to
    AND NOT (notifications.opened_at = @after_opened AND notifications.seq <= @after_seq)
    AND (notifications.closed_at IS NULL OR notifications.closed_at >= @range_from)
    AND (sqlc.narg(source_id) IS NULL OR notifications.source_id = sqlc.narg(source_id))
    AND (sqlc.narg(component) IS NULL OR notifications.component = sqlc.narg(component))
    AND (sqlc.narg(severity) IS NULL OR notifications.severity = sqlc.narg(severity))
ORDER BY notifications.opened_at, notifications.seq
LIMIT @page_size;

-- The ledger reads each notification through the partial index its state
-- puts it in, so it needs no index of its own (every index on
-- notifications is one more b-tree write for every ingested event).

-- name: ListLedgerClosed :many
-- One keyset page of the closed notifications that overlap [from, @range_to),
-- in order of (closed_at, seq): a range scan of notifications_closed from
-- @lower, which is the range's start on the first page and then the
-- previous page's last closed_at, past its last seq. The unary + on the
-- columns tested per row drops their NUMERIC affinity: the times compare as
-- the text they are stored as, without SQLite first trying to read each as
-- a number, which was half the cost of scanning a year for January.
SELECT notifications.seq, notifications.id, notifications.state, notifications.severity,
    notifications.title, notifications.component, notifications.opened_at,
    notifications.closed_at, notifications.remediated_at, sources.slug AS source_slug
FROM notifications JOIN sources ON sources.id = notifications.source_id
WHERE notifications.state = 'closed'
    AND notifications.closed_at >= @lower
    AND NOT (+notifications.closed_at = @lower AND notifications.seq <= @after_seq)
    AND +notifications.opened_at < @range_to
    AND (sqlc.narg(source_id) IS NULL OR notifications.source_id = sqlc.narg(source_id))
    AND (sqlc.narg(component) IS NULL OR notifications.component = sqlc.narg(component))
    AND (sqlc.narg(severity) IS NULL OR notifications.severity = sqlc.narg(severity))
ORDER BY notifications.closed_at, notifications.seq
LIMIT @page_size;

-- name: ListLedgerOpen :many
-- One keyset page of the open notifications that began before @range_to,
-- in order of seq through notifications_open. They are still open, so they
-- overlap any range that has begun.
SELECT notifications.seq, notifications.id, notifications.state, notifications.severity,
    notifications.title, notifications.component, notifications.opened_at,
    notifications.closed_at, notifications.remediated_at, sources.slug AS source_slug
FROM notifications JOIN sources ON sources.id = notifications.source_id
WHERE notifications.state = 'open' AND notifications.seq > @after_seq
    AND notifications.opened_at < @range_to
    AND (sqlc.narg(source_id) IS NULL OR notifications.source_id = sqlc.narg(source_id))
    AND (sqlc.narg(component) IS NULL OR notifications.component = sqlc.narg(component))
    AND (sqlc.narg(severity) IS NULL OR notifications.severity = sqlc.narg(severity))
ORDER BY notifications.seq
LIMIT @page_size;

-- name: CreateSource :one
INSERT INTO sources (slug, name, kind, secret, provisioned, rate_per_minute, resolve_after_seconds, settings, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING *;

-- name: UpsertProvisionedSource :exec
INSERT INTO sources (slug, name, kind, secret, provisioned, rate_per_minute, resolve_after_seconds, settings, created_at, updated_at)
VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?)
ON CONFLICT (slug) DO UPDATE SET
    name = excluded.name, kind = excluded.kind, secret = excluded.secret, provisioned = 1,
    rate_per_minute = excluded.rate_per_minute, resolve_after_seconds = excluded.resolve_after_seconds,
    settings = excluded.settings,
    disabled = 0, updated_at = excluded.updated_at;

-- name: UnprovisionSourcesExcept :exec
UPDATE sources SET provisioned = 0, disabled = 1, updated_at = ?
WHERE provisioned AND slug NOT IN (sqlc.slice(slugs));

-- name: UnprovisionAllSources :exec
UPDATE sources SET provisioned = 0, disabled = 1, updated_at = ? WHERE provisioned;

-- name: GetSource :one
SELECT * FROM sources WHERE id = ?;

-- name: ListSources :many
SELECT sources.*,
    CAST(coalesce((SELECT o.n FROM open_counts o WHERE o.source_id = sources.id), 0) AS INTEGER) AS open_count,
    (SELECT count(*) FROM rejected r WHERE r.source_id = sources.id) AS rejected_count
FROM sources ORDER BY name;

-- name: RotateSourceSecret :exec
UPDATE sources SET old_secret = secret, secret = ?, old_secret_until = ?, updated_at = ? WHERE id = ?;

-- name: SetSourceDisabled :exec
UPDATE sources SET disabled = ?, updated_at = ? WHERE id = ?;

-- name: SetSourceLimits :exec
UPDATE sources SET rate_per_minute = ?, resolve_after_seconds = ?, updated_at = ? WHERE id = ?;

-- name: SetSourceSettings :exec
UPDATE sources SET settings = ?, updated_at = ? WHERE id = ?;

-- name: DeleteSource :exec
DELETE FROM sources WHERE id = ?;

-- name: AddRejected :exec
INSERT INTO rejected (source_id, at, ip, status, reason, headers, body_excerpt) VALUES (?, ?, ?, ?, ?, ?, ?);

-- name: TrimRejected :exec
DELETE FROM rejected WHERE id IN (
    SELECT r.id FROM rejected AS r WHERE r.source_id = @source_id ORDER BY r.id DESC LIMIT -1 OFFSET @keep
);

-- name: ListRejected :many
SELECT * FROM rejected WHERE source_id = ? ORDER BY id DESC LIMIT ?;

-- name: ListDeliveries :many
SELECT id, delivery_key, received_at, note, CAST(length(body) AS INTEGER) AS size FROM inbox WHERE source_id = ? ORDER BY id DESC LIMIT ?;

-- name: AllSources :many
SELECT * FROM sources;

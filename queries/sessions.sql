-- name: CreateSession :exec
INSERT INTO sessions (id_hash, user_id, created_at, seen_at) VALUES (?, ?, ?, ?);

-- name: GetSession :one
SELECT sqlc.embed(users), sessions.created_at AS session_created_at, sessions.seen_at AS session_seen_at
FROM sessions JOIN users ON users.id = sessions.user_id
WHERE sessions.id_hash = ?;

-- name: TouchSession :exec
UPDATE sessions SET seen_at = ? WHERE id_hash = ?;

-- name: DeleteSession :exec
DELETE FROM sessions WHERE id_hash = ?;

-- name: DeleteOtherSessions :exec
DELETE FROM sessions WHERE user_id = ? AND id_hash <> ?;

-- name: DeleteExpiredSessions :exec
DELETE FROM sessions WHERE seen_at < ? OR created_at < ?;

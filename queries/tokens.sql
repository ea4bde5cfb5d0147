-- name: CreateAPIToken :one
INSERT INTO api_tokens (name, role, token_hash, created_at) VALUES (?, ?, ?, ?)
RETURNING *;

-- name: GetAPITokenByHash :one
SELECT * FROM api_tokens WHERE token_hash = ?;

-- name: TouchAPIToken :exec
UPDATE api_tokens SET last_used_at = ? WHERE id = ?;

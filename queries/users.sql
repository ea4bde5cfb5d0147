-- name: CreateUser :one
INSERT INTO users (name, password_hash, role, created_at, updated_at)
VALUES (?, ?, ?, ?, ?)
RETURNING *;

-- name: CountUsers :one
SELECT count(*) FROM users;

-- name: CountActiveAdmins :one
SELECT count(*) FROM users WHERE role = 'admin' AND NOT disabled;

-- name: GetUser :one
SELECT * FROM users WHERE id = ?;

-- name: GetUserByName :one
SELECT * FROM users WHERE name = ?;

-- name: ListUsers :many
SELECT * FROM users ORDER BY name;

-- name: SetUserRole :exec
UPDATE users SET role = ?, updated_at = ? WHERE id = ?;

-- name: SetUserDisabled :exec
UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?;

-- name: SetUserPassword :exec
UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?;

-- name: CreateSetupToken :exec
INSERT INTO setup_tokens (token_hash, created_at) VALUES (?, ?);

-- name: DeleteUnusedSetupTokens :exec
DELETE FROM setup_tokens WHERE used_at IS NULL;

-- name: UseSetupToken :execrows
UPDATE setup_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL;

-- name: SetupTokenValid :one
SELECT count(*) FROM setup_tokens WHERE token_hash = ? AND used_at IS NULL;

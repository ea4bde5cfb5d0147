-- name: AddAudit :exec
INSERT INTO audit_log (at, actor, action, target, detail, ip) VALUES (?, ?, ?, ?, ?, ?);

-- name: ListAudit :many
SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?;

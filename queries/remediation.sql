-- name: ListRemediationTargets :many
SELECT * FROM remediation_targets ORDER BY recipe, target;

-- name: UpsertRemediationTarget :exec
INSERT INTO remediation_targets (recipe, target, taken, failures, last_failure_at, last_step_at, stopped_at, notification_id, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (recipe, target) DO UPDATE SET
    taken = excluded.taken, failures = excluded.failures, last_failure_at = excluded.last_failure_at,
    last_step_at = excluded.last_step_at, stopped_at = excluded.stopped_at,
    notification_id = excluded.notification_id, updated_at = excluded.updated_at;

-- name: DeleteRemediationTarget :execrows
DELETE FROM remediation_targets WHERE recipe = ? AND target = ?;

-- name: ClosedTargetNotifications :many
SELECT t.recipe, t.target FROM remediation_targets t
JOIN notifications n ON n.id = t.notification_id
WHERE n.state = 'closed' AND (t.taken > 0 OR t.failures != '[]' OR t.stopped_at IS NOT NULL);

-- name: InsertRun :one
INSERT INTO remediation_runs (recipe, step, step_index, target, notification_id, trigger_text, argv, mode, state, approval_id, started_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id;

-- name: FinishRun :exec
UPDATE remediation_runs SET state = ?, exit_code = ?, finished_at = ?, duration_ms = ?, output = ?, archive = ?
WHERE id = ?;

-- name: InterruptRuns :execrows
UPDATE remediation_runs SET state = 'interrupted', finished_at = ?,
    output = output || 'interrupted: the server stopped while this ran; it is not run again'
WHERE state = 'running';

-- name: GetRun :one
SELECT * FROM remediation_runs WHERE id = ?;

-- name: ListRuns :many
SELECT * FROM remediation_runs WHERE id < ? ORDER BY id DESC LIMIT ?;

-- name: ListTargetRuns :many
SELECT * FROM remediation_runs WHERE recipe = ? AND target = ? ORDER BY id DESC LIMIT ?;

-- name: InsertApproval :one
INSERT INTO approvals (recipe, step, step_index, target, argv, archive_argv, timeout_ms, trigger_text, notification_id, state, created_at, expires_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)
RETURNING id;

-- name: SetApprovalAlert :exec
UPDATE approvals SET alert_id = ? WHERE id = ?;

-- name: DecideApproval :execrows
UPDATE approvals SET state = ?, decided_by = ?, decided_at = ?, comment = ?
WHERE id = ? AND state = 'pending' AND expires_at > sqlc.arg(now);

-- name: GetApproval :one
SELECT * FROM approvals WHERE id = ?;

-- name: ListPendingApprovals :many
SELECT * FROM approvals WHERE state = 'pending' ORDER BY id;

-- name: ListDecidedApprovals :many
SELECT * FROM approvals WHERE state != 'pending' ORDER BY id DESC LIMIT ?;

-- name: ListExpiredApprovals :many
SELECT * FROM approvals WHERE state = 'pending' AND expires_at <= ? ORDER BY id;

-- name: ListApprovalsForClosed :many
SELECT a.* FROM approvals a
JOIN notifications n ON n.id = a.notification_id
WHERE a.state = 'pending' AND n.state = 'closed' ORDER BY a.id;

-- name: EndApproval :execrows
UPDATE approvals SET state = ?, decided_by = 'alertgate', decided_at = ?, comment = ?
WHERE id = ? AND state = 'pending';

-- name: ListApprovedToRun :many
SELECT * FROM approvals WHERE state = 'approved' AND run_id IS NULL ORDER BY id;

-- name: SetApprovalRun :execrows
UPDATE approvals SET run_id = ? WHERE id = ? AND run_id IS NULL AND state = 'approved';

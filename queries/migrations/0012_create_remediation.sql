-- Each target's place on a recipe's ladder, written after every change so
-- counting survives a restart. failures is a JSON list of RFC 3339 times.
CREATE TABLE remediation_targets (
    recipe          TEXT     NOT NULL,
    target          TEXT     NOT NULL,
    taken           INTEGER  NOT NULL DEFAULT 0,
    failures        TEXT     NOT NULL DEFAULT '[]',
    last_failure_at DATETIME,
    last_step_at    DATETIME,
    stopped_at      DATETIME,
    notification_id TEXT     NOT NULL DEFAULT '',
    updated_at      DATETIME NOT NULL,
    PRIMARY KEY (recipe, target)
);

-- A destructive step waiting for a person, bound to the exact argv it
-- will run. alert_id is the alertgate notification that pages for it.
CREATE TABLE approvals (
    id              INTEGER PRIMARY KEY,
    recipe          TEXT     NOT NULL,
    step            TEXT     NOT NULL,
    step_index      INTEGER  NOT NULL,
    target          TEXT     NOT NULL,
    argv            TEXT     NOT NULL,
    archive_argv    TEXT     NOT NULL DEFAULT '[]',
    timeout_ms      INTEGER  NOT NULL,
    trigger_text    TEXT     NOT NULL,
    notification_id TEXT     NOT NULL,
    alert_id        TEXT     NOT NULL DEFAULT '',
    state           TEXT     NOT NULL CHECK (state IN ('pending', 'approved', 'rejected', 'expired', 'cancelled')),
    created_at      DATETIME NOT NULL,
    expires_at      DATETIME NOT NULL,
    decided_by      TEXT     NOT NULL DEFAULT '',
    decided_at      DATETIME,
    comment         TEXT     NOT NULL DEFAULT '',
    run_id          INTEGER
);
CREATE INDEX approvals_pending ON approvals (id) WHERE state = 'pending';
CREATE INDEX approvals_to_run ON approvals (id) WHERE state = 'approved' AND run_id IS NULL;

-- Every run of a step: what ran, why, and what came of it. A run still
-- 'running' when the server starts was interrupted and is marked so.
CREATE TABLE remediation_runs (
    id              INTEGER PRIMARY KEY,
    recipe          TEXT     NOT NULL,
    step            TEXT     NOT NULL,
    step_index      INTEGER  NOT NULL,
    target          TEXT     NOT NULL,
    notification_id TEXT     NOT NULL,
    trigger_text    TEXT     NOT NULL,
    argv            TEXT     NOT NULL,
    mode            TEXT     NOT NULL CHECK (mode IN ('live', 'dry-run')),
    state           TEXT     NOT NULL CHECK (state IN ('running', 'succeeded', 'failed', 'timed_out', 'interrupted', 'dry_run')),
    approval_id     INTEGER,
    exit_code       INTEGER,
    started_at      DATETIME NOT NULL,
    finished_at     DATETIME,
    duration_ms     INTEGER  NOT NULL DEFAULT 0,
    output          TEXT     NOT NULL DEFAULT '',
    archive         TEXT     NOT NULL DEFAULT ''
);
CREATE INDEX remediation_runs_target ON remediation_runs (recipe, target, id);
CREATE INDEX remediation_runs_running ON remediation_runs (id) WHERE state = 'running';

-- Outbound webhook channels. The token is kept in clear: it signs every
-- message. disabled_reason says why a channel stopped (a 410 Gone, say).
CREATE TABLE channels (
    id              INTEGER PRIMARY KEY,
    name            TEXT     NOT NULL UNIQUE,
    url             TEXT     NOT NULL,
    token           TEXT     NOT NULL,
    metadata_json   TEXT     NOT NULL DEFAULT '{}',
    verify_tls      BOOLEAN  NOT NULL DEFAULT 1,
    timeout_ms      INTEGER  NOT NULL DEFAULT 10000,
    sources_json    TEXT     NOT NULL DEFAULT '[]',
    min_severity    TEXT     NOT NULL DEFAULT '',
    enabled         BOOLEAN  NOT NULL DEFAULT 1,
    provisioned     BOOLEAN  NOT NULL DEFAULT 0,
    disabled_reason TEXT     NOT NULL DEFAULT '',
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);

-- One message for one channel, written in the same transaction as the
-- notification change it reports. delivery_id is the webhook-id receivers
-- dedupe on: the same on every retry.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    delivery_id     TEXT     NOT NULL UNIQUE,
    channel_id      INTEGER  NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    notification_id TEXT     NOT NULL,
    change          TEXT     NOT NULL CHECK (change IN ('opened', 'updated', 'closed', 'test')),
    state           TEXT     NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'dead', 'superseded')),
    attempts        INTEGER  NOT NULL DEFAULT 0,
    created_at      DATETIME NOT NULL,
    next_at         DATETIME NOT NULL,
    first_tried_at  DATETIME,
    last_status     INTEGER  NOT NULL DEFAULT 0,
    last_error      TEXT     NOT NULL DEFAULT ''
);

CREATE INDEX outbox_due ON outbox (next_at) WHERE state = 'pending';
CREATE INDEX outbox_by_channel ON outbox (channel_id, id);
CREATE INDEX outbox_pending ON outbox (channel_id, notification_id) WHERE state = 'pending';
CREATE INDEX outbox_by_notification ON outbox (notification_id, id);

-- Every attempt at a message: what the receiver answered, or the error.
CREATE TABLE delivery_attempts (
    id         INTEGER PRIMARY KEY,
    outbox_id  INTEGER  NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    at         DATETIME NOT NULL,
    status     INTEGER  NOT NULL,
    latency_ms INTEGER  NOT NULL,
    error      TEXT     NOT NULL DEFAULT '',
    response   TEXT     NOT NULL DEFAULT ''
);

CREATE INDEX delivery_attempts_by_outbox ON delivery_attempts (outbox_id, id);

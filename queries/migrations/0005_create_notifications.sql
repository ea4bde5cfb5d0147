-- Every accepted delivery, stored before it is acknowledged. A delivery key
-- (when the kind gives one) is unique per source: a repeat is a duplicate.
-- NULL keys never collide, so kinds without one count every post.
CREATE TABLE inbox (
    id           INTEGER PRIMARY KEY,
    source_id    INTEGER  NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    delivery_key TEXT,
    received_at  DATETIME NOT NULL,
    headers      TEXT     NOT NULL,
    body         BLOB     NOT NULL,
    note         TEXT     NOT NULL DEFAULT '',
    UNIQUE (source_id, delivery_key)
);

-- One row per life cycle: opened by an open event, closed by a close event.
-- seq orders rows for keyset pages; id is the public UUID sent to channels.
CREATE TABLE notifications (
    seq            INTEGER PRIMARY KEY,
    id             TEXT     NOT NULL UNIQUE,
    source_id      INTEGER  NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    lifecycle_key  TEXT     NOT NULL,
    state          TEXT     NOT NULL CHECK (state IN ('open', 'closed')),
    severity       TEXT     NOT NULL,
    severity_rank  INTEGER  NOT NULL,
    sender_state   TEXT     NOT NULL DEFAULT '',
    title          TEXT     NOT NULL,
    component      TEXT     NOT NULL DEFAULT '',
    component_json TEXT     NOT NULL DEFAULT '{}',
    monitor_json   TEXT     NOT NULL DEFAULT '{}',
    labels_json    TEXT     NOT NULL DEFAULT '{}',
    host           TEXT     NOT NULL DEFAULT '',
    incident_type  TEXT     NOT NULL DEFAULT '',
    target         TEXT     NOT NULL DEFAULT '',
    close_reason   TEXT     NOT NULL DEFAULT '',
    occurrences    INTEGER  NOT NULL DEFAULT 1,
    opened_at      DATETIME NOT NULL,
    first_seen     DATETIME NOT NULL,
    last_seen      DATETIME NOT NULL,
    closed_at      DATETIME
);

-- At most one open notification per source and key. The list indexes are
-- partial, so each row sits in the open or the closed one, never both, and
-- the open ones stay small however long the history grows.
CREATE UNIQUE INDEX notifications_open_key ON notifications (source_id, lifecycle_key) WHERE state = 'open';
CREATE INDEX notifications_open ON notifications (seq) WHERE state = 'open';
CREATE INDEX notifications_closed ON notifications (closed_at, seq) WHERE state = 'closed';

-- Every event applied to a notification, with the delivery it came in
-- (none when Alertgate itself closed it, such as after a quiet period).
-- inbox_id is deliberately not a foreign key: deleting a source removes its
-- inbox and notifications (and so their timelines) by cascade, and a key
-- here would need another index written on every event.
CREATE TABLE timeline (
    id               INTEGER PRIMARY KEY,
    notification_seq INTEGER  NOT NULL REFERENCES notifications (seq) ON DELETE CASCADE,
    inbox_id         INTEGER,
    at               DATETIME NOT NULL,
    change           TEXT     NOT NULL CHECK (change IN ('opened', 'updated', 'repeated', 'closed')),
    severity         TEXT     NOT NULL,
    sender_state     TEXT     NOT NULL DEFAULT '',
    title            TEXT     NOT NULL,
    detail           TEXT     NOT NULL DEFAULT ''
);

CREATE INDEX timeline_by_notification ON timeline (notification_seq, id);

CREATE INDEX inbox_by_source ON inbox (source_id, id);

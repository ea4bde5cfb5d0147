-- A source is one receiving endpoint, /hooks/{slug}. The secret is kept in
-- clear because HMAC schemes need it to verify; during a rotation the old
-- secret still verifies until old_secret_until.
CREATE TABLE sources (
    id                    INTEGER PRIMARY KEY,
    slug                  TEXT     NOT NULL UNIQUE,
    name                  TEXT     NOT NULL,
    kind                  TEXT     NOT NULL,
    secret                TEXT     NOT NULL,
    old_secret            TEXT     NOT NULL DEFAULT '',
    old_secret_until      DATETIME,
    disabled              BOOLEAN  NOT NULL DEFAULT 0,
    provisioned           BOOLEAN  NOT NULL DEFAULT 0,
    rate_per_minute       INTEGER  NOT NULL DEFAULT 0,
    resolve_after_seconds INTEGER  NOT NULL DEFAULT 900,
    created_at            DATETIME NOT NULL,
    updated_at            DATETIME NOT NULL
);

-- Requests refused at a source's endpoint, redacted, newest 200 per source,
-- so an admin can see why a sender fails.
CREATE TABLE rejected (
    id           INTEGER PRIMARY KEY,
    source_id    INTEGER  NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    at           DATETIME NOT NULL,
    ip           TEXT     NOT NULL,
    status       INTEGER  NOT NULL,
    reason       TEXT     NOT NULL,
    headers      TEXT     NOT NULL,
    body_excerpt TEXT     NOT NULL
);

CREATE INDEX rejected_by_source ON rejected (source_id, id);

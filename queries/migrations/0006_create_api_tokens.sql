-- Bearer tokens for the JSON API (scripts, dashboards). Only the token's
-- sha256 is kept, so a copy of the database holds no working credential;
-- the token itself is shown once, when it is made.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT     NOT NULL UNIQUE COLLATE NOCASE,
    role         TEXT     NOT NULL CHECK (role IN ('admin', 'responder', 'viewer')),
    token_hash   TEXT     NOT NULL UNIQUE,
    created_at   DATETIME NOT NULL,
    last_used_at DATETIME
);

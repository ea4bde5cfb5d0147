-- Users sign in to the dashboard.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'responder', 'viewer')),
    disabled      BOOLEAN NOT NULL DEFAULT 0,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);

-- A setup token lets the first admin be created from the browser. Only its
-- hash is stored, so a copy of the database cannot be used to claim it.
CREATE TABLE setup_tokens (
    token_hash TEXT     PRIMARY KEY,
    created_at DATETIME NOT NULL,
    used_at    DATETIME
);

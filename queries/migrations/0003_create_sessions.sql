-- Signed-in browser sessions. The cookie carries a random id; only its hash
-- is stored. Deleting a row signs that browser out at once (logout, password
-- change, disabled user), which a cookie alone could not do.
CREATE TABLE sessions (
    id_hash    TEXT     PRIMARY KEY,
    user_id    INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at DATETIME NOT NULL,
    seen_at    DATETIME NOT NULL
);

CREATE INDEX sessions_by_user ON sessions (user_id);

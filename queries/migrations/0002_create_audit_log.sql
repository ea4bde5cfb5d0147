-- Who did what when. Rows are only ever appended; the id orders them, so
-- pages are read newest first by keyset on id.
CREATE TABLE audit_log (
    id     INTEGER PRIMARY KEY,
    at     DATETIME NOT NULL,
    actor  TEXT     NOT NULL DEFAULT '',
    action TEXT     NOT NULL,
    target TEXT     NOT NULL DEFAULT '',
    detail TEXT     NOT NULL DEFAULT '',
    ip     TEXT     NOT NULL DEFAULT ''
);

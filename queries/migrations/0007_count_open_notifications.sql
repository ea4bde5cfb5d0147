-- Open notifications per source, kept by triggers so the nav badge and the
-- sources list read one small row instead of counting a growing index. The
-- triggers cover every way a notification opens, closes or goes away.
CREATE TABLE open_counts (
    source_id INTEGER PRIMARY KEY REFERENCES sources (id) ON DELETE CASCADE,
    n         INTEGER NOT NULL
);

INSERT INTO open_counts (source_id, n)
SELECT source_id, count(*) FROM notifications WHERE state = 'open' GROUP BY source_id;

CREATE TRIGGER notifications_count_insert AFTER INSERT ON notifications WHEN NEW.state = 'open'
BEGIN
    INSERT INTO open_counts (source_id, n) VALUES (NEW.source_id, 1)
    ON CONFLICT (source_id) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER notifications_count_close AFTER UPDATE OF state ON notifications
WHEN OLD.state = 'open' AND NEW.state <> 'open'
BEGIN
    UPDATE open_counts SET n = n - 1 WHERE source_id = NEW.source_id;
END;

CREATE TRIGGER notifications_count_delete AFTER DELETE ON notifications WHEN OLD.state = 'open'
BEGIN
    UPDATE open_counts SET n = n - 1 WHERE source_id = OLD.source_id;
END;

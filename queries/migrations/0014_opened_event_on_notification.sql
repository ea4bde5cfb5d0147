-- A notification's "opened" event is read from the notification itself
-- while nothing else has happened to it: a timeline row written at every
-- open cost a row and two index entries for each new notification, the
-- busiest write of an alert storm. Until the first change the row still
-- holds the values it opened with (open_logged = 0); the first update of
-- the row (update, close, quiet close, remediated) writes the "opened"
-- event into the timeline from the values it is about to replace, so the
-- timeline reads as before from then on.
--
-- Rows from before this migration have their "opened" event in the
-- timeline already: open_logged defaults to 1.
ALTER TABLE notifications ADD COLUMN opened_inbox_id INTEGER;
ALTER TABLE notifications ADD COLUMN open_logged INTEGER NOT NULL DEFAULT 1;

CREATE TRIGGER notifications_log_open AFTER UPDATE ON notifications
WHEN OLD.open_logged = 0
BEGIN
    INSERT INTO timeline (notification_seq, inbox_id, at, change, severity, sender_state, title, detail)
    VALUES (OLD.seq, OLD.opened_inbox_id, OLD.first_seen, 'opened', OLD.severity, OLD.sender_state, OLD.title, '');
    UPDATE notifications SET open_logged = 1 WHERE seq = OLD.seq;
END;

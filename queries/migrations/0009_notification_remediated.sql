-- When an automatic remediation step last succeeded for a notification. The
-- downtime ledger counts the minutes of a notification that closed after
-- one as ended by remediation rather than by hand.
ALTER TABLE notifications ADD COLUMN remediated_at DATETIME;

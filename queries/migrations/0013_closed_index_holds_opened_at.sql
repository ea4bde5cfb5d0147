-- The ledger reads closed notifications by a range of closed_at and keeps
-- those that opened before the range's end. With opened_at in the closed
-- index it tests that without a lookup in the table, so a month long past
-- (whose scan runs through everything closed since) stays cheap.
--
-- This replaces the index rather than adding one: every close still writes
-- one entry to it, as before. seq is unique, so entries sort by
-- (closed_at, seq) as before and the closed list's keyset pages still
-- walk it in order.
DROP INDEX notifications_closed;
CREATE INDEX notifications_closed ON notifications (closed_at, seq, opened_at) WHERE state = 'closed';

-- PLACEHOLDER, not a real migration: version 0010 belongs to another branch
-- and 0011 (remediation) must not leave a gap until that lands. At merge,
-- keep the other branch's 0010 file and delete this one. Never ship it: a
-- database migrated past it would skip the real 0010.
SELECT 1;

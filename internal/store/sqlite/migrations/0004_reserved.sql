-- 0004 is reserved for the API clients branch (issue 7), which lands
-- separately; this placeholder keeps the numbering gap-free on the
-- documents branch. Delete this file when 0004_*.sql of that branch is
-- merged (two files numbered 0004 fail loudly at start-up).
SELECT 1;

-- 0008: the audit head's trigger looks its event up by primary key, and
-- must never scan the trail for it.
--
-- PL/pgSQL caches a generic plan for the lookup after five calls, planned
-- with the statistics of that moment. On a new database those say the
-- trail is empty, so the cached plan was a sequential scan, and every
-- issuance read the whole trail until an ANALYZE replaced the plan: on a
-- fresh database issuance slowed from 1,100 to 600 documents/s within
-- 30 seconds (BenchmarkPostgresScale). With sequential scans disabled for
-- the function's own queries the cached plan is the primary key's index
-- scan, whatever the statistics say.

ALTER FUNCTION audit_head_forward_only() SET enable_seqscan = off;

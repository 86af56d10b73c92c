-- PLACEHOLDER on branch batches only: migration numbers 0004-0006 belong to
-- the clients, documents and authz branches. Delete this file when merging
-- (their real migration takes the number); it changes nothing.
SELECT 1;

-- 0003: why a certificate was revoked, what replaced it, and how many
-- times it was verified (the same columns as the PostgreSQL store's
-- 0003_revocations.sql).
--
-- Existing rows upgrade in place: no reason and no replacement (also on
-- certificates revoked already), no verifications counted. The reasons
-- are ledger.Reason's values; a new reason needs a migration that widens
-- the check. SQLite cannot add table constraints, so the checks that tie
-- columns together sit on the last column they name.

ALTER TABLE certificates ADD COLUMN revoked_reason TEXT NOT NULL DEFAULT ''
	CHECK (revoked_reason IN ('', 'issued-in-error', 'data-changed', 'replaced', 'other'))
	CHECK (revoked = 1 OR revoked_reason = '');
-- The canonical code of the replacing certificate, with reason 'replaced'
-- only.
ALTER TABLE certificates ADD COLUMN replaced_by TEXT NOT NULL DEFAULT ''
	CHECK ((revoked_reason = 'replaced') = (replaced_by <> ''));
ALTER TABLE certificates ADD COLUMN verifications INTEGER NOT NULL DEFAULT 0
	CHECK (verifications >= 0);

-- Revocations and RevocationsVersion read the revoked certificates only.
CREATE INDEX certificates_revoked ON certificates (code) WHERE revoked = 1;

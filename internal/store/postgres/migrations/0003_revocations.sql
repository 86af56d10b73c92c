-- 0003: why a certificate was revoked, what replaced it, and how many
-- times it was verified (the same columns as the SQLite store's
-- 0003_revocations.sql).
--
-- Existing rows upgrade in place: no reason and no replacement (also on
-- certificates revoked already), no verifications counted. The reasons
-- are ledger.Reason's values; a new reason needs a migration that widens
-- certificates_revoked_reason.

ALTER TABLE certificates
	ADD COLUMN revoked_reason text NOT NULL DEFAULT ''
		CONSTRAINT certificates_revoked_reason
		CHECK (revoked_reason IN ('', 'issued-in-error', 'data-changed', 'replaced', 'other')),
	-- The canonical code of the replacing certificate, with reason
	-- 'replaced' only.
	ADD COLUMN replaced_by text COLLATE "C" NOT NULL DEFAULT '',
	ADD COLUMN verifications bigint NOT NULL DEFAULT 0 CHECK (verifications >= 0),
	ADD CONSTRAINT certificates_reason_revoked CHECK (revoked OR revoked_reason = ''),
	ADD CONSTRAINT certificates_replaced_by CHECK ((revoked_reason = 'replaced') = (replaced_by <> ''));

-- AddVerifications rewrites rows every second or so: leave room in each
-- page, so that those updates are HOT (the new row version stays in its
-- page and no index is written). It applies to pages written from now on;
-- a full page's rows move once, on their first update.
ALTER TABLE certificates SET (fillfactor = 90);

-- Revocations and RevocationsVersion read the revoked certificates only.
CREATE INDEX certificates_revoked ON certificates (code) WHERE revoked;

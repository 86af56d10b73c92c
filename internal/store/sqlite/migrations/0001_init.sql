-- 0001: registry, ledger and audit trail.
--
-- Conventions: instants are INTEGER nanoseconds since the Unix epoch (UTC);
-- calendar dates are TEXT 'YYYY-MM-DD'; digests are 32-byte BLOBs. Tables
-- are STRICT, so a column never holds a value of another type.

CREATE TABLE households (
	id          TEXT PRIMARY KEY,
	toponym     TEXT NOT NULL,
	street      TEXT NOT NULL,
	number      TEXT NOT NULL,
	internal    TEXT NOT NULL DEFAULT '',
	postal_code TEXT NOT NULL
) STRICT;

CREATE TABLE persons (
	fiscal_code       TEXT PRIMARY KEY,
	surname           TEXT NOT NULL,
	name              TEXT NOT NULL,
	sex               TEXT NOT NULL,
	birth_date        TEXT NOT NULL,            -- YYYY-MM-DD
	birth_comune_code TEXT NOT NULL DEFAULT '', -- empty abroad
	birth_place_name  TEXT NOT NULL,
	birth_province    TEXT NOT NULL DEFAULT '', -- empty abroad
	birth_country     TEXT NOT NULL DEFAULT '', -- empty for Italy
	citizenship       TEXT NOT NULL,
	civil_status      INTEGER NOT NULL,         -- ANPR table 1
	household_id      TEXT NOT NULL REFERENCES households(id),
	kinship           INTEGER NOT NULL,         -- ANPR table 5
	ord               INTEGER NOT NULL          -- position in the household, head first
) STRICT;

CREATE INDEX persons_household ON persons(household_id, ord);

CREATE TABLE certificates (
	code       TEXT PRIMARY KEY,
	type       TEXT NOT NULL,
	subject    TEXT NOT NULL,
	holder     TEXT NOT NULL,
	comune     TEXT NOT NULL,
	issued_at  INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	sha256     BLOB NOT NULL UNIQUE CHECK (length(sha256) = 32),
	requester  TEXT NOT NULL,
	channel    TEXT NOT NULL,
	revoked    INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),
	revoked_at INTEGER                          -- NULL unless revoked
) STRICT;

CREATE TABLE audit_events (
	seq     INTEGER PRIMARY KEY,
	at      INTEGER NOT NULL,
	actor   TEXT NOT NULL,
	action  TEXT NOT NULL,
	object  TEXT NOT NULL,
	outcome TEXT NOT NULL,
	prev    BLOB NOT NULL CHECK (length(prev) = 32),
	hash    BLOB NOT NULL CHECK (length(hash) = 32)
) STRICT;

-- The trail is append-only. The triggers stop accidents through SQL; the
-- hash chain is what detects deliberate tampering with the file.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
	SELECT RAISE(ABORT, 'audit_events is append-only');
END;

CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
	SELECT RAISE(ABORT, 'audit_events is append-only');
END;

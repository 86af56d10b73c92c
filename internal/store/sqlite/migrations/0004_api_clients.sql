-- 0004: API clients and their daily issuance counts (the same tables and
-- rules as the PostgreSQL store's 0004_api_clients.sql). See
-- docs/clients.md.

CREATE TABLE api_clients (
	id              TEXT PRIMARY KEY,
	-- SHA-256 of the API key; the key itself is never stored.
	key_sha256      BLOB NOT NULL UNIQUE CHECK (length(key_sha256) = 32),
	scopes          TEXT NOT NULL CHECK (scopes <> ''), -- apiclient.Scopes.String()
	created_at      INTEGER NOT NULL,
	revoked_at      INTEGER,                            -- NULL while active
	rate_limit      REAL NOT NULL DEFAULT 0 CHECK (rate_limit >= 0),    -- requests/s, 0: none
	rate_burst      INTEGER NOT NULL DEFAULT 0 CHECK (rate_burst >= 0), -- 0: one second's worth
	daily_quota     INTEGER NOT NULL DEFAULT 0 CHECK (daily_quota >= 0), -- 0: none
	-- SHA-256 of the DER of the client certificate the key needs; NULL: none.
	tls_cert_sha256 BLOB CHECK (tls_cert_sha256 IS NULL OR length(tls_cert_sha256) = 32)
) STRICT;

-- Clients are never deleted, and a revocation is final.
CREATE TRIGGER api_clients_no_delete BEFORE DELETE ON api_clients
BEGIN
	SELECT RAISE(ABORT, 'api_clients are never deleted');
END;

CREATE TRIGGER api_clients_revocation_final BEFORE UPDATE ON api_clients
	WHEN OLD.revoked_at IS NOT NULL OR NEW.id IS NOT OLD.id OR NEW.key_sha256 IS NOT OLD.key_sha256
BEGIN
	SELECT RAISE(ABORT, 'a revoked client stays revoked; IDs and keys do not change');
END;

-- Issuances counted against a client's daily quota, per calendar day.
CREATE TABLE api_client_usage (
	client_id TEXT NOT NULL REFERENCES api_clients (id),
	day       TEXT NOT NULL CHECK (length(day) = 10), -- YYYY-MM-DD
	used      INTEGER NOT NULL CHECK (used >= 0),
	PRIMARY KEY (client_id, day)
) STRICT, WITHOUT ROWID;

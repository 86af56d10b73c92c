-- 0004: API clients and their daily issuance counts (the same tables and
-- rules as the SQLite store's 0004_api_clients.sql). See docs/clients.md.

CREATE TABLE api_clients (
	id              text COLLATE "C" PRIMARY KEY,
	-- SHA-256 of the API key; the key itself is never stored.
	key_sha256      bytea NOT NULL CONSTRAINT api_clients_key_sha256_key UNIQUE
		CHECK (length(key_sha256) = 32),
	scopes          text NOT NULL CHECK (scopes <> ''),  -- apiclient.Scopes.String()
	created_at      timestamptz NOT NULL,
	revoked_at      timestamptz,                         -- NULL while active
	rate_limit      double precision NOT NULL DEFAULT 0 CHECK (rate_limit >= 0), -- requests/s, 0: none
	rate_burst      integer NOT NULL DEFAULT 0 CHECK (rate_burst >= 0),          -- 0: one second's worth
	daily_quota     bigint NOT NULL DEFAULT 0 CHECK (daily_quota >= 0),          -- 0: none
	-- SHA-256 of the DER of the client certificate the key needs; NULL: none.
	tls_cert_sha256 bytea CHECK (tls_cert_sha256 IS NULL OR length(tls_cert_sha256) = 32)
);

-- Clients are never deleted, and a revocation is final.
CREATE FUNCTION api_clients_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP <> 'UPDATE' OR OLD.revoked_at IS NOT NULL
		OR NEW.id IS DISTINCT FROM OLD.id OR NEW.key_sha256 IS DISTINCT FROM OLD.key_sha256 THEN
		RAISE EXCEPTION 'api_clients are never deleted, a revoked client stays revoked, IDs and keys do not change'
			USING ERRCODE = 'restrict_violation';
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER api_clients_guard BEFORE UPDATE OR DELETE ON api_clients
	FOR EACH ROW EXECUTE FUNCTION api_clients_guard();
CREATE TRIGGER api_clients_no_truncate BEFORE TRUNCATE ON api_clients
	FOR EACH STATEMENT EXECUTE FUNCTION api_clients_guard();

-- Issuances counted against a client's daily quota, per calendar day.
CREATE TABLE api_client_usage (
	client_id text COLLATE "C" NOT NULL REFERENCES api_clients (id),
	day       date NOT NULL,
	used      bigint NOT NULL CHECK (used >= 0),
	PRIMARY KEY (client_id, day)
);

-- 0001: registry, ledger and audit trail; the same tables and rules as the
-- SQLite store's 0001_init.sql.
--
-- Conventions: instants are timestamptz (microseconds, UTC); calendar dates
-- are date; digests are 32-byte bytea. Objects are created in the first
-- schema of the search_path.

CREATE TABLE households (
	id          text COLLATE "C" PRIMARY KEY,
	toponym     text NOT NULL,
	street      text NOT NULL,
	number      text NOT NULL,
	internal    text NOT NULL DEFAULT '',
	postal_code text NOT NULL
);

CREATE TABLE persons (
	fiscal_code       text COLLATE "C" PRIMARY KEY,
	surname           text NOT NULL,
	name              text NOT NULL,
	sex               text NOT NULL,
	birth_date        date NOT NULL,
	birth_comune_code text NOT NULL DEFAULT '', -- empty abroad
	birth_place_name  text NOT NULL,
	birth_province    text NOT NULL DEFAULT '', -- empty abroad
	birth_country     text NOT NULL DEFAULT '', -- empty for Italy
	citizenship       text NOT NULL,
	civil_status      smallint NOT NULL,        -- ANPR table 1
	household_id      text COLLATE "C" NOT NULL REFERENCES households(id),
	kinship           smallint NOT NULL,        -- ANPR table 5
	ord               integer NOT NULL          -- position in the household, head first
);

-- Subject reads a household's members in order through this index.
CREATE UNIQUE INDEX persons_household ON persons(household_id, ord);

CREATE TABLE certificates (
	code       text COLLATE "C" PRIMARY KEY,
	type       text NOT NULL,
	subject    text NOT NULL,
	holder     text NOT NULL,
	comune     text NOT NULL,
	issued_at  timestamptz NOT NULL,
	expires_at timestamptz NOT NULL,
	sha256     bytea NOT NULL UNIQUE CHECK (length(sha256) = 32),
	requester  text NOT NULL,
	channel    text NOT NULL,
	revoked    boolean NOT NULL DEFAULT false,
	revoked_at timestamptz                      -- NULL unless revoked
);

CREATE TABLE audit_events (
	seq     bigint PRIMARY KEY CHECK (seq > 0),
	at      timestamptz NOT NULL,
	actor   text NOT NULL,
	action  text NOT NULL,
	object  text NOT NULL,
	outcome text NOT NULL,
	prev    bytea NOT NULL CHECK (length(prev) = 32),
	hash    bytea NOT NULL CHECK (length(hash) = 32)
);

-- The last event of the trail (seq 0 and a zero hash while it is empty).
-- Writers lock this one row (SELECT ... FOR UPDATE) to append, which
-- serialises appends across connections and processes.
CREATE TABLE audit_head (
	id   smallint PRIMARY KEY CHECK (id = 1),
	seq  bigint NOT NULL CHECK (seq >= 0),
	hash bytea NOT NULL CHECK (length(hash) = 32)
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));

-- The trail is append-only; its head only moves forward, one recorded
-- event at a time. The triggers stop accidents through SQL; the hash chain is what
-- detects deliberate tampering by someone who can drop them.
CREATE FUNCTION audit_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
	FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
	FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
	FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

CREATE FUNCTION audit_head_forward_only() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
	IF TG_OP <> 'UPDATE' OR NEW.id <> OLD.id OR NEW.seq <> OLD.seq + 1 THEN
		RAISE EXCEPTION 'audit_head only advances by one event' USING ERRCODE = 'restrict_violation';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM audit_events e WHERE e.seq = NEW.seq AND e.hash = NEW.hash) THEN
		RAISE EXCEPTION 'audit_head must name a recorded event' USING ERRCODE = 'restrict_violation';
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER audit_head_forward BEFORE UPDATE OR DELETE ON audit_head
	FOR EACH ROW EXECUTE FUNCTION audit_head_forward_only();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
	FOR EACH STATEMENT EXECUTE FUNCTION audit_head_forward_only();

-- 0002: the whole registry model (the same columns as the SQLite store's
-- 0002_registry_model.sql), and a member order that an import can rewrite.
--
-- Scalar facts that queries and rules use are columns. The lists and
-- records a person is only read with are JSON documents, NULL when absent
-- or empty; their shapes are described in internal/store/internal/regrow.
-- They are json, not jsonb: the text certa writes is kept as written, in
-- a canonical form (compact, keys in a fixed order, empty members left
-- out), so it is compared as text, read back without conversion, and
-- written at half jsonb's cost (parsing documents into jsonb was most of
-- the server's work in a COPY of persons).
-- Existing rows upgrade in place: households are families at an address
-- in Italy, persons are fully certifiable, and the single citizenship
-- becomes a list of one (state code 100 when it was ITALIANA, unknown
-- otherwise).

ALTER TABLE households
	ADD COLUMN kind              text NOT NULL DEFAULT 'famiglia'
		CHECK (kind IN ('famiglia', 'convivenza')),
	ADD COLUMN locality          text NOT NULL DEFAULT '', -- abroad (AIRE) only
	ADD COLUMN country           text NOT NULL DEFAULT '', -- abroad (AIRE) only
	ADD COLUMN state_code        text NOT NULL DEFAULT '', -- Z-code, abroad (AIRE) only
	ADD COLUMN aire              boolean NOT NULL DEFAULT false,
	ADD COLUMN incomplete        boolean NOT NULL DEFAULT false,
	ADD COLUMN cohabitation_name text NOT NULL DEFAULT '', -- convivenza only
	ADD COLUMN cohabitation_kind smallint NOT NULL DEFAULT 0; -- ANPR table 27, convivenza only

ALTER TABLE persons
	ADD COLUMN birth_state_code text NOT NULL DEFAULT '', -- Z-code, empty for Italy
	ADD COLUMN birth_record     json CHECK (json_typeof(birth_record) = 'object'),
	ADD COLUMN citizenships     json CHECK (json_typeof(citizenships) = 'array'),
	ADD COLUMN civil_events     json CHECK (json_typeof(civil_events) = 'array'),
	ADD COLUMN contracts        json CHECK (json_typeof(contracts) = 'array'),
	ADD COLUMN residences       json CHECK (json_typeof(residences) = 'array'),
	-- AIRE registration: aire_consulate is NULL when there is none.
	ADD COLUMN aire_since       date,
	ADD COLUMN aire_consulate   text,
	-- Removal from the register: removal_reason (ANPR table 15) is NULL
	-- when there is none.
	ADD COLUMN removal_reason   smallint,
	ADD COLUMN removal_date     date,
	ADD COLUMN death_place      json CHECK (json_typeof(death_place) = 'object'),
	ADD COLUMN certifiability   smallint NOT NULL DEFAULT 2, -- ANPR table 42
	ADD COLUMN open_procedure   boolean NOT NULL DEFAULT false,
	ADD COLUMN no_fixed_abode   boolean NOT NULL DEFAULT false,
	ADD CONSTRAINT persons_aire CHECK (aire_consulate IS NOT NULL OR aire_since IS NULL),
	ADD CONSTRAINT persons_removal CHECK (removal_reason IS NOT NULL OR (removal_date IS NULL AND death_place IS NULL));

COMMENT ON COLUMN persons.kinship IS 'ANPR table 5 in a famiglia, table 6 in a convivenza';

-- In the canonical form (see above).
UPDATE persons SET citizenships = CASE
	WHEN citizenship = '' THEN NULL
	WHEN citizenship = 'ITALIANA' THEN '[{"state":"100","name":' || to_json(citizenship)::text || '}]'
	ELSE '[{"name":' || to_json(citizenship)::text || '}]'
END::json;

ALTER TABLE persons DROP COLUMN citizenship;

-- Each household's members are numbered 0, 1, ... (ord); the numbering is
-- unique, checked at the end of the statement, or at commit in a
-- transaction that defers it (an import that reorders members).
DROP INDEX persons_household;
ALTER TABLE persons ADD CONSTRAINT persons_household UNIQUE (household_id, ord)
	DEFERRABLE INITIALLY IMMEDIATE;

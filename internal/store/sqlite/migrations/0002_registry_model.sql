-- 0002: the whole registry model (the same columns as the PostgreSQL
-- store's 0002_registry_model.sql).
--
-- Scalar facts that queries and rules use are columns. The lists and
-- records a person is only read with are JSON documents in TEXT columns,
-- NULL when absent or empty; their shapes are described in
-- internal/store/internal/regrow. Booleans are INTEGER 0 or 1. Existing
-- rows upgrade in place: households are families at an address in Italy,
-- persons are fully certifiable, and the single citizenship becomes a list
-- of one (state code 100 when it was ITALIANA, unknown otherwise).

ALTER TABLE households ADD COLUMN kind TEXT NOT NULL DEFAULT 'famiglia'
	CHECK (kind IN ('famiglia', 'convivenza'));
ALTER TABLE households ADD COLUMN locality TEXT NOT NULL DEFAULT '';   -- abroad (AIRE) only
ALTER TABLE households ADD COLUMN country TEXT NOT NULL DEFAULT '';    -- abroad (AIRE) only
ALTER TABLE households ADD COLUMN state_code TEXT NOT NULL DEFAULT ''; -- Z-code, abroad (AIRE) only
ALTER TABLE households ADD COLUMN aire INTEGER NOT NULL DEFAULT 0 CHECK (aire IN (0, 1));
ALTER TABLE households ADD COLUMN incomplete INTEGER NOT NULL DEFAULT 0 CHECK (incomplete IN (0, 1));
ALTER TABLE households ADD COLUMN cohabitation_name TEXT NOT NULL DEFAULT '';    -- convivenza only
ALTER TABLE households ADD COLUMN cohabitation_kind INTEGER NOT NULL DEFAULT 0; -- ANPR table 27, convivenza only

ALTER TABLE persons ADD COLUMN birth_state_code TEXT NOT NULL DEFAULT ''; -- Z-code, empty for Italy
ALTER TABLE persons ADD COLUMN birth_record TEXT CHECK (json_type(birth_record) = 'object');
ALTER TABLE persons ADD COLUMN citizenships TEXT CHECK (json_type(citizenships) = 'array');
ALTER TABLE persons ADD COLUMN civil_events TEXT CHECK (json_type(civil_events) = 'array');
ALTER TABLE persons ADD COLUMN contracts TEXT CHECK (json_type(contracts) = 'array');
ALTER TABLE persons ADD COLUMN residences TEXT CHECK (json_type(residences) = 'array');
-- AIRE registration: aire_consulate is NULL when there is none.
ALTER TABLE persons ADD COLUMN aire_since TEXT; -- YYYY-MM-DD
ALTER TABLE persons ADD COLUMN aire_consulate TEXT;
-- Removal from the register: removal_reason (ANPR table 15) is NULL when
-- there is none.
ALTER TABLE persons ADD COLUMN removal_reason INTEGER;
ALTER TABLE persons ADD COLUMN removal_date TEXT; -- YYYY-MM-DD
ALTER TABLE persons ADD COLUMN death_place TEXT CHECK (json_type(death_place) = 'object');
ALTER TABLE persons ADD COLUMN certifiability INTEGER NOT NULL DEFAULT 2; -- ANPR table 42
ALTER TABLE persons ADD COLUMN open_procedure INTEGER NOT NULL DEFAULT 0 CHECK (open_procedure IN (0, 1));
ALTER TABLE persons ADD COLUMN no_fixed_abode INTEGER NOT NULL DEFAULT 0 CHECK (no_fixed_abode IN (0, 1));

-- kinship is ANPR table 5 in a famiglia, table 6 in a convivenza.

UPDATE persons SET citizenships = CASE
	WHEN citizenship = '' THEN NULL
	WHEN citizenship = 'ITALIANA' THEN json_array(json_object('state', '100', 'name', citizenship))
	ELSE json_array(json_object('name', citizenship))
END;

ALTER TABLE persons DROP COLUMN citizenship;

-- 0007: who asked, on which channel (issue 7, docs/authorization.md); the
-- same columns as the PostgreSQL store's 0007_issuance_channel.sql.
--
-- citizen: the codice fiscale of the citizen an online request was made
-- for; operator, id_doc_type and id_doc_number: who issued a counter
-- request and the identification document shown. Personal data, kept
-- like the subject. Rows recorded before stay as they were (channel "api"
-- or "cli", the new columns empty). SQLite cannot add table constraints,
-- so the checks sit on the last column they name.

ALTER TABLE certificates ADD COLUMN citizen TEXT NOT NULL DEFAULT '';
ALTER TABLE certificates ADD COLUMN operator TEXT NOT NULL DEFAULT '';
ALTER TABLE certificates ADD COLUMN id_doc_type TEXT NOT NULL DEFAULT '';
ALTER TABLE certificates ADD COLUMN id_doc_number TEXT NOT NULL DEFAULT ''
	CHECK (channel <> 'online' OR (citizen <> '' AND operator = '' AND id_doc_type = ''))
	CHECK (channel <> 'counter' OR (citizen = '' AND operator <> '' AND id_doc_type <> '' AND id_doc_number <> ''));

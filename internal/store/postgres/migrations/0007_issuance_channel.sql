-- 0007: who asked, on which channel (issue 7, docs/authorization.md); the
-- same columns as the SQLite store's 0007_issuance_channel.sql.
--
-- citizen: the codice fiscale of the citizen an online request was made
-- for; operator, id_doc_type and id_doc_number: who issued a counter
-- request and the identification document shown. Personal data, kept
-- like the subject. Rows recorded before stay as they were (channel "api"
-- or "cli", the new columns empty).

ALTER TABLE certificates
	ADD COLUMN citizen text NOT NULL DEFAULT '',
	ADD COLUMN operator text NOT NULL DEFAULT '',
	ADD COLUMN id_doc_type text NOT NULL DEFAULT '',
	ADD COLUMN id_doc_number text NOT NULL DEFAULT '',
	ADD CONSTRAINT certificates_online_citizen CHECK (channel <> 'online' OR (citizen <> '' AND operator = '' AND id_doc_type = '')),
	ADD CONSTRAINT certificates_counter_operator CHECK (channel <> 'counter' OR (citizen = '' AND operator <> '' AND id_doc_type <> '' AND id_doc_number <> ''));

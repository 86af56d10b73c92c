-- 0008: parts that stored documents share (the same table as the
-- PostgreSQL store's 0009_document_parts.sql).
--
-- Every certificate embeds the same font programs, 12 to 24 KB of a 30 KB
-- PDF. A stored document holds references to them instead
-- (internal/store/internal/docparts), and each part is kept here once, by
-- its SHA-256. Parts are never deleted: documents of any age may name
-- them, and there are a handful per version of certa.
CREATE TABLE document_parts (
	sha256 BLOB PRIMARY KEY CHECK (length(sha256) = 32),
	body   BLOB NOT NULL
) STRICT, WITHOUT ROWID;

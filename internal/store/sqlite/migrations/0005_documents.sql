-- 0005: stored documents, idempotency keys and the list of a holder's
-- certificates (the same tables as the PostgreSQL store's
-- 0005_documents.sql).

-- The signed PDF of a certificate, as delivered, kept for the configured
-- retention; the purge deletes the row, never the certificate's.
CREATE TABLE documents (
	code      TEXT PRIMARY KEY REFERENCES certificates (code),
	stored_at INTEGER NOT NULL,  -- Unix nanoseconds
	pdf       BLOB NOT NULL
) STRICT;
CREATE INDEX documents_stored_at ON documents (stored_at);

-- A client's Idempotency-Key and the certificate it produced. The primary
-- key makes concurrent requests with one key record one certificate.
CREATE TABLE idempotency_keys (
	client       TEXT NOT NULL,
	idem_key     TEXT NOT NULL,
	request_hash BLOB NOT NULL CHECK (length(request_hash) = 32),
	code         TEXT NOT NULL REFERENCES certificates (code),
	created_at   INTEGER NOT NULL,  -- Unix nanoseconds
	PRIMARY KEY (client, idem_key)
) STRICT;
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
CREATE INDEX idempotency_keys_code ON idempotency_keys (code);

-- ListBySubject: a holder's certificates, newest first.
CREATE INDEX certificates_subject ON certificates (subject, issued_at DESC, code DESC);

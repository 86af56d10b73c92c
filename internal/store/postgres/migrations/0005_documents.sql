-- 0005: stored documents, idempotency keys and the list of a holder's
-- certificates (the same tables as the SQLite store's 0005_documents.sql).

-- The signed PDF of a certificate, as delivered, kept for the configured
-- retention; the purge deletes the row, never the certificate's. PDFs are
-- compressed already: store them as they are (no TOAST compression).
CREATE TABLE documents (
	code      text COLLATE "C" PRIMARY KEY REFERENCES certificates (code),
	stored_at timestamptz NOT NULL,
	pdf       bytea NOT NULL
);
ALTER TABLE documents ALTER COLUMN pdf SET STORAGE EXTERNAL;
CREATE INDEX documents_stored_at ON documents (stored_at);

-- A client's Idempotency-Key and the certificate it produced. The primary
-- key makes concurrent requests with one key, from any process, record
-- one certificate: the second insert waits for the first and fails.
CREATE TABLE idempotency_keys (
	client       text COLLATE "C" NOT NULL,
	idem_key     text COLLATE "C" NOT NULL,
	request_hash bytea NOT NULL CHECK (length(request_hash) = 32),
	code         text COLLATE "C" NOT NULL REFERENCES certificates (code),
	created_at   timestamptz NOT NULL,
	PRIMARY KEY (client, idem_key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
CREATE INDEX idempotency_keys_code ON idempotency_keys (code);

-- ListBySubject: a holder's certificates, newest first.
CREATE INDEX certificates_subject ON certificates (subject, issued_at DESC, code DESC);

-- 0006: batch jobs (the same tables as the PostgreSQL store's
-- 0006_batches.sql; docs/batches.md).
--
-- A batch's counts are kept in its row, updated with its items in one
-- transaction, so that progress is one row read. Instants are Unix
-- nanoseconds; lease_owner and lease_expires are NULL until the first
-- claim.

CREATE TABLE batches (
	id            TEXT PRIMARY KEY,
	client        TEXT NOT NULL,
	created_at    INTEGER NOT NULL,
	status        TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'cancelled')),
	total         INTEGER NOT NULL CHECK (total >= 0),
	issued        INTEGER NOT NULL DEFAULT 0 CHECK (issued >= 0),
	failed        INTEGER NOT NULL DEFAULT 0 CHECK (failed >= 0),
	lease_owner   TEXT,
	lease_expires INTEGER,
	input_sha256  BLOB NOT NULL CHECK (length(input_sha256) = 32),
	finished_at   INTEGER,
	CHECK (issued + failed <= total),
	CHECK ((lease_owner IS NULL) = (lease_expires IS NULL)),
	CHECK ((finished_at IS NULL) = (status IN ('queued', 'running')))
) STRICT;

-- ClaimBatch reads the open batches, oldest first.
CREATE INDEX batches_open ON batches (created_at, id) WHERE status IN ('queued', 'running');

CREATE TABLE batch_items (
	batch_id       TEXT NOT NULL REFERENCES batches (id),
	seq            INTEGER NOT NULL CHECK (seq > 0), -- 1-based line number
	request        TEXT NOT NULL,                    -- the request line, a JSON object
	status         TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'issued', 'failed')),
	code           TEXT NOT NULL DEFAULT '',
	problem_type   TEXT NOT NULL DEFAULT '',
	problem_detail TEXT NOT NULL DEFAULT '',
	CHECK ((status = 'issued') = (code <> '') AND (status = 'failed') = (problem_type <> '')),
	PRIMARY KEY (batch_id, seq)
) STRICT, WITHOUT ROWID;

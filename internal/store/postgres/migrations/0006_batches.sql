-- 0006: batch jobs (the same tables as the SQLite store's 0006_batches.sql;
-- docs/batches.md).
--
-- A batch's counts are kept in its row, updated with its items in one
-- transaction, so that progress is one row read. lease_owner and
-- lease_expires are NULL until the first claim.

CREATE TABLE batches (
	id            text COLLATE "C" PRIMARY KEY,
	client        text NOT NULL,
	created_at    timestamptz NOT NULL,
	status        text NOT NULL CONSTRAINT batches_status
		CHECK (status IN ('queued', 'running', 'done', 'cancelled')),
	total         bigint NOT NULL CHECK (total >= 0),
	issued        bigint NOT NULL DEFAULT 0 CHECK (issued >= 0),
	failed        bigint NOT NULL DEFAULT 0 CHECK (failed >= 0),
	lease_owner   text,
	lease_expires timestamptz,
	input_sha256  bytea NOT NULL CHECK (length(input_sha256) = 32),
	finished_at   timestamptz,
	CONSTRAINT batches_counts CHECK (issued + failed <= total),
	CONSTRAINT batches_lease CHECK ((lease_owner IS NULL) = (lease_expires IS NULL)),
	CONSTRAINT batches_finished CHECK ((finished_at IS NULL) = (status IN ('queued', 'running')))
);

-- ClaimBatch reads the open batches, oldest first.
CREATE INDEX batches_open ON batches (created_at, id) WHERE status IN ('queued', 'running');

CREATE TABLE batch_items (
	batch_id       text COLLATE "C" NOT NULL REFERENCES batches (id),
	seq            bigint NOT NULL CHECK (seq > 0), -- 1-based line number
	request        text NOT NULL,                   -- the request line, a JSON object
	status         text NOT NULL DEFAULT 'pending'
		CHECK (status IN ('pending', 'issued', 'failed')),
	code           text NOT NULL DEFAULT '',
	problem_type   text NOT NULL DEFAULT '',
	problem_detail text NOT NULL DEFAULT '',
	CONSTRAINT batch_items_outcome
		CHECK ((status = 'issued') = (code <> '') AND (status = 'failed') = (problem_type <> '')),
	PRIMARY KEY (batch_id, seq)
);

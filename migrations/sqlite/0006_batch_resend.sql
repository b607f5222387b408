-- A file may be sent again under a new request id once what rejected its
-- rows is fixed (a fund now serves their département): that send is a batch
-- of its own, which judges every row again. So one organisation may have
-- several batches of the same file, and `batches` loses its
-- UNIQUE (organisation_id, sha256); SQLite drops a constraint only by
-- rebuilding the table.
--
-- Foreign keys are enforced, and `batch_rows` refers to `batches`: dropping
-- the table counts each batch row as an orphan. Deferred to the commit (the
-- migration runs in one transaction), the count is cleared as each batch is
-- inserted back, under its id, into a table named `batches` again. The usual
-- rebuild (fill a new table, then rename it) would fail at the commit: its
-- rows went in before it bore the name the batch rows refer to.
PRAGMA defer_foreign_keys = ON;

CREATE TABLE batches_before_0006 AS SELECT * FROM batches;

DROP TABLE batches;

CREATE TABLE batches (
    id              BLOB PRIMARY KEY NOT NULL,
    organisation_id BLOB NOT NULL REFERENCES organisations (id),
    uploaded_by     BLOB NOT NULL REFERENCES accounts (id),
    request_id      TEXT NOT NULL,
    file_name       TEXT NOT NULL,
    sha256          BLOB NOT NULL,
    declared_rows   INTEGER NOT NULL,
    rows_done       INTEGER NOT NULL DEFAULT 0,
    accepted        INTEGER NOT NULL DEFAULT 0,
    with_warnings   INTEGER NOT NULL DEFAULT 0,
    duplicates      INTEGER NOT NULL DEFAULT 0,
    rejected        INTEGER NOT NULL DEFAULT 0,
    cases           INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (organisation_id, request_id)
) STRICT;

INSERT INTO batches (id, organisation_id, uploaded_by, request_id, file_name, sha256,
    declared_rows, rows_done, accepted, with_warnings, duplicates, rejected, cases,
    created_at, updated_at)
SELECT id, organisation_id, uploaded_by, request_id, file_name, sha256,
    declared_rows, rows_done, accepted, with_warnings, duplicates, rejected, cases,
    created_at, updated_at
FROM batches_before_0006;

DROP TABLE batches_before_0006;

CREATE INDEX batches_by_organisation ON batches (organisation_id, created_at);

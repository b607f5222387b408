-- Prefecture affiliation files: a batch per file and organisation, and the
-- result of each of its rows, so that a resent or resumed file is answered
-- from what is stored rather than processed twice.

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
    UNIQUE (organisation_id, request_id),
    UNIQUE (organisation_id, sha256)
) STRICT;

CREATE INDEX batches_by_organisation ON batches (organisation_id, created_at);

-- Issues are JSON: [{"column", "value", "reason", "kind"}].
CREATE TABLE batch_rows (
    batch_id   BLOB NOT NULL REFERENCES batches (id),
    row_number INTEGER NOT NULL,
    status     TEXT NOT NULL,
    case_id    BLOB REFERENCES cases (id),
    errors     TEXT,
    warnings   TEXT,
    PRIMARY KEY (batch_id, row_number)
) STRICT, WITHOUT ROWID;

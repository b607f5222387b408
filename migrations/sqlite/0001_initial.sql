-- Relais schema, SQLite dialect. Identifiers are UUIDs stored as 16-byte
-- blobs; instants are microseconds since the Unix epoch (UTC); civil dates
-- are ISO text. Enumerations are stored by their stable lowercase names.

CREATE TABLE organisations (
    id          BLOB PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    departement TEXT,
    request_id  TEXT UNIQUE,
    created_at  INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX organisations_name ON organisations (name COLLATE NOCASE);
CREATE INDEX organisations_routing ON organisations (departement, kind, created_at);

CREATE TABLE accounts (
    id              BLOB PRIMARY KEY NOT NULL,
    organisation_id BLOB NOT NULL REFERENCES organisations (id),
    name            TEXT NOT NULL,
    email           TEXT NOT NULL,
    role            TEXT NOT NULL,
    request_id      TEXT UNIQUE,
    created_at      INTEGER NOT NULL,
    disabled_at     INTEGER
) STRICT;

CREATE UNIQUE INDEX accounts_email ON accounts (email COLLATE NOCASE);
CREATE INDEX accounts_organisation ON accounts (organisation_id, created_at);

-- Bearer tokens: only a SHA-256 hash of the secret is kept.
CREATE TABLE tokens (
    id           BLOB PRIMARY KEY NOT NULL,
    account_id   BLOB NOT NULL REFERENCES accounts (id),
    secret_hash  BLOB NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    revoked_at   INTEGER,
    last_used_at INTEGER
) STRICT;

-- A case's hot, narrow row: what queues, filters and transitions read and
-- write. What the partner wrote about the beneficiary lives apart, in
-- case_contents: read with the case, written once, wiped whole.
CREATE TABLE cases (
    id                  BLOB PRIMARY KEY NOT NULL,
    reference           TEXT NOT NULL UNIQUE,
    status              TEXT NOT NULL,
    category            TEXT NOT NULL,
    urgent              INTEGER NOT NULL,
    departement         TEXT,
    -- Copied out of the beneficiary document to find a person again.
    nir                 TEXT,
    agdref              TEXT,
    submitter_org_id    BLOB NOT NULL REFERENCES organisations (id),
    submitted_by        BLOB NOT NULL REFERENCES accounts (id),
    handler_org_id      BLOB NOT NULL REFERENCES organisations (id),
    assignee_id         BLOB REFERENCES accounts (id),
    resolution_outcome  TEXT,
    resolved_at         INTEGER,
    usefulness          TEXT,
    request_id          TEXT NOT NULL,
    request_fingerprint BLOB NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    UNIQUE (submitter_org_id, request_id)
) STRICT;

CREATE INDEX cases_by_handler ON cases (handler_org_id, created_at, id);
CREATE INDEX cases_by_submitter ON cases (submitter_org_id, created_at, id);
CREATE INDEX cases_by_assignee ON cases (assignee_id, created_at, id) WHERE assignee_id IS NOT NULL;
CREATE INDEX cases_by_created ON cases (created_at, id);
CREATE INDEX cases_by_nir ON cases (nir) WHERE nir IS NOT NULL;
CREATE INDEX cases_by_agdref ON cases (agdref) WHERE agdref IS NOT NULL;

CREATE TABLE case_contents (
    case_id           BLOB PRIMARY KEY NOT NULL REFERENCES cases (id),
    subject           TEXT NOT NULL,
    description       TEXT NOT NULL,
    urgency_reason    TEXT,
    -- The beneficiary and dependants as JSON documents.
    beneficiary       TEXT NOT NULL,
    dependants        TEXT NOT NULL,
    consent_type      TEXT NOT NULL,
    consent_date      TEXT NOT NULL,
    partner_reference TEXT
) STRICT;

CREATE TABLE messages (
    id            BLOB PRIMARY KEY NOT NULL,
    case_id       BLOB NOT NULL REFERENCES cases (id),
    kind          TEXT NOT NULL,
    author_id     BLOB NOT NULL REFERENCES accounts (id),
    author_org_id BLOB NOT NULL REFERENCES organisations (id),
    body          TEXT NOT NULL,
    created_at    INTEGER NOT NULL
) STRICT;

CREATE INDEX messages_by_case ON messages (case_id, created_at);

-- Every change of every case, in order: the cases' history and the outbox
-- that watch streams read. The organisations decide who may see an event.
CREATE TABLE case_events (
    sequence         INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id          BLOB NOT NULL REFERENCES cases (id),
    kind             TEXT NOT NULL,
    at               INTEGER NOT NULL,
    actor_id         BLOB REFERENCES accounts (id),
    actor_org_id     BLOB REFERENCES organisations (id),
    from_status      TEXT,
    to_status        TEXT NOT NULL,
    reason           TEXT,
    from_org_id      BLOB REFERENCES organisations (id),
    to_org_id        BLOB REFERENCES organisations (id),
    message_id       BLOB REFERENCES messages (id),
    message_kind     TEXT,
    submitter_org_id BLOB NOT NULL REFERENCES organisations (id),
    handler_org_id   BLOB NOT NULL REFERENCES organisations (id),
    -- The client's request id: a retried change finds its first result here.
    request_id       TEXT,
    UNIQUE (case_id, request_id)
) STRICT;

CREATE INDEX case_events_by_case ON case_events (case_id, sequence);

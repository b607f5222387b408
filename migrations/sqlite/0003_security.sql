-- Credentials and the audit trail.

-- A rotated token points at the token that replaced it.
ALTER TABLE tokens ADD COLUMN replaced_by BLOB REFERENCES tokens (id);
CREATE INDEX tokens_by_account ON tokens (account_id, created_at);

-- Client certificates that stand for an account, by the SHA-256 of their
-- SubjectPublicKeyInfo (so a certificate renewed with the same key stays bound).
CREATE TABLE certificate_bindings (
    fingerprint BLOB PRIMARY KEY NOT NULL,
    account_id  BLOB NOT NULL REFERENCES accounts (id),
    created_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX certificate_bindings_by_account ON certificate_bindings (account_id);

-- Every read of beneficiary data and every change: who, what, when, from
-- where, with which credential, and how it ended. Only ever appended to
-- (and purged past its retention).
CREATE TABLE audit_log (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    at              INTEGER NOT NULL,
    account_id      BLOB,
    organisation_id BLOB,
    rpc             TEXT NOT NULL,
    case_id         BLOB,
    case_reference  TEXT,
    peer            TEXT,
    credential      TEXT,
    request_id      TEXT,
    outcome         TEXT NOT NULL
) STRICT;

CREATE INDEX audit_log_by_case ON audit_log (case_id, id) WHERE case_id IS NOT NULL;
CREATE INDEX audit_log_by_account ON audit_log (account_id, id) WHERE account_id IS NOT NULL;
CREATE INDEX audit_log_by_time ON audit_log (at);

-- Append-only: an entry, once written, is never changed. Deleting is left to
-- the retention purge, the one statement that removes entries.
CREATE TRIGGER audit_log_is_append_only
BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

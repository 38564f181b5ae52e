-- Incident-response training records (NIST IR-2) and the versions of the
-- incident response plan generated from the live configuration (IR-8).
CREATE TABLE training_records (
    id           INTEGER PRIMARY KEY,
    user_name    TEXT    NOT NULL,
    course       TEXT    NOT NULL,
    completed_at INTEGER NOT NULL,
    evidence     TEXT    NOT NULL DEFAULT '',
    recorded_by  TEXT    NOT NULL,
    recorded_at  INTEGER NOT NULL
);
CREATE INDEX training_user ON training_records(user_name, completed_at);

CREATE TABLE plan_versions (
    version    INTEGER PRIMARY KEY,
    body       TEXT    NOT NULL,     -- Markdown
    digest     TEXT    NOT NULL,     -- BLAKE2b of body, hex
    created_by TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

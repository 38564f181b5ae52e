-- Post-mortems: one per incident, its text (summary, impact, narrative,
-- what went well) and contributing factors as a JSON document; the
-- improvements each factor led to as rows of their own, tracked to done
-- across incidents. Obligations gain "waived" (with a reason).
CREATE TABLE postmortems (
    incident_id INTEGER PRIMARY KEY REFERENCES incidents(id),
    body        TEXT    NOT NULL,            -- JSON
    status      TEXT    NOT NULL,            -- draft, in_review, approved
    updated_by  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    approved_by TEXT    NOT NULL DEFAULT '',
    approved_at INTEGER NOT NULL DEFAULT 0,
    version     INTEGER NOT NULL
);

CREATE TABLE improvements (
    id           INTEGER PRIMARY KEY,
    incident_id  INTEGER NOT NULL REFERENCES incidents(id),
    factor       TEXT    NOT NULL,           -- the factor's id in the post-mortem: F1, F2, ...
    title        TEXT    NOT NULL,
    owner        TEXT    NOT NULL,
    kind         TEXT    NOT NULL,           -- prevent, detect, respond
    due_at       INTEGER NOT NULL,
    status       TEXT    NOT NULL,           -- open, in_progress, done
    verification TEXT    NOT NULL DEFAULT '',
    done_at      INTEGER NOT NULL DEFAULT 0,
    created_by   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX improvements_incident ON improvements(incident_id, id);
CREATE INDEX improvements_due ON improvements(status, due_at);

ALTER TABLE obligations ADD COLUMN waived_reason TEXT NOT NULL DEFAULT '';

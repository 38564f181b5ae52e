-- Obligations: what an incident requires of whom by when, one row per
-- (incident, tenant or '' for the provider, rule). Recomputed on the
-- declaration and on every change of scope or anchors; a row keeps its
-- status and sent time across recomputations. Rows whose rule no longer
-- applies are withdrawn, not deleted.
CREATE TABLE obligations (
    id            INTEGER PRIMARY KEY,
    incident_id   INTEGER NOT NULL REFERENCES incidents(id),
    tenant        TEXT    NOT NULL DEFAULT '',
    rule_id       TEXT    NOT NULL,
    rules_version TEXT    NOT NULL,
    duty          TEXT    NOT NULL,              -- provider, tenant
    recipient     TEXT    NOT NULL,
    citation      TEXT    NOT NULL,
    stage         TEXT    NOT NULL,
    anchor        TEXT    NOT NULL,              -- an anchor, or after:RULE
    anchor_at     INTEGER NOT NULL DEFAULT 0,    -- 0: the clock has not started
    due_at        INTEGER NOT NULL DEFAULT 0,
    status        TEXT    NOT NULL DEFAULT 'open', -- open, sent, withdrawn
    sent_at       INTEGER NOT NULL DEFAULT 0,
    computed_at   INTEGER NOT NULL,
    UNIQUE (incident_id, tenant, rule_id)
);
CREATE INDEX obligations_due ON obligations(status, due_at);

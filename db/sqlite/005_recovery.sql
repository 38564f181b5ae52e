-- Recovery checkpoints: the last known good state of each affected asset,
-- how it was restored, and the validation checks with their results.

CREATE TABLE recovery_assets (
    incident_id     INTEGER NOT NULL REFERENCES incidents(id),
    asset           TEXT    NOT NULL,
    snapshot        TEXT    NOT NULL DEFAULT '',
    build           TEXT    NOT NULL DEFAULT '',
    config_hash     TEXT    NOT NULL DEFAULT '',
    restore_actions TEXT    NOT NULL DEFAULT '',
    recorded_by     TEXT    NOT NULL,
    recorded_at     INTEGER NOT NULL,
    PRIMARY KEY (incident_id, asset)
);

CREATE TABLE recovery_checks (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    asset       TEXT    NOT NULL DEFAULT '',
    name        TEXT    NOT NULL,
    result      TEXT    NOT NULL DEFAULT 'pending' CHECK (result IN ('pending', 'pass', 'fail')),
    detail      TEXT    NOT NULL DEFAULT '',
    checked_by  TEXT    NOT NULL DEFAULT '',
    checked_at  INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);
CREATE INDEX recovery_checks_incident ON recovery_checks(incident_id, id);

-- Alerts as received (one row per firing episode of a fingerprint) and
-- Alertmanager-style silences.
CREATE TABLE alerts (
    id            INTEGER PRIMARY KEY,
    fingerprint   TEXT    NOT NULL,            -- %016x, Alertmanager's
    labels        TEXT    NOT NULL,            -- JSON object, sorted keys
    annotations   TEXT    NOT NULL DEFAULT '{}',
    source        TEXT    NOT NULL,            -- alertmanager, webhook, pagerduty, syslog, json, ocsf
    service       TEXT    NOT NULL DEFAULT '',
    severity      TEXT    NOT NULL DEFAULT '',
    summary       TEXT    NOT NULL DEFAULT '',
    generator_url TEXT    NOT NULL DEFAULT '',
    starts_at     INTEGER NOT NULL,
    ends_at       INTEGER NOT NULL DEFAULT 0,   -- 0: until told otherwise
    updated_at    INTEGER NOT NULL,
    received      INTEGER NOT NULL DEFAULT 1,   -- times this episode was sent
    silenced_by   TEXT    NOT NULL DEFAULT '',  -- silence id at arrival, if any
    incident_id   INTEGER REFERENCES incidents(id)
);
CREATE INDEX alerts_fingerprint ON alerts(fingerprint, id);
CREATE INDEX alerts_open ON alerts(ends_at, id);

CREATE TABLE silences (
    id          TEXT    PRIMARY KEY,           -- UUID
    matchers    TEXT    NOT NULL,              -- JSON array of {name, value, isRegex, isEqual}
    starts_at   INTEGER NOT NULL,
    ends_at     INTEGER NOT NULL,
    created_by  TEXT    NOT NULL,
    comment     TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX silences_ends ON silences(ends_at);

-- Incidents: the record, its affected services, and per-year key counters.
-- Times are integer microseconds since the Unix epoch, UTC; 0 means unset.

CREATE TABLE incident_counters (
    year     INTEGER PRIMARY KEY,
    last_seq INTEGER NOT NULL
);

CREATE TABLE incidents (
    id              INTEGER PRIMARY KEY,
    key             TEXT    NOT NULL UNIQUE,      -- INC-2026-0001
    title           TEXT    NOT NULL,
    description     TEXT    NOT NULL DEFAULT '',
    severity        TEXT    NOT NULL,             -- sev1..sev4
    source          TEXT    NOT NULL,             -- monitoring|employee|customer|third_party
    reporter        TEXT    NOT NULL,
    phase           TEXT    NOT NULL DEFAULT 'analysis',
    classification  TEXT    NOT NULL DEFAULT 'suspected',
    impact_c        INTEGER NOT NULL DEFAULT 0,
    impact_i        INTEGER NOT NULL DEFAULT 0,
    impact_a        INTEGER NOT NULL DEFAULT 0,
    data_categories INTEGER NOT NULL DEFAULT 0,   -- bit mask of core/incident.h data_category
    version         INTEGER NOT NULL DEFAULT 1,   -- bumped on every change; the ETag
    detected_at     INTEGER NOT NULL,
    reported_at     INTEGER NOT NULL,
    acknowledged_at INTEGER NOT NULL DEFAULT 0,
    declared_at     INTEGER NOT NULL DEFAULT 0,
    contained_at    INTEGER NOT NULL DEFAULT 0,
    eradicated_at   INTEGER NOT NULL DEFAULT 0,
    recovered_at    INTEGER NOT NULL DEFAULT 0,
    closed_at       INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX incidents_phase ON incidents(phase, id);
CREATE INDEX incidents_classification ON incidents(classification, id);
CREATE INDEX incidents_severity ON incidents(severity, id);

CREATE TABLE incident_services (
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    service     TEXT    NOT NULL,
    PRIMARY KEY (incident_id, service)
);
CREATE INDEX incident_services_service ON incident_services(service, incident_id);

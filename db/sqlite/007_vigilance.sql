-- Enhanced vigilance: the watch window opened when recovery ends, and the
-- alerts linked to an incident (by a person, or by the vigilance match).
ALTER TABLE incidents ADD COLUMN vigilance_until INTEGER NOT NULL DEFAULT 0;
CREATE INDEX incidents_vigilance ON incidents(vigilance_until) WHERE vigilance_until > 0;

CREATE TABLE incident_alerts (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    alert       TEXT    NOT NULL,          -- the alert's reference (fingerprint, id)
    reason      TEXT    NOT NULL DEFAULT '',
    vigilance   INTEGER NOT NULL DEFAULT 0, -- linked by the vigilance match
    linked_by   TEXT    NOT NULL,
    linked_at   INTEGER NOT NULL,
    UNIQUE (incident_id, alert)
);

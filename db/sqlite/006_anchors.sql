-- Anchor timestamps of the legal clocks, with their history: every setting
-- is a row; the newest row per anchor is in force.
CREATE TABLE incident_anchors (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    anchor      TEXT    NOT NULL,
    at          INTEGER NOT NULL,
    reason      TEXT    NOT NULL,
    set_by      TEXT    NOT NULL,
    set_at      INTEGER NOT NULL
);
CREATE INDEX incident_anchors_incident ON incident_anchors(incident_id, anchor, id);

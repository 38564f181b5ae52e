-- Alert groups as routing makes them (route name and group_by values), and
-- what changes on every repeat of an alert kept apart from the alert, so a
-- repeat rewrites a few bytes rather than the whole row.

CREATE TABLE alert_groups (
    key           TEXT    PRIMARY KEY,        -- routes[0]{alertname="X",service="Y"}
    service       TEXT    NOT NULL DEFAULT '',
    incident_id   INTEGER REFERENCES incidents(id), -- NULL while waiting
    opens_at      INTEGER NOT NULL DEFAULT 0, -- > 0: waiting (group_wait) until then
    last_alert_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX alert_groups_due ON alert_groups(opens_at) WHERE opens_at > 0;

-- Groups keyed the old way ("alertname/service") keep their incidents.
INSERT INTO alert_groups(key, service, incident_id, opens_at, last_alert_at)
    SELECT group_key, max(service), max(incident_id), 0, max(updated_at)
    FROM alerts WHERE group_key != '' AND incident_id IS NOT NULL GROUP BY group_key;

CREATE TABLE alert_seen (
    alert_id   INTEGER PRIMARY KEY REFERENCES alerts(id),
    ends_at    INTEGER NOT NULL DEFAULT 0,    -- 0: until told otherwise
    updated_at INTEGER NOT NULL,
    received   INTEGER NOT NULL DEFAULT 1     -- times this episode was sent
);
INSERT INTO alert_seen(alert_id, ends_at, updated_at, received)
    SELECT id, ends_at, updated_at, received FROM alerts;

DROP INDEX alerts_open;
ALTER TABLE alerts DROP COLUMN ends_at;
ALTER TABLE alerts DROP COLUMN updated_at;
ALTER TABLE alerts DROP COLUMN received;

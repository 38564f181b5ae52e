-- Declaration details, tenant and indicator scope, and domain events.

ALTER TABLE incidents ADD COLUMN declared_by TEXT NOT NULL DEFAULT '';
-- JSON {"criteria": "...", "triggers": [...]}; '' until declared.
ALTER TABLE incidents ADD COLUMN declaration TEXT NOT NULL DEFAULT '';

CREATE TABLE incident_tenants (
    incident_id     INTEGER NOT NULL REFERENCES incidents(id),
    tenant          TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('confirmed', 'suspected', 'ruled_out')),
    evidence        TEXT    NOT NULL DEFAULT '',
    affected_users  INTEGER NOT NULL DEFAULT 0,
    data_categories INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (incident_id, tenant)
);
CREATE INDEX incident_tenants_tenant ON incident_tenants(tenant, incident_id);

CREATE TABLE incident_indicators (
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    kind        TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    PRIMARY KEY (incident_id, kind, value)
);
CREATE INDEX incident_indicators_value ON incident_indicators(kind, value);

-- Domain events, written in the transaction of the change that raised
-- them; later parts (notification clocks, paging) consume them in order.
CREATE TABLE domain_events (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    type        TEXT    NOT NULL,
    incident_id INTEGER,
    payload     TEXT    NOT NULL
);

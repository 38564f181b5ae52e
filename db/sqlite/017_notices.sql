-- Customer notices: composed once for an incident (nature, user impact,
-- mitigation, next steps and when the next update comes), released to
-- each tenant it names - a message per designated contact (and webhook),
-- each through the outbox under its own idempotency key.
CREATE TABLE notices (
    id             INTEGER PRIMARY KEY,
    incident_id    INTEGER NOT NULL REFERENCES incidents(id),
    version        INTEGER NOT NULL,          -- 1, 2, ... per incident
    kind           TEXT    NOT NULL,          -- initial, update, final
    nature         TEXT    NOT NULL,
    user_impact    TEXT    NOT NULL,
    mitigation     TEXT    NOT NULL,
    next_steps     TEXT    NOT NULL DEFAULT '',
    next_update_at INTEGER NOT NULL DEFAULT 0,
    tenants        TEXT    NOT NULL,          -- JSON array of tenant ids
    composed_by    TEXT    NOT NULL,
    composed_at    INTEGER NOT NULL,
    released_by    TEXT    NOT NULL DEFAULT '',
    released_at    INTEGER NOT NULL DEFAULT 0,
    UNIQUE (incident_id, version)
);

CREATE TABLE notice_deliveries (
    id        INTEGER PRIMARY KEY,
    notice_id INTEGER NOT NULL REFERENCES notices(id),
    tenant    TEXT    NOT NULL,
    channel   TEXT    NOT NULL,                -- email, webhook
    address   TEXT    NOT NULL,
    outbox_id INTEGER NOT NULL REFERENCES outbox(id),
    UNIQUE (notice_id, tenant, address)
);
CREATE INDEX notice_deliveries_outbox ON notice_deliveries(outbox_id);

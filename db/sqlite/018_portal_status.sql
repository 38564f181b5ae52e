-- The customer portal's acknowledgements of notices, and the public
-- status page's advisories (one row per update; the latest per service is
-- its state).
CREATE TABLE notice_acks (
    notice_id INTEGER NOT NULL REFERENCES notices(id),
    tenant    TEXT    NOT NULL,
    acked_by  TEXT    NOT NULL,
    acked_at  INTEGER NOT NULL,
    PRIMARY KEY (notice_id, tenant)
) WITHOUT ROWID;

CREATE TABLE advisories (
    id        INTEGER PRIMARY KEY,
    service   TEXT    NOT NULL,
    state     TEXT    NOT NULL,       -- investigating, identified, monitoring, resolved
    message   TEXT    NOT NULL,
    posted_by TEXT    NOT NULL,
    posted_at INTEGER NOT NULL
);
CREATE INDEX advisories_service ON advisories(service, id);

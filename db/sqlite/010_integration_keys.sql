-- Integration keys: what a sender that cannot sign in (PagerDuty-style
-- events) presents; each is bound to one service. Stored as digests.
CREATE TABLE integration_keys (
    id         INTEGER PRIMARY KEY,
    service    TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    prefix     TEXT    NOT NULL,
    key_hash   BLOB    NOT NULL UNIQUE,
    created_by TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER NOT NULL DEFAULT 0
);

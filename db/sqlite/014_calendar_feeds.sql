-- Calendar feeds: an ICS URL per schedule or per person whose secret token
-- is the credential (calendar clients cannot sign in). Stored as digests.
CREATE TABLE calendar_feeds (
    id         INTEGER PRIMARY KEY,
    kind       TEXT    NOT NULL,            -- schedule, user
    name       TEXT    NOT NULL,
    prefix     TEXT    NOT NULL,
    token_hash BLOB    NOT NULL UNIQUE,
    created_by TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER NOT NULL DEFAULT 0
);

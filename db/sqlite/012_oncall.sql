-- On-call: how people are reached, and the organisation as documents.
--
-- Teams, services, schedules and escalation policies are small documents
-- kept whole (validated by the server, versioned, applied declaratively by
-- `vigil apply`), named and referring to each other by name. Overrides
-- are rows of their own: many, time-bound, made by responders.

ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
-- JSON array of {"type": "email"|"webhook"|"sms", "address": ...}
ALTER TABLE users ADD COLUMN contacts TEXT NOT NULL DEFAULT '[]';

CREATE TABLE org_objects (
    kind       TEXT    NOT NULL,   -- team, service, schedule, escalation_policy
    name       TEXT    NOT NULL,
    body       TEXT    NOT NULL,   -- JSON, canonical (sorted keys)
    version    INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (kind, name)
) WITHOUT ROWID;

CREATE TABLE schedule_overrides (
    id         INTEGER PRIMARY KEY,
    schedule   TEXT    NOT NULL,
    user_name  TEXT    NOT NULL,
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER NOT NULL,
    reason     TEXT    NOT NULL DEFAULT '',
    created_by TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX schedule_overrides_range ON schedule_overrides(schedule, ends_at);

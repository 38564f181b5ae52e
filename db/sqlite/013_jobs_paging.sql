-- Durable jobs, escalations, pages and the outbox.
--
-- A job is a row with a due time. A worker claims due jobs by setting a
-- lease (owner, until) inside a write transaction, so two workers (or two
-- processes on one database) never hold the same job; it finishes a job
-- only while its lease is its own. A job whose worker died is claimed
-- again when the lease runs out.

CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL,          -- escalate.start, escalate.step, deliver
    payload     TEXT    NOT NULL DEFAULT '{}',
    due_at      INTEGER NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT    NOT NULL DEFAULT '',
    lease_until INTEGER NOT NULL DEFAULT 0,
    done_at     INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);
CREATE INDEX jobs_due ON jobs(due_at) WHERE done_at = 0;

-- One escalation per incident, service and trigger (opened, declared).
CREATE TABLE escalations (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    service     TEXT    NOT NULL,
    policy      TEXT    NOT NULL,
    trigger     TEXT    NOT NULL,
    state       TEXT    NOT NULL DEFAULT 'active', -- active, acknowledged, exhausted
    level       INTEGER NOT NULL DEFAULT 0,        -- the level paged last (1-based; 0 none yet)
    round       INTEGER NOT NULL DEFAULT 0,
    started_at  INTEGER NOT NULL,
    acked_at    INTEGER NOT NULL DEFAULT 0,
    acked_by    TEXT    NOT NULL DEFAULT '',
    UNIQUE (incident_id, service, trigger)
);

-- One page per person per level and round.
CREATE TABLE pages (
    id            INTEGER PRIMARY KEY,
    escalation_id INTEGER NOT NULL REFERENCES escalations(id),
    incident_id   INTEGER NOT NULL REFERENCES incidents(id),
    user_name     TEXT    NOT NULL,
    level         INTEGER NOT NULL,
    round         INTEGER NOT NULL,
    via           TEXT    NOT NULL,           -- schedule:x, user:x, team:x
    ack_hash      BLOB    NOT NULL UNIQUE,    -- digest of the single-use acknowledgement token
    created_at    INTEGER NOT NULL,
    acked_at      INTEGER NOT NULL DEFAULT 0,
    UNIQUE (escalation_id, level, round, user_name)
);
CREATE INDEX pages_incident ON pages(incident_id);

-- What is sent, once per idempotency key; every attempt is recorded.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    idem_key    TEXT    NOT NULL UNIQUE,     -- also the Message-ID's left part
    channel     TEXT    NOT NULL,            -- email, webhook
    address     TEXT    NOT NULL,
    subject     TEXT    NOT NULL DEFAULT '',
    body        TEXT    NOT NULL,
    page_id     INTEGER REFERENCES pages(id),
    status      TEXT    NOT NULL DEFAULT 'pending', -- pending, sent, failed
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_result TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    sent_at     INTEGER NOT NULL DEFAULT 0
);

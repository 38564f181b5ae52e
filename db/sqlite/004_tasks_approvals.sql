-- Root cause, tasks per phase, and executive approvals of business-impact steps.

ALTER TABLE incidents ADD COLUMN root_cause TEXT NOT NULL DEFAULT '';

CREATE TABLE incident_tasks (
    id              INTEGER PRIMARY KEY,
    incident_id     INTEGER NOT NULL REFERENCES incidents(id),
    phase           TEXT    NOT NULL,
    title           TEXT    NOT NULL,
    owner           TEXT    NOT NULL DEFAULT '',
    due_at          INTEGER NOT NULL DEFAULT 0,
    status          TEXT    NOT NULL DEFAULT 'open'
                    CHECK (status IN ('open', 'in_progress', 'done', 'cancelled')),
    business_impact INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX incident_tasks_incident ON incident_tasks(incident_id, id);

-- One approval per business-impact task; the decision may be revisited
-- (a rejected step changed and requested again), every step is audited.
CREATE TABLE task_approvals (
    task_id      INTEGER PRIMARY KEY REFERENCES incident_tasks(id),
    incident_id  INTEGER NOT NULL REFERENCES incidents(id),
    status       TEXT    NOT NULL CHECK (status IN ('pending', 'granted', 'rejected')),
    requested_by TEXT    NOT NULL,
    requested_at INTEGER NOT NULL,
    decided_by   TEXT    NOT NULL DEFAULT '',
    decided_at   INTEGER NOT NULL DEFAULT 0,
    comment      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX task_approvals_incident ON task_approvals(incident_id);

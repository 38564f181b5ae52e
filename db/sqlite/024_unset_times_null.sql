-- A time that has not happened yet is NULL, not 0. Until now the optional
-- times were INTEGER NOT NULL DEFAULT 0 and "0" meant "not yet": a
-- detection at 1970-01-01T00:00:00Z was the same as none, and its legal
-- clocks never started. The doors refuse times before 2000 since, and now
-- storage says "unset" explicitly; CHECK (x <> 0) makes a 0 written by
-- mistake an error rather than a silent "not yet".
--
-- Converted: the incident's phase times (acknowledged, declared,
-- contained, eradicated, recovered, closed) and its vigilance window;
-- an obligation's clock (anchor_at, due_at) and sent_at; a notice's
-- released_at and next_update_at.
--
-- SQLite cannot drop NOT NULL or a DEFAULT in place, so each table is
-- rebuilt the documented way (create, copy, drop, rename) with every row
-- and id kept, then its indexes and the triggers migration 021 put on
-- notices and incidents.severity are made again. The store runs
-- migrations with foreign keys off and checks them all before it commits
-- (src/store/sqlite.c: migrate), so rows that reference these tables keep
-- their parents. None of the three uses AUTOINCREMENT: no sequence to keep.

-- Both triggers name a table rebuilt below; they come back at the end.
DROP TRIGGER notices_severity_at_compose;
DROP TRIGGER notices_severity_since_compose;

CREATE TABLE incidents_024 (
    id              INTEGER PRIMARY KEY,
    key             TEXT    NOT NULL UNIQUE,      -- INC-2026-0001
    title           TEXT    NOT NULL,
    description     TEXT    NOT NULL DEFAULT '',
    severity        TEXT    NOT NULL,             -- sev1..sev4
    source          TEXT    NOT NULL,             -- monitoring|employee|customer|third_party
    reporter        TEXT    NOT NULL,
    phase           TEXT    NOT NULL DEFAULT 'analysis',
    classification  TEXT    NOT NULL DEFAULT 'suspected',
    impact_c        INTEGER NOT NULL DEFAULT 0,
    impact_i        INTEGER NOT NULL DEFAULT 0,
    impact_a        INTEGER NOT NULL DEFAULT 0,
    data_categories INTEGER NOT NULL DEFAULT 0,   -- bit mask of core/incident.h data_category
    version         INTEGER NOT NULL DEFAULT 1,   -- bumped on every change; the ETag
    detected_at     INTEGER NOT NULL,
    reported_at     INTEGER NOT NULL,
    acknowledged_at INTEGER CHECK (acknowledged_at <> 0), -- NULL: not yet
    declared_at     INTEGER CHECK (declared_at <> 0),
    contained_at    INTEGER CHECK (contained_at <> 0),
    eradicated_at   INTEGER CHECK (eradicated_at <> 0),
    recovered_at    INTEGER CHECK (recovered_at <> 0),
    closed_at       INTEGER CHECK (closed_at <> 0),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    declared_by     TEXT    NOT NULL DEFAULT '',
    declaration     TEXT    NOT NULL DEFAULT '',
    root_cause      TEXT    NOT NULL DEFAULT '',
    vigilance_until INTEGER CHECK (vigilance_until <> 0) -- NULL: no watch window
);
INSERT INTO incidents_024(id, key, title, description, severity, source, reporter, phase, classification,
                          impact_c, impact_i, impact_a, data_categories, version, detected_at, reported_at,
                          acknowledged_at, declared_at, contained_at, eradicated_at, recovered_at, closed_at,
                          created_at, updated_at, declared_by, declaration, root_cause, vigilance_until)
    SELECT id, key, title, description, severity, source, reporter, phase, classification,
           impact_c, impact_i, impact_a, data_categories, version, detected_at, reported_at,
           nullif(acknowledged_at, 0), nullif(declared_at, 0), nullif(contained_at, 0),
           nullif(eradicated_at, 0), nullif(recovered_at, 0), nullif(closed_at, 0),
           created_at, updated_at, declared_by, declaration, root_cause, nullif(vigilance_until, 0)
      FROM incidents;
DROP TABLE incidents;
ALTER TABLE incidents_024 RENAME TO incidents;
CREATE INDEX incidents_phase ON incidents(phase, id);
CREATE INDEX incidents_classification ON incidents(classification, id);
CREATE INDEX incidents_severity ON incidents(severity, id);
CREATE INDEX incidents_vigilance ON incidents(vigilance_until) WHERE vigilance_until IS NOT NULL;
CREATE INDEX incidents_customer_reports ON incidents(reporter, created_at) WHERE source = 'customer';

CREATE TABLE obligations_024 (
    id            INTEGER PRIMARY KEY,
    incident_id   INTEGER NOT NULL REFERENCES incidents(id),
    tenant        TEXT    NOT NULL DEFAULT '',
    rule_id       TEXT    NOT NULL,
    rules_version TEXT    NOT NULL,
    duty          TEXT    NOT NULL,              -- provider, tenant
    recipient     TEXT    NOT NULL,
    citation      TEXT    NOT NULL,
    stage         TEXT    NOT NULL,
    anchor        TEXT    NOT NULL,              -- an anchor, or after:RULE
    anchor_at     INTEGER CHECK (anchor_at <> 0), -- NULL: the clock has not started
    due_at        INTEGER CHECK (due_at <> 0),
    status        TEXT    NOT NULL DEFAULT 'open', -- open, sent, waived, withdrawn
    sent_at       INTEGER CHECK (sent_at <> 0),   -- NULL: not sent (nor waived)
    computed_at   INTEGER NOT NULL,
    waived_reason TEXT    NOT NULL DEFAULT '',
    UNIQUE (incident_id, tenant, rule_id)
);
INSERT INTO obligations_024(id, incident_id, tenant, rule_id, rules_version, duty, recipient, citation, stage,
                            anchor, anchor_at, due_at, status, sent_at, computed_at, waived_reason)
    SELECT id, incident_id, tenant, rule_id, rules_version, duty, recipient, citation, stage,
           anchor, nullif(anchor_at, 0), nullif(due_at, 0), status, nullif(sent_at, 0), computed_at, waived_reason
      FROM obligations;
DROP TABLE obligations;
ALTER TABLE obligations_024 RENAME TO obligations;
CREATE INDEX obligations_due ON obligations(status, due_at);

CREATE TABLE notices_024 (
    id             INTEGER PRIMARY KEY,
    incident_id    INTEGER NOT NULL REFERENCES incidents(id),
    version        INTEGER NOT NULL,          -- 1, 2, ... per incident
    kind           TEXT    NOT NULL,          -- initial, update, final
    nature         TEXT    NOT NULL,
    user_impact    TEXT    NOT NULL,
    mitigation     TEXT    NOT NULL,
    next_steps     TEXT    NOT NULL DEFAULT '',
    next_update_at INTEGER CHECK (next_update_at <> 0), -- NULL: none promised
    tenants        TEXT    NOT NULL,          -- JSON array of tenant ids
    composed_by    TEXT    NOT NULL,
    composed_at    INTEGER NOT NULL,
    released_by    TEXT    NOT NULL DEFAULT '',
    released_at    INTEGER CHECK (released_at <> 0), -- NULL: not released
    severities     TEXT    NOT NULL DEFAULT '', -- ",sev1,sev3,": every severity since composed (021)
    UNIQUE (incident_id, version)
);
INSERT INTO notices_024(id, incident_id, version, kind, nature, user_impact, mitigation, next_steps, next_update_at,
                        tenants, composed_by, composed_at, released_by, released_at, severities)
    SELECT id, incident_id, version, kind, nature, user_impact, mitigation, next_steps, nullif(next_update_at, 0),
           tenants, composed_by, composed_at, released_by, nullif(released_at, 0), severities
      FROM notices;
DROP TABLE notices;
ALTER TABLE notices_024 RENAME TO notices;

-- Migration 021's triggers, as they were but for "not released".
CREATE TRIGGER notices_severity_at_compose AFTER INSERT ON notices
BEGIN
    UPDATE notices SET severities = ',' || (SELECT severity FROM incidents WHERE id = NEW.incident_id) || ','
     WHERE id = NEW.id;
END;
CREATE TRIGGER notices_severity_since_compose AFTER UPDATE OF severity ON incidents
BEGIN
    UPDATE notices SET severities = severities || NEW.severity || ','
     WHERE incident_id = NEW.id AND released_at IS NULL AND instr(severities, ',' || NEW.severity || ',') = 0;
END;

-- What SQLite's single writer made safe, written so that several writers
-- (PostgreSQL) are safe too.

-- The audit chain's head: one row (seq, hash of the last record) that
-- every append updates first, in the append's transaction. The update
-- locks the row, so two appends queue on it instead of both reading the
-- same head and writing the same seq + 1.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,                 -- the last record's, 0 when empty
    hash BLOB    NOT NULL                  -- the last record's, zeros when empty
);
INSERT INTO audit_head(id, seq, hash)
    SELECT 1, coalesce((SELECT seq FROM audit_log ORDER BY seq DESC LIMIT 1), 0),
           coalesce((SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1), zeroblob(32));

-- Numbers handed out per scope ('plan', 'notices:<incident id>'): taken
-- with one upsert that locks the scope's row, instead of max(...) + 1,
-- which two writers would both compute alike. Filled from what is stored,
-- so numbering continues.
CREATE TABLE counters (
    scope    TEXT    PRIMARY KEY,
    last_seq INTEGER NOT NULL              -- the last number taken
);
INSERT INTO counters(scope, last_seq)
    SELECT 'plan', max(version) FROM plan_versions HAVING count(*) > 0;
INSERT INTO counters(scope, last_seq)
    SELECT 'notices:' || incident_id, max(version) FROM notices GROUP BY incident_id;

-- One open episode per fingerprint. Whether an episode is open depends on
-- the time (ends_at 0 or later than now), which no index can hold, so the
-- index holds what makes it so: only a fingerprint's latest episode can be
-- open, a new one is written only once the latest has ended, and there is
-- at most one latest. Two writers opening the same fingerprint's episode
-- at once: the second insert meets the first's row here.
ALTER TABLE alerts ADD COLUMN latest INTEGER NOT NULL DEFAULT 0;
UPDATE alerts SET latest = 1 WHERE id IN (SELECT max(id) FROM alerts GROUP BY fingerprint);
CREATE UNIQUE INDEX alerts_one_open ON alerts(fingerprint) WHERE latest = 1;

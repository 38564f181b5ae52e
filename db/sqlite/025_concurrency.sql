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

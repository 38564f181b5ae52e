-- Filings: the record of what went out for an obligation, and of every
-- correction of its sent time. One row per event, never updated: the
-- first filing stays when its time is corrected, so the history a
-- regulator may ask about ("why did you file this then?") is complete.
-- The obligation's sent_at is the time in force (the latest row's at).
--
-- kind 'filed': at, by, channel, reference, note and the optional
-- attachment (its bytes, SHA-256 in hex, size and media type).
-- kind 'correction': at (the corrected time), previous_at (the time it
-- replaces) and reason.
CREATE TABLE obligation_filings (
    id               INTEGER PRIMARY KEY,
    obligation_id    INTEGER NOT NULL REFERENCES obligations(id),
    kind             TEXT    NOT NULL CHECK (kind IN ('filed', 'correction')),
    at               INTEGER NOT NULL CHECK (at <> 0),
    previous_at      INTEGER CHECK (previous_at <> 0), -- NULL for a filing
    by_actor         TEXT    NOT NULL,
    channel          TEXT    NOT NULL DEFAULT '',      -- portal, email, letter, phone, other; '' unsaid
    reference        TEXT    NOT NULL DEFAULT '',
    note             TEXT    NOT NULL DEFAULT '',
    reason           TEXT    NOT NULL DEFAULT '',
    attachment_name  TEXT,                             -- NULL: no attachment
    attachment_type  TEXT,
    attachment_size  INTEGER,
    attachment_sha256 TEXT,
    attachment       BLOB,
    recorded_at      INTEGER NOT NULL
);
CREATE INDEX obligation_filings_obligation ON obligation_filings(obligation_id, id);

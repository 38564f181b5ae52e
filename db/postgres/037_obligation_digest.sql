-- What an obligation's computed columns hold, as one digest (BLAKE2b,
-- 128 bits, hex: store_obligation_write): a recomputation rewrites only
-- the rows whose digest or state changed, where it rewrote every row of
-- the incident (500,000 at 100,000 tenants) each time. '' on the rows of
-- before: the next recomputation writes them once.
ALTER TABLE obligations ADD COLUMN digest TEXT NOT NULL DEFAULT '';
-- An incident's obligations a page at a time by due time (a clock not
-- started last, then by id): the incident's list reads its page from
-- here instead of sorting every row of the incident for each page.
CREATE INDEX obligations_incident_due ON obligations(incident_id, coalesce(due_at, 9223372036854775807), id);

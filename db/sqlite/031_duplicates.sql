-- An incident closed as a duplicate names the incident that carries on
-- (its survivor); NULL for every other incident. The survivor lists its
-- duplicates through the index.
ALTER TABLE incidents ADD COLUMN duplicate_of INTEGER REFERENCES incidents(id);
CREATE INDEX incidents_duplicate_of ON incidents(duplicate_of) WHERE duplicate_of IS NOT NULL;

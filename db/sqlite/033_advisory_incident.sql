-- An advisory may say which incident it is about (NULL: none). The link
-- is staff's: the incident page lists its advisories; the public status
-- page and its feed never show it.
ALTER TABLE advisories ADD COLUMN incident_id INTEGER REFERENCES incidents(id);
CREATE INDEX advisories_incident ON advisories(incident_id) WHERE incident_id IS NOT NULL;

-- The incident search's index: every trigram of each incident's title
-- and description (FTS5's trigram tokenizer, which folds case), as
-- tenant_text (035) is the tenants'. A search of three characters or
-- more that few incidents match reads these instead of walking the
-- table; store_incident_list decides (incidents.c). External content:
-- the text stays in incidents alone. store_incident_insert and
-- store_incident_update keep it, not triggers (035 says why).
CREATE VIRTUAL TABLE incident_text USING fts5(title, description, content = 'incidents',
                                              content_rowid = 'id', tokenize = 'trigram');
INSERT INTO incident_text(incident_text) VALUES ('rebuild');

-- The portal counts a tenant's and a user's recent reports before taking
-- another (src/http/portal.c); this index keeps that count to the reports
-- themselves rather than a scan of every incident.
CREATE INDEX incidents_customer_reports ON incidents(reporter, created_at) WHERE source = 'customer';

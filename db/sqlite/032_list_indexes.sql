-- The list pages' other orders and filters (issue 17 section 3) walk an
-- index instead of sorting every matching row: tenants by name or by the
-- last change (100,000 of them), incidents by the last change, the audit
-- trail by actor or action, pages by person, and an incident's alerts.
CREATE INDEX tenants_name ON tenants(name, rid);
CREATE INDEX tenants_updated ON tenants(updated_at, rid);
CREATE INDEX incidents_updated ON incidents(updated_at, id);
CREATE INDEX audit_log_actor ON audit_log(actor, seq);
CREATE INDEX audit_log_action ON audit_log(action, seq);
CREATE INDEX pages_user ON pages(user_name, id);
CREATE INDEX alerts_incident ON alerts(incident_id, id);

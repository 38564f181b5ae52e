-- The group an alert belongs to (alertname and service, as Alertmanager's
-- default grouping), so later alerts of the group join the same incident.
ALTER TABLE alerts ADD COLUMN group_key TEXT NOT NULL DEFAULT '';
CREATE INDEX alerts_group ON alerts(group_key, id);

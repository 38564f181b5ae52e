-- What waits for a person (the console's "what needs me now"): each list
-- is an index walk, not a scan of every page, task and notice ever made.
CREATE INDEX pages_waiting ON pages(user_name, id) WHERE acked_at = 0;
CREATE INDEX incident_tasks_owner ON incident_tasks(owner, status);
CREATE INDEX task_approvals_pending ON task_approvals(requested_at) WHERE status = 'pending';
CREATE INDEX notices_unreleased ON notices(composed_at) WHERE released_at IS NULL;

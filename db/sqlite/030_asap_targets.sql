-- A duty "without undue delay" (a rule's deadline {unit: asap}) has no
-- instant after which it is late; until now it was stored due at its
-- anchor and so counted as late from the first second. deadline_kind
-- says what binds an obligation (fixed: due_at is its deadline; asap: due
-- "at once", measured against target_at), and target_at is an asap duty's
-- internal target: the rule's target_hours after the anchor, else the
-- operator's provider.asap_target (24 h). It drives the reminders and
-- the metrics, never lateness. NULL for fixed rows and unstarted clocks.
ALTER TABLE obligations ADD COLUMN deadline_kind TEXT NOT NULL DEFAULT 'fixed'
    CHECK (deadline_kind IN ('fixed', 'asap'));
ALTER TABLE obligations ADD COLUMN target_at INTEGER CHECK (target_at <> 0);
-- Rows computed before: an asap duty is the one due when its clock
-- started (a counted deadline is at least an hour on). Their target is
-- left to the incident's next recomputation, which sets it from the rule
-- and the configuration and, the target being new, starts its reminders
-- (a target filled in here would look unchanged to it, and never remind).
UPDATE obligations SET deadline_kind = 'asap'
 WHERE anchor_at IS NOT NULL AND due_at = anchor_at;

-- An obligation whose deadline cannot be computed - a business-day count
-- that needs a day outside its holiday calendar's range - is marked
-- status 'cannot_compute' (due_at NULL) with the reason, shown to the
-- user, rather than given a guessed deadline.
ALTER TABLE obligations ADD COLUMN cannot_compute_reason TEXT NOT NULL DEFAULT '';

-- Held for migration 028 of the asap-target change (issue 16 section 2),
-- which is written on another branch: migrations are numbered without
-- gaps, so this branch needs a 028 to carry its 029. Drop this file when
-- that branch's 028 is merged.
SELECT 1;

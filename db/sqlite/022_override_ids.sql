-- Override ids are never used twice. With a plain INTEGER PRIMARY KEY,
-- SQLite gives a new row max(id) + 1, so deleting the newest override and
-- creating another reused its id, and the audit record "override:2" named
-- two objects. AUTOINCREMENT keeps the highest id ever given in
-- sqlite_sequence and never goes below it.
--
-- The table is rebuilt (SQLite cannot add AUTOINCREMENT in place), its
-- rows kept with their ids. The counter starts above every id the table
-- holds and every id the audit log has ever named, so an id given and
-- deleted before this migration is not given again either.

CREATE TABLE schedule_overrides_new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule   TEXT    NOT NULL,
    user_name  TEXT    NOT NULL,
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER NOT NULL,
    reason     TEXT    NOT NULL DEFAULT '',
    created_by TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
INSERT INTO schedule_overrides_new(id, schedule, user_name, starts_at, ends_at, reason, created_by, created_at)
    SELECT id, schedule, user_name, starts_at, ends_at, reason, created_by, created_at FROM schedule_overrides;
DROP TABLE schedule_overrides;
ALTER TABLE schedule_overrides_new RENAME TO schedule_overrides;
CREATE INDEX schedule_overrides_range ON schedule_overrides(schedule, ends_at);

DELETE FROM sqlite_sequence WHERE name = 'schedule_overrides';
INSERT INTO sqlite_sequence(name, seq)
    SELECT 'schedule_overrides', max(
        (SELECT coalesce(max(id), 0) FROM schedule_overrides),
        (SELECT coalesce(max(CAST(substr(object, 10) AS INTEGER)), 0) FROM audit_log
          WHERE object LIKE 'override:%' AND substr(object, 10) GLOB '[0-9]*'));

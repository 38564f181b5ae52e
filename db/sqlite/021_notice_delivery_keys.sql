-- A notice's messages are keyed by a digest of the whole recipient tuple
-- (src/store/store.c: store_notice_key), so two recipients can no longer
-- share an idempotency key. The table is rebuilt for its constraints:
-- one delivery per (notice, tenant, channel, address) - a contact address
-- that happens to equal the tenant's webhook URL is two messages, not a
-- conflict - and one delivery per outbox message, so a delivery can never
-- stand for another recipient's message.
CREATE TABLE notice_deliveries_021 (
    id        INTEGER PRIMARY KEY,
    notice_id INTEGER NOT NULL REFERENCES notices(id),
    tenant    TEXT    NOT NULL,
    channel   TEXT    NOT NULL,                -- email, webhook
    address   TEXT    NOT NULL,
    outbox_id INTEGER NOT NULL UNIQUE REFERENCES outbox(id),
    UNIQUE (notice_id, tenant, channel, address)
);
INSERT INTO notice_deliveries_021(id, notice_id, tenant, channel, address, outbox_id)
    SELECT id, notice_id, tenant, channel, address, outbox_id FROM notice_deliveries;
DROP TABLE notice_deliveries;
ALTER TABLE notice_deliveries_021 RENAME TO notice_deliveries;

-- Two-person release (notices.two_person) is decided by every severity
-- the incident has had since the notice was composed, not by its
-- severity at release: lowering it to release alone and raising it again
-- lifts nothing. severities lists them as ",sev1,sev3,"; the triggers
-- keep it whatever changes the severity. A notice composed before this
-- migration starts from its incident's severity now.
ALTER TABLE notices ADD COLUMN severities TEXT NOT NULL DEFAULT '';
UPDATE notices SET severities = ',' || (SELECT severity FROM incidents WHERE id = notices.incident_id) || ','
 WHERE released_at = 0;
CREATE TRIGGER notices_severity_at_compose AFTER INSERT ON notices
BEGIN
    UPDATE notices SET severities = ',' || (SELECT severity FROM incidents WHERE id = NEW.incident_id) || ','
     WHERE id = NEW.id;
END;
CREATE TRIGGER notices_severity_since_compose AFTER UPDATE OF severity ON incidents
BEGIN
    UPDATE notices SET severities = severities || NEW.severity || ','
     WHERE incident_id = NEW.id AND released_at = 0 AND instr(severities, ',' || NEW.severity || ',') = 0;
END;

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

-- Tenants: the customers whose data an incident may touch, with who to
-- tell and what applies to them. The body is the validated JSON document
-- (contacts, webhook, jurisdictions, sectors, data categories, contract
-- notification hours); name and the follow-up flag are columns of their own.
CREATE TABLE tenants (
    rid            INTEGER PRIMARY KEY,
    id             TEXT    NOT NULL UNIQUE,
    name           TEXT    NOT NULL,
    body           TEXT    NOT NULL,
    needs_followup INTEGER NOT NULL DEFAULT 0,  -- a contact bounced: someone must act
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);

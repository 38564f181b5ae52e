-- How many affected people live in each jurisdiction, per incident: the
-- counts the rules' thresholds turn on ("more than 500 residents of a
-- State", 45 CFR 164.406; "at least 250 Texas residents", Tex. Bus. &
-- Com. Code 521.053(i)). Replaced as a whole by a scope change; a
-- jurisdiction not listed is unknown, not zero.
CREATE TABLE incident_residents (
    incident_id  INTEGER NOT NULL REFERENCES incidents(id),
    jurisdiction TEXT    NOT NULL,              -- a residence code: US-CA, DE
    residents    INTEGER NOT NULL CHECK (residents >= 0),
    PRIMARY KEY (incident_id, jurisdiction)
);

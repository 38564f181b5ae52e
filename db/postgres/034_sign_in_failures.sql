-- Failed sign-ins, counted for the whole cluster: every node reads and
-- writes these rows, so a limit holds whichever node is asked. A key
-- ("u:NAME", "a:ADDRESS") hashes into one of 4096 slots, so a flood of
-- made-up names cannot grow the table; keys that share a slot share its
-- count, which can only make the limit stricter.
CREATE TABLE sign_in_failures (
    slot         BIGINT PRIMARY KEY CHECK (slot >= 0 AND slot < 4096),
    window_start BIGINT  NOT NULL,           -- the first failure of the window
    failures     BIGINT  NOT NULL
);

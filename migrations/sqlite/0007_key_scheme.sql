-- Which blocking-key scheme (`matching::blocking::SCHEME`) the rows of
-- link_keys were made with. Stores made before this table hold scheme 1;
-- opening a store whose scheme is older re-makes every link's keys from its
-- match_data, in one transaction.
CREATE TABLE key_scheme (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO key_scheme (id, version) VALUES (1, 1);

-- Record linkage: per-record blocking keys and normalised forms, merges,
-- splits and their lineage, the steward's review queue, trained weights.

-- Keys now belong to each departmental record, not to the customer, so a
-- merge or split moves a record's keys with its link.
DROP TABLE match_keys;

ALTER TABLE links ADD COLUMN match_data TEXT NOT NULL DEFAULT '{}';

CREATE TABLE link_keys (
    match_key TEXT NOT NULL,
    system    TEXT NOT NULL,
    local_id  TEXT NOT NULL,
    PRIMARY KEY (match_key, system, local_id),
    FOREIGN KEY (system, local_id) REFERENCES links (system, local_id)
);
CREATE INDEX link_keys_link ON link_keys (system, local_id);

-- A merged customer keeps its row (history) and points at its survivor.
ALTER TABLE customers ADD COLUMN merged_into TEXT REFERENCES customers (id);
ALTER TABLE customers ADD COLUMN merged_at TEXT;

-- Every merge and split, with the links it moved.
CREATE TABLE lineage (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,   -- merge | split
    customer_id TEXT NOT NULL,   -- merge: the survivor; split: the source
    other_id    TEXT NOT NULL,   -- merge: the merged; split: the new customer
    links       TEXT NOT NULL,   -- JSON [{system, local_id}]
    reason      TEXT NOT NULL,
    decided_by  TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX lineage_customer ON lineage (customer_id);
CREATE INDEX lineage_other ON lineage (other_id);

CREATE TABLE review_tasks (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL UNIQUE,
    customer_id  TEXT NOT NULL,  -- the customer created for the new record
    candidate_id TEXT NOT NULL,  -- the known customer it may be
    score        REAL NOT NULL,
    explanation  TEXT NOT NULL,  -- JSON: field-by-field levels and weights
    status       TEXT NOT NULL,  -- open | same_person | different_people | obsolete
    created_at   TEXT NOT NULL,
    resolved_by  TEXT,
    resolved_at  TEXT
);
CREATE INDEX review_tasks_status ON review_tasks (status, seq);

-- Pairs a steward decided are different people: never proposed again.
CREATE TABLE distinct_pairs (
    customer_a TEXT NOT NULL,
    customer_b TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    at         TEXT NOT NULL,
    PRIMARY KEY (customer_a, customer_b)
);

CREATE TABLE match_weights (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    weights    TEXT NOT NULL,    -- JSON
    pairs      INTEGER NOT NULL, -- candidate pairs the estimate used
    trained_at TEXT NOT NULL
);

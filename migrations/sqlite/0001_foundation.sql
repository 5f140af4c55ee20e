-- The customer record, its links, matching keys, idempotency, audit and outbox.

CREATE TABLE customers (
    id            TEXT PRIMARY KEY,
    given_name    TEXT NOT NULL,
    middle_name   TEXT,
    family_name   TEXT NOT NULL,
    date_of_birth TEXT NOT NULL,
    gender        TEXT NOT NULL,
    address_lines TEXT NOT NULL, -- JSON array of strings
    town          TEXT,
    postcode      TEXT NOT NULL,
    uprn          TEXT,
    version       INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE previous_addresses (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id   TEXT NOT NULL REFERENCES customers (id),
    address_lines TEXT NOT NULL,
    town          TEXT,
    postcode      TEXT NOT NULL,
    uprn          TEXT,
    until         TEXT NOT NULL
);
CREATE INDEX previous_addresses_customer ON previous_addresses (customer_id);

-- One departmental (system, local_id) belongs to exactly one customer.
CREATE TABLE links (
    system      TEXT NOT NULL,
    local_id    TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    linked_at   TEXT NOT NULL,
    method      TEXT NOT NULL,
    confidence  REAL NOT NULL,
    record      TEXT NOT NULL, -- JSON: the departmental record as last submitted
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (system, local_id)
);
CREATE INDEX links_customer ON links (customer_id);

CREATE TABLE match_keys (
    match_key   TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    PRIMARY KEY (match_key, customer_id)
);
CREATE INDEX match_keys_customer ON match_keys (customer_id);

-- Idempotency: the first answer to each (scope, request_id).
CREATE TABLE requests (
    scope       TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    response    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (scope, request_id)
);

CREATE TABLE audit_log (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    caller      TEXT NOT NULL,
    role        TEXT NOT NULL,
    operation   TEXT NOT NULL,
    customer_id TEXT,
    purpose     TEXT
);
CREATE INDEX audit_log_customer ON audit_log (customer_id);

CREATE TABLE outbox (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id    TEXT NOT NULL UNIQUE,
    customer_id TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    data        TEXT NOT NULL,
    occurred_at TEXT NOT NULL
);

CREATE TABLE callers (
    name         TEXT PRIMARY KEY,
    role         TEXT NOT NULL,
    system       TEXT,
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    revoked_at   TEXT
);

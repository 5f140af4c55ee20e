-- Identity verification: facts held only as salted hashes, attempts counted
-- for the lockout, and the lockouts themselves. (The search index itself is
-- derived data kept outside the database; it follows the outbox.)

CREATE TABLE verification_facts (
    customer_id TEXT NOT NULL,
    kind        TEXT NOT NULL,
    salt        TEXT NOT NULL,
    hash        TEXT NOT NULL,
    set_at      TIMESTAMPTZ NOT NULL,
    set_by      TEXT NOT NULL,
    PRIMARY KEY (customer_id, kind)
);

CREATE TABLE verification_attempts (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    succeeded   BOOLEAN NOT NULL
);
CREATE INDEX verification_attempts_customer ON verification_attempts (customer_id, at);

CREATE TABLE verification_locks (
    customer_id  TEXT PRIMARY KEY,
    locked_at    TIMESTAMPTZ NOT NULL,
    locked_until TIMESTAMPTZ NOT NULL
);

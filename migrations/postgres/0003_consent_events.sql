-- Consent to share address changes, per customer and system, as a history:
-- the newest entry for (customer, system, scope) is in force.
CREATE TABLE consent_events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id TEXT NOT NULL,
    system      TEXT NOT NULL,
    scope       TEXT NOT NULL,
    granted     BOOLEAN NOT NULL,
    channel     TEXT NOT NULL,
    reference   TEXT NOT NULL,
    captured_by TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX consent_events_customer ON consent_events (customer_id, id);

-- Each outbox row is one event for one receiving system.
ALTER TABLE outbox ADD COLUMN system TEXT NOT NULL DEFAULT '';
CREATE INDEX outbox_system ON outbox (system, seq);

-- A subscriber system's durable cursor: the last sequence it acknowledged.
CREATE TABLE subscriber_cursors (
    system     TEXT PRIMARY KEY,
    acked_seq  BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- How far a dispatcher (e.g. the NATS bridge) has delivered the outbox.
CREATE TABLE dispatch_cursors (
    name       TEXT PRIMARY KEY,
    seq        BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- Privacy: minors' restricted records, need-to-know grants, processing
-- restriction, legal holds, erasure tombstones, objections, and the audit
-- log's hash chain.

-- JSON of the lawful exception a minor's record is held on; NULL for adults.
ALTER TABLE customers ADD COLUMN minor_basis TEXT;
ALTER TABLE customers ADD COLUMN processing_restricted BOOLEAN NOT NULL DEFAULT FALSE;
-- JSON of the legal hold in force; NULL when none.
ALTER TABLE customers ADD COLUMN legal_hold TEXT;

CREATE TABLE need_to_know_grants (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id TEXT NOT NULL,
    grantee     TEXT NOT NULL,
    reason      TEXT NOT NULL,
    granted_by  TEXT NOT NULL,
    granted_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ
);
CREATE INDEX need_to_know_customer ON need_to_know_grants (customer_id, grantee);

-- What is left of an erased customer: no personal data, only that the ID
-- was erased, when, why and by whom.
CREATE TABLE erasures (
    customer_id TEXT PRIMARY KEY,
    reason      TEXT NOT NULL,
    decided_by  TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL
);
-- SHA-256 of each erased departmental ID ("system/local_id"), so the next
-- feed cannot silently recreate the person; released by a DPO decision.
CREATE TABLE erased_links (
    link_hash   TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL
);

CREATE TABLE objections (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id TEXT NOT NULL,
    ground      TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX objections_customer ON objections (customer_id);

-- Hash chain: each entry's hash covers its fields and the previous hash.
-- Entries written before this migration have no hash and precede the chain.
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;
-- The chain's head, updated with every append: a deleted last entry or a
-- truncated log no longer matches it. Its row lock serialises appends.
CREATE TABLE audit_head (
    id       INTEGER PRIMARY KEY,
    entries  BIGINT NOT NULL,
    last_seq BIGINT NOT NULL,
    hash     TEXT NOT NULL
);
INSERT INTO audit_head (id, entries, last_seq, hash) VALUES (1, 0, 0, '');

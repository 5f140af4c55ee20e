-- The audit chain is keyed: each new entry's hash is an HMAC under an
-- audit key held outside the database, named by `key_id` (NULL for the
-- plain SHA-256 entries written before). The head is sealed the same way
-- and records where keying began, so keyed entries cannot be passed off
-- as older unkeyed ones.
ALTER TABLE audit_log ADD COLUMN key_id TEXT;
ALTER TABLE audit_head ADD COLUMN keyed_from BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_head ADD COLUMN key_id TEXT;
ALTER TABLE audit_head ADD COLUMN mac TEXT;

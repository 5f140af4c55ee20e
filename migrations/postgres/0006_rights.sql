-- Objections (right to object): what the person objects to, and when the
-- objection was withdrawn. Rows from before this migration were recorded
-- for the DPO's decision only.
ALTER TABLE objections ADD COLUMN scope TEXT NOT NULL DEFAULT 'all_processing';
ALTER TABLE objections ADD COLUMN withdrawn_at TIMESTAMPTZ;
ALTER TABLE objections ADD COLUMN withdrawn_by TEXT;

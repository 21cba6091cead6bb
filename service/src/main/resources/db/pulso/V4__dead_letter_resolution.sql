-- A sale dead-lettered for an unknown product counts once its product is mapped and the real-time
-- figures are rebuilt: its letter is then resolved (kept for the record, no longer a reason to rebuild).
ALTER TABLE dead_letters ADD COLUMN resolved_at timestamptz;

-- A dead letter is identified by the source position of its change (SourcePosition#toString): the
-- capture may decode the same transaction again after a crash, and must not file it twice.
ALTER TABLE dead_letters ADD COLUMN source_position text;
CREATE UNIQUE INDEX dead_letters_source_position_idx ON dead_letters (source_position);

-- The opId of the push operation that produced each document's current version, so that a pulled
-- change (and a conflict's current document) lets the writer recognise its own write after a lost
-- acknowledgement. Rows written before this column existed keep null: nobody can claim them.
ALTER TABLE documents ADD COLUMN op_id TEXT;

-- Document data as the JSON text the client sent, not JSONB. JSONB normalises numbers (1e300 comes
-- back as 301 digits, so a small push can pull back megabytes), reorders keys, and refuses values
-- (lone surrogates, numbers beyond its range) with an error that failed the whole push. The server
-- now validates data the same way for both stores (StorableData) and both keep the text as sent.
-- Nothing queries or indexes inside data; operators can still cast: data::jsonb.
-- Rewrites the documents table under an exclusive lock: on a large table, run it in a quiet hour.
ALTER TABLE documents ALTER COLUMN data TYPE TEXT USING data::text;

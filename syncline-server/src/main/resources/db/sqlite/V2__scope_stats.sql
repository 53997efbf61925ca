-- What the admin overview reads without scanning documents: per scope, how many document rows
-- (tombstones included) and tombstones it holds and when it was last written (server time, epoch
-- milliseconds); per document, when its latest write committed. Kept by every push, under the
-- write lock, so they are exact.
ALTER TABLE scopes ADD COLUMN doc_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE scopes ADD COLUMN tombstone_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE scopes ADD COLUMN last_write_at INTEGER;
ALTER TABLE documents ADD COLUMN written_at INTEGER;

-- Existing data: count what is there; the last write time is the newest remembered opId (opIds
-- are kept for 7 days, so an older scope shows no time until its next write).
UPDATE scopes SET doc_count = c.n, tombstone_count = c.t
FROM (SELECT scope, COUNT(*) AS n, SUM(CASE WHEN deleted <> 0 THEN 1 ELSE 0 END) AS t FROM documents GROUP BY scope) c
WHERE scopes.scope = c.scope;
UPDATE scopes SET last_write_at = a.t
FROM (SELECT scope, MAX(applied_at) AS t FROM applied_ops GROUP BY scope) a
WHERE scopes.scope = a.scope;

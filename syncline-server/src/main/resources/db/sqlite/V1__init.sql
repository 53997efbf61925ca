-- Syncline server schema, embedded SQLite.
CREATE TABLE syncline_meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Head of each scope's change feed; its row is the scope's write lock.
CREATE TABLE scopes (
    scope TEXT PRIMARY KEY,
    head  INTEGER NOT NULL
);

-- Latest state of every document; seq is the feed position of its latest write.
CREATE TABLE documents (
    scope      TEXT    NOT NULL,
    type       TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    deleted    INTEGER NOT NULL,
    data       TEXT,
    hlc        TEXT    NOT NULL,
    updated_by TEXT    NOT NULL,
    seq        INTEGER NOT NULL,
    PRIMARY KEY (scope, type, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX documents_feed ON documents (scope, seq);

-- Applied opIds, kept for idempotent replays until retention cleanup.
CREATE TABLE applied_ops (
    op_id      TEXT PRIMARY KEY,
    scope      TEXT    NOT NULL,
    type       TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    applied_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX applied_ops_age ON applied_ops (applied_at);

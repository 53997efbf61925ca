package dev.syncline.client.internal.store;

import java.util.List;

/**
 * The local store's schema, as an ordered list of migrations. Migration {@code n} (1-based) moves
 * a file from {@code PRAGMA user_version = n-1} to {@code n}. Never edit a released migration;
 * append a new one.
 */
final class Migrations {
    private Migrations() {
    }

    // Write cost matters (every save touches these tables in one transaction), so each b-tree here
    // earns its place: documents are clustered by (type, scope, id), which serves both the key
    // lookup and per-type listing; the outbox's seq is the rowid (queue order; a reused number
    // after deleting the newest row still sorts after every remaining row).
    static final List<List<String>> ALL = List.of(
            // 1: documents with their sync metadata, outbox, cursors, conflicts, meta, policies, indexes.
            List.of(
                    """
                    CREATE TABLE meta (
                      key   TEXT PRIMARY KEY,
                      value TEXT NOT NULL
                    ) WITHOUT ROWID""",
                    """
                    CREATE TABLE documents (
                      scope          TEXT    NOT NULL,
                      type           TEXT    NOT NULL,
                      id             TEXT    NOT NULL,
                      data           TEXT,
                      deleted        INTEGER NOT NULL DEFAULT 0,
                      version        INTEGER NOT NULL DEFAULT 0,
                      base_version   INTEGER,
                      base_data      TEXT,
                      last_modified  TEXT    NOT NULL,
                      last_sync_time INTEGER,
                      needs_sync     INTEGER NOT NULL,
                      sync_status    TEXT    NOT NULL,
                      retry_count    INTEGER NOT NULL DEFAULT 0,
                      sync_error     TEXT,
                      PRIMARY KEY (type, scope, id)
                    ) WITHOUT ROWID""",
                    "CREATE INDEX documents_unsynced ON documents (sync_status, type) WHERE sync_status <> 'synced'",
                    """
                    CREATE TABLE outbox (
                      seq             INTEGER PRIMARY KEY,
                      op_id           TEXT    NOT NULL UNIQUE,
                      scope           TEXT    NOT NULL,
                      type            TEXT    NOT NULL,
                      id              TEXT    NOT NULL,
                      op_type         TEXT    NOT NULL,
                      priority        INTEGER NOT NULL,
                      base_version    INTEGER NOT NULL,
                      data            TEXT,
                      hlc             TEXT    NOT NULL,
                      state           TEXT    NOT NULL,
                      attempts        INTEGER NOT NULL DEFAULT 0,
                      next_attempt_at INTEGER NOT NULL DEFAULT 0,
                      error           TEXT,
                      created_at      INTEGER NOT NULL,
                      updated_at      INTEGER NOT NULL
                    )""",
                    "CREATE INDEX outbox_entity ON outbox (scope, type, id, seq)",
                    "CREATE INDEX outbox_queue ON outbox (state, priority, seq)",
                    """
                    CREATE TABLE cursors (
                      scope      TEXT PRIMARY KEY,
                      cursor     TEXT    NOT NULL,
                      updated_at INTEGER NOT NULL
                    ) WITHOUT ROWID""",
                    """
                    CREATE TABLE conflicts (
                      conflict_id    TEXT PRIMARY KEY,
                      scope          TEXT    NOT NULL,
                      type           TEXT    NOT NULL,
                      id             TEXT    NOT NULL,
                      conflict_type  TEXT    NOT NULL,
                      local_data     TEXT,
                      remote_data    TEXT,
                      base_data      TEXT,
                      remote_version INTEGER NOT NULL,
                      created_at     INTEGER NOT NULL,
                      UNIQUE (scope, type, id)
                    )""",
                    """
                    CREATE TABLE type_policies (
                      type     TEXT PRIMARY KEY,
                      strategy TEXT NOT NULL
                    ) WITHOUT ROWID""",
                    """
                    CREATE TABLE field_indexes (
                      type  TEXT NOT NULL,
                      field TEXT NOT NULL,
                      PRIMARY KEY (type, field)
                    ) WITHOUT ROWID"""),
            // 2: the sync engine: what each open conflict was decided by, and a log of settled ones
            // (a write that lost a conflict is still on record).
            List.of(
                    "ALTER TABLE conflicts ADD COLUMN local_hlc TEXT",
                    "ALTER TABLE conflicts ADD COLUMN remote_hlc TEXT",
                    "ALTER TABLE conflicts ADD COLUMN base_version INTEGER NOT NULL DEFAULT 0",
                    """
                    CREATE TABLE conflict_log (
                      seq           INTEGER PRIMARY KEY,
                      conflict_id   TEXT    NOT NULL,
                      scope         TEXT    NOT NULL,
                      type          TEXT    NOT NULL,
                      id            TEXT    NOT NULL,
                      conflict_type TEXT    NOT NULL,
                      resolved_by   TEXT    NOT NULL,
                      local_data    TEXT,
                      remote_data   TEXT,
                      base_data     TEXT,
                      result_data   TEXT,
                      result_deleted INTEGER NOT NULL,
                      remote_version INTEGER NOT NULL,
                      resolved_at   INTEGER NOT NULL
                    )"""),
            // 3: pull progress per scope, beside the one opaque cursor: the highest feed position
            // (seq) of each scope that the stored cursor has moved past, and when that page was
            // applied. Written in each pulled page's transaction.
            List.of(
                    """
                    CREATE TABLE pull_progress (
                      scope          TEXT PRIMARY KEY,
                      seq            INTEGER NOT NULL,
                      last_pulled_at INTEGER NOT NULL
                    ) WITHOUT ROWID"""),
            // 4: a record of failed operations the app discarded (and the later operations of their
            // documents that went with them), so a write given up on is still on record.
            List.of(
                    """
                    CREATE TABLE discard_log (
                      seq              INTEGER PRIMARY KEY,
                      op_id            TEXT    NOT NULL,
                      scope            TEXT    NOT NULL,
                      type             TEXT    NOT NULL,
                      id               TEXT    NOT NULL,
                      op_type          TEXT    NOT NULL,
                      base_version     INTEGER NOT NULL,
                      data             TEXT,
                      error            TEXT,
                      failed_op_id     TEXT    NOT NULL,
                      restored_version INTEGER,
                      discarded_at     INTEGER NOT NULL
                    )"""),
            // 5: recognising the echo of the replica's own writes. `sent` marks an operation that
            // may have reached the server (it was claimed for a push): from then on it keeps its
            // opId and data, and a pulled change can be its echo. `deferred_changes` keeps the
            // newest pulled state of a document whose pending change could not be settled yet
            // (its own operation's fate was unknown), so the state is not lost when the cursor
            // moves past it.
            List.of(
                    "ALTER TABLE outbox ADD COLUMN sent INTEGER NOT NULL DEFAULT 0",
                    "UPDATE outbox SET sent = 1 WHERE attempts > 0 OR state <> 'pending'",
                    """
                    CREATE TABLE deferred_changes (
                      scope   TEXT    NOT NULL,
                      type    TEXT    NOT NULL,
                      id      TEXT    NOT NULL,
                      version INTEGER NOT NULL,
                      change  TEXT    NOT NULL,
                      PRIMARY KEY (scope, type, id)
                    ) WITHOUT ROWID"""));
}

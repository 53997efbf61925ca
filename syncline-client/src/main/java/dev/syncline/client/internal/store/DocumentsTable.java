package dev.syncline.client.internal.store;

import dev.syncline.client.spi.storage.StorageRows;
import dev.syncline.client.spi.storage.StorageStatement;
import dev.syncline.core.SyncMetadata;
import dev.syncline.core.SyncStatus;
import java.time.Instant;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The one writer of the {@code documents} table: every INSERT, UPDATE and DELETE of a document
 * row, with its sync metadata, is here. Local writes ({@link LocalStore}), the outbox's claims,
 * acknowledgements and failures ({@code Outbox}) and pulled or resolved values ({@code SyncEngine},
 * {@code Conflicts}) call it inside their own write transaction. A new local document gets
 * {@link SyncMetadata#initial()}, a pulled one {@link SyncMetadata#fromRemote}.
 *
 * <p>Every method that changes a row queues its {@link DocumentChanged} (see {@link Rows}), so
 * watchers see each committed state, except {@link #writeLocal} and {@link #delete}, whose
 * caller emits (it decides in the same transaction whether the row stays).
 *
 * <p>Concurrency: stateless; every method runs inside the caller's {@link Database.Tx}.
 */
public final class DocumentsTable {
    /**
     * The rows of an acknowledgement's JSON parameter, as a sub-select: scope {@code s}, type
     * {@code t}, id {@code i}, queue seq {@code q}, server version {@code v}, opId {@code op}.
     */
    public static final String ACKED_ROWS = "(SELECT json_extract(value, '$[0]') AS s, json_extract(value, '$[1]') AS t,"
            + " json_extract(value, '$[2]') AS i, json_extract(value, '$[3]') AS q, json_extract(value, '$[4]') AS v,"
            + " json_extract(value, '$[5]') AS op FROM json_each(?))";

    private DocumentsTable() {
    }

    /**
     * Writes a local change: a new row gets {@link SyncMetadata#initial()} (version 0, pending);
     * an existing one keeps its version and is marked pending (an {@code error} or
     * {@code conflict} badge stays until that is settled).
     *
     * @param json the new data, or null for a tombstone
     * @param baseVersion the server version the change was made on
     * @param baseData the server data the change was made on
     * @param stamp the write's HLC stamp
     * @return the row as written
     */
    public static StoredDocument writeLocal(Database.Tx tx, String scope, String type, String id, String json,
            long baseVersion, String baseData, String stamp) {
        SyncMetadata initial = SyncMetadata.initial();
        StorageStatement up = tx.prepare("INSERT INTO documents (scope, type, id, data, deleted, version,"
                + " base_version, base_data, last_modified, needs_sync, sync_status, retry_count)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT (scope, type, id) DO UPDATE SET data = excluded.data, deleted = excluded.deleted,"
                + " base_version = excluded.base_version, base_data = excluded.base_data,"
                + " last_modified = excluded.last_modified, needs_sync = 1,"
                + " sync_status = CASE WHEN sync_status IN ('error', 'conflict') THEN sync_status ELSE 'pending' END"
                + " RETURNING " + Rows.DOCUMENT_COLUMNS);
        up.setString(1, scope);
        up.setString(2, type);
        up.setString(3, id);
        up.setString(4, json);
        up.setInt(5, json == null ? 1 : 0);
        up.setLong(6, initial.version());
        up.setLong(7, baseVersion);
        up.setString(8, baseData);
        up.setString(9, stamp);
        up.setInt(10, initial.needsSync() ? 1 : 0);
        up.setString(11, initial.syncStatus().wire());
        up.setInt(12, initial.retryCount());
        try (StorageRows rs = up.executeQuery()) {
            rs.next();
            return Rows.document(rs);
        }
    }

    /** Deletes the row; the caller emits its {@link DocumentChanged}. */
    public static void delete(Database.Tx tx, String scope, String type, String id) {
        StorageStatement del = tx.prepare("DELETE FROM documents WHERE scope = ? AND type = ? AND id = ?");
        del.setString(1, scope);
        del.setString(2, type);
        del.setString(3, id);
        del.executeUpdate();
    }

    /** Removes the local row (the server has no such document) and tells watchers. */
    public static void remove(Database.Tx tx, String scope, String type, String id) {
        delete(tx, scope, type, id);
        Rows.emitCurrent(tx, scope, type, id);
    }

    /**
     * Makes the local row equal the server's state (data or tombstone at {@code version}), with
     * {@link SyncMetadata#fromRemote} metadata, synced at {@code now}.
     *
     * @param dataJson null for a tombstone
     * @param hlc the server write's stamp (null: unknown)
     */
    public static void setSynced(Database.Tx tx, String scope, String type, String id, String dataJson, long version,
            String hlc, long now) {
        SyncMetadata remote = SyncMetadata.fromRemote(version, hlc == null ? "" : hlc)
                .withLastSyncTime(Instant.ofEpochMilli(now));
        StorageStatement ps = tx.prepare("INSERT INTO documents (scope, type, id, data, deleted, version, base_version,"
                + " base_data, last_modified, last_sync_time, needs_sync, sync_status, retry_count, sync_error)"
                + " VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT (type, scope, id) DO UPDATE SET data = excluded.data, deleted = excluded.deleted,"
                + " version = excluded.version, base_version = NULL, base_data = NULL, last_modified = excluded.last_modified,"
                + " last_sync_time = excluded.last_sync_time, needs_sync = excluded.needs_sync,"
                + " sync_status = excluded.sync_status, retry_count = excluded.retry_count,"
                + " sync_error = excluded.sync_error" + Rows.returning(tx));
        ps.setString(1, scope);
        ps.setString(2, type);
        ps.setString(3, id);
        ps.setString(4, dataJson);
        ps.setInt(5, dataJson == null ? 1 : 0);
        ps.setLong(6, remote.version());
        ps.setString(7, remote.lastModified());
        ps.setLong(8, remote.lastSyncTime().toEpochMilli());
        ps.setInt(9, remote.needsSync() ? 1 : 0);
        ps.setString(10, remote.syncStatus().wire());
        ps.setInt(11, remote.retryCount());
        ps.setString(12, remote.syncError());
        Rows.emitReturned(tx, ps);
    }

    /**
     * Puts the local row back to the server state it last knew ({@code dataJson} at
     * {@code version}; null data for a tombstone), synced, with no error. Unlike
     * {@link #setSynced} it keeps {@code lastSyncTime}: nothing was exchanged with the server.
     *
     * @param hlc the local stamp of this change to the row
     */
    public static void restore(Database.Tx tx, String scope, String type, String id, String dataJson, long version,
            String hlc) {
        StorageStatement ps = tx.prepare("UPDATE documents SET data = ?, deleted = ?, version = ?, base_version = NULL,"
                + " base_data = NULL, last_modified = ?, needs_sync = 0, sync_status = 'synced', retry_count = 0,"
                + " sync_error = NULL WHERE scope = ? AND type = ? AND id = ?");
        ps.setString(1, dataJson);
        ps.setInt(2, dataJson == null ? 1 : 0);
        ps.setLong(3, version);
        ps.setString(4, hlc);
        ps.setString(5, scope);
        ps.setString(6, type);
        ps.setString(7, id);
        ps.executeUpdate();
        Rows.emitCurrent(tx, scope, type, id);
    }

    /**
     * Sets the local row to a resolved value that waits to be pushed on top of the server's
     * {@code remoteVersion}.
     *
     * @param dataJson null for a delete
     * @param remoteData the server's data at {@code remoteVersion} (the new merge base)
     */
    public static void setResolvedPending(Database.Tx tx, String scope, String type, String id, String dataJson,
            long remoteVersion, String remoteData, String hlc) {
        StorageStatement ps = tx.prepare("INSERT INTO documents (scope, type, id, data, deleted, version, base_version,"
                + " base_data, last_modified, needs_sync, sync_status, retry_count)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 'pending', 0)"
                + " ON CONFLICT (type, scope, id) DO UPDATE SET data = excluded.data, deleted = excluded.deleted,"
                + " version = excluded.version, base_version = excluded.base_version, base_data = excluded.base_data,"
                + " last_modified = excluded.last_modified, needs_sync = 1, sync_status = 'pending', retry_count = 0,"
                + " sync_error = NULL");
        ps.setString(1, scope);
        ps.setString(2, type);
        ps.setString(3, id);
        ps.setString(4, dataJson);
        ps.setInt(5, dataJson == null ? 1 : 0);
        ps.setLong(6, remoteVersion);
        ps.setLong(7, remoteVersion);
        ps.setString(8, remoteData);
        ps.setString(9, hlc);
        ps.executeUpdate();
        Rows.emitCurrent(tx, scope, type, id);
    }

    /** Marks the document {@code conflict} (its open conflict was just parked) and tells watchers. */
    public static void markConflict(Database.Tx tx, String scope, String type, String id) {
        StorageStatement doc = tx.prepare("UPDATE documents SET sync_status = 'conflict', needs_sync = 1"
                + " WHERE scope = ? AND type = ? AND id = ?");
        doc.setString(1, scope);
        doc.setString(2, type);
        doc.setString(3, id);
        doc.executeUpdate();
        Rows.emitCurrent(tx, scope, type, id);
    }

    /**
     * Marks the documents of claimed operations {@code syncing} (when pending), with no error
     * and their operation's attempts as the retry count, in one statement.
     *
     * @param docsJson a JSON array of {@code [scope, type, id, attempts]} rows
     */
    public static void markSyncing(Database.Tx tx, String docsJson) {
        StorageStatement mark = tx.prepare("UPDATE documents SET sync_status = CASE WHEN sync_status = 'pending'"
                + " THEN 'syncing' ELSE sync_status END, sync_error = NULL, retry_count = a.n FROM (SELECT"
                + " json_extract(value, '$[0]') AS s, json_extract(value, '$[1]') AS t, json_extract(value, '$[2]') AS i,"
                + " json_extract(value, '$[3]') AS n FROM json_each(?)) AS a"
                + " WHERE documents.type = a.t AND documents.scope = a.s AND documents.id = a.i"
                + Rows.returning(tx));
        mark.setString(1, docsJson);
        Rows.emitReturned(tx, mark);
    }

    /**
     * Records acknowledged operations on their documents, in one statement: a document with
     * nothing more queued ({@code outstanding}, a SQL condition on the outbox row {@code l}) is
     * synced at the new version; one with a later change still queued keeps it, and the
     * acknowledged data becomes that change's new base.
     *
     * @param ackedJson the rows of {@link #ACKED_ROWS}
     * @param outstanding the condition that an outbox row {@code l} is still outstanding
     */
    public static void acknowledged(Database.Tx tx, String ackedJson, String outstanding, long now) {
        StorageStatement doc = tx.prepare("UPDATE documents SET version = a.v, last_sync_time = ?, retry_count = 0,"
                + " sync_error = NULL, needs_sync = CASE WHEN a.later THEN needs_sync ELSE 0 END,"
                + " base_version = CASE WHEN a.later THEN a.v END,"
                + " base_data = CASE WHEN a.later THEN (SELECT data FROM outbox WHERE op_id = a.op) END,"
                + " sync_status = CASE WHEN a.later THEN"
                + " (CASE WHEN sync_status IN ('conflict', 'error') THEN sync_status ELSE 'pending' END)"
                + " ELSE (CASE WHEN sync_status = 'conflict' THEN 'conflict' ELSE 'synced' END) END"
                + " FROM (SELECT r.*, EXISTS (SELECT 1 FROM outbox l WHERE l.scope = r.s AND l.type = r.t"
                + " AND l.id = r.i AND l.seq > r.q AND " + outstanding + ") AS later FROM " + ACKED_ROWS + " AS r) AS a"
                + " WHERE documents.type = a.t AND documents.scope = a.s AND documents.id = a.i"
                + Rows.returning(tx));
        doc.setLong(1, now);
        doc.setString(2, ackedJson);
        Rows.emitReturned(tx, doc);
    }

    /**
     * Sets the badge of a document whose operation failed, was released or retried: to
     * {@code status} when it is one of {@code onlyWhen} (else it keeps its badge), with the
     * error and retry count, and tells watchers.
     */
    public static void setStatus(Database.Tx tx, String scope, String type, String id, SyncStatus status,
            Set<SyncStatus> onlyWhen, String error, int retryCount) {
        String when = onlyWhen.stream().map(s -> "'" + s.wire() + "'").sorted().collect(Collectors.joining(", "));
        StorageStatement ps = tx.prepare("UPDATE documents SET sync_status = CASE WHEN sync_status IN (" + when + ")"
                + " THEN ? ELSE sync_status END, sync_error = ?, retry_count = ? WHERE scope = ? AND type = ? AND id = ?");
        ps.setString(1, status.wire());
        ps.setString(2, error);
        ps.setInt(3, retryCount);
        ps.setString(4, scope);
        ps.setString(5, type);
        ps.setString(6, id);
        ps.executeUpdate();
        Rows.emitCurrent(tx, scope, type, id);
    }
}

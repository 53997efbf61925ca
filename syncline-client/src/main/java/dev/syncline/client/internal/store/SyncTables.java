package dev.syncline.client.internal.store;

import dev.syncline.client.spi.storage.StorageConnection;
import dev.syncline.client.spi.storage.StorageRows;
import dev.syncline.client.spi.storage.StorageStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The sync engine's tables and their one writer: the conflict inbox ({@code conflicts}), the pull
 * cursor ({@code cursors}), the pull progress per scope ({@code pull_progress}) and pulled changes
 * waiting to be settled ({@code deferred_changes}); plus the reads a conflict is decided from.
 * Document rows are written by {@link DocumentsTable}, the conflict log by {@link LogTables}.
 *
 * <p>Concurrency: stateless; the {@code Tx} methods run inside the caller's write transaction.
 */
public final class SyncTables {
    /** Key of the one cursor row: the server's cursor covers every scope of the token. */
    public static final String ALL_SCOPES = "*";

    private SyncTables() {
    }

    /**
     * A document's local state as the conflict service needs it.
     *
     * @param exists false when there is no row
     * @param data JSON text, null for a tombstone
     * @param deleted tombstone flag
     * @param version the last server version seen
     * @param baseVersion the server version the pending change was made on
     * @param baseData the server data the pending change was made on
     * @param needsSync true while a local change waits
     * @param lastModified HLC of the last write
     * @param openConflict id of the open conflict of this document, or null
     */
    public record Local(boolean exists, String data, boolean deleted, long version, long baseVersion, String baseData,
            boolean needsSync, String lastModified, String openConflict) {
    }

    /**
     * An open conflict as stored.
     *
     * @param conflictId id
     * @param scope scope
     * @param type type
     * @param id id
     * @param conflictType wire name
     * @param localData local side (null: deleted)
     * @param remoteData remote side (null: deleted or absent)
     * @param baseData base (null: none)
     * @param remoteVersion the server version the conflict was found at
     * @param baseVersion the version the local change was made on
     * @param localHlc local stamp
     * @param remoteHlc remote stamp
     * @param createdAt epoch millis
     */
    public record ConflictRow(String conflictId, String scope, String type, String id, String conflictType,
            String localData, String remoteData, String baseData, long remoteVersion, long baseVersion, String localHlc,
            String remoteHlc, long createdAt) {
    }

    /** @return the local state of a document, read under the caller's transaction */
    public static Local local(StorageConnection c, String scope, String type, String id) {
        try (StorageStatement ps = c.prepare(LOCAL_SQL)) {
            return readLocal(c, ps, scope, type, id);
        }
    }

    /** @return the local state of a document, inside {@code tx} (cached statement) */
    public static Local local(Database.Tx tx, String scope, String type, String id) {
        return readLocal(tx.connection(), tx.prepare(LOCAL_SQL), scope, type, id);
    }

    private static final String LOCAL_SQL = "SELECT data, deleted, version, base_version, base_data, needs_sync,"
            + " last_modified, (SELECT conflict_id FROM conflicts k WHERE k.scope = d.scope AND k.type = d.type AND k.id = d.id)"
            + " FROM documents d WHERE scope = ? AND type = ? AND id = ?";

    private static Local readLocal(StorageConnection c, StorageStatement ps, String scope, String type, String id) {
        {
            ps.setString(1, scope);
            ps.setString(2, type);
            ps.setString(3, id);
            try (StorageRows rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return new Local(false, null, false, 0, 0, null, false, null, null); // a conflict is parked only on an existing row
                }
                boolean needsSync = rs.getInt(6) != 0;
                long version = rs.getLong(3);
                long baseVersion = rs.getLong(4);
                if (rs.isNull(4) || !needsSync) {
                    baseVersion = version;
                }
                String baseData = needsSync ? rs.getString(5) : rs.getString(1);
                return new Local(true, rs.getString(1), rs.getInt(2) != 0, version, baseVersion, baseData, needsSync,
                        rs.getString(7), rs.getString(8));
            }
        }
    }

    private static String openConflictId(StorageConnection c, String scope, String type, String id) {
        try (StorageStatement ps = c.prepare("SELECT conflict_id FROM conflicts WHERE scope = ? AND type = ? AND id = ?")) {
            ps.setString(1, scope);
            ps.setString(2, type);
            ps.setString(3, id);
            try (StorageRows rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** Parks (or refreshes) the open conflict of a document and marks the document {@code conflict}. */
    public static void park(Database.Tx tx, ConflictRow c) {
        StorageStatement ps = tx.prepare("INSERT INTO conflicts (conflict_id, scope, type, id, conflict_type, local_data,"
                + " remote_data, base_data, remote_version, created_at, local_hlc, remote_hlc, base_version)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT (scope, type, id) DO UPDATE SET conflict_type = excluded.conflict_type,"
                + " local_data = excluded.local_data, remote_data = excluded.remote_data,"
                + " remote_version = excluded.remote_version, local_hlc = excluded.local_hlc, remote_hlc = excluded.remote_hlc");
        ps.setString(1, c.conflictId());
        ps.setString(2, c.scope());
        ps.setString(3, c.type());
        ps.setString(4, c.id());
        ps.setString(5, c.conflictType());
        ps.setString(6, c.localData());
        ps.setString(7, c.remoteData());
        ps.setString(8, c.baseData());
        ps.setLong(9, c.remoteVersion());
        ps.setLong(10, c.createdAt());
        ps.setString(11, c.localHlc());
        ps.setString(12, c.remoteHlc());
        ps.setLong(13, c.baseVersion());
        ps.executeUpdate();
        DocumentsTable.markConflict(tx, c.scope(), c.type(), c.id());
        tx.emit(ConflictsChanged.INSTANCE);
    }

    /** Deletes an open conflict and writes what settled it to the log. */
    public static void settle(Database.Tx tx, ConflictRow c, String resolvedBy, String resultData, boolean resultDeleted,
            long now) {
        if (c.conflictId() != null) {
            StorageStatement del = tx.prepare("DELETE FROM conflicts WHERE conflict_id = ?");
            del.setString(1, c.conflictId());
            if (del.executeUpdate() > 0) {
                tx.emit(ConflictsChanged.INSTANCE);
            }
        }
        LogTables.logSettled(tx, c, resolvedBy, resultData, resultDeleted, now);
    }

    /** @return open conflicts, oldest first */
    public static List<ConflictRow> conflicts(Database db) {
        return db.read(c -> {
            try (StorageStatement ps = c.prepare(CONFLICT_SELECT + " ORDER BY created_at, conflict_id")) {
                return readConflicts(ps);
            }
        });
    }

    /** @return the open conflict {@code conflictId} */
    public static Optional<ConflictRow> conflict(Database db, String conflictId) {
        return db.read(c -> {
            try (StorageStatement ps = c.prepare(CONFLICT_SELECT + " WHERE conflict_id = ?")) {
                ps.setString(1, conflictId);
                List<ConflictRow> rows = readConflicts(ps);
                return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
            }
        });
    }

    /** @return the open conflict {@code conflictId}, read inside {@code tx} */
    public static Optional<ConflictRow> conflict(Database.Tx tx, String conflictId) {
        StorageStatement ps = tx.prepare(CONFLICT_SELECT + " WHERE conflict_id = ?");
        ps.setString(1, conflictId);
        List<ConflictRow> rows = readConflicts(ps);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    /**
     * A settled conflict from the log.
     *
     * @param conflictId id
     * @param scope scope
     * @param type type
     * @param id id
     * @param conflictType wire name
     * @param resolvedBy strategy or person
     * @param localData the local side
     * @param remoteData the remote side
     * @param resultData what was kept (null: deleted)
     */
    public record LoggedConflict(String conflictId, String scope, String type, String id, String conflictType,
            String resolvedBy, String localData, String remoteData, String resultData) {
    }

    /** @return every settled conflict, oldest first */
    public static List<LoggedConflict> conflictLog(Database db) {
        return db.read(c -> {
            try (StorageStatement ps = c.prepare("SELECT conflict_id, scope, type, id, conflict_type, resolved_by,"
                    + " local_data, remote_data, result_data FROM conflict_log ORDER BY seq")) {
                List<LoggedConflict> out = new ArrayList<>();
                try (StorageRows rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new LoggedConflict(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                                rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9)));
                    }
                }
                return out;
            }
        });
    }

    private static final String CONFLICT_SELECT = "SELECT conflict_id, scope, type, id, conflict_type, local_data,"
            + " remote_data, base_data, remote_version, base_version, local_hlc, remote_hlc, created_at FROM conflicts";

    private static List<ConflictRow> readConflicts(StorageStatement ps) {
        List<ConflictRow> out = new ArrayList<>();
        try (StorageRows rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new ConflictRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                        rs.getString(6), rs.getString(7), rs.getString(8), rs.getLong(9), rs.getLong(10), rs.getString(11),
                        rs.getString(12), rs.getLong(13)));
            }
        }
        return out;
    }

    /** @return the stored pull cursor, or null before the first pull */
    public static String cursor(Database db) {
        return db.read(c -> {
            try (StorageStatement ps = c.prepare("SELECT cursor FROM cursors WHERE scope = ?")) {
                ps.setString(1, ALL_SCOPES);
                try (StorageRows rs = ps.executeQuery()) {
                    return rs.next() ? rs.getString(1) : null;
                }
            }
        });
    }

    /**
     * Pull progress of one scope as stored.
     *
     * @param scope the scope
     * @param seq the highest feed position of the scope that the stored cursor has moved past
     * @param lastPulledAt epoch millis when the page that carried {@code seq} was applied
     */
    public record Progress(String scope, long seq, long lastPulledAt) {
    }

    /** @return pull progress of every scope a pull has brought changes of, by scope name */
    public static List<Progress> progress(Database db) {
        return db.read(c -> {
            try (StorageStatement ps = c.prepare("SELECT scope, seq, last_pulled_at FROM pull_progress ORDER BY scope");
                    StorageRows rs = ps.executeQuery()) {
                List<Progress> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(new Progress(rs.getString(1), rs.getLong(2), rs.getLong(3)));
                }
                return out;
            }
        });
    }

    /** @return the pulled seq of {@code scope}, or -1 when no pull has brought a change of it */
    public static long pulledSeq(Database db, String scope) {
        return db.read(c -> {
            try (StorageStatement ps = c.prepare("SELECT seq FROM pull_progress WHERE scope = ?")) {
                ps.setString(1, scope);
                try (StorageRows rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : -1L;
                }
            }
        });
    }

    /**
     * Records, inside the page's transaction, the highest seq the page carried for each scope.
     * The value is set, not raised: it describes the cursor stored in the same transaction.
     */
    public static void saveProgress(Database.Tx tx, java.util.Map<String, Long> seqByScope, long now) {
        if (seqByScope.isEmpty()) {
            return;
        }
        StorageStatement ps = tx.prepare("INSERT INTO pull_progress (scope, seq, last_pulled_at) VALUES (?, ?, ?)"
                + " ON CONFLICT (scope) DO UPDATE SET seq = excluded.seq, last_pulled_at = excluded.last_pulled_at");
        for (java.util.Map.Entry<String, Long> e : seqByScope.entrySet()) {
            ps.setString(1, e.getKey());
            ps.setLong(2, e.getValue());
            ps.setLong(3, now);
            ps.executeUpdate();
        }
    }

    /** Forgets all pull progress, inside the transaction of a pull that starts from no cursor. */
    public static void clearProgress(Database.Tx tx) {
        tx.prepare("DELETE FROM pull_progress").executeUpdate();
    }

    /** Stores the pull cursor inside the page's transaction. */
    public static void saveCursor(Database.Tx tx, String cursor, long now) {
        StorageStatement ps = tx.prepare("INSERT INTO cursors (scope, cursor, updated_at) VALUES (?, ?, ?)"
                + " ON CONFLICT (scope) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at");
        ps.setString(1, ALL_SCOPES);
        ps.setString(2, cursor);
        ps.setLong(3, now);
        ps.executeUpdate();
    }

    /**
     * Keeps, inside the page's transaction, a pulled change that met a pending local change and
     * could not be settled yet; only the newest state of a document is kept.
     */
    public static void defer(Database.Tx tx, dev.syncline.core.protocol.Change change) {
        StorageStatement ps = tx.prepare("INSERT INTO deferred_changes (scope, type, id, version, change) VALUES (?, ?, ?, ?, ?)"
                + " ON CONFLICT (scope, type, id) DO UPDATE SET version = excluded.version, change = excluded.change"
                + " WHERE excluded.version > deferred_changes.version");
        ps.setString(1, change.scope());
        ps.setString(2, change.type());
        ps.setString(3, change.id());
        ps.setLong(4, change.version());
        ps.setString(5, dev.syncline.core.Json.write(change));
        ps.executeUpdate();
    }

    /** @return the pulled changes waiting to be settled, oldest document key first */
    public static List<dev.syncline.core.protocol.Change> deferred(Database db) {
        return db.read(c -> {
            try (StorageStatement ps = c.prepare("SELECT change FROM deferred_changes ORDER BY scope, type, id");
                    StorageRows rs = ps.executeQuery()) {
                List<dev.syncline.core.protocol.Change> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(dev.syncline.core.Json.read(rs.getString(1), dev.syncline.core.protocol.Change.class));
                }
                return out;
            }
        });
    }

    /** @return true when a pulled change waits to be settled */
    public static boolean anyDeferred(Database db) {
        return db.read(c -> {
            try (StorageStatement ps = c.prepare("SELECT EXISTS (SELECT 1 FROM deferred_changes)");
                    StorageRows rs = ps.executeQuery()) {
                return rs.next() && rs.getInt(1) != 0;
            }
        });
    }

    /** Forgets the deferred change of a document once it is settled, unless a newer one took its place. */
    public static void dropDeferred(Database.Tx tx, String scope, String type, String id, long version) {
        StorageStatement ps = tx.prepare("DELETE FROM deferred_changes WHERE scope = ? AND type = ? AND id = ? AND version <= ?");
        ps.setString(1, scope);
        ps.setString(2, type);
        ps.setString(3, id);
        ps.setLong(4, version);
        ps.executeUpdate();
    }
}

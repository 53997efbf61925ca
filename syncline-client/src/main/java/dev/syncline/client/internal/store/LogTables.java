package dev.syncline.client.internal.store;

import dev.syncline.client.PendingOperation;
import dev.syncline.client.spi.storage.StorageStatement;
import dev.syncline.core.Json;

/**
 * The one writer of the two logs: {@code conflict_log} (every settled conflict, so a write that
 * lost one is still on record) and {@code discard_log} (every failed operation the app gave up
 * on, with the later ones of its document). Rows are added inside the transaction that settles
 * or discards; {@link StoreMaintenance} trims them through {@link #trimConflictLog} and
 * {@link #trimDiscardLog}.
 *
 * <p>Concurrency: stateless; every method runs inside the caller's {@link Database.Tx}.
 */
public final class LogTables {
    private LogTables() {
    }

    /** Writes what settled conflict {@code c} (a fresh id when it was never parked). */
    public static void logSettled(Database.Tx tx, SyncTables.ConflictRow c, String resolvedBy, String resultData,
            boolean resultDeleted, long now) {
        StorageStatement log = tx.prepare("INSERT INTO conflict_log (conflict_id, scope, type, id, conflict_type,"
                + " resolved_by, local_data, remote_data, base_data, result_data, result_deleted, remote_version, resolved_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        log.setString(1, c.conflictId() == null ? java.util.UUID.randomUUID().toString() : c.conflictId());
        log.setString(2, c.scope());
        log.setString(3, c.type());
        log.setString(4, c.id());
        log.setString(5, c.conflictType());
        log.setString(6, resolvedBy);
        log.setString(7, c.localData());
        log.setString(8, c.remoteData());
        log.setString(9, c.baseData());
        log.setString(10, resultData);
        log.setInt(11, resultDeleted ? 1 : 0);
        log.setLong(12, c.remoteVersion());
        log.setLong(13, now);
        log.executeUpdate();
    }

    /**
     * Writes a discarded operation.
     *
     * @param failedOpId the failed operation the app discarded ({@code op} itself or an earlier one)
     * @param restoredVersion the server version the document went back to, or null when it was removed
     */
    public static void logDiscarded(Database.Tx tx, PendingOperation op, String failedOpId, Long restoredVersion,
            long now) {
        StorageStatement logRow = tx.prepare("INSERT INTO discard_log (op_id, scope, type, id, op_type,"
                + " base_version, data, error, failed_op_id, restored_version, discarded_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        logRow.setString(1, op.opId());
        logRow.setString(2, op.scope());
        logRow.setString(3, op.type());
        logRow.setString(4, op.id());
        logRow.setString(5, op.operationType().wire());
        logRow.setLong(6, op.baseVersion());
        logRow.setString(7, op.data() == null ? null : Json.write(op.data()));
        logRow.setString(8, op.error());
        logRow.setString(9, failedOpId);
        if (restoredVersion == null) {
            logRow.setNull(10);
        } else {
            logRow.setLong(10, restoredVersion);
        }
        logRow.setLong(11, now);
        logRow.executeUpdate();
    }

    /**
     * Keeps the conflict log to rows resolved at or after {@code cutoff}, and to its newest
     * {@code maxRows}.
     *
     * @return how many rows went
     */
    public static int trimConflictLog(Database.Tx tx, long cutoff, int maxRows) {
        StorageStatement old = tx.prepare("DELETE FROM conflict_log WHERE resolved_at < ?");
        old.setLong(1, cutoff);
        int n = old.executeUpdate();
        // seq is the rowid: the row at offset maxRows from the newest, and all before it, go.
        StorageStatement many = tx.prepare("DELETE FROM conflict_log WHERE seq <= (SELECT seq FROM conflict_log"
                + " ORDER BY seq DESC LIMIT 1 OFFSET ?)");
        many.setInt(1, maxRows);
        return n + many.executeUpdate();
    }

    /**
     * Keeps the discard log to rows discarded at or after {@code cutoff}, and to its newest
     * {@code maxRows}.
     *
     * @return how many rows went
     */
    public static int trimDiscardLog(Database.Tx tx, long cutoff, int maxRows) {
        StorageStatement old = tx.prepare("DELETE FROM discard_log WHERE discarded_at < ?");
        old.setLong(1, cutoff);
        int n = old.executeUpdate();
        StorageStatement many = tx.prepare("DELETE FROM discard_log WHERE seq <= (SELECT seq FROM discard_log"
                + " ORDER BY seq DESC LIMIT 1 OFFSET ?)");
        many.setInt(1, maxRows);
        return n + many.executeUpdate();
    }
}

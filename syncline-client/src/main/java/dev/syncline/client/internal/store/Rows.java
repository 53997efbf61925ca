package dev.syncline.client.internal.store;

import dev.syncline.client.spi.storage.StorageRows;
import dev.syncline.client.spi.storage.StorageStatement;
import dev.syncline.core.SyncMetadata;
import dev.syncline.core.SyncStatus;
import java.time.Instant;

/** Reads document rows; the column list every document SELECT uses. */
public final class Rows {
    /** Columns of {@link #document}, in order. */
    public static final String DOCUMENT_COLUMNS =
            "scope, type, id, data, deleted, version, last_modified, last_sync_time, needs_sync, sync_status, retry_count, sync_error";

    private Rows() {
    }

    /** @return the row at the cursor, selected with {@link #DOCUMENT_COLUMNS} */
    public static StoredDocument document(StorageRows rs) {
        Instant lastSyncTime = rs.isNull(8) ? null : Instant.ofEpochMilli(rs.getLong(8));
        SyncMetadata meta = new SyncMetadata(rs.getLong(6), rs.getString(7), lastSyncTime, rs.getInt(9) != 0,
                SyncStatus.fromWire(rs.getString(10)), rs.getInt(11), rs.getString(12));
        return new StoredDocument(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                rs.getInt(5) != 0, meta);
    }

    /**
     * Reads the document's current row inside {@code tx} and queues a {@link DocumentChanged} for
     * it (with {@code null} when the row is gone), so watchers see the committed state. Does nothing
     * when nobody watches documents.
     */
    public static void emitCurrent(Database.Tx tx, String scope, String type, String id) {
        if (!tx.documentRowsWanted()) {
            return; // nobody watches documents: nothing to tell
        }
        StorageStatement ps = tx.prepare("SELECT " + DOCUMENT_COLUMNS + " FROM documents WHERE scope = ? AND type = ? AND id = ?");
        ps.setString(1, scope);
        ps.setString(2, type);
        ps.setString(3, id);
        StoredDocument after = null;
        try (StorageRows rs = ps.executeQuery()) {
            if (rs.next()) {
                after = document(rs);
            }
        }
        tx.emit(new DocumentChanged(scope, type, id, after));
    }

    /**
     * The tail for a document write whose rows {@link #emitReturned} reports: {@code RETURNING}
     * {@link #DOCUMENT_COLUMNS} when anyone watches documents, else nothing (reading the rows back
     * costs about as much as writing them).
     */
    public static String returning(Database.Tx tx) {
        return tx.documentRowsWanted() ? " RETURNING " + DOCUMENT_COLUMNS : "";
    }

    /**
     * Runs a document write that ends in {@link #returning} and queues a {@link DocumentChanged}
     * for each row it returned (no second read of the rows); when nobody watches, just runs it.
     */
    public static void emitReturned(Database.Tx tx, StorageStatement returning) {
        if (!tx.documentRowsWanted()) {
            returning.executeUpdate();
            return;
        }
        try (StorageRows rs = returning.executeQuery()) {
            while (rs.next()) {
                StoredDocument d = document(rs);
                tx.emit(new DocumentChanged(d.scope(), d.type(), d.id(), d));
            }
        }
    }
}

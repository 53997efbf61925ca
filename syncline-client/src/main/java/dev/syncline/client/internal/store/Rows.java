package dev.syncline.client.internal.store;

import dev.syncline.core.SyncMetadata;
import dev.syncline.core.SyncStatus;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;

/** Reads document rows; the column list every document SELECT uses. */
public final class Rows {
    /** Columns of {@link #document}, in order. */
    public static final String DOCUMENT_COLUMNS =
            "scope, type, id, data, deleted, version, last_modified, last_sync_time, needs_sync, sync_status, retry_count, sync_error";

    private Rows() {
    }

    /** @return the row at the cursor, selected with {@link #DOCUMENT_COLUMNS} */
    public static StoredDocument document(ResultSet rs) throws SQLException {
        long lastSync = rs.getLong(8);
        Instant lastSyncTime = rs.wasNull() ? null : Instant.ofEpochMilli(lastSync);
        SyncMetadata meta = new SyncMetadata(rs.getLong(6), rs.getString(7), lastSyncTime, rs.getInt(9) != 0,
                SyncStatus.fromWire(rs.getString(10)), rs.getInt(11), rs.getString(12));
        return new StoredDocument(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                rs.getInt(5) != 0, meta);
    }
}

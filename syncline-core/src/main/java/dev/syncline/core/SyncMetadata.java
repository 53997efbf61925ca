package dev.syncline.core;

import java.time.Instant;
import java.util.Objects;

/**
 * The sync state of one document in a replica. Immutable and thread-safe.
 *
 * @param version the last server version this replica has seen (0: never on the server)
 * @param lastModified HLC stamp of the last local or pulled write
 * @param lastSyncTime when the document last matched the server (null: never)
 * @param needsSync true while a local change waits to be pushed
 * @param syncStatus the document's badge
 * @param retryCount how many times pushing its current change has failed
 * @param syncError the last push error (null when none)
 */
public record SyncMetadata(long version, String lastModified, Instant lastSyncTime, boolean needsSync,
        SyncStatus syncStatus, int retryCount, String syncError) {
    /** @throws InvalidInputException when a value is out of range */
    public SyncMetadata {
        if (version < 0) {
            throw new InvalidInputException("invalid_metadata", "version must not be negative: " + version);
        }
        if (retryCount < 0) {
            throw new InvalidInputException("invalid_metadata", "retryCount must not be negative: " + retryCount);
        }
        Objects.requireNonNull(syncStatus, "syncStatus");
    }
}

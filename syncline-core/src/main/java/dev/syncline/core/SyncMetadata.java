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
    /**
     * The metadata of a document created locally that the server has not seen yet: version 0,
     * waiting to be pushed, never synced. Its {@code lastModified} is null until the store stamps
     * the write with the replica's clock (the seed's {@code SyncMetadataDocument.initial()}).
     *
     * @return the metadata of a new local document
     */
    public static SyncMetadata initial() {
        return new SyncMetadata(0, null, null, true, SyncStatus.PENDING, 0, null);
    }

    /**
     * The metadata of a document as the server holds it: at {@code version}, synced, nothing to
     * push (the seed's {@code SyncMetadataDocument.fromRemote(version, lastModified)}). Its
     * {@code lastSyncTime} is null until the store sets when it stored it
     * ({@link #withLastSyncTime}).
     *
     * @param version the server's version of the document
     * @param lastModified the HLC stamp of the server's write
     * @return the metadata of a pulled document
     * @throws InvalidInputException when {@code version} is negative
     */
    public static SyncMetadata fromRemote(long version, String lastModified) {
        return new SyncMetadata(version, lastModified, null, false, SyncStatus.SYNCED, 0, null);
    }

    /**
     * @param time when the document last matched the server (null: never)
     * @return this metadata with {@code lastSyncTime} set to {@code time}
     */
    public SyncMetadata withLastSyncTime(Instant time) {
        return new SyncMetadata(version, lastModified, time, needsSync, syncStatus, retryCount, syncError);
    }
}

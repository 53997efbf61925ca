package dev.syncline.client;

/**
 * What one {@link SyncClient#sync} run did. Immutable and thread-safe.
 *
 * @param outcome how it ended
 * @param pushed operations the server applied
 * @param pulled remote changes applied locally
 * @param conflictsSettled conflicts settled by policy during the run
 * @param openConflicts conflicts waiting for a person at the end
 * @param failed operations failed permanently (dead letters) at the end
 * @param pending operations still queued at the end
 * @param error the last error, or null
 */
public record SyncReport(Outcome outcome, long pushed, long pulled, long conflictsSettled, long openConflicts,
        long failed, long pending, String error) {
    /** How a sync run ended. */
    public enum Outcome {
        /** The outbox is empty (but for dead letters) and the replica has pulled to the end. */
        CAUGHT_UP,
        /** Caught up, but conflicts wait for a person. */
        OPEN_CONFLICTS,
        /** The server could not be reached (or kept failing) before the deadline. */
        UNREACHABLE,
        /** The server refused the token; syncing stops until the app supplies a new one. */
        AUTHENTICATION_NEEDED
    }
}

package dev.syncline.client;

import java.time.Duration;
import java.util.List;

/**
 * A snapshot of this replica's sync state. Immutable and thread-safe.
 *
 * @param pendingCount operations waiting or in flight
 * @param oldestPendingAge age of the oldest of them (zero when none)
 * @param failedCount operations in the dead-letter state
 * @param openConflicts conflicts waiting for a person
 * @param cursor the opaque pull cursor the next pull sends (it covers every scope of the token),
 *     or null before the first pull
 * @param scopes pull progress per scope, sorted by scope (empty until a pull has brought changes)
 * @param health ok or degraded, with reasons
 */
public record ReplicaStatus(long pendingCount, Duration oldestPendingAge, long failedCount, long openConflicts,
        String cursor, List<ScopeProgress> scopes, SyncHealth health) {
    /** Copies {@code scopes}. */
    public ReplicaStatus {
        scopes = List.copyOf(scopes);
    }
}

package dev.syncline.client;

import java.time.Duration;
import java.util.Map;

/**
 * A snapshot of this replica's sync state. Immutable and thread-safe.
 *
 * @param pendingCount operations waiting or in flight
 * @param oldestPendingAge age of the oldest of them (zero when none)
 * @param failedCount operations in the dead-letter state
 * @param openConflicts conflicts waiting for a person
 * @param cursors pull cursor per scope (empty until the replica has pulled)
 * @param health ok or degraded, with reasons
 */
public record ReplicaStatus(long pendingCount, Duration oldestPendingAge, long failedCount, long openConflicts,
        Map<String, String> cursors, SyncHealth health) {
    /** Copies {@code cursors}. */
    public ReplicaStatus {
        cursors = Map.copyOf(cursors);
    }
}

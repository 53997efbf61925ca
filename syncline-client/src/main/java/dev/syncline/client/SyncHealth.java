package dev.syncline.client;

import java.time.Duration;
import java.util.List;

/**
 * A snapshot of how well this replica keeps up: {@code ok}, or {@code degraded} with the reasons.
 * Immutable and thread-safe.
 *
 * @param degraded true when at least one reason applies
 * @param reasons what is wrong, for a person (empty when healthy)
 * @param pendingCount operations waiting or in flight
 * @param oldestPendingAge age of the oldest of them (zero when none)
 * @param failedCount operations in the dead-letter state
 */
public record SyncHealth(boolean degraded, List<String> reasons, long pendingCount, Duration oldestPendingAge,
        long failedCount) {
    /** Copies {@code reasons}. */
    public SyncHealth {
        reasons = List.copyOf(reasons);
    }

    /** @return {@code "ok"} or {@code "degraded"} */
    public String status() {
        return degraded ? "degraded" : "ok";
    }
}

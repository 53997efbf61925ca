package dev.syncline.testkit.sync;

import dev.syncline.client.Durability;
import dev.syncline.client.SyncClient;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A client replica in its own process, syncing until killed: {@code SyncChild DB URL TOKEN}. Used
 * by {@link CrashDuringSyncTest} to SIGKILL a client in the middle of a push or a pull.
 */
public final class SyncChild {
    private SyncChild() {
    }

    /** Opens the replica with small batches (so a sync takes many round trips) and syncs. */
    public static void main(String[] args) {
        try (SyncClient c = SyncClient.builder().database(Path.of(args[0])).serverUrl(args[1]).token(args[2])
                .durability(Durability.NORMAL).batchSizes(20, 50).build()) {
            System.out.println("syncing");
            System.out.flush();
            c.sync(Duration.ofMinutes(5));
            System.out.println("done");
        }
    }
}

package dev.syncline.client.internal.store;

import dev.syncline.client.CleanupReport;
import dev.syncline.client.internal.outbox.Outbox;
import dev.syncline.client.spi.storage.StorageStatement;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the local file from growing without bound: removes completed outbox operations once their
 * retention has passed (operations in any other state stay), keeps the settled-conflict log and
 * the discard log to their newest rows and recent days, and hands the freed pages back to the
 * file system ({@link Database#incrementalVacuum}).
 *
 * <p>The two logs are written by {@link SyncTables} (conflict log) and {@link LocalStore}
 * (discard log); only their trimming lives here, so that one class decides what the file keeps.
 *
 * <p>Concurrency: thread-safe; each step is its own write transaction, so local writes go on
 * between them.
 */
public final class StoreMaintenance {
    private static final Logger log = LoggerFactory.getLogger(StoreMaintenance.class);

    private final Database db;
    private final Outbox outbox;
    private final Clock clock;
    private final Duration doneRetention;
    private final int logMaxRows;
    private final Duration logMaxAge;

    /**
     * @param doneRetention how long a completed operation is kept after it was acknowledged
     * @param logMaxRows the newest rows each log keeps
     * @param logMaxAge how long a log row is kept
     */
    public StoreMaintenance(Database db, Outbox outbox, Clock clock, Duration doneRetention, int logMaxRows,
            Duration logMaxAge) {
        this.db = Objects.requireNonNull(db, "db");
        this.outbox = Objects.requireNonNull(outbox, "outbox");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.doneRetention = Objects.requireNonNull(doneRetention, "doneRetention");
        this.logMaxRows = logMaxRows;
        this.logMaxAge = Objects.requireNonNull(logMaxAge, "logMaxAge");
    }

    /** Runs one cleanup. */
    public CleanupReport run() {
        int ops = outbox.cleanup(doneRetention);
        int conflicts = trim("conflict_log", "resolved_at");
        int discards = trim("discard_log", "discarded_at");
        long pages = db.incrementalVacuum();
        CleanupReport report = new CleanupReport(ops, conflicts, discards, pages);
        if (ops + conflicts + discards > 0 || pages > 0) {
            log.info("local store {} cleaned up: {} completed operation(s), {} conflict log and {} discard log row(s)"
                    + " removed, {} page(s) freed", db.file(), ops, conflicts, discards, pages);
        }
        return report;
    }

    private int trim(String table, String timeColumn) {
        long cutoff = clock.millis() - logMaxAge.toMillis();
        return db.write(tx -> {
            // The table names are constants of this class, not input.
            StorageStatement old = tx.prepare("DELETE FROM " + table + " WHERE " + timeColumn + " < ?");
            old.setLong(1, cutoff);
            int n = old.executeUpdate();
            // seq is the rowid: the row at offset maxRows from the newest, and all before it, go.
            StorageStatement many = tx.prepare("DELETE FROM " + table + " WHERE seq <= (SELECT seq FROM " + table
                    + " ORDER BY seq DESC LIMIT 1 OFFSET ?)");
            many.setInt(1, logMaxRows);
            return n + many.executeUpdate();
        });
    }
}

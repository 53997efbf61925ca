package dev.syncline.client.internal.store;

import dev.syncline.client.CleanupReport;
import dev.syncline.client.internal.outbox.Outbox;
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
 * <p>The two logs are written by {@link LogTables}; this class decides what the file keeps and
 * when, {@code LogTables} issues the deletes.
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
        long cutoff = clock.millis() - logMaxAge.toMillis();
        int conflicts = db.write(tx -> LogTables.trimConflictLog(tx, cutoff, logMaxRows));
        int discards = db.write(tx -> LogTables.trimDiscardLog(tx, cutoff, logMaxRows));
        long pages = db.incrementalVacuum();
        CleanupReport report = new CleanupReport(ops, conflicts, discards, pages);
        if (ops + conflicts + discards > 0 || pages > 0) {
            log.info("local store {} cleaned up: {} completed operation(s), {} conflict log and {} discard log row(s)"
                    + " removed, {} page(s) freed", db.file(), ops, conflicts, discards, pages);
        }
        return report;
    }
}

package dev.syncline.client;

import dev.syncline.core.SynclineException;
import java.nio.file.Path;

/**
 * Another {@link SyncClient}, in this process or another one, has the local database file open.
 * Two clients on one file would share one client id and one clock and interleave their writes
 * unseen by each other, so the second is refused. The lock is held on a sidecar file
 * ({@code <database>.lock}) for as long as the first client is open; the operating system
 * releases it when that process ends, however it ends.
 */
public final class DatabaseInUseException extends SynclineException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    /**
     * @param file the database file
     * @param message what holds it, naming the file
     */
    public DatabaseInUseException(Path file, String message) {
        super(message);
        this.file = file;
    }

    /** @return the database file that is in use */
    public Path file() {
        return file;
    }
}

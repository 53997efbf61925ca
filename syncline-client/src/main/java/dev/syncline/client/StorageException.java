package dev.syncline.client;

import dev.syncline.core.SynclineException;
import java.nio.file.Path;

/**
 * The local database file could not be opened, read or written. A write that fails this way was
 * rolled back: nothing of it is stored. Carries the file and the operation that failed, so a log
 * line names both. Immutable; thrown by {@link SyncClient} and its repositories, and by
 * {@link dev.syncline.client.spi.storage.StorageDriver} implementations.
 */
public class StorageException extends SynclineException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String operation;

    /**
     * @param file the database file (null when not known, as inside a driver's statement)
     * @param operation what was being done, such as {@code open}, {@code write}, {@code read}
     * @param message what went wrong, naming the file or the statement
     * @param cause the underlying failure (may be null)
     */
    public StorageException(Path file, String operation, String message, Throwable cause) {
        super(message, cause);
        this.file = file;
        this.operation = operation;
    }

    /** @return the database file, or null when the failure was not tied to one */
    public Path file() {
        return file;
    }

    /** @return the operation that failed, such as {@code open}, {@code write} or {@code read} */
    public String operation() {
        return operation;
    }
}

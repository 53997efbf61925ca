package dev.syncline.client.spi.storage;

/**
 * Opens connections to SQLite database files. The client opens one writer connection and a few
 * read-only ones on the same file, in WAL mode, and serialises its writes itself: a driver does
 * not need to lock. Implementations must be thread-safe ({@link #open} may be called from any
 * thread); the connections they return need not be.
 */
public interface StorageDriver {
    /**
     * Opens (creating when {@link StorageOptions#readOnly} is false) the database file.
     * For a writer, the journal mode is WAL and {@code synchronous} is set as asked before this
     * returns; a reader only reads.
     *
     * @param options the file and its settings
     * @return an open connection, owned by the caller (who closes it)
     * @throws dev.syncline.client.StorageException when the file cannot be opened
     * @throws dev.syncline.core.InvalidInputException when {@code options} is null
     */
    StorageConnection open(StorageOptions options);
}

package dev.syncline.client.spi.storage;

import dev.syncline.core.InvalidInputException;
import java.nio.file.Path;

/**
 * How to open one connection. Immutable and thread-safe.
 *
 * @param file the database file (absolute)
 * @param readOnly true for a reader connection (never writes, never creates the file)
 * @param synchronous the durability of commits on a writer connection (ignored by readers)
 * @param busyTimeoutMillis how long a statement waits for another connection's lock
 * @param cacheKib the page cache's upper bound, in KiB
 */
public record StorageOptions(Path file, boolean readOnly, Synchronous synchronous, int busyTimeoutMillis, int cacheKib) {
    /** @throws InvalidInputException when the file or mode is missing, or a number is negative */
    public StorageOptions {
        if (file == null) {
            throw new InvalidInputException("invalid_storage_options", "file is null");
        }
        if (synchronous == null) {
            throw new InvalidInputException("invalid_storage_options", "synchronous is null");
        }
        if (busyTimeoutMillis < 0 || cacheKib < 0) {
            throw new InvalidInputException("invalid_storage_options", "busyTimeoutMillis and cacheKib must not be negative: "
                    + busyTimeoutMillis + ", " + cacheKib);
        }
    }
}

package dev.syncline.client.spi.storage;

/**
 * A forward-only cursor over a statement's result rows. Columns are numbered from 1. The getters
 * follow SQLite's conversions: a NULL reads as null text, 0 or 0.0. Not thread-safe.
 */
public interface StorageRows extends AutoCloseable {
    /**
     * Moves to the next row.
     *
     * @return false when there are no more rows
     * @throws dev.syncline.client.StorageException when reading fails
     */
    boolean next();

    /**
     * @return the column as text, or null for SQL NULL
     * @throws dev.syncline.client.StorageException when {@code column} is out of range
     */
    String getString(int column);

    /**
     * @return the column as a 64-bit integer (0 for SQL NULL)
     * @throws dev.syncline.client.StorageException when {@code column} is out of range
     */
    long getLong(int column);

    /**
     * @return the column as a 32-bit integer (0 for SQL NULL)
     * @throws dev.syncline.client.StorageException when {@code column} is out of range
     */
    int getInt(int column);

    /**
     * @return the column as a double (0.0 for SQL NULL)
     * @throws dev.syncline.client.StorageException when {@code column} is out of range
     */
    double getDouble(int column);

    /**
     * @return true when the column of the current row is SQL NULL
     * @throws dev.syncline.client.StorageException when {@code column} is out of range
     */
    boolean isNull(int column);

    /** Releases the cursor; idempotent, never throws. */
    @Override
    void close();
}

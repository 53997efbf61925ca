package dev.syncline.client.spi.storage;

/**
 * A prepared statement. Parameters are numbered from 1 and stay bound until bound again, so a
 * reused statement must have every parameter bound anew. Not thread-safe (as its connection).
 */
public interface StorageStatement extends AutoCloseable {
    /**
     * Binds text, or SQL NULL when {@code value} is null.
     *
     * @throws dev.syncline.client.StorageException when {@code index} is out of range
     */
    void setString(int index, String value);

    /**
     * Binds a 64-bit integer.
     *
     * @throws dev.syncline.client.StorageException when {@code index} is out of range
     */
    void setLong(int index, long value);

    /**
     * Binds a 32-bit integer (stored as a SQLite integer).
     *
     * @throws dev.syncline.client.StorageException when {@code index} is out of range
     */
    void setInt(int index, int value);

    /**
     * Binds a double.
     *
     * @throws dev.syncline.client.StorageException when {@code index} is out of range
     */
    void setDouble(int index, double value);

    /**
     * Binds SQL NULL.
     *
     * @throws dev.syncline.client.StorageException when {@code index} is out of range
     */
    void setNull(int index);

    /**
     * Runs the statement to its end.
     *
     * @return how many rows an INSERT, UPDATE or DELETE changed (0 for other statements)
     * @throws dev.syncline.client.StorageException when it fails
     */
    int executeUpdate();

    /**
     * Runs a statement that returns rows (a SELECT, or a write with {@code RETURNING}); for a
     * write, the change is made once the rows have been read to the end or the cursor closed.
     *
     * @return the rows; the caller closes them before running this statement again
     * @throws dev.syncline.client.StorageException when it fails
     */
    StorageRows executeQuery();

    /** Releases the statement; idempotent, never throws. */
    @Override
    void close();
}

package dev.syncline.client.spi.storage;

/**
 * One connection to a SQLite file. Not thread-safe: the client uses each connection from one
 * thread at a time (it hands them out under its own lock or pool). All failures are unchecked
 * {@link dev.syncline.client.StorageException}s; a failed statement leaves the connection usable
 * (the client rolls back the transaction it is in).
 *
 * <p>Transactions: {@link #begin} opens one with {@code BEGIN IMMEDIATE} (the write lock is
 * taken at once); there is no nesting: {@code begin} inside an open transaction fails.
 * {@link #rollback} outside a transaction does nothing.
 */
public interface StorageConnection extends AutoCloseable {
    /**
     * Prepares one SQL statement ({@code ?} parameters, numbered from 1). The caller closes it,
     * or keeps it for reuse while the connection is open.
     *
     * @param sql one SQLite statement
     * @return the statement
     * @throws dev.syncline.client.StorageException when the SQL does not compile
     * @throws dev.syncline.core.InvalidInputException when {@code sql} is null or blank
     */
    StorageStatement prepare(String sql);

    /**
     * Runs one statement without parameters to its end (every step, discarding any rows), such
     * as DDL, {@code BEGIN}/{@code COMMIT}, or a {@code PRAGMA} that sets a value or, like
     * {@code incremental_vacuum}, works one step at a time.
     *
     * @param sql one SQLite statement
     * @throws dev.syncline.client.StorageException when it fails
     * @throws dev.syncline.core.InvalidInputException when {@code sql} is null or blank
     */
    void execute(String sql);

    /**
     * Begins a write transaction ({@code BEGIN IMMEDIATE}).
     *
     * @throws dev.syncline.client.StorageException when one is open already or the lock is not had
     */
    void begin();

    /**
     * Commits the open transaction.
     *
     * @throws dev.syncline.client.StorageException when there is none or the commit fails (then
     *     the transaction is still open and the caller rolls it back)
     */
    void commit();

    /**
     * Rolls back the open transaction; does nothing when none is open.
     *
     * @throws dev.syncline.client.StorageException when the rollback itself fails
     */
    void rollback();

    /** @return true while a transaction begun by {@link #begin} is open */
    boolean inTransaction();

    /**
     * Sets {@code PRAGMA synchronous} for the following commits of this connection.
     *
     * @throws dev.syncline.client.StorageException when it fails
     * @throws dev.syncline.core.InvalidInputException when {@code mode} is null
     */
    void synchronous(Synchronous mode);

    /** Closes the connection and the statements prepared on it; idempotent, never throws. */
    @Override
    void close();
}

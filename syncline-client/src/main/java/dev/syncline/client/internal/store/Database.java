package dev.syncline.client.internal.store;

import dev.syncline.client.StorageException;
import dev.syncline.client.internal.store.jdbc.JdbcStorageDriver;
import dev.syncline.client.spi.storage.StorageConnection;
import dev.syncline.client.spi.storage.StorageDriver;
import dev.syncline.client.spi.storage.StorageOptions;
import dev.syncline.client.spi.storage.StorageRows;
import dev.syncline.client.spi.storage.StorageStatement;
import dev.syncline.client.spi.storage.Synchronous;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SQLite file in WAL mode: a single writer connection and a few reader connections.
 *
 * <p>Concurrency: SQLite has one writer at a time, so every write transaction runs on the writer
 * connection while holding {@link #writeLock} (a fair lock is cheaper than SQLite's busy-wait).
 * Readers each see a WAL snapshot and never wait for the writer. Commit listeners run after the
 * commit while the lock is still held, so they observe commits in commit order; they must only
 * enqueue work, never block.
 *
 * <p>Durability: {@code synchronous=FULL} by default: a commit that returned survives a crash of
 * the process and of the machine. {@code NORMAL} survives a process crash only.
 * {@link #writeRecoverable} commits without waiting for the disk even under {@code FULL}, for the
 * sync engine's bookkeeping that is redone from the server if a machine crash loses it; the WAL
 * is appended in commit order, so the next synced commit makes it durable too, never out of order.
 *
 * <p>One client per file: {@link #open} locks the file (see {@code StoreLock}) before it touches
 * it and {@link #close} releases it after, so a second opener, in this process or another, is
 * refused with {@link dev.syncline.client.DatabaseInUseException} instead of sharing the first
 * one's client id and clock.
 *
 * <p>Storage: every statement goes through a {@link StorageDriver} (the SPI in
 * {@code dev.syncline.client.spi.storage}); on the JVM that is {@link JdbcStorageDriver}.
 *
 * <p>Space: files use {@code auto_vacuum=INCREMENTAL} (a file made before that is converted by one
 * {@code VACUUM} when opened), so {@link #incrementalVacuum} can hand freed pages back to the
 * file system without rewriting the file.
 */
public final class Database implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Database.class);
    private static final int READERS = 3;
    // Page caches (upper bounds, filled on use). SQLite's default of 2 MiB makes a sync of a
    // store larger than that re-read pages from the OS for every batch; the writer touches the
    // most pages (outbox, documents and their indexes), readers serve queries.
    private static final int WRITER_CACHE_KIB = 32 * 1024;
    private static final int READER_CACHE_KIB = 8 * 1024;

    private static final long JOURNAL_SIZE_LIMIT_BYTES = 16L * 1024 * 1024;
    private static final int BUSY_TIMEOUT_MILLIS = 30_000;

    private final Path file;
    private final StoreLock lock;
    private final StorageConnection writer;
    private final boolean fullSync;
    private volatile java.util.function.BooleanSupplier documentRowsWanted = () -> true;
    private final Map<String, StorageStatement> writerStatements = new HashMap<>();
    private final ReentrantLock writeLock = new ReentrantLock(true);
    private final BlockingQueue<StorageConnection> readers;
    private final List<StorageConnection> allReaders = new ArrayList<>();
    private final List<Consumer<List<Object>>> commitListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean closed;

    /** A write transaction in progress: its connection, cached statements and commit events. */
    public final class Tx {
        private final List<Object> events = new ArrayList<>(2);
        private List<Runnable> afterCommit;
        private Map<Object, TxWork<?>> beforeCommit;
        private Boolean rowsWanted;

        /**
         * @return whether anyone watches document changes, decided once per transaction: when
         *     nobody does, writers may skip reading back the rows they change
         */
        public boolean documentRowsWanted() {
            if (rowsWanted == null) {
                rowsWanted = documentRowsWanted.getAsBoolean();
            }
            return rowsWanted;
        }

        /** Runs {@code r} once the transaction has committed (still under the write lock). */
        public void afterCommit(Runnable r) {
            if (afterCommit == null) {
                afterCommit = new ArrayList<>(1);
            }
            afterCommit.add(r);
        }

        /**
         * Runs {@code work} inside this transaction just before it commits, once per {@code key}
         * however often it is asked for (the first registration wins), in registration order.
         * For state that many steps of one transaction change but that needs writing once, such
         * as the clock's last stamp.
         */
        public void beforeCommit(Object key, TxWork<?> work) {
            if (beforeCommit == null) {
                beforeCommit = new java.util.LinkedHashMap<>(2);
            }
            beforeCommit.putIfAbsent(key, work);
        }

        /** @return a cached prepared statement on the writer connection (do not close it) */
        public StorageStatement prepare(String sql) {
            StorageStatement ps = writerStatements.get(sql);
            if (ps == null) {
                ps = writer.prepare(sql);
                writerStatements.put(sql, ps);
            }
            return ps;
        }

        /** @return the writer connection */
        public StorageConnection connection() {
            return writer;
        }

        /** Queues {@code event} for the commit listeners; dropped if the transaction rolls back. */
        public void emit(Object event) {
            events.add(event);
        }
    }

    /** Work inside a write transaction. */
    @FunctionalInterface
    public interface TxWork<R> {
        /** @return the result, handed back once committed */
        R run(Tx tx);
    }

    /** Work on a reader connection. */
    @FunctionalInterface
    public interface ReadWork<R> {
        /** @return the result */
        R run(StorageConnection c);
    }

    private Database(Path file, StoreLock lock, StorageConnection writer, BlockingQueue<StorageConnection> readers, boolean fullSync) {
        this.fullSync = fullSync;
        this.file = file;
        this.lock = lock;
        this.writer = writer;
        this.readers = readers;
    }

    /**
     * As {@link #open(Path, boolean, StorageDriver)} with the JVM's driver (xerial sqlite-jdbc).
     *
     * @throws dev.syncline.client.DatabaseInUseException when another client has the file open
     * @throws StorageException when the file cannot be opened or migrated
     */
    public static Database open(Path file, boolean fullSync) {
        return open(file, fullSync, new JdbcStorageDriver());
    }

    /**
     * Locks the file for this process's one client, opens it through {@code driver} (creating it
     * and its directory if needed) and migrates its schema.
     *
     * @param fullSync true for {@code synchronous=FULL}, false for {@code NORMAL}
     * @throws dev.syncline.client.DatabaseInUseException when another client, in this process or
     *     another one, has the file open (nothing is touched)
     * @throws StorageException when the file cannot be opened or migrated
     */
    public static Database open(Path file, boolean fullSync, StorageDriver driver) {
        java.util.Objects.requireNonNull(driver, "driver");
        Path abs = file.toAbsolutePath();
        StorageConnection writer = null;
        StoreLock lock = null;
        BlockingQueue<StorageConnection> readers = new ArrayBlockingQueue<>(READERS);
        try {
            if (abs.getParent() != null) {
                Files.createDirectories(abs.getParent());
            }
            lock = StoreLock.acquire(abs);
            writer = driver.open(new StorageOptions(abs, false, fullSync ? Synchronous.FULL : Synchronous.NORMAL,
                    BUSY_TIMEOUT_MILLIS, WRITER_CACHE_KIB));
            boolean existed = migrate(writer, abs);
            useIncrementalVacuum(writer, abs, existed);
            // Without a limit a WAL file keeps the size of its largest burst of writes.
            writer.execute("PRAGMA journal_size_limit = " + JOURNAL_SIZE_LIMIT_BYTES);
            Database db = new Database(abs, lock, writer, readers, fullSync);
            for (int i = 0; i < READERS; i++) {
                StorageConnection r = driver.open(new StorageOptions(abs, true, Synchronous.NORMAL,
                        BUSY_TIMEOUT_MILLIS, READER_CACHE_KIB));
                readers.add(r);
                db.allReaders.add(r);
            }
            log.debug("opened local store {}", abs);
            return db;
        } catch (java.io.IOException | RuntimeException e) {
            readers.forEach(Database::quietly);
            if (writer != null) {
                quietly(writer);
            }
            if (lock != null) {
                lock.close();
            }
            if (e instanceof StorageException se && "open".equals(se.operation())) {
                throw se;
            }
            if (e instanceof RuntimeException r && !(e instanceof StorageException)) {
                throw r;
            }
            throw new StorageException(abs, "open", "cannot open local store " + abs + ": " + e.getMessage(), e);
        }
    }

    /**
     * Makes the file {@code auto_vacuum=INCREMENTAL}. SQLite takes the setting only before the
     * first table exists (and setting WAL mode already initialises a new file), so a file that
     * does not have it yet is rebuilt once by {@code VACUUM}: instant for a new file, a one-time
     * cost proportional to the size for a file made by an earlier version. A conversion that
     * fails (VACUUM needs free disk space of about the file's size) is logged and tried again at
     * the next open; the file works as before meanwhile (freed pages are reused, not returned).
     */
    private static void useIncrementalVacuum(StorageConnection c, Path file, boolean existed) {
        if (pragma(c, "auto_vacuum") == 2) {
            return;
        }
        long pages = pragma(c, "page_count");
        long started = System.nanoTime();
        c.execute("PRAGMA auto_vacuum = INCREMENTAL");
        try {
            c.execute("VACUUM");
        } catch (StorageException e) {
            log.warn("local store {} not converted to incremental vacuum ({} pages): {}; it keeps its size"
                    + " until a later open converts it", file, pages, e.getMessage());
            return;
        }
        if (existed) {
            log.info("local store {} converted to incremental vacuum ({} pages, {} ms)", file, pages,
                    (System.nanoTime() - started) / 1_000_000);
        }
    }

    private static long pragma(StorageConnection c, String name) {
        try (StorageStatement st = c.prepare("PRAGMA " + name); StorageRows rs = st.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /**
     * Hands the file's free pages back to the file system (in one write transaction), so the file
     * shrinks after rows were deleted. Cheap when there is little to free.
     *
     * @return how many pages were freed
     */
    public long incrementalVacuum() {
        return write(tx -> {
            StorageConnection c = tx.connection();
            long free = pragma(c, "freelist_count");
            if (free == 0) {
                return 0L;
            }
            // execute steps the pragma to its end: it frees one page per step.
            c.execute("PRAGMA incremental_vacuum");
            return free - pragma(c, "freelist_count");
        });
    }

    /** @return pages in the file and free pages among them, as {@code [page_count, freelist_count]} */
    public long[] pageCounts() {
        return read(c -> new long[] {pragma(c, "page_count"), pragma(c, "freelist_count")});
    }

    /** @return true when the file had a schema already (it is not new) */
    private static boolean migrate(StorageConnection c, Path file) {
        int current = (int) pragma(c, "user_version");
        int target = Migrations.ALL.size();
        if (current > target) {
            throw new StorageException(file, "open", "cannot open local store " + file + ": schema version " + current
                    + " is newer than this library knows (" + target + ")", null);
        }
        for (int v = current; v < target; v++) {
            c.begin();
            try {
                for (String sql : Migrations.ALL.get(v)) {
                    c.execute(sql);
                }
                c.execute("PRAGMA user_version = " + (v + 1));
                c.commit();
            } catch (RuntimeException e) {
                c.rollback();
                throw e;
            }
            if (current > 0) {
                log.info("migrated local store {} to schema version {}", file, v + 1);
            }
        }
        if (current == 0) {
            // A new file: one line, not one per schema step a file that never existed went through.
            log.debug("created local store {} at schema version {}", file, target);
        }
        return current > 0;
    }

    /** @return the database file */
    public Path file() {
        return file;
    }

    /** Sets what says whether anyone watches document changes (by default: always). */
    public void documentRowsWanted(java.util.function.BooleanSupplier wanted) {
        this.documentRowsWanted = java.util.Objects.requireNonNull(wanted, "wanted");
    }

    /** Registers a listener that receives each committed transaction's events, in commit order. */
    public void onCommit(Consumer<List<Object>> listener) {
        commitListeners.add(listener);
    }

    /**
     * Runs {@code work} in one write transaction ({@code BEGIN IMMEDIATE ... COMMIT}); rolls back
     * and rethrows on any exception.
     */
    public <R> R write(TxWork<R> work) {
        return write(work, true);
    }

    /**
     * As {@link #write}, but the commit does not wait for the disk (in WAL mode, no fsync): for
     * writes that, if a machine crash loses them, are redone from the server (claims and
     * acknowledgements of pushed operations, pulled pages with their cursor). A process crash
     * loses nothing; the next synced commit makes this one durable too.
     */
    public <R> R writeRecoverable(TxWork<R> work) {
        return write(work, false);
    }

    private <R> R write(TxWork<R> work, boolean synced) {
        writeLock.lock();
        try {
            ensureOpen();
            Tx tx = new Tx();
            R result;
            boolean relaxed = fullSync && !synced;
            try {
                if (relaxed) {
                    writer.synchronous(Synchronous.NORMAL);
                }
                writer.begin();
                result = work.run(tx);
                if (tx.beforeCommit != null) {
                    for (TxWork<?> w : tx.beforeCommit.values()) {
                        w.run(tx);
                    }
                }
                writer.commit();
            } catch (StorageException e) {
                rollback();
                throw new StorageException(file, "write", "local write failed in " + file + ": " + e.getMessage(), e);
            } catch (RuntimeException | Error e) {
                rollback();
                throw e;
            } finally {
                if (relaxed) {
                    restoreFullSync();
                }
            }
            if (tx.afterCommit != null) {
                tx.afterCommit.forEach(Runnable::run);
            }
            if (!tx.events.isEmpty()) {
                for (Consumer<List<Object>> l : commitListeners) {
                    try {
                        l.accept(tx.events);
                    } catch (RuntimeException e) {
                        log.warn("commit listener failed: {}", e.toString());
                    }
                }
            }
            return result;
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Runs {@code work} while holding the write lock but outside any transaction, so no commit can
     * happen meanwhile (used to take a snapshot and subscribe atomically).
     */
    public <R> R underWriteLock(ReadWork<R> work) {
        writeLock.lock();
        try {
            ensureOpen();
            return work.run(writer);
        } catch (StorageException e) {
            throw new StorageException(file, "read", "local read failed in " + file + ": " + e.getMessage(), e);
        } finally {
            writeLock.unlock();
        }
    }

    private void restoreFullSync() {
        try {
            writer.synchronous(Synchronous.FULL);
        } catch (StorageException e) {
            // The connection is unusable; the next write fails and says so.
            log.warn("could not restore synchronous=FULL on {}: {}", file, e.getMessage());
        }
    }

    private void rollback() {
        try {
            writer.rollback();
        } catch (StorageException e) {
            // The connection is unusable; the next write fails and says so.
            log.warn("rollback failed on {}: {}", file, e.getMessage());
        }
    }

    /** Runs {@code work} on a reader connection (autocommit: each statement sees a fresh snapshot). */
    public <R> R read(ReadWork<R> work) {
        ensureOpen();
        StorageConnection c;
        try {
            c = readers.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException(file, "read", "interrupted while waiting for a reader of " + file, e);
        }
        try {
            return work.run(c);
        } catch (StorageException e) {
            throw new StorageException(file, "read", "local read failed in " + file + ": " + e.getMessage(), e);
        } finally {
            readers.add(c);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("local store " + file + " is closed");
        }
    }

    /** @return true once {@link #close()} ran */
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        writeLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (StorageStatement ps : writerStatements.values()) {
                quietly(ps);
            }
            quietly(writer);
            for (StorageConnection r : allReaders) {
                quietly(r);
            }
            lock.close();
            log.debug("closed local store {}", file);
        } finally {
            writeLock.unlock();
        }
    }

    private static void quietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            log.debug("close: {}", e.toString());
        }
    }
}

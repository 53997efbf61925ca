package dev.syncline.server.internal.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * The embedded store: one SQLite file in WAL mode under a data directory.
 *
 * <p>Concurrency: SQLite allows one writer at a time, so all writes go through one connection
 * behind a fair lock (cheaper than letting SQLite's busy handler spin). Reads use a small pool of
 * their own connections and see a WAL snapshot each, so pulls never wait for pushes.
 *
 * <p>Durability: {@code synchronous=FULL}, so an acknowledged push survives a crash of the process
 * and of the machine.
 */
public final class SqliteStore extends SqlStore {
    private static final Logger log = LoggerFactory.getLogger(SqliteStore.class);
    /** Name of the database file inside the data directory. */
    public static final String FILE_NAME = "syncline.db";

    private final Path file;
    private final Connection writer;
    private final ReentrantLock writeLock = new ReentrantLock(true);
    private final HikariDataSource readers;
    private volatile boolean closed;

    private SqliteStore(Path file, Connection writer, HikariDataSource readers) {
        this.file = file;
        this.writer = writer;
        this.readers = readers;
    }

    /**
     * Opens (creating if needed) the store in {@code dataDir}, migrating its schema.
     *
     * @throws StoreUnavailableException when the directory or file cannot be used
     */
    public static SqliteStore open(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot create data directory " + dataDir + ": " + e.getMessage(),
                    new SQLException(e));
        }
        Path file = dataDir.resolve(FILE_NAME).toAbsolutePath();
        String url = "jdbc:sqlite:" + file;
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
        cfg.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        cfg.setBusyTimeout(30_000);
        cfg.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        // A page cache large enough that random opId and document keys rarely miss it (64 MiB).
        cfg.setCacheSize(-64 * 1024);
        Connection writer = null;
        HikariDataSource readers = null;
        try {
            writer = DriverManager.getConnection(url, cfg.toProperties());
            Flyway.configure().dataSource(url, null, null).locations("classpath:db/sqlite")
                    .loggers("slf4j").load().migrate();
            writer.setAutoCommit(false);

            SQLiteConfig readCfg = new SQLiteConfig();
            readCfg.setBusyTimeout(30_000);
            readCfg.setTransactionMode(SQLiteConfig.TransactionMode.DEFERRED);
            readCfg.setCacheSize(-16 * 1024);
            HikariConfig hc = new HikariConfig();
            hc.setJdbcUrl(url);
            hc.setDataSourceProperties(readCfg.toProperties());
            hc.setMaximumPoolSize(4);
            hc.setMinimumIdle(1);
            hc.setAutoCommit(false);
            hc.setPoolName("syncline-sqlite-read");
            hc.setConnectionTimeout(TimeUnit.SECONDS.toMillis(10));
            readers = new HikariDataSource(hc);
            SqliteStore store = new SqliteStore(file, writer, readers);
            store.loadIdentity();
            log.info("embedded store open at {} (store id {})", file, store.storeId());
            return store;
        } catch (SQLException | RuntimeException e) {
            closeQuietly(writer);
            if (readers != null) {
                readers.close();
            }
            if (e instanceof StoreUnavailableException sue) {
                throw sue;
            }
            throw new StoreUnavailableException("cannot open embedded store " + file + ": " + e.getMessage(),
                    e instanceof SQLException sqle ? sqle : new SQLException(e));
        }
    }

    /** @return the database file */
    public Path file() {
        return file;
    }

    @Override
    public String kind() {
        return "sqlite";
    }

    @Override
    public String location() {
        return file.toString();
    }

    @Override
    protected Connection beginWrite() throws SQLException {
        writeLock.lock();
        if (closed) {
            writeLock.unlock();
            throw new SQLException("store is closed");
        }
        return writer;
    }

    @Override
    protected void endWrite(Connection c, boolean commit) throws SQLException {
        try {
            if (commit) {
                c.commit();
            } else {
                c.rollback();
            }
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    protected Connection beginRead() throws SQLException {
        return readers.getConnection();
    }

    @Override
    protected void endRead(Connection c) throws SQLException {
        try {
            c.commit();
        } finally {
            c.close();
        }
    }

    @Override
    protected String dataPlaceholder() {
        return "?";
    }

    @Override
    protected boolean isRetryable(SQLException e) {
        // One writer connection: no serialization failures; a busy database means another process.
        return e.getErrorCode() == 5; // SQLITE_BUSY
    }

    @Override
    public void close() {
        writeLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            closeQuietly(writer);
            readers.close();
        } finally {
            writeLock.unlock();
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                log.warn("closing SQLite connection: {}", e.getMessage());
            }
        }
    }
}

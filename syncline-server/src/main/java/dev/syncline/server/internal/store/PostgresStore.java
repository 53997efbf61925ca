package dev.syncline.server.internal.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import dev.syncline.core.protocol.Change;
import dev.syncline.core.protocol.PushOp;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import io.micrometer.core.instrument.MeterRegistry;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production store: PostgreSQL, schema migrated by Flyway ({@code classpath:db/postgresql}),
 * connections pooled by HikariCP, document data as the JSON text sent (a {@code text} column,
 * see {@code V4__data_as_sent.sql}). Any number of server instances may run
 * over one database.
 *
 * <p>Concurrency, and why READ COMMITTED is enough for writes. A write transaction first locks the
 * {@code scopes} row of every scope it touches, in scope-name order (the upsert in
 * {@link SqlStore}'s apply loop), and only then reads documents. In READ COMMITTED every statement
 * takes a fresh snapshot, so those reads see every transaction that held the lock before: the
 * previous holder committed before its row lock was released. Hence:
 * <ul>
 *   <li><b>No lost update</b>: two writers of one document are writers of one scope; the second
 *       waits for the lock, then reads the version the first committed, and its compare-and-set on
 *       the old base version fails as a conflict.
 *   <li><b>No feed gaps</b>: a writer takes {@code head + 1 ...} while holding the scope's lock and
 *       stores the new head before commit, so within a scope sequence numbers are handed out in
 *       commit order. A reader (REPEATABLE READ, one snapshot) reads the head and the documents at
 *       or below it from the same snapshot: every number up to that head belongs to a committed
 *       transaction it can see, and anything still in flight gets a number above the head. A plain
 *       {@code bigserial} would not do this: a transaction can draw 7, another draw 8 and commit
 *       first, and a reader that saw 8 would skip 7 forever.
 * </ul>
 * REPEATABLE READ or SERIALIZABLE writes would give the same answers but turn every lock wait on a
 * hot scope into a serialization failure and a retry. Scope locks are taken in one global order,
 * so writers do not deadlock; {@link #isRetryable} still retries deadlocks and serialization
 * failures, and unique-key races (two batches applying one opId in different scopes), whose retry
 * finds the opId and replays its result.
 *
 * <p>Failures: a connection that cannot be had within the pool's timeout, or one that breaks, ends
 * the call with {@link StoreUnavailableException} (HTTP 503). Nothing half-done is committed; a
 * push whose commit outcome is unknown is safe to repeat because opIds are idempotent. HikariCP
 * drops broken connections and opens new ones, so the store recovers by itself when the database
 * returns.
 *
 * <p>Thread-safe.
 */
public final class PostgresStore extends SqlStore {
    private static final Logger log = LoggerFactory.getLogger(PostgresStore.class);

    /** Pool size used when none is given. */
    public static final int DEFAULT_POOL_SIZE = 10;

    private final HikariDataSource pool;
    private final String safeUrl;

    private PostgresStore(HikariDataSource pool, String safeUrl) {
        this.pool = pool;
        this.safeUrl = safeUrl;
    }

    /**
     * Connects to the database at {@code jdbcUrl}, migrates its schema and reads (or creates) the
     * store's identity.
     *
     * @param jdbcUrl a {@code jdbc:postgresql:} URL; driver settings in it win over this store's
     *     defaults ({@code connectTimeout=3}, {@code tcpKeepAlive=true})
     * @param poolSize most connections this store holds, at least 2
     * @throws IllegalArgumentException when the URL is not a PostgreSQL JDBC URL or the pool size is
     *     too small
     * @throws StoreUnavailableException when the database cannot be reached or migrated
     */
    public static PostgresStore open(String jdbcUrl, int poolSize) {
        requirePostgresUrl(jdbcUrl);
        if (poolSize < 2) {
            throw new IllegalArgumentException("PostgreSQL pool size must be at least 2, got " + poolSize);
        }
        String safeUrl = redact(jdbcUrl);
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(jdbcUrl);
        hc.setDataSourceProperties(driverDefaults());
        hc.setPoolName("syncline-pg");
        hc.setMaximumPoolSize(poolSize);
        hc.setMinimumIdle(Math.min(2, poolSize));
        hc.setAutoCommit(false);
        hc.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        // Small timeouts: a request waits at most this long for a connection before answering 503.
        hc.setConnectionTimeout(TimeUnit.SECONDS.toMillis(3));
        hc.setValidationTimeout(TimeUnit.SECONDS.toMillis(2));
        // Replace connections before PostgreSQL or a proxy in between forgets them.
        hc.setMaxLifetime(TimeUnit.MINUTES.toMillis(30));
        hc.setKeepaliveTime(TimeUnit.MINUTES.toMillis(2));
        // Do not fail in the constructor: Flyway below reports an unreachable database clearly.
        hc.setInitializationFailTimeout(-1);
        HikariDataSource pool = new HikariDataSource(hc);
        try {
            Flyway.configure().dataSource(pool).locations("classpath:db/postgresql").loggers("slf4j")
                    .load().migrate();
            PostgresStore store = new PostgresStore(pool, safeUrl);
            store.loadIdentity();
            log.info("PostgreSQL store open at {} (store id {}, pool of {})", safeUrl, store.storeId(), poolSize);
            return store;
        } catch (RuntimeException e) {
            pool.close();
            if (e instanceof StoreUnavailableException sue) {
                throw sue;
            }
            throw new StoreUnavailableException("cannot open PostgreSQL store at " + safeUrl + ": " + rootMessage(e),
                    e);
        }
    }

    /**
     * @throws IllegalArgumentException unless {@code jdbcUrl} starts with {@code jdbc:postgresql:}
     */
    public static void requirePostgresUrl(String jdbcUrl) {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("a PostgreSQL JDBC URL starts with jdbc:postgresql:, got "
                    + redact(jdbcUrl));
        }
    }

    /** Driver settings that make a dead database show up quickly; the URL may override each. */
    static Properties driverDefaults() {
        Properties p = new Properties();
        p.setProperty("connectTimeout", "3");
        p.setProperty("tcpKeepAlive", "true");
        p.setProperty("ApplicationName", "syncline");
        return p;
    }

    /** @return the URL without a password parameter, for logs and messages */
    static String redact(String jdbcUrl) {
        return jdbcUrl == null ? null : jdbcUrl.replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    private static String rootMessage(Throwable e) {
        // Flyway wraps the driver's message in a banner; the innermost SQLException says what is wrong.
        String best = e.getMessage();
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof SQLException) {
                best = t.getMessage();
            }
        }
        return String.valueOf(best);
    }

    /**
     * Publishes the pool's metrics ({@code hikaricp_connections_active}, {@code _pending},
     * {@code _timeout_total}, acquire times, ...) to {@code registry}. Call at most once.
     */
    public void bindMetrics(MeterRegistry registry) {
        pool.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(registry));
    }

    /** @return the pool, for the notifier's sends (package-private: only SQL lives in this package) */
    DataSource dataSource() {
        return pool;
    }

    @Override
    public String kind() {
        return "postgresql";
    }

    @Override
    public String location() {
        return safeUrl;
    }

    @Override
    protected Connection beginWrite() throws SQLException {
        // The pool hands out READ COMMITTED connections with auto-commit off; the first statement begins.
        return pool.getConnection();
    }

    @Override
    protected void endWrite(Connection c, boolean commit) throws SQLException {
        try {
            if (commit) {
                c.commit();
            } else {
                rollbackQuietly(c);
            }
        } finally {
            c.close();
        }
    }

    /**
     * Rolls back after a failure without hiding it: when the connection is already broken the
     * rollback fails too, and its "connection is closed" would replace the error that says why.
     * PostgreSQL discards the transaction of a dead connection, and the pool drops the connection.
     */
    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException e) {
            log.debug("rollback failed (connection broken?): {}", e.getMessage());
        }
    }

    @Override
    protected Connection beginRead() throws SQLException {
        Connection c = pool.getConnection();
        try (Statement s = c.createStatement()) {
            // One snapshot for the whole read; sent with the implicit BEGIN in one round trip.
            s.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
    }

    @Override
    protected void endRead(Connection c) throws SQLException {
        try {
            rollbackQuietly(c);
        } finally {
            c.close();
        }
    }

    /**
     * Two statements for the whole batch instead of two per op: on a network database the round
     * trips, not the index lookups, are what a 500-op push costs.
     */
    @Override
    protected BatchLookup lookUpBatch(Connection c, List<PushOp> ops) throws SQLException {
        Set<String> opIds = new LinkedHashSet<>();
        Map<String, String[]> docs = new LinkedHashMap<>();
        for (PushOp op : ops) {
            opIds.add(op.opId());
            docs.putIfAbsent(docKey(op.scope(), op.type(), op.id()), new String[] {op.scope(), op.type(), op.id()});
        }
        Map<String, AppliedOp> applied = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT op_id, scope, type, id, version, seq FROM applied_ops WHERE op_id = ANY(?)")) {
            ps.setArray(1, c.createArrayOf("text", opIds.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    applied.put(rs.getString(1), new AppliedOp(rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getLong(5), rs.getLong(6)));
                }
            }
        }
        String[] scopes = new String[docs.size()];
        String[] types = new String[docs.size()];
        String[] ids = new String[docs.size()];
        int i = 0;
        for (String[] d : docs.values()) {
            scopes[i] = d[0];
            types[i] = d[1];
            ids[i] = d[2];
            i++;
        }
        Map<String, Change> found = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT d." + DOC_COLUMNS.replace(", ", ", d.")
                + " FROM unnest(?, ?, ?) AS k(scope, type, id)"
                + " JOIN documents d ON d.scope = k.scope AND d.type = k.type AND d.id = k.id")) {
            ps.setArray(1, c.createArrayOf("text", scopes));
            ps.setArray(2, c.createArrayOf("text", types));
            ps.setArray(3, c.createArrayOf("text", ids));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Change ch = readChange(rs);
                    found.put(docKey(ch.scope(), ch.type(), ch.id()), ch);
                }
            }
        }
        return new BatchLookup(applied, found);
    }

    @Override
    protected String dataPlaceholder() {
        // Text, not JSONB: the data comes back exactly as sent (JSONB would expand 1e300 to 301
        // digits, reorder keys and refuse what it cannot hold); it was validated before it got here.
        return "?";
    }

    @Override
    protected boolean isRetryable(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                if (isRetryableState(sql.getSQLState())) {
                    return true;
                }
                SQLException next = sql.getNextException();
                if (next != null && next != t && isRetryableState(next.getSQLState())) {
                    return true;
                }
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    private static boolean isRetryableState(String state) {
        return "40001".equals(state) // serialization_failure
                || "40P01".equals(state) // deadlock_detected
                || "23505".equals(state); // unique_violation: a concurrent batch applied the same opId
    }

    @Override
    protected StoreUnavailableException unavailable(String what, SQLException e) {
        return new StoreUnavailableException(what + " (PostgreSQL at " + safeUrl + ", SQLState " + e.getSQLState()
                + "): " + e.getMessage(), e);
    }

    @Override
    public void close() {
        pool.close();
    }
}

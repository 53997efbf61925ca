package dev.syncline.client.spi.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.syncline.client.StorageException;
import dev.syncline.core.InvalidInputException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link StorageDriver} must do, run against real database files. A driver's test
 * extends this class and returns the driver from {@link #driver()} (the JVM's JDBC driver does;
 * an Android one runs it as an instrumented test).
 */
public abstract class StorageDriverContract {
    @TempDir
    Path dir;

    private StorageConnection writer;

    /** @return the driver under test (a fresh one per test) */
    protected abstract StorageDriver driver();

    private StorageConnection open(boolean readOnly, Synchronous sync, int busyTimeoutMillis) {
        return driver().open(new StorageOptions(dir.resolve("contract.db").toAbsolutePath(), readOnly, sync,
                busyTimeoutMillis, 1024));
    }

    @BeforeEach
    void createTable() {
        writer = open(false, Synchronous.FULL, 5_000);
        writer.execute("CREATE TABLE t (k TEXT PRIMARY KEY, s TEXT, n INTEGER, i INTEGER, d REAL)");
    }

    @AfterEach
    void closeWriter() {
        writer.close();
    }

    private static void insert(StorageConnection c, String key) {
        try (StorageStatement ps = c.prepare("INSERT INTO t (k) VALUES (?)")) {
            ps.setString(1, key);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
    }

    private static long count(StorageConnection c) {
        try (StorageStatement ps = c.prepare("SELECT count(*) FROM t"); StorageRows rs = ps.executeQuery()) {
            assertThat(rs.next()).isTrue();
            return rs.getLong(1);
        }
    }

    private static String pragma(StorageConnection c, String name) {
        try (StorageStatement ps = c.prepare("PRAGMA " + name); StorageRows rs = ps.executeQuery()) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    @Test
    void writer_isInWalModeWithTheAskedSynchronousLevel() {
        assertThat(pragma(writer, "journal_mode")).isEqualToIgnoringCase("wal");
        assertThat(pragma(writer, "synchronous")).isEqualTo("2"); // FULL
        writer.synchronous(Synchronous.NORMAL);
        assertThat(pragma(writer, "synchronous")).isEqualTo("1");
        writer.synchronous(Synchronous.FULL);
        assertThat(pragma(writer, "synchronous")).isEqualTo("2");
    }

    @Test
    void parametersOfEachType_roundTrip() {
        try (StorageStatement ps = writer.prepare("INSERT INTO t (k, s, n, i, d) VALUES (?, ?, ?, ?, ?)")) {
            Object[][] rows = {
                {"max", "héllo ✓ 𝄞", Long.MAX_VALUE, Integer.MAX_VALUE, 1.5e300},
                {"min", "", Long.MIN_VALUE, Integer.MIN_VALUE, -0.25},
            };
            for (Object[] r : rows) {
                ps.setString(1, (String) r[0]);
                ps.setString(2, (String) r[1]);
                ps.setLong(3, (Long) r[2]);
                ps.setInt(4, (Integer) r[3]);
                ps.setDouble(5, (Double) r[4]);
                ps.executeUpdate();
            }
            ps.setString(1, "nulls");
            ps.setString(2, null);
            ps.setNull(3);
            ps.setNull(4);
            ps.setNull(5);
            ps.executeUpdate();
        }
        try (StorageStatement ps = writer.prepare("SELECT s, n, i, d FROM t WHERE k = ?")) {
            ps.setString(1, "max");
            try (StorageRows rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("héllo ✓ 𝄞");
                assertThat(rs.getLong(2)).isEqualTo(Long.MAX_VALUE);
                assertThat(rs.getInt(3)).isEqualTo(Integer.MAX_VALUE);
                assertThat(rs.getDouble(4)).isEqualTo(1.5e300);
                assertThat(rs.isNull(1)).isFalse();
                assertThat(rs.next()).isFalse();
            }
            ps.setString(1, "min"); // the same statement, bound again
            try (StorageRows rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEmpty();
                assertThat(rs.getLong(2)).isEqualTo(Long.MIN_VALUE);
                assertThat(rs.getInt(3)).isEqualTo(Integer.MIN_VALUE);
                assertThat(rs.getDouble(4)).isEqualTo(-0.25);
            }
            ps.setString(1, "nulls");
            try (StorageRows rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                for (int col = 1; col <= 4; col++) {
                    assertThat(rs.isNull(col)).as("column %d", col).isTrue();
                }
                assertThat(rs.getString(1)).isNull();
                assertThat(rs.getLong(2)).isZero();
                assertThat(rs.getInt(3)).isZero();
                assertThat(rs.getDouble(4)).isZero();
            }
        }
    }

    @Test
    void execute_stepsAPragmaToItsEnd() {
        writer.execute("PRAGMA auto_vacuum = INCREMENTAL");
        writer.execute("VACUUM");
        try (StorageStatement ps = writer.prepare("INSERT INTO t (k, s) VALUES (?, ?)")) {
            for (int i = 0; i < 100; i++) {
                ps.setString(1, "k" + i);
                ps.setString(2, "x".repeat(4000));
                ps.executeUpdate();
            }
        }
        writer.execute("DELETE FROM t");
        assertThat(Long.parseLong(pragma(writer, "freelist_count"))).isGreaterThan(50);
        writer.execute("PRAGMA incremental_vacuum"); // frees one page per step
        assertThat(pragma(writer, "freelist_count")).isEqualTo("0");
    }

    @Test
    void zero_isNotNull() {
        try (StorageStatement ps = writer.prepare("SELECT 0, NULL")) {
            try (StorageRows rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.isNull(1)).isFalse();
                assertThat(rs.isNull(2)).isTrue();
            }
        }
    }

    @Test
    void rollback_afterAFailingStatement_undoesTheWholeTransaction() {
        insert(writer, "kept");
        writer.begin();
        assertThat(writer.inTransaction()).isTrue();
        insert(writer, "a");
        assertThatThrownBy(() -> insert(writer, "kept")).isInstanceOf(StorageException.class)
                .hasMessageContaining("UNIQUE");
        writer.rollback();
        assertThat(writer.inTransaction()).isFalse();
        assertThat(count(writer)).isEqualTo(1);
        try (StorageConnection reader = open(true, Synchronous.NORMAL, 5_000)) {
            assertThat(count(reader)).isEqualTo(1);
        }
    }

    @Test
    void rollback_withNoTransactionOpen_doesNothing() {
        insert(writer, "a");
        writer.rollback();
        assertThat(count(writer)).isEqualTo(1);
    }

    @Test
    void commit_makesTheTransactionVisibleToReaders_whoSeeTheLastCommitUntilThen() {
        try (StorageConnection reader = open(true, Synchronous.NORMAL, 5_000)) {
            writer.begin();
            insert(writer, "a");
            insert(writer, "b");
            assertThat(count(writer)).isEqualTo(2);
            assertThat(count(reader)).as("uncommitted").isZero();
            writer.commit();
            assertThat(writer.inTransaction()).isFalse();
            assertThat(count(reader)).isEqualTo(2);
        }
    }

    @Test
    void begin_insideATransaction_isRefused_andTheOpenOneStillCommits() {
        writer.begin();
        insert(writer, "a");
        assertThatThrownBy(writer::begin).isInstanceOf(StorageException.class).hasMessageContaining("do not nest");
        assertThat(writer.inTransaction()).isTrue();
        writer.commit();
        assertThat(count(writer)).isEqualTo(1);
    }

    @Test
    void commit_withNoTransactionOpen_isRefused() {
        assertThatThrownBy(writer::commit).isInstanceOf(StorageException.class);
    }

    @Test
    void secondWriter_cannotBeginWhileTheFirstHoldsTheWriteLock() {
        try (StorageConnection other = open(false, Synchronous.FULL, 0)) {
            writer.begin();
            insert(writer, "a");
            assertThatThrownBy(other::begin).isInstanceOf(StorageException.class);
            assertThat(other.inTransaction()).isFalse();
            writer.commit();
            other.begin(); // free again
            insert(other, "b");
            other.commit();
        }
        assertThat(count(writer)).isEqualTo(2);
    }

    @Test
    void driver_opensConnectionsFromManyThreadsAtOnce_eachUsedByItsOwnThread() throws Exception {
        insert(writer, "a");
        StorageDriver driver = driver();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            java.util.List<java.util.concurrent.Future<Long>> counts = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                counts.add(pool.submit(() -> {
                    try (StorageConnection reader = driver.open(new StorageOptions(
                            dir.resolve("contract.db").toAbsolutePath(), true, Synchronous.NORMAL, 5_000, 1024))) {
                        return count(reader);
                    }
                }));
            }
            for (java.util.concurrent.Future<Long> n : counts) {
                assertThat(n.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(1);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void readOnlyConnection_refusesWrites() {
        try (StorageConnection reader = open(true, Synchronous.NORMAL, 5_000)) {
            assertThatThrownBy(() -> insert(reader, "a")).isInstanceOf(StorageException.class);
        }
        assertThat(count(writer)).isZero();
    }

    @Test
    void executeUpdate_countsChangedRows_andReturningRowsAreRead() {
        insert(writer, "a");
        insert(writer, "b");
        try (StorageStatement ps = writer.prepare("UPDATE t SET n = ? WHERE k IN ('a', 'b')")) {
            ps.setLong(1, 7);
            assertThat(ps.executeUpdate()).isEqualTo(2);
        }
        try (StorageStatement ps = writer.prepare("UPDATE t SET n = n + 1 WHERE k = ? RETURNING n")) {
            ps.setString(1, "a");
            try (StorageRows rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isEqualTo(8);
                assertThat(rs.next()).isFalse();
            }
        }
    }

    @Test
    void badSql_isAStorageException_andTheConnectionStaysUsable() {
        assertThatThrownBy(() -> writer.prepare("SELECT nope FROM missing")).isInstanceOf(StorageException.class)
                .hasMessageContaining("missing");
        assertThatThrownBy(() -> writer.execute("CREATE TABLE t (x)")).isInstanceOf(StorageException.class);
        insert(writer, "a");
        assertThat(count(writer)).isEqualTo(1);
    }

    @Test
    void missingArguments_areInvalidInput() {
        assertThatThrownBy(() -> driver().open(null)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> writer.prepare(null)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> writer.execute(" ")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> writer.synchronous(null)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> new StorageOptions(null, false, Synchronous.FULL, 0, 0))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("file");
    }

    @Test
    void close_isIdempotent_andClosesItsStatements() {
        StorageConnection c = open(false, Synchronous.NORMAL, 5_000);
        StorageStatement ps = c.prepare("SELECT 1");
        c.close();
        c.close();
        assertThatThrownBy(ps::executeQuery).isInstanceOf(StorageException.class);
    }
}

package dev.syncline.client.internal.store.jdbc;

import dev.syncline.client.StorageException;
import dev.syncline.client.spi.storage.StorageConnection;
import dev.syncline.client.spi.storage.StorageDriver;
import dev.syncline.client.spi.storage.StorageOptions;
import dev.syncline.client.spi.storage.StorageRows;
import dev.syncline.client.spi.storage.StorageStatement;
import dev.syncline.client.spi.storage.Synchronous;
import dev.syncline.core.InvalidInputException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import org.sqlite.SQLiteConfig;

/**
 * The JVM's storage driver: the xerial sqlite-jdbc driver behind the {@link StorageDriver} SPI.
 * Every {@link SQLException} becomes a {@link StorageException} naming the file and the SQL.
 *
 * <p>Concurrency: the driver is stateless and thread-safe; each connection, as a JDBC
 * connection, is used by one thread at a time.
 */
public final class JdbcStorageDriver implements StorageDriver {
    /** Creates the driver; it holds no state. */
    public JdbcStorageDriver() {
    }

    @Override
    public StorageConnection open(StorageOptions options) {
        if (options == null) {
            throw new InvalidInputException("invalid_storage_options", "options is null");
        }
        Path file = options.file();
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.setBusyTimeout(options.busyTimeoutMillis());
        cfg.setCacheSize(-options.cacheKib());
        if (options.readOnly()) {
            cfg.setReadOnly(true);
        } else {
            cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
            cfg.setSynchronous(options.synchronous() == Synchronous.FULL
                    ? SQLiteConfig.SynchronousMode.FULL : SQLiteConfig.SynchronousMode.NORMAL);
        }
        try {
            return new JdbcConnection(file, DriverManager.getConnection("jdbc:sqlite:" + file, cfg.toProperties()));
        } catch (SQLException e) {
            throw new StorageException(file, "open", "cannot open " + file + ": " + e.getMessage(), e);
        }
    }

    private static StorageException failure(Path file, String sql, SQLException e) {
        return new StorageException(file, "sql", e.getMessage() + " (in " + file + ", running: " + sql + ")", e);
    }

    private static void requireSql(String sql) {
        if (sql == null || sql.isBlank()) {
            throw new InvalidInputException("invalid_sql", "sql is null or blank");
        }
    }

    private static final class JdbcConnection implements StorageConnection {
        private final Path file;
        private final Connection c;
        private final List<JdbcStatement> statements = new ArrayList<>();
        // BEGIN and COMMIT run once per write transaction: prepared once.
        private PreparedStatement beginPs;
        private PreparedStatement commitPs;
        private boolean inTx;
        private boolean closed;

        JdbcConnection(Path file, Connection c) {
            this.file = file;
            this.c = c;
        }

        @Override
        public StorageStatement prepare(String sql) {
            requireSql(sql);
            try {
                JdbcStatement s = new JdbcStatement(this, sql, c.prepareStatement(sql));
                statements.add(s);
                return s;
            } catch (SQLException e) {
                throw failure(file, sql, e);
            }
        }

        @Override
        public void execute(String sql) {
            requireSql(sql);
            // executeUpdate steps a statement to its end (some pragmas, such as incremental_vacuum,
            // do their work one step at a time) but refuses one that returns rows: those are read out.
            try (Statement st = c.createStatement()) {
                try {
                    st.executeUpdate(sql);
                } catch (SQLException e) {
                    if (!"query returns results".equals(e.getMessage())) {
                        throw e;
                    }
                    try (ResultSet rs = st.executeQuery(sql)) {
                        while (rs.next()) {
                            // discard
                        }
                    }
                }
            } catch (SQLException e) {
                throw failure(file, sql, e);
            }
        }

        @Override
        public void begin() {
            if (inTx) {
                throw new StorageException(file, "begin", "a transaction is open already on " + file
                        + " (transactions do not nest)", null);
            }
            try {
                if (beginPs == null) {
                    beginPs = c.prepareStatement("BEGIN IMMEDIATE");
                }
                beginPs.execute();
            } catch (SQLException e) {
                throw failure(file, "BEGIN IMMEDIATE", e);
            }
            inTx = true;
        }

        @Override
        public void commit() {
            if (!inTx) {
                throw new StorageException(file, "commit", "no transaction is open on " + file, null);
            }
            try {
                if (commitPs == null) {
                    commitPs = c.prepareStatement("COMMIT");
                }
                commitPs.execute();
            } catch (SQLException e) {
                throw failure(file, "COMMIT", e);
            }
            inTx = false;
        }

        @Override
        public void rollback() {
            if (!inTx) {
                return;
            }
            inTx = false;
            try (Statement st = c.createStatement()) {
                st.execute("ROLLBACK");
            } catch (SQLException e) {
                // SQLite rolls back by itself after some errors (a full disk, an I/O error):
                // then there is nothing left to undo.
                if (!String.valueOf(e.getMessage()).contains("no transaction is active")) {
                    throw failure(file, "ROLLBACK", e);
                }
            }
        }

        @Override
        public boolean inTransaction() {
            return inTx;
        }

        @Override
        public void synchronous(Synchronous mode) {
            if (mode == null) {
                throw new InvalidInputException("invalid_storage_options", "synchronous mode is null");
            }
            execute("PRAGMA synchronous = " + mode.name());
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            for (JdbcStatement s : statements) {
                s.closeQuietly();
            }
            statements.clear();
            try {
                if (beginPs != null) {
                    beginPs.close();
                }
                if (commitPs != null) {
                    commitPs.close();
                }
            } catch (SQLException e) {
                // closing: nothing to do about it
            }
            try {
                c.close();
            } catch (SQLException e) {
                // closing: nothing to do about it
            }
        }
    }

    private static final class JdbcStatement implements StorageStatement {
        private final JdbcConnection owner;
        private final String sql;
        private final PreparedStatement ps;

        JdbcStatement(JdbcConnection owner, String sql, PreparedStatement ps) {
            this.owner = owner;
            this.sql = sql;
            this.ps = ps;
        }

        @Override
        public void setString(int index, String value) {
            try {
                ps.setString(index, value);
            } catch (SQLException e) {
                throw failure(owner.file, sql, e);
            }
        }

        @Override
        public void setLong(int index, long value) {
            try {
                ps.setLong(index, value);
            } catch (SQLException e) {
                throw failure(owner.file, sql, e);
            }
        }

        @Override
        public void setInt(int index, int value) {
            try {
                ps.setInt(index, value);
            } catch (SQLException e) {
                throw failure(owner.file, sql, e);
            }
        }

        @Override
        public void setDouble(int index, double value) {
            try {
                ps.setDouble(index, value);
            } catch (SQLException e) {
                throw failure(owner.file, sql, e);
            }
        }

        @Override
        public void setNull(int index) {
            try {
                ps.setNull(index, Types.NULL);
            } catch (SQLException e) {
                throw failure(owner.file, sql, e);
            }
        }

        @Override
        public int executeUpdate() {
            try {
                return ps.executeUpdate();
            } catch (SQLException e) {
                throw failure(owner.file, sql, e);
            }
        }

        @Override
        public StorageRows executeQuery() {
            try {
                return new JdbcRows(owner.file, sql, ps.executeQuery());
            } catch (SQLException e) {
                throw failure(owner.file, sql, e);
            }
        }

        @Override
        public void close() {
            owner.statements.remove(this);
            closeQuietly();
        }

        void closeQuietly() {
            try {
                ps.close();
            } catch (SQLException e) {
                // closing: nothing to do about it
            }
        }
    }

    private static final class JdbcRows implements StorageRows {
        private final Path file;
        private final String sql;
        private final ResultSet rs;

        JdbcRows(Path file, String sql, ResultSet rs) {
            this.file = file;
            this.sql = sql;
            this.rs = rs;
        }

        @Override
        public boolean next() {
            try {
                return rs.next();
            } catch (SQLException e) {
                throw failure(file, sql, e);
            }
        }

        @Override
        public String getString(int column) {
            try {
                return rs.getString(column);
            } catch (SQLException e) {
                throw failure(file, sql, e);
            }
        }

        @Override
        public long getLong(int column) {
            try {
                return rs.getLong(column);
            } catch (SQLException e) {
                throw failure(file, sql, e);
            }
        }

        @Override
        public int getInt(int column) {
            try {
                return rs.getInt(column);
            } catch (SQLException e) {
                throw failure(file, sql, e);
            }
        }

        @Override
        public double getDouble(int column) {
            try {
                return rs.getDouble(column);
            } catch (SQLException e) {
                throw failure(file, sql, e);
            }
        }

        @Override
        public boolean isNull(int column) {
            try {
                rs.getObject(column);
                return rs.wasNull();
            } catch (SQLException e) {
                throw failure(file, sql, e);
            }
        }

        @Override
        public void close() {
            try {
                rs.close();
            } catch (SQLException e) {
                // closing: nothing to do about it
            }
        }
    }
}

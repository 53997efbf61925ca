package dev.syncline.server.internal.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A fresh, empty PostgreSQL database for one test, made through the admin URL in the system
 * property {@code syncline.test.postgres} (the parent POM sets it) and dropped on {@link #close()}.
 */
public final class PostgresTestDatabase implements AutoCloseable {
    /** The admin URL used when the system property is not set (running from an IDE). */
    public static final String DEFAULT_ADMIN_URL = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";

    private final String adminUrl;
    private final String name;
    private final String url;

    private PostgresTestDatabase(String adminUrl, String name, String url) {
        this.adminUrl = adminUrl;
        this.name = name;
        this.url = url;
    }

    /** Creates a database named {@code syncline_test_<random>}. */
    public static PostgresTestDatabase create() throws SQLException {
        String admin = System.getProperty("syncline.test.postgres", DEFAULT_ADMIN_URL);
        String name = "syncline_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        try (Connection c = DriverManager.getConnection(admin); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return new PostgresTestDatabase(admin, name, withDatabase(admin, name));
    }

    /** @return {@code admin} with its database name replaced by {@code db} */
    static String withDatabase(String admin, String db) {
        int slash = admin.indexOf('/', "jdbc:postgresql://".length());
        if (slash < 0) {
            throw new IllegalArgumentException("cannot find the database name in " + admin);
        }
        int q = admin.indexOf('?', slash);
        return admin.substring(0, slash + 1) + db + (q < 0 ? "" : admin.substring(q));
    }

    /** @return the JDBC URL of this database */
    public String url() {
        return url;
    }

    /** @return the database name */
    public String name() {
        return name;
    }

    /**
     * Kills every backend connected to this database except the caller's own (what a restart of
     * PostgreSQL does to the servers' connections).
     *
     * @return how many were killed
     */
    public int terminateConnections() throws SQLException {
        try (Connection c = DriverManager.getConnection(adminUrl); Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                     + " WHERE datname = '" + name + "' AND pid <> pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /**
     * Makes the database refuse (or accept again) new connections, as if it were down for this
     * test's servers only; existing connections are not touched (see {@link #terminateConnections}).
     */
    public void refuseConnections(boolean refuse) throws SQLException {
        try (Connection c = DriverManager.getConnection(adminUrl); Statement s = c.createStatement()) {
            s.execute("ALTER DATABASE " + name + " ALLOW_CONNECTIONS " + !refuse);
        }
    }

    /** Drops the database, forcing off whatever is still connected. */
    @Override
    public void close() throws SQLException {
        try (Connection c = DriverManager.getConnection(adminUrl); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }
}

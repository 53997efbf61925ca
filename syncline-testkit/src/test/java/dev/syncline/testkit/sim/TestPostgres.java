package dev.syncline.testkit.sim;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A fresh, empty PostgreSQL database, made through the admin URL in the system property
 * {@code syncline.test.postgres} (the parent POM sets it) and dropped on {@link #close()}.
 */
final class TestPostgres implements AutoCloseable {
    private final String admin;
    private final String name;
    private final String url;

    private TestPostgres(String admin, String name, String url) {
        this.admin = admin;
        this.name = name;
        this.url = url;
    }

    static TestPostgres create() throws SQLException {
        String admin = System.getProperty("syncline.test.postgres", "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres");
        String name = "syncline_sim_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        try (Connection c = DriverManager.getConnection(admin); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        int slash = admin.indexOf('/', "jdbc:postgresql://".length());
        int q = admin.indexOf('?', slash);
        return new TestPostgres(admin, name, admin.substring(0, slash + 1) + name + (q < 0 ? "" : admin.substring(q)));
    }

    String url() {
        return url;
    }

    @Override
    public void close() throws SQLException {
        try (Connection c = DriverManager.getConnection(admin); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }
}

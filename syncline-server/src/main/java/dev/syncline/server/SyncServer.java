package dev.syncline.server;

import dev.syncline.server.internal.http.Authenticator;
import dev.syncline.server.internal.http.HttpApi;
import dev.syncline.server.internal.service.AdminService;
import dev.syncline.server.internal.service.LocalNotifier;
import dev.syncline.server.internal.service.Meters;
import dev.syncline.server.internal.service.Notifier;
import dev.syncline.server.internal.service.SyncService;
import dev.syncline.server.internal.store.PgNotifier;
import dev.syncline.server.internal.store.PostgresStore;
import dev.syncline.server.internal.store.SqliteStore;
import dev.syncline.server.internal.store.Store;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Syncline sync server: HTTP API of protocol v1 over a store, Prometheus metrics at
 * {@code /metrics}, and an admin page at {@code /admin} for tokens minted by
 * {@link Tokens#mintAdmin}. Build and start one with {@link #builder()}; {@link #close()} stops it,
 * letting in-flight requests finish.
 *
 * <pre>{@code
 * try (SyncServer server = SyncServer.builder()
 *         .dataDir(Path.of("syncline-data"))
 *         .jwtSecret(secret)
 *         .port(8080)
 *         .start()) {
 *     ...
 * }
 * }</pre>
 *
 * <p>For PostgreSQL, set {@code .postgres("jdbc:postgresql://db:5432/syncline?user=syncline")} instead of
 * {@code dataDir}; any number of servers may then run over the same database and act as one (pokes
 * travel between them by {@code LISTEN/NOTIFY}).
 *
 * Thread-safe.
 */
public final class SyncServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SyncServer.class);
    private static final String VERSION = readVersion();

    private final Store store;
    private final Notifier notifier;
    private final HttpApi http;
    private final ScheduledExecutorService housekeeping;
    private final String host;
    private final String instanceId;
    private boolean closed;

    private SyncServer(Builder b, Store store, Notifier notifier, String instanceId) {
        this.store = store;
        this.host = b.host;
        this.notifier = notifier;
        this.instanceId = instanceId;
        Instant startedAt = b.clock.instant();
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(metrics);
        new JvmGcMetrics().bindTo(metrics);
        new JvmThreadMetrics().bindTo(metrics);
        new ProcessorMetrics().bindTo(metrics);
        if (store instanceof PostgresStore pg) {
            pg.bindMetrics(metrics);
        }
        if (notifier instanceof PgNotifier pgn) {
            Gauge.builder(Meters.NOTIFIER_LISTENING, pgn, n -> n.isListening() ? 1 : 0)
                    .description("1 while this instance listens for other instances' commits").register(metrics);
        }
        SyncService service = new SyncService(store, notifier, b.clock, b.maxDocumentBytes, instanceId);
        AdminService admin = new AdminService(store, metrics, b.clock, instanceId, version(), startedAt);
        this.http = new HttpApi(service, admin, new Authenticator(b.jwtSecret, b.clock), notifier, b.clock,
                b.heartbeat, new HttpApi.Limits(b.maxOpsPerPush, b.maxRequestBytes, 1000), metrics);
        this.housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "syncline-housekeeping");
            t.setDaemon(true);
            return t;
        });
        Duration retention = b.opRetention;
        Clock clock = b.clock;
        housekeeping.scheduleWithFixedDelay(() -> {
            try {
                int n = store.forgetOpsAppliedBefore(clock.instant().minus(retention));
                if (n > 0) {
                    log.info("forgot {} opIds applied more than {} ago", n, retention);
                }
            } catch (RuntimeException e) {
                log.warn("opId cleanup failed: {}", e.getMessage());
            }
        }, 1, 60, TimeUnit.MINUTES);
    }

    /** @return a builder with the defaults of protocol v1 */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * @return this instance's id, made at start: shown on the admin page, and the node of the HLC
     *     stamps this instance gives writes that came without one
     */
    public String instanceId() {
        return instanceId;
    }

    /** @return the version of this server build, such as {@code 0.1.0}, or {@code unknown} */
    public static String version() {
        return VERSION;
    }

    private static String readVersion() {
        try (InputStream in = SyncServer.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown");
            return v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** @return the port the server listens on */
    public int port() {
        return http.port();
    }

    /** @return the base URL, such as {@code http://127.0.0.1:8080} */
    public String url() {
        String h = host.equals("0.0.0.0") ? "127.0.0.1" : host;
        return "http://" + h + ":" + port();
    }

    /** Stops serving (in-flight requests finish first), then closes the store. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        http.close();
        housekeeping.shutdownNow();
        notifier.close();
        store.close();
        log.info("server stopped");
    }

    /** Configures a server. Not thread-safe; each setting may be set once. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 8080;
        private Path dataDir;
        private String postgresUrl;
        private int postgresPoolSize = PostgresStore.DEFAULT_POOL_SIZE;
        private byte[] jwtSecret;
        private int maxOpsPerPush = 500;
        private long maxRequestBytes = 4L * 1024 * 1024;
        private int maxDocumentBytes = 256 * 1024;
        private Duration opRetention = Duration.ofDays(7);
        private Duration heartbeat = Duration.ofSeconds(15);
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** Interface to bind; default {@code 127.0.0.1}. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** Port to bind, 0 to 65535 (0 picks a free one); default 8080. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0 to 65535, got " + port);
            }
            this.port = port;
            return this;
        }

        /** Directory of the embedded SQLite store (created if absent). Set either this or {@link #postgres}. */
        public Builder dataDir(Path dir) {
            this.dataDir = Objects.requireNonNull(dir, "dataDir");
            return this;
        }

        /**
         * Use PostgreSQL at this JDBC URL instead of the embedded store (migrating its schema on
         * start). Set either this or {@link #dataDir}.
         *
         * @param jdbcUrl such as {@code jdbc:postgresql://127.0.0.1:5432/syncline?user=syncline}
         * @throws IllegalArgumentException when it is not a {@code jdbc:postgresql:} URL
         */
        public Builder postgres(String jdbcUrl) {
            PostgresStore.requirePostgresUrl(jdbcUrl);
            this.postgresUrl = jdbcUrl;
            return this;
        }

        /**
         * Most PostgreSQL connections this server holds in its pool (the listening connection for
         * notifications comes on top); default 10. Only with {@link #postgres}.
         */
        public Builder postgresPoolSize(int n) {
            if (n < 2) {
                throw new IllegalArgumentException("postgresPoolSize must be at least 2, got " + n);
            }
            this.postgresPoolSize = n;
            return this;
        }

        /** HS256 secret for bearer tokens, at least 32 bytes. Required. */
        public Builder jwtSecret(byte[] secret) {
            Tokens.requireSecret(secret);
            this.jwtSecret = secret.clone();
            return this;
        }

        /** Most ops one push may hold; default 500. */
        public Builder maxOpsPerPush(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxOpsPerPush must be at least 1, got " + n);
            }
            this.maxOpsPerPush = n;
            return this;
        }

        /** Largest push body in bytes; default 4 MiB. */
        public Builder maxRequestBytes(long n) {
            if (n < 1024) {
                throw new IllegalArgumentException("maxRequestBytes must be at least 1024, got " + n);
            }
            this.maxRequestBytes = n;
            return this;
        }

        /** Largest document data in bytes of JSON; default 256 KiB. */
        public Builder maxDocumentBytes(int n) {
            if (n < 2) {
                throw new IllegalArgumentException("maxDocumentBytes must be at least 2, got " + n);
            }
            this.maxDocumentBytes = n;
            return this;
        }

        /** How long applied opIds are remembered for idempotent replays; default and minimum 7 days. */
        public Builder opRetention(Duration d) {
            if (d == null || d.compareTo(Duration.ofDays(7)) < 0) {
                throw new IllegalArgumentException("opRetention must be at least 7 days (protocol v1), got " + d);
            }
            this.opRetention = d;
            return this;
        }

        /** Interval of stream heartbeats; default 15 s. */
        public Builder heartbeat(Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("heartbeat must be positive, got " + d);
            }
            this.heartbeat = d;
            return this;
        }

        /** Wall clock (token expiry, HLC stamps, opId retention); default the system clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Opens the store, binds the port and starts serving.
         *
         * @throws IllegalStateException when a required setting is missing, or both {@code dataDir}
         *     and {@code postgres} are set
         * @throws dev.syncline.server.internal.store.StoreUnavailableException when the database
         *     cannot be opened
         */
        public SyncServer start() {
            if (jwtSecret == null) {
                throw new IllegalStateException("jwtSecret is required");
            }
            if (dataDir != null && postgresUrl != null) {
                throw new IllegalStateException("dataDir and postgres are mutually exclusive: set dataDir for the"
                        + " embedded store or postgres for PostgreSQL, not both");
            }
            if (dataDir == null && postgresUrl == null) {
                throw new IllegalStateException("a store is required: set dataDir (embedded) or postgres (JDBC URL)");
            }
            // One id names this instance everywhere: admin page, logs, HLC stamps, notifications.
            byte[] random = new byte[6];
            new SecureRandom().nextBytes(random);
            String instanceId = "server-" + HexFormat.of().formatHex(random);
            Store store;
            Notifier notifier;
            if (postgresUrl != null) {
                PostgresStore pg = PostgresStore.open(postgresUrl, postgresPoolSize);
                store = pg;
                notifier = PgNotifier.start(postgresUrl, pg, instanceId);
            } else {
                store = SqliteStore.open(dataDir);
                notifier = new LocalNotifier();
            }
            SyncServer server = null;
            try {
                server = new SyncServer(this, store, notifier, instanceId);
                server.http.start(host, port);
                log.info("listening on {}:{} ({}, instance {}, version {})", host, server.port(),
                        postgresUrl != null ? "PostgreSQL store" : "embedded store in " + dataDir, instanceId,
                        VERSION);
                return server;
            } catch (RuntimeException e) {
                if (server != null) {
                    server.close();
                } else {
                    notifier.close();
                    store.close();
                }
                throw e;
            }
        }
    }
}

package dev.syncline.server.internal.store;

import dev.syncline.server.internal.service.Notifier;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries feed movements between all server instances on one PostgreSQL database with
 * {@code LISTEN/NOTIFY} on channel {@value #CHANNEL}. (It lives in the store package because it is
 * SQL; the service sees only {@link Notifier}.)
 *
 * <p>Concurrency: {@link #publish} calls this instance's listeners at once, on the caller's thread,
 * and leaves the scope's newest sequence in a map that a sender thread turns into
 * {@code pg_notify} calls (one round trip for everything pending, through the store's pool). A
 * listener thread holds its own connection, outside the pool, that {@code LISTEN}s and waits for
 * notifications; it calls the listeners for notifications of the other instances and ignores its
 * own (they were delivered directly), so a local publish reaches each local listener exactly once.
 * Notifications are a hint, not the feed: a lost one only delays a pull until the next poke, the
 * client's periodic sync or the catch-up below.
 *
 * <p>Failures: when the listening connection breaks (PostgreSQL restarted, backend terminated), the
 * listener thread reconnects with capped exponential backoff (100 ms to 5 s) and then pokes every
 * scope whose head moved past what this instance last announced, so streams learn about commits
 * made while it was deaf. A failed send is kept and retried with the same backoff.
 *
 * <p>Thread-safe.
 */
public final class PgNotifier implements Notifier {
    /** The PostgreSQL notification channel. */
    public static final String CHANNEL = "syncline_feed";
    private static final Logger log = LoggerFactory.getLogger(PgNotifier.class);
    private static final long MIN_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 5_000;
    private static final long LIVENESS_CHECK_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final int MAX_CATCH_UP_SCOPES = 10_000;

    private final String jdbcUrl;
    private final String safeUrl;
    private final DataSource sendPool;
    private final String instanceId;
    private final CopyOnWriteArrayList<BiConsumer<String, Long>> listeners = new CopyOnWriteArrayList<>();
    /** Scope to newest sequence not yet sent. */
    private final ConcurrentHashMap<String, Long> unsent = new ConcurrentHashMap<>();
    /** Scope to newest sequence this instance delivered to its listeners. */
    private final ConcurrentHashMap<String, Long> delivered = new ConcurrentHashMap<>();
    private final AtomicInteger connects = new AtomicInteger();
    private final Thread listenThread;
    private final Thread sendThread;
    private volatile Connection listenConnection;
    private volatile boolean listening;
    private volatile boolean closed;

    private PgNotifier(String jdbcUrl, DataSource sendPool, String instanceId) {
        this.jdbcUrl = jdbcUrl;
        this.instanceId = instanceId;
        this.safeUrl = PostgresStore.redact(jdbcUrl);
        this.sendPool = sendPool;
        this.listenThread = new Thread(this::listenLoop, "syncline-pg-listen");
        this.sendThread = new Thread(this::sendLoop, "syncline-pg-notify");
        listenThread.setDaemon(true);
        sendThread.setDaemon(true);
    }

    /**
     * Starts a notifier on the database of {@code store}. Returns at once; the listening
     * connection is opened (and reopened) in the background.
     *
     * @param jdbcUrl the URL the store was opened with
     * @param store sends go through its pool
     */
    public static PgNotifier start(String jdbcUrl, PostgresStore store) {
        return start(jdbcUrl, store, UUID.randomUUID().toString());
    }

    /**
     * Like {@link #start(String, PostgresStore)}, naming this instance in its notifications.
     *
     * @param instanceId this server instance's id: no spaces, unique among the instances
     */
    public static PgNotifier start(String jdbcUrl, PostgresStore store, String instanceId) {
        PostgresStore.requirePostgresUrl(jdbcUrl);
        if (instanceId == null || instanceId.isEmpty() || instanceId.contains(" ")) {
            throw new IllegalArgumentException("instanceId must be non-empty without spaces: " + instanceId);
        }
        PgNotifier n = new PgNotifier(jdbcUrl, store.dataSource(), instanceId);
        n.listenThread.start();
        n.sendThread.start();
        return n;
    }

    /** @return true while the listening connection is up and subscribed */
    public boolean isListening() {
        return listening;
    }

    /** @return how many times the listening connection was opened (1 after the first success) */
    public int connects() {
        return connects.get();
    }

    @Override
    public void publish(String scope, long seq) {
        deliver(scope, seq);
        unsent.merge(scope, seq, Math::max);
        LockSupport.unpark(sendThread);
    }

    @Override
    public AutoCloseable subscribe(BiConsumer<String, Long> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    private void deliver(String scope, long seq) {
        delivered.merge(scope, seq, Math::max);
        for (BiConsumer<String, Long> l : listeners) {
            try {
                l.accept(scope, seq);
            } catch (RuntimeException e) {
                log.warn("notifier listener failed for scope {}: {}", scope, e.toString());
            }
        }
    }

    private void sendLoop() {
        long backoff = MIN_BACKOFF_MS;
        while (!closed) {
            if (unsent.isEmpty()) {
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
                continue;
            }
            List<String> payloads = new ArrayList<>();
            Map<String, Long> taken = new HashMap<>();
            for (String scope : List.copyOf(unsent.keySet())) {
                Long seq = unsent.remove(scope);
                if (seq != null) {
                    taken.put(scope, seq);
                    payloads.add(instanceId + ' ' + scope + ' ' + seq);
                }
            }
            try (Connection c = sendPool.getConnection()) {
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT count(pg_notify(?, p)) FROM unnest(?::text[]) AS p")) {
                    Array arr = c.createArrayOf("text", payloads.toArray());
                    ps.setString(1, CHANNEL);
                    ps.setArray(2, arr);
                    ps.executeQuery().close();
                }
                c.commit(); // notifications go out on commit
                if (backoff != MIN_BACKOFF_MS) {
                    log.info("notifications to other instances flow again");
                }
                backoff = MIN_BACKOFF_MS;
            } catch (SQLException | RuntimeException e) {
                taken.forEach((scope, seq) -> unsent.merge(scope, seq, Math::max));
                if (closed) {
                    return;
                }
                log.warn("cannot notify other instances ({}), retrying in {} ms: {}", safeUrl, backoff, e.getMessage());
                sleep(backoff);
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
            }
        }
    }

    private void listenLoop() {
        long backoff = MIN_BACKOFF_MS;
        while (!closed) {
            try (Connection c = DriverManager.getConnection(jdbcUrl, PostgresStore.driverDefaults())) {
                listenConnection = c;
                if (closed) {
                    return;
                }
                c.setAutoCommit(true);
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + CHANNEL);
                }
                listening = true;
                int n = connects.incrementAndGet();
                if (n > 1) {
                    log.info("listening for other instances' commits again ({})", safeUrl);
                }
                catchUp(c, n > 1);
                backoff = MIN_BACKOFF_MS;
                PGConnection pg = c.unwrap(PGConnection.class);
                long lastCheck = System.nanoTime();
                while (!closed) {
                    PGNotification[] got = pg.getNotifications(500);
                    if (got != null) {
                        for (PGNotification note : got) {
                            onNotification(note.getParameter());
                        }
                    }
                    if (System.nanoTime() - lastCheck > LIVENESS_CHECK_NANOS) {
                        // A half-open TCP connection would otherwise wait quietly forever.
                        try (Statement s = c.createStatement()) {
                            s.execute("SELECT 1");
                        }
                        lastCheck = System.nanoTime();
                    }
                }
            } catch (SQLException | RuntimeException e) {
                listening = false;
                if (closed) {
                    return;
                }
                log.warn("listening connection to {} lost, reconnecting in {} ms: {}", safeUrl, backoff,
                        e.getMessage());
                sleep(backoff);
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
            } finally {
                listening = false;
                listenConnection = null;
            }
        }
    }

    private void onNotification(String payload) {
        String[] parts = payload.split(" ", 3);
        if (parts.length != 3 || parts[0].equals(instanceId)) {
            return;
        }
        try {
            deliver(parts[1], Long.parseLong(parts[2]));
        } catch (NumberFormatException e) {
            log.warn("ignoring malformed notification on {}: {}", CHANNEL, payload);
        }
    }

    /**
     * Reads the scope heads. On the first connect they only become the baseline; after a reconnect
     * every scope that moved past what was delivered is poked, for the commits made while deaf.
     */
    private void catchUp(Connection c, boolean poke) throws SQLException {
        int poked = 0;
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT scope, head FROM scopes LIMIT " + MAX_CATCH_UP_SCOPES)) {
            while (rs.next()) {
                String scope = rs.getString(1);
                long head = rs.getLong(2);
                if (!poke) {
                    delivered.merge(scope, head, Math::max);
                } else if (head > delivered.getOrDefault(scope, 0L)) {
                    deliver(scope, head);
                    poked++;
                }
            }
        }
        if (poked > 0) {
            log.info("poked {} scopes that moved while the listening connection was down", poked);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops both threads and closes the listening connection. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Connection c = listenConnection;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                log.debug("closing listening connection: {}", e.getMessage());
            }
        }
        LockSupport.unpark(sendThread);
        listenThread.interrupt();
        try {
            listenThread.join(2_000);
            sendThread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        listeners.clear();
    }
}

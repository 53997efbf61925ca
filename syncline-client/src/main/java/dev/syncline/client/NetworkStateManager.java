package dev.syncline.client;

import dev.syncline.client.internal.transport.HttpTransport;
import dev.syncline.client.internal.transport.TransportException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the sync server can be reached, and how well. State comes from three sources: a health
 * probe of {@code /v1/health} (run with capped, jittered backoff while the server is unreachable,
 * and stopped while it answers), every push and pull (an answer in some round-trip time, or a
 * failure), and a manual override ({@link #setOfflineMode}, for airplane mode and tests). The JVM
 * cannot see Wi-Fi or cellular, so {@link #connectionType()} comes from a pluggable
 * {@link ConnectionTypeProvider} (Android apps supply one). Round trips and the failure window are
 * timed by the client's monotonic time source ({@link SyncClientBuilder#nanoTime}).
 *
 * <p>Thread-safe. Listeners and subscribers are called on the client's executor.
 */
public final class NetworkStateManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NetworkStateManager.class);
    private static final int RTT_WINDOW = 10;
    private static final Duration GOOD_RTT = Duration.ofMillis(500);
    private static final Duration FAILURE_WINDOW = Duration.ofSeconds(60);
    private static final int MAX_RECENT_FAILURES = 3;
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration PROBE_MIN = Duration.ofMillis(250);
    private static final Duration PROBE_MAX = Duration.ofSeconds(30);

    /** The kind of link the device uses. */
    public enum ConnectionType {
        /** Wi-Fi. */
        WIFI,
        /** Mobile data. */
        CELLULAR,
        /** Wired. */
        ETHERNET,
        /** No link at all. */
        NONE,
        /** Not known (the default on a JVM). */
        UNKNOWN
    }

    /** Tells what link the device uses; supplied by the platform. Must be thread-safe and quick. */
    @FunctionalInterface
    public interface ConnectionTypeProvider {
        /** @return the current link type */
        ConnectionType current();
    }

    private final HttpTransport transport;
    private final ScheduledExecutorService scheduler;
    private final ConnectionTypeProvider typeProvider;
    private final RandomGenerator random;
    private final LongSupplier nanoTime;
    private final SubmissionPublisher<Boolean> publisher;
    private final List<Consumer<Boolean>> listeners = new CopyOnWriteArrayList<>();
    private final Deque<Long> rtts = new ArrayDeque<>();
    private final Deque<Long> failures = new ArrayDeque<>();
    private volatile boolean reachable;
    private volatile boolean offlineOverride;
    private volatile boolean lastPublished;
    private ScheduledFuture<?> probe; // guarded by this
    private int probeFailures; // guarded by this
    private volatile boolean closed;

    NetworkStateManager(HttpTransport transport, ScheduledExecutorService scheduler, Executor executor,
            ConnectionTypeProvider typeProvider, RandomGenerator random, LongSupplier nanoTime) {
        this.transport = transport;
        this.scheduler = scheduler;
        this.typeProvider = typeProvider;
        this.random = random;
        this.nanoTime = nanoTime;
        this.publisher = new SubmissionPublisher<>(executor, 64);
    }

    /** Starts probing the server (no-op without a server). */
    void start() {
        if (transport != null) {
            scheduleProbe(Duration.ZERO);
        }
    }

    /** @return true when the server answers and offline mode is off */
    public boolean isConnected() {
        return reachable && !offlineOverride;
    }

    /**
     * @return true when connected, the median of the last round trips is at most 500 ms, and fewer
     *     than 3 requests failed in the last minute
     */
    public boolean hasGoodConnection() {
        if (!isConnected()) {
            return false;
        }
        synchronized (this) {
            long now = nanoTime.getAsLong();
            while (!failures.isEmpty() && now - failures.peekFirst() > FAILURE_WINDOW.toNanos()) {
                failures.removeFirst();
            }
            if (failures.size() >= MAX_RECENT_FAILURES) {
                return false;
            }
            if (rtts.isEmpty()) {
                return true;
            }
            long[] sorted = rtts.stream().mapToLong(Long::longValue).sorted().toArray();
            return sorted[sorted.length / 2] <= GOOD_RTT.toNanos();
        }
    }

    /** @return the link type from the provider, {@code NONE} in offline mode */
    public ConnectionType connectionType() {
        if (offlineOverride) {
            return ConnectionType.NONE;
        }
        try {
            ConnectionType t = typeProvider.current();
            return t == null ? ConnectionType.UNKNOWN : t;
        } catch (RuntimeException e) {
            return ConnectionType.UNKNOWN;
        }
    }

    /** @return a publisher of {@link #isConnected()} each time it changes */
    public Flow.Publisher<Boolean> onConnectivityChanged() {
        return publisher;
    }

    /**
     * Adds a listener of connectivity changes.
     *
     * @return closing it removes the listener
     * @throws dev.syncline.core.InvalidInputException when {@code listener} is null
     */
    public ListenerToken addListener(Consumer<Boolean> listener) {
        if (listener == null) {
            throw new dev.syncline.core.InvalidInputException("invalid_listener", "listener is null");
        }
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /**
     * Turns offline mode on (nothing is sent; the client acts as if the network were gone) or off.
     */
    public void setOfflineMode(boolean offline) {
        offlineOverride = offline;
        log.info("offline mode {}", offline ? "on" : "off");
        publishIfChanged();
        if (!offline && !reachable) {
            scheduleProbe(Duration.ZERO);
        }
    }

    /** @return true while offline mode is on */
    public boolean isOfflineMode() {
        return offlineOverride;
    }

    /** A request got an answer after {@code rttNanos}. */
    void recordSuccess(long rttNanos) {
        synchronized (this) {
            rtts.addLast(rttNanos);
            while (rtts.size() > RTT_WINDOW) {
                rtts.removeFirst();
            }
            probeFailures = 0;
        }
        setReachable(true);
    }

    /** A request failed: a network failure means unreachable; any failure counts as recent. */
    void recordFailure(TransportException e) {
        synchronized (this) {
            failures.addLast(nanoTime.getAsLong());
            while (failures.size() > 50) {
                failures.removeFirst();
            }
        }
        if (e.status() == 0) {
            setReachable(false);
        }
    }

    private void setReachable(boolean r) {
        boolean was = reachable;
        reachable = r;
        if (was != r) {
            log.info("sync server {}", r ? "reachable" : "unreachable");
            if (!r) {
                scheduleProbe(PROBE_MIN);
            }
        }
        publishIfChanged();
    }

    private void publishIfChanged() {
        boolean now = isConnected();
        synchronized (this) {
            if (now == lastPublished) {
                return;
            }
            lastPublished = now;
        }
        if (!closed) {
            publisher.offer(now, (s, v) -> false);
        }
        for (Consumer<Boolean> l : listeners) {
            try {
                l.accept(now);
            } catch (RuntimeException ex) {
                log.warn("connectivity listener failed: {}", ex.toString());
            }
        }
    }

    private synchronized void scheduleProbe(Duration delay) {
        if (closed || transport == null) {
            return;
        }
        if (probe != null && !probe.isDone()) {
            if (delay.isZero()) {
                probe.cancel(false);
            } else {
                return;
            }
        }
        probe = scheduler.schedule(this::probeOnce, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void probeOnce() {
        if (closed || offlineOverride) {
            return;
        }
        long t0 = nanoTime.getAsLong();
        try {
            transport.health(PROBE_TIMEOUT);
            recordSuccess(nanoTime.getAsLong() - t0);
        } catch (TransportException e) {
            Duration next;
            synchronized (this) {
                probeFailures++;
                long base = Math.min(PROBE_MAX.toMillis(), PROBE_MIN.toMillis() << Math.min(probeFailures, 10));
                next = Duration.ofMillis(Math.max(PROBE_MIN.toMillis(), (long) (base * (0.5 + 0.5 * random.nextDouble()))));
                probe = null;
            }
            setReachable(false);
            log.debug("health probe failed ({}); next in {} ms", e.getMessage(), next.toMillis());
            scheduleProbe(next);
        } catch (RuntimeException e) {
            log.warn("health probe: {}", e.toString());
            scheduleProbe(PROBE_MAX);
        }
    }

    /** Stops probing and completes the publisher. */
    @Override
    public void close() {
        closed = true;
        synchronized (this) {
            if (probe != null) {
                probe.cancel(false);
            }
        }
        publisher.close();
    }
}

package dev.syncline.client;

import dev.syncline.client.spi.transport.SyncTransport;
import dev.syncline.client.spi.transport.TransportException;
import dev.syncline.core.InvalidInputException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the sync server can be reached, and how well. State comes from three sources: a health
 * probe of {@code /v1/health} (run while the server is unreachable, with jittered backoff from
 * 250 ms up to a cap, {@link SyncClientBuilder#probeBackoffMax} (default
 * {@link #DEFAULT_PROBE_BACKOFF_MAX 2 s}), and stopped while it answers), every push and pull (an
 * answer in some round-trip time, or a failure), and a manual override ({@link #setOfflineMode},
 * for airplane mode and tests). A network-change signal (from the {@link ConnectionTypeProvider},
 * or the app calling {@link #networkChanged()}) probes at once, so a replica that comes back
 * online does not wait out the backoff. The JVM cannot see Wi-Fi or cellular, so
 * {@link #connectionType()} comes from a pluggable {@link ConnectionTypeProvider} (Android apps
 * supply one). Round trips and the failure window are timed by the client's monotonic time
 * source ({@link SyncClientBuilder#nanoTime}); probes wait on the client's scheduler.
 *
 * <p>Thread-safe. Listeners are called on the thread that saw the change (a probe, a sync run, or
 * the caller of {@link #setOfflineMode}); they must be quick.
 */
public final class NetworkStateManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NetworkStateManager.class);
    private static final int RTT_WINDOW = 10;
    private static final Duration GOOD_RTT = Duration.ofMillis(500);
    private static final Duration FAILURE_WINDOW = Duration.ofSeconds(60);
    private static final int MAX_RECENT_FAILURES = 3;
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration PROBE_MIN = Duration.ofMillis(250);
    /**
     * Default cap of the health probe's backoff: 2 s, so a replica notices within about 2 s that
     * an outage ended, at one cheap request per 2 s while it lasts.
     */
    public static final Duration DEFAULT_PROBE_BACKOFF_MAX = Duration.ofSeconds(2);
    /** Largest cap {@link SyncClientBuilder#probeBackoffMax} accepts: 5 minutes. */
    public static final Duration MAX_PROBE_BACKOFF_MAX = Duration.ofMinutes(5);

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

    /**
     * Tells what link the device uses; supplied by the platform. On Android, for example, it
     * reads {@code ConnectivityManager} and signals its network callbacks. Must be thread-safe
     * and quick.
     */
    @FunctionalInterface
    public interface ConnectionTypeProvider {
        /** @return the current link type */
        ConnectionType current();

        /**
         * Asks to be told when the device's network changes (a link comes up, goes down or
         * changes type): the client then probes the server at once. The default never signals
         * (a JVM cannot see its links); the client then finds out by probing with backoff.
         *
         * @param onChange to call on each change, from any thread; quick and thread-safe
         * @return closing it stops the signals
         */
        default ListenerToken addChangeListener(Runnable onChange) {
            return () -> { };
        }
    }

    private final SyncTransport transport;
    private final ScheduledExecutorService scheduler;
    private final ConnectionTypeProvider typeProvider;
    private final DoubleSupplier random;
    private final LongSupplier nanoTime;
    private final Duration probeMax;
    private final List<Consumer<Boolean>> listeners = new CopyOnWriteArrayList<>();
    private final Deque<Long> rtts = new ArrayDeque<>();
    private final Deque<Long> failures = new ArrayDeque<>();
    private volatile boolean reachable;
    private volatile boolean offlineOverride;
    private volatile boolean lastPublished;
    private ScheduledFuture<?> probe; // guarded by this
    private int probeFailures; // guarded by this
    private long probeDueAt; // guarded by this: nanoTime the scheduled probe is due
    private ListenerToken providerSignals; // guarded by this
    private volatile boolean closed;

    /**
     * @param transport the server, or null for a replica without one (never probes)
     * @param scheduler runs the probes (and only waits through it)
     * @param probeMax cap of the probe's backoff, 250 ms to 5 minutes
     */
    NetworkStateManager(SyncTransport transport, ScheduledExecutorService scheduler,
            ConnectionTypeProvider typeProvider, DoubleSupplier random, LongSupplier nanoTime, Duration probeMax) {
        this.transport = transport;
        this.scheduler = scheduler;
        this.typeProvider = typeProvider;
        this.random = random;
        this.nanoTime = nanoTime;
        this.probeMax = requireProbeBackoffMax(probeMax);
    }

    /**
     * @return {@code max} when it is a valid cap of the probe's backoff
     * @throws InvalidInputException when null, under 250 ms or over 5 minutes
     */
    static Duration requireProbeBackoffMax(Duration max) {
        if (max == null || max.compareTo(PROBE_MIN) < 0 || max.compareTo(MAX_PROBE_BACKOFF_MAX) > 0) {
            throw new InvalidInputException("invalid_setting", "probeBackoffMax must be 250 ms to 5 minutes: " + max);
        }
        return max;
    }

    /** Starts probing the server, and listening to the provider's network changes (no-op without a server). */
    void start() {
        if (transport == null) {
            return;
        }
        ListenerToken signals;
        try {
            signals = typeProvider.addChangeListener(this::networkChanged);
        } catch (RuntimeException e) {
            log.warn("connection type provider refused a change listener: {}", e.toString());
            signals = null;
        }
        synchronized (this) {
            providerSignals = signals;
        }
        scheduleProbe(Duration.ZERO);
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

    /**
     * The seed's {@code hasWifiConnection}: whether the server is reachable over Wi-Fi, as the
     * {@link ConnectionTypeProvider} reports the link (on a plain JVM the type is
     * {@link ConnectionType#UNKNOWN}, so this is false there). Apps use it to keep large
     * transfers for Wi-Fi.
     *
     * @return true when {@link #isConnected()} and the link type is {@link ConnectionType#WIFI}
     */
    public boolean hasWifiConnection() {
        return isConnected() && connectionType() == ConnectionType.WIFI;
    }

    /**
     * The device's network changed (a link came up, went down or changed type): probe the server
     * now instead of waiting out the probe's backoff, and start the backoff over. Platforms whose
     * {@link ConnectionTypeProvider} signals changes do not need to call it. Returns at once; the
     * probe runs on the client's scheduler. Does nothing without a server, in offline mode, or
     * after close.
     */
    public void networkChanged() {
        if (closed || transport == null || offlineOverride) {
            return;
        }
        synchronized (this) {
            probeFailures = 0;
        }
        log.debug("network changed: probing the sync server now");
        scheduleProbe(Duration.ZERO);
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

    /**
     * The seed's name for {@link #addListener(Consumer)}: {@code network.onConnectivityChanged(
     * connected -> ...)} is its {@code onConnectivityChanged.listen(...)}. For a
     * {@code Flow.Publisher}, use {@code dev.syncline.client.flow.SynclineFlow#onConnectivityChanged}.
     *
     * @param listener called with the new value of {@link #isConnected()}
     * @return closing it removes the listener
     * @throws InvalidInputException when {@code listener} is null
     */
    public ListenerToken onConnectivityChanged(Consumer<Boolean> listener) {
        return addListener(listener);
    }

    /**
     * Adds a listener of connectivity changes: it gets {@link #isConnected()} each time that
     * changes (the server became reachable or unreachable, or offline mode was switched), on the
     * thread that saw the change; it must be quick and must not block. This is the primary way
     * to watch connectivity (the seed's {@code onConnectivityChanged}).
     *
     * @param listener called with the new value
     * @return closing it removes the listener
     * @throws InvalidInputException when {@code listener} is null
     */
    public ListenerToken addListener(Consumer<Boolean> listener) {
        if (listener == null) {
            throw new InvalidInputException("invalid_listener", "listener is null");
        }
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /**
     * Turns offline mode on (nothing is sent; the client acts as if the network were gone) or off;
     * turning it off probes the server at once.
     *
     * @param offline true for offline mode
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

    /**
     * A request got an answer after {@code rttNanos}: the server is reachable, so a probe
     * waiting out its backoff is not needed and is cancelled.
     */
    void recordSuccess(long rttNanos) {
        synchronized (this) {
            rtts.addLast(rttNanos);
            while (rtts.size() > RTT_WINDOW) {
                rtts.removeFirst();
            }
            probeFailures = 0;
            if (probe != null && !probe.isDone() && nanoTime.getAsLong() < probeDueAt) {
                probe.cancel(false);
                probe = null;
            }
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
        }
        for (Consumer<Boolean> l : listeners) {
            try {
                l.accept(now);
            } catch (RuntimeException ex) {
                log.warn("connectivity listener failed: {}", ex.toString());
            }
        }
    }

    /**
     * Schedules the probe in {@code delay}, unless one is due sooner already; a probe due later
     * is moved up (a network change, or offline mode switched off, probes at once).
     */
    private synchronized void scheduleProbe(Duration delay) {
        if (closed || transport == null) {
            return;
        }
        long due = nanoTime.getAsLong() + delay.toNanos();
        if (probe != null && !probe.isDone()) {
            if (due - probeDueAt >= 0) {
                return;
            }
            probe.cancel(false);
        }
        try {
            probe = scheduler.schedule(this::probeOnce, delay.toNanos(), TimeUnit.NANOSECONDS);
            probeDueAt = due;
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("health probe not scheduled: scheduler stopped");
        }
    }

    /**
     * The wait before the next probe after {@code failures} failed ones in a row: doubling from
     * 250 ms, never above the cap, with up to half of it jittered away so that many replicas do
     * not probe in step.
     */
    Duration probeDelay(int failures) {
        long capMillis = probeMax.toMillis();
        long base = Math.min(capMillis, PROBE_MIN.toMillis() << Math.min(Math.max(failures, 0), 20));
        double r = Math.min(1.0, Math.max(0.0, random.getAsDouble()));
        long jittered = (long) (base * (0.5 + 0.5 * r));
        return Duration.ofMillis(Math.min(capMillis, Math.max(PROBE_MIN.toMillis(), jittered)));
    }

    private void probeOnce() {
        if (closed || offlineOverride) {
            return;
        }
        long t0 = nanoTime.getAsLong();
        try {
            transport.probe(PROBE_TIMEOUT);
            recordSuccess(nanoTime.getAsLong() - t0);
        } catch (TransportException e) {
            Duration next;
            synchronized (this) {
                probeFailures++;
                next = probeDelay(probeFailures);
                probe = null;
            }
            setReachable(false);
            log.debug("health probe failed ({}); next in {} ms", e.getMessage(), next.toMillis());
            scheduleProbe(next);
        } catch (RuntimeException e) {
            log.warn("health probe: {}", e.toString());
            synchronized (this) {
                probe = null;
            }
            scheduleProbe(probeMax);
        }
    }

    /** Stops probing and listening to the provider. Idempotent. */
    @Override
    public void close() {
        closed = true;
        ListenerToken signals;
        synchronized (this) {
            if (probe != null) {
                probe.cancel(false);
            }
            signals = providerSignals;
            providerSignals = null;
        }
        if (signals != null) {
            try {
                signals.close();
            } catch (RuntimeException e) {
                log.debug("closing the provider's change listener: {}", e.toString());
            }
        }
    }
}

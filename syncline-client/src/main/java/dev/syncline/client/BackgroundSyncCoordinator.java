package dev.syncline.client;

import dev.syncline.client.internal.outbox.Outbox;
import dev.syncline.client.internal.store.Database;
import dev.syncline.client.internal.store.OutboxChanged;
import dev.syncline.client.internal.store.SyncTables;
import dev.syncline.client.internal.sync.SyncEngine;
import dev.syncline.client.spi.transport.LiveStream;
import dev.syncline.client.spi.transport.StreamListener;
import dev.syncline.client.spi.transport.TransportException;
import dev.syncline.core.InvalidInputException;
import dev.syncline.core.protocol.Poke;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs sync in the background so that no app code has to call {@link SyncClient#sync}: push then
 * pull after local writes, on a server poke from the live stream ({@code /v1/stream}) for a seq
 * this replica has not pulled yet (see {@link ScopeProgress}), when the
 * server becomes reachable again (after {@code reconnectDelay}, 1.5 s by default), after a failure
 * when the outbox's backoff says so, and periodically. A stream that stays silent (not even the
 * server's heartbeat) for {@code streamIdleTimeout} is taken for dead and reopened. On the same
 * scheduler it cleans up the local file every {@code maintenance} interval (the first time a
 * minute after it starts, or sooner when the interval is shorter): see {@link SyncClient#cleanUp()}.
 *
 * <p>Runs are identified by a sync key: a trigger for a key that is already scheduled is merged
 * into it (debounced); a trigger for a key that is running marks it to run once more afterwards.
 * All runs execute on the one scheduler thread, so runs never overlap.
 *
 * <p>When the server refuses the token (401, on any request or the stream), the coordinator
 * publishes {@link State#AUTHENTICATION_NEEDED}, closes the stream and sends nothing more while the
 * token provider returns that token; queued writes stay in the outbox. Once the provider returns
 * another token (or the app calls {@link SyncClient#tokenRefreshed()}) it syncs at once.
 *
 * <p>Status is an immutable {@link Status} snapshot; listeners get each new one and are removed by
 * closing the token {@link #addStatusListener} returns. {@link #close()} stops triggers and the
 * stream and waits for a running sync to finish; the outbox is durable, so nothing is lost.
 *
 * <p>Thread-safe.
 */
public final class BackgroundSyncCoordinator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BackgroundSyncCoordinator.class);
    private static final String POKE = "poke";
    private static final long TOKEN_CHECK_MILLIS = 250;
    private static final long MAINTENANCE_FIRST_MILLIS = 60_000;

    /** What the coordinator is doing. */
    public enum State {
        /** Nothing to do. */
        IDLE,
        /** Starting a run. */
        CONNECTING,
        /** Sending the outbox. */
        PUSHING,
        /** Reading the change feed. */
        PULLING,
        /** The server cannot be reached (or offline mode is on); writes wait in the outbox. */
        OFFLINE,
        /** The last run failed; it will be retried. */
        ERROR,
        /** The server refused the token; syncing waits for a new one. */
        AUTHENTICATION_NEEDED
    }

    /**
     * An immutable snapshot of the coordinator.
     *
     * @param state what it is doing
     * @param pendingCount operations waiting in the outbox
     * @param openConflicts conflicts waiting for a person
     * @param ongoingSyncKeys keys running now
     * @param lastError the last failure, or null
     * @param lastSyncAt when a run last finished cleanly, or null
     */
    public record Status(State state, long pendingCount, long openConflicts, Set<String> ongoingSyncKeys, String lastError,
            Instant lastSyncAt) {
        /** Copies the keys. */
        public Status {
            ongoingSyncKeys = Set.copyOf(ongoingSyncKeys);
        }
    }

    /**
     * Timings of the coordinator.
     *
     * @param debounce how long a trigger waits for more triggers of its key
     * @param reconnectDelay wait after the server becomes reachable again
     * @param periodic interval of the periodic sync (zero: none)
     * @param streamIdleTimeout how long the live stream may stay silent before it is taken for
     *     dead (a link that died without a word, as after a NAT timeout or a sleeping laptop) and
     *     dropped; the server sends a heartbeat every 15 s, so the default is 45 s (zero: never)
     * @param maintenance interval of the storage cleanup ({@link SyncClient#cleanUp()}); the
     *     first runs after a minute, or after the interval when that is shorter (default 1 hour;
     *     zero: never, the app calls {@code cleanUp} itself)
     */
    public record Settings(Duration debounce, Duration reconnectDelay, Duration periodic, Duration streamIdleTimeout,
            Duration maintenance) {
        /** Three of the protocol's 15-second heartbeats. */
        public static final Duration DEFAULT_STREAM_IDLE_TIMEOUT = Duration.ofSeconds(45);

        /** Hourly: a cleanup is cheap when there is little to remove. */
        public static final Duration DEFAULT_MAINTENANCE = Duration.ofHours(1);

        /**
         * 100 ms debounce, 1.5 s reconnect delay (as in the seed), a sync every 5 minutes, 45 s
         * stream idle timeout, a storage cleanup every hour.
         */
        public static final Settings DEFAULT = new Settings(Duration.ofMillis(100), Duration.ofMillis(1500),
                Duration.ofMinutes(5));

        /** @throws InvalidInputException naming the setting that is null or negative */
        public Settings {
            if (debounce == null || debounce.isNegative()) {
                throw new InvalidInputException("invalid_setting", "debounce must be zero or positive: " + debounce);
            }
            if (reconnectDelay == null || reconnectDelay.isNegative()) {
                throw new InvalidInputException("invalid_setting", "reconnectDelay must be zero or positive: " + reconnectDelay);
            }
            if (periodic == null || periodic.isNegative()) {
                throw new InvalidInputException("invalid_setting", "periodic must be zero or positive: " + periodic);
            }
            if (streamIdleTimeout == null || streamIdleTimeout.isNegative()) {
                throw new InvalidInputException("invalid_setting", "streamIdleTimeout must be zero or positive: "
                        + streamIdleTimeout);
            }
            if (maintenance == null || maintenance.isNegative()) {
                throw new InvalidInputException("invalid_setting", "maintenance must be zero or positive: " + maintenance);
            }
        }

        /**
         * The given timings and the default storage cleanup interval (1 hour).
         *
         * @throws InvalidInputException naming the setting that is null or negative
         */
        public Settings(Duration debounce, Duration reconnectDelay, Duration periodic, Duration streamIdleTimeout) {
            this(debounce, reconnectDelay, periodic, streamIdleTimeout, DEFAULT_MAINTENANCE);
        }

        /**
         * The given timings, the default stream idle timeout (45 s) and cleanup interval (1 hour).
         *
         * @throws InvalidInputException naming the setting that is null or negative
         */
        public Settings(Duration debounce, Duration reconnectDelay, Duration periodic) {
            this(debounce, reconnectDelay, periodic, DEFAULT_STREAM_IDLE_TIMEOUT);
        }

        /**
         * @return these settings with another storage cleanup interval
         * @throws InvalidInputException when {@code interval} is null or negative
         */
        public Settings withMaintenance(Duration interval) {
            return new Settings(debounce, reconnectDelay, periodic, streamIdleTimeout, interval);
        }
    }

    private final SyncEngine engine;
    private final Outbox outbox;
    private final Database db;
    private final NetworkStateManager network;
    private final ScheduledExecutorService scheduler;
    private final Clock clock;
    private final Settings settings;
    private final SyncClient client;
    private final ThreadFactory streamThreads;
    private final java.util.function.LongSupplier nanoTime;
    private final List<Consumer<Status>> listeners = new CopyOnWriteArrayList<>();
    private final Map<String, ScheduledFuture<?>> scheduled = new HashMap<>(); // guarded by this
    private final Map<String, Boolean> upstreamOnly = new HashMap<>(); // guarded by this
    private final Set<String> running = new LinkedHashSet<>(); // guarded by this
    private final Set<String> rerun = new LinkedHashSet<>(); // guarded by this
    private final Map<String, Long> pokes = new HashMap<>(); // guarded by this: newest poked seq per scope, not yet pulled
    private volatile Status status;
    private volatile boolean started;
    private volatile boolean closed;
    private volatile LiveStream stream;
    private volatile boolean streamStoppedForToken;
    private volatile long streamHeardAt; // nanoTime of the stream's last line (heartbeats included)
    private ScheduledFuture<?> streamWatch;
    private Thread streamThread;
    private ScheduledFuture<?> periodic;
    private ScheduledFuture<?> maintenance;
    private AutoCloseable networkListener;

    BackgroundSyncCoordinator(SyncClient client, SyncEngine engine, Outbox outbox, Database db, NetworkStateManager network,
            ScheduledExecutorService scheduler, Clock clock, Settings settings, ThreadFactory streamThreads,
            java.util.function.LongSupplier nanoTime) {
        this.client = client;
        this.streamThreads = streamThreads;
        this.nanoTime = nanoTime;
        this.engine = engine;
        this.outbox = outbox;
        this.db = db;
        this.network = network;
        this.scheduler = scheduler;
        this.clock = clock;
        this.settings = settings;
        this.status = new Status(State.IDLE, 0, 0, Set.of(), null, null);
        engine.listener(new SyncEngine.Listener() {
            @Override
            public void phase(SyncEngine.Phase phase) {
                if (phase == SyncEngine.Phase.PUSHING) {
                    publish(State.PUSHING, null, false);
                } else if (phase == SyncEngine.Phase.PULLING) {
                    publish(State.PULLING, null, false);
                }
            }

            @Override
            public void exchanged(long rttNanos) {
                network.recordSuccess(rttNanos);
            }

            @Override
            public void failed(TransportException e) {
                network.recordFailure(e);
            }
        });
    }

    /**
     * Starts the background work: the live stream, the periodic sync, and the triggers on local
     * writes and on reconnect. The stream is read on a thread from the builder's
     * {@link SyncClient.Builder#streamThreadFactory stream thread factory}. Idempotent.
     *
     * @throws IllegalStateException when closed
     * @throws InvalidInputException when the stream thread factory makes no thread (nothing is started)
     */
    public synchronized void start() {
        if (closed) {
            throw new IllegalStateException("the coordinator is closed");
        }
        if (started) {
            return;
        }
        Thread reader = streamThreads.newThread(this::streamLoop);
        if (reader == null) {
            throw new InvalidInputException("invalid_setting", "streamThreadFactory returned no thread");
        }
        started = true;
        db.onCommit(events -> {
            if (!closed && !SyncEngine.onSyncThread() && events.contains(OutboxChanged.INSTANCE)) {
                triggerBackgroundSync("local-write");
            }
        });
        networkListener = network.addListener(connected -> {
            if (connected) {
                schedule("reconnect", settings.reconnectDelay(), false);
            } else {
                publish(State.OFFLINE, status.lastError(), false);
            }
        });
        if (!settings.periodic().isZero()) {
            periodic = scheduler.scheduleWithFixedDelay(() -> triggerBackgroundSync("periodic"),
                    settings.periodic().toMillis(), settings.periodic().toMillis(), TimeUnit.MILLISECONDS);
        }
        if (!settings.maintenance().isZero()) {
            long every = settings.maintenance().toMillis();
            // The first soon after start: many apps do not run for an hour at a time.
            long first = Math.min(every, MAINTENANCE_FIRST_MILLIS);
            maintenance = scheduler.scheduleWithFixedDelay(this::cleanUp, first, every, TimeUnit.MILLISECONDS);
        }
        if (!settings.streamIdleTimeout().isZero()) {
            long every = Math.max(10, settings.streamIdleTimeout().toMillis() / 4);
            streamWatch = scheduler.scheduleWithFixedDelay(this::dropSilentStream, every, every, TimeUnit.MILLISECONDS);
        }
        streamThread = reader;
        streamThread.start();
        network.start();
        log.info("background sync started");
    }

    /**
     * Asks for a push-then-pull soon. Returns at once. A key already scheduled is not scheduled
     * again; a key running now runs once more after it.
     *
     * @throws InvalidInputException when {@code syncKey} is blank
     */
    public void triggerBackgroundSync(String syncKey) {
        requireKey(syncKey);
        schedule(syncKey, settings.debounce(), false);
    }

    /** Asks for a push only (no pull) soon. Returns at once. */
    public void triggerUpstreamSync() {
        schedule("upstream", settings.debounce(), true);
    }

    /** Asks for a push-then-pull now, without debounce. Returns at once. */
    public void forceBackgroundSync() {
        synchronized (this) {
            ScheduledFuture<?> f = scheduled.remove("force");
            if (f != null) {
                f.cancel(false);
            }
        }
        schedule("force", Duration.ZERO, false);
    }

    /** @return true while a run is scheduled or running, or operations wait in the outbox */
    public boolean hasPendingSync() {
        synchronized (this) {
            if (!scheduled.isEmpty() || !running.isEmpty()) {
                return true;
            }
        }
        return outbox.pendingCount() > 0;
    }

    /** @return the keys running now */
    public synchronized Set<String> ongoingSyncKeys() {
        return Set.copyOf(running);
    }

    /** @return the current status snapshot */
    public Status status() {
        return status;
    }

    /**
     * Adds a status listener (called on the thread that changed the status; must be quick).
     *
     * @return closing it removes the listener
     * @throws InvalidInputException when {@code listener} is null
     */
    public ListenerToken addStatusListener(Consumer<Status> listener) {
        if (listener == null) {
            throw new InvalidInputException("invalid_listener", "listener is null");
        }
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    private void schedule(String key, Duration delay, boolean pushOnly) {
        if (closed) {
            return;
        }
        synchronized (this) {
            if (running.contains(key)) {
                rerun.add(key);
                upstreamOnly.merge(key, pushOnly, Boolean::logicalAnd);
                return;
            }
            if (scheduled.containsKey(key)) {
                upstreamOnly.merge(key, pushOnly, Boolean::logicalAnd);
                return;
            }
            upstreamOnly.put(key, pushOnly);
            try {
                scheduled.put(key, scheduler.schedule(() -> run(key), delay.toMillis(), TimeUnit.MILLISECONDS));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                log.debug("sync {} not scheduled: scheduler stopped", key);
            }
        }
    }

    private void run(String key) {
        boolean pushOnly;
        synchronized (this) {
            scheduled.remove(key);
            pushOnly = Boolean.TRUE.equals(upstreamOnly.remove(key));
            running.add(key);
        }
        Duration retryIn = null;
        try {
            if (closed) {
                return;
            }
            if (!network.isConnected()) {
                publish(State.OFFLINE, status.lastError(), false);
                return; // the reconnect trigger runs it
            }
            if (engine.authenticationNeeded()) {
                stopForToken("the server refused the token; supply a new one");
                return;
            }
            if (POKE.equals(key) && !pushOnly && !pokesNeedPull()) {
                return; // nothing new on the server; local writes have their own trigger
            }
            publish(State.CONNECTING, null, false);
            try {
                engine.push();
                if (!pushOnly) {
                    engine.pull();
                }
                publish(State.IDLE, null, true);
                long due = outbox.nextDueAt();
                if (due >= 0) {
                    retryIn = Duration.ofMillis(Math.max(settings.debounce().toMillis(), due - clock.millis()));
                }
            } catch (TransportException e) {
                if (e.kind() == TransportException.Kind.UNAUTHORIZED) {
                    stopForToken(e.getMessage());
                    return;
                }
                publish(network.isConnected() ? State.ERROR : State.OFFLINE, e.getMessage(), false);
                long due = outbox.nextDueAt();
                long wait = e.retryAfter() != null ? e.retryAfter().toMillis()
                        : due >= 0 ? due - clock.millis() : 1000;
                if (network.isConnected() || e.status() != 0) {
                    retryIn = Duration.ofMillis(Math.max(settings.debounce().toMillis(), wait));
                }
            } catch (RuntimeException e) {
                log.warn("background sync {} failed: {}", key, e.toString());
                publish(State.ERROR, e.toString(), false);
            }
        } finally {
            boolean again;
            boolean againPushOnly;
            synchronized (this) {
                running.remove(key);
                again = rerun.remove(key);
                againPushOnly = Boolean.TRUE.equals(upstreamOnly.remove(key));
            }
            if (!closed) {
                // The run published its outcome while it still counted as running: say it is over.
                publish(status.state(), status.lastError(), false);
            }
            if (again) {
                schedule(key, Duration.ZERO, againPushOnly);
            } else if (retryIn != null) {
                schedule("retry", retryIn, false);
            }
        }
    }

    /**
     * The server refused the token: tell the listeners, and close the live stream so that nothing
     * is sent with that token again. The stream thread waits for a different token, then resumes
     * (see {@link #streamLoop}).
     */
    private void stopForToken(String reason) {
        publish(State.AUTHENTICATION_NEEDED, reason, false);
        LiveStream in = stream;
        if (in != null) {
            streamStoppedForToken = true;
            stream = null;
            in.close();
        }
    }

    /**
     * Keeps the live stream open while the server is reachable and the token is not refused. It
     * also notices when the token provider returns a new token after a refusal (it checks every
     * {@value #TOKEN_CHECK_MILLIS} ms, without a request) and then starts a sync at once, so the
     * outbox drains without the app calling anything.
     */
    private void streamLoop() {
        long backoff = 250;
        boolean waitingForToken = false;
        while (!closed) {
            if (engine.authenticationNeeded()) {
                waitingForToken = true;
                sleep(TOKEN_CHECK_MILLIS);
                continue;
            }
            if (waitingForToken) {
                waitingForToken = false;
                log.info("the token provider has a new token; background sync resumes");
                forceBackgroundSync();
            }
            if (!network.isConnected()) {
                sleep(250);
                continue;
            }
            streamStoppedForToken = false;
            String token = engine.tokens().current();
            try {
                engine.transport().stream(token, new StreamListener() {
                    @Override
                    public void opened(LiveStream in) {
                        streamHeardAt = nanoTime.getAsLong();
                        stream = in;
                        // Pokes sent while we were not listening are lost: catch up once connected.
                        triggerBackgroundSync("stream-connected");
                    }

                    @Override
                    public void line() {
                        streamHeardAt = nanoTime.getAsLong();
                    }

                    @Override
                    public void poke(Poke poke) {
                        poked(poke);
                    }
                });
                backoff = 250;
            } catch (TransportException e) {
                if (closed) {
                    return;
                }
                if (streamStoppedForToken) {
                    streamStoppedForToken = false; // we closed it: not the network's fault
                    continue;
                }
                network.recordFailure(e);
                if (e.kind() == TransportException.Kind.UNAUTHORIZED) {
                    engine.tokens().refuse(token);
                    log.warn("sync stopped: the server refused the token on the live stream ({}); waiting for a new one",
                            e.getMessage());
                    stopForToken(e.getMessage());
                    continue;
                }
                log.debug("stream ended: {}", e.getMessage());
                sleep(backoff);
                backoff = Math.min(30_000, backoff * 2);
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                log.warn("stream: {}", e.toString());
                sleep(backoff);
                backoff = Math.min(30_000, backoff * 2);
            } finally {
                stream = null;
            }
        }
    }

    /**
     * A poke says the scope's feed reached {@code seq}. When this replica has already pulled that
     * far (its pulled seq is past the poke's: for example the poke of its own push, once the
     * push-then-pull run brought it back), there is nothing to pull. Otherwise the poke is
     * remembered and a run is triggered, which checks again when it starts.
     */
    private void poked(Poke poke) {
        if (poke != null && poke.scope() != null && SyncTables.pulledSeq(db, poke.scope()) >= poke.seq()) {
            log.debug("poke {}@{} ignored: already pulled", poke.scope(), poke.seq());
            return;
        }
        if (poke != null && poke.scope() != null) {
            synchronized (this) {
                pokes.merge(poke.scope(), poke.seq(), Math::max);
            }
        }
        triggerBackgroundSync(POKE);
    }

    /**
     * Takes the pokes that wait and says whether a pull is needed for them: not when every one is
     * for a seq this replica has pulled since (the run that pushed a change pulls it back, so the
     * poke of a replica's own push usually lands here). A run of the poke key without a remembered
     * poke (the app triggered it) pulls.
     */
    private boolean pokesNeedPull() {
        Map<String, Long> waiting;
        synchronized (this) {
            waiting = new HashMap<>(pokes);
            pokes.clear();
        }
        if (waiting.isEmpty()) {
            return true;
        }
        for (Map.Entry<String, Long> e : waiting.entrySet()) {
            if (SyncTables.pulledSeq(db, e.getKey()) < e.getValue()) {
                return true;
            }
        }
        log.debug("pokes {} need no pull: already pulled", waiting);
        return false;
    }

    /**
     * Drops the live stream when nothing, not even a heartbeat, came for the idle timeout: the
     * link died without closing the connection, and a read would wait forever. The stream thread
     * then sees a network failure: the server counts as unreachable until the health probe
     * answers, and the reconnect sync catches up on the pokes that were lost.
     */
    private void dropSilentStream() {
        LiveStream in = stream;
        long silentNanos = nanoTime.getAsLong() - streamHeardAt;
        if (in == null || closed || silentNanos <= settings.streamIdleTimeout().toNanos()) {
            return;
        }
        log.info("live stream silent for {} ms (more than {} ms): dropping it", silentNanos / 1_000_000,
                settings.streamIdleTimeout().toMillis());
        stream = null;
        in.close();
    }

    /**
     * The storage cleanup, on the scheduler's thread (so never during a sync run). A failure is
     * logged and the next interval tries again; a scheduled task that threw would never run again.
     */
    private void cleanUp() {
        if (closed) {
            return;
        }
        try {
            client.cleanUp();
        } catch (RuntimeException e) {
            if (!closed) {
                log.warn("storage cleanup of {} failed: {}", db.file(), e.toString());
            }
        }
    }

    /** The app says the token provider has a new token: sync at once (when started). */
    void tokenRefreshed() {
        if (started && !closed) {
            forceBackgroundSync();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void publish(State state, String error, boolean synced) {
        Status old = status;
        long pending;
        long conflicts;
        try {
            ReplicaStatus rs = client.status();
            pending = rs.pendingCount();
            conflicts = rs.openConflicts();
        } catch (RuntimeException e) {
            pending = old.pendingCount();
            conflicts = old.openConflicts();
        }
        Status s = new Status(state, pending, conflicts, ongoingSyncKeys(), error != null ? error : (state == State.IDLE ? null
                : old.lastError()), synced ? clock.instant() : old.lastSyncAt());
        status = s;
        for (Consumer<Status> l : listeners) {
            try {
                l.accept(s);
            } catch (RuntimeException e) {
                log.warn("status listener failed: {}", e.toString());
            }
        }
    }

    private static void requireKey(String key) {
        if (key == null || key.isBlank()) {
            throw new InvalidInputException("invalid_sync_key", "sync key is missing");
        }
    }

    /** Stops triggers and the stream, and waits (up to 30 s) for a running sync to finish. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            scheduled.values().forEach(f -> f.cancel(false));
            scheduled.clear();
            if (periodic != null) {
                periodic.cancel(false);
            }
            if (streamWatch != null) {
                streamWatch.cancel(false);
            }
            if (maintenance != null) {
                maintenance.cancel(false);
            }
        }
        if (networkListener != null) {
            try {
                networkListener.close();
            } catch (Exception ignored) {
                // removing a listener does not fail
            }
        }
        LiveStream in = stream;
        if (in != null) {
            in.close();
        }
        if (streamThread != null) {
            streamThread.interrupt();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            synchronized (this) {
                if (running.isEmpty()) {
                    break;
                }
            }
            sleep(10);
        }
        log.info("background sync stopped");
    }
}

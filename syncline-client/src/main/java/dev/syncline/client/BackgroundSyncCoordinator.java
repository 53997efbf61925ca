package dev.syncline.client;

import dev.syncline.client.internal.coordinator.LiveStreamReader;
import dev.syncline.client.internal.coordinator.PokeFilter;
import dev.syncline.client.internal.coordinator.StatusBoard;
import dev.syncline.client.internal.coordinator.SyncPass;
import dev.syncline.client.internal.coordinator.SyncRuns;
import dev.syncline.client.internal.outbox.Outbox;
import dev.syncline.client.internal.store.Database;
import dev.syncline.client.internal.store.OutboxChanged;
import dev.syncline.client.internal.store.SyncTables;
import dev.syncline.client.internal.sync.SyncEngine;
import dev.syncline.client.spi.transport.TransportException;
import dev.syncline.core.InvalidInputException;
import dev.syncline.core.protocol.Poke;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
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
 * <p>This class is a facade; the work is done by the parts in
 * {@code dev.syncline.client.internal.coordinator} (runs per key, what a run does, the live
 * stream, pokes, status). Every wait goes through the client's scheduler and its monotonic time
 * source ({@link SyncClientBuilder#scheduler}, {@link SyncClientBuilder#nanoTime}); none sleeps.
 *
 * <p>Thread-safe.
 */
public final class BackgroundSyncCoordinator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BackgroundSyncCoordinator.class);
    private static final long MAINTENANCE_FIRST_MILLIS = 60_000;
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);

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
    private final Settings settings;
    private final SyncClient client;
    private final ThreadFactory streamThreads;
    private final StatusBoard status;
    private final SyncRuns runs;
    private final PokeFilter pokes;
    private final LiveStreamReader stream;
    private volatile boolean started;
    private volatile boolean closed;
    private ScheduledFuture<?> periodic;
    private ScheduledFuture<?> maintenance;
    private ListenerToken networkListener;

    BackgroundSyncCoordinator(SyncClient client, SyncEngine engine, Outbox outbox, Database db, NetworkStateManager network,
            ScheduledExecutorService scheduler, Clock clock, Settings settings, ThreadFactory streamThreads,
            java.util.function.LongSupplier nanoTime) {
        this.client = client;
        this.streamThreads = streamThreads;
        this.engine = engine;
        this.outbox = outbox;
        this.db = db;
        this.network = network;
        this.scheduler = scheduler;
        this.settings = settings;
        this.runs = new SyncRuns(scheduler, nanoTime);
        this.status = new StatusBoard(client::status, runs::running, clock);
        this.pokes = new PokeFilter(scope -> SyncTables.pulledSeq(db, scope));
        this.runs.body(new SyncPass(engine, outbox, network::isConnected, pokes, status, this::stopForToken, clock,
                settings.debounce(), () -> closed));
        this.stream = new LiveStreamReader(engine.transport(), engine.tokens(), scheduler, nanoTime, network::isConnected,
                new LiveStreamReader.Events() {
                    @Override
                    public void opened() {
                        // Pokes sent while we were not listening are lost: catch up once connected.
                        triggerBackgroundSync("stream-connected");
                    }

                    @Override
                    public void poked(Poke poke) {
                        if (pokes.offer(poke)) {
                            triggerBackgroundSync(SyncPass.POKE);
                        }
                    }

                    @Override
                    public void failed(TransportException e) {
                        network.recordFailure(e);
                    }

                    @Override
                    public void refused(String reason) {
                        stopForToken(reason);
                    }

                    @Override
                    public void tokenBack() {
                        forceBackgroundSync();
                    }
                }, settings.streamIdleTimeout());
        engine.listener(new SyncEngine.Listener() {
            @Override
            public void phase(SyncEngine.Phase phase) {
                if (phase == SyncEngine.Phase.PUSHING) {
                    status.publish(State.PUSHING, null, false);
                } else if (phase == SyncEngine.Phase.PULLING) {
                    status.publish(State.PULLING, null, false);
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
     * {@link SyncClientBuilder#streamThreadFactory stream thread factory}. Idempotent.
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
        if (!stream.prepare(streamThreads)) {
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
                stream.networkUp();
                runs.trigger("reconnect", settings.reconnectDelay(), false);
            } else {
                status.publish(State.OFFLINE, status.current().lastError(), false);
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
        stream.start();
        network.start();
        log.info("background sync started");
    }

    /**
     * Asks for a push-then-pull soon (after the debounce). Returns at once. A key already
     * scheduled is not scheduled again; a key running now runs once more after it.
     *
     * @param syncKey names the reason, such as a screen ("open-project"); runs of one key never overlap
     * @throws InvalidInputException when {@code syncKey} is blank
     */
    public void triggerBackgroundSync(String syncKey) {
        requireKey(syncKey);
        if (!closed) {
            runs.trigger(syncKey, settings.debounce(), false);
        }
    }

    /** Asks for a push only (no pull) soon, after the debounce. Returns at once. */
    public void triggerUpstreamSync() {
        if (!closed) {
            runs.trigger("upstream", settings.debounce(), true);
        }
    }

    /** Asks for a push-then-pull now, without debounce. Returns at once. */
    public void forceBackgroundSync() {
        if (!closed) {
            runs.triggerNow("force", false);
        }
    }

    /** @return true while a run is scheduled or running, or operations wait in the outbox */
    public boolean hasPendingSync() {
        return runs.busy() || outbox.pendingCount() > 0;
    }

    /** @return the keys running now */
    public Set<String> ongoingSyncKeys() {
        return runs.running();
    }

    /** @return the current status snapshot */
    public Status status() {
        return status.current();
    }

    /**
     * Adds a status listener (called on the thread that changed the status; must be quick).
     *
     * @return closing it removes the listener
     * @throws InvalidInputException when {@code listener} is null
     */
    public ListenerToken addStatusListener(Consumer<Status> listener) {
        return status.addListener(listener);
    }

    /**
     * The server refused the token: tell the listeners, and close the live stream so that nothing
     * is sent with that token again. The stream waits for a different token, then resumes.
     */
    private void stopForToken(String reason) {
        status.publish(State.AUTHENTICATION_NEEDED, reason, false);
        stream.stopForToken();
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

    /** A repository is being watched: sync its type soon (when started), as the seed's repository does. */
    void watched(String syncKey) {
        if (started && !closed) {
            triggerBackgroundSync(syncKey);
        }
    }

    /** The app says the token provider has a new token: sync at once (when started). */
    void tokenRefreshed() {
        if (started && !closed) {
            forceBackgroundSync();
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
            if (periodic != null) {
                periodic.cancel(false);
            }
            if (maintenance != null) {
                maintenance.cancel(false);
            }
        }
        runs.close();
        if (networkListener != null) {
            networkListener.close();
        }
        stream.close();
        try {
            if (!runs.awaitIdle(CLOSE_WAIT)) {
                log.warn("background sync still running after {} s; closing anyway", CLOSE_WAIT.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (started) {
            log.info("background sync stopped");
        }
    }
}

package dev.syncline.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.client.internal.outbox.Outbox;
import dev.syncline.client.internal.store.Database;
import dev.syncline.client.internal.store.LocalStore;
import dev.syncline.client.internal.store.StoreMaintenance;
import dev.syncline.client.internal.store.StoredDocument;
import dev.syncline.client.internal.store.SyncTables;
import dev.syncline.client.internal.sync.Conflicts;
import dev.syncline.client.internal.sync.SyncEngine;
import dev.syncline.client.internal.transport.TokenGate;
import dev.syncline.client.spi.transport.SyncTransport;
import dev.syncline.client.spi.transport.SyncTransportFactory;
import dev.syncline.client.spi.transport.TransportSettings;
import dev.syncline.client.transport.jdk.JdkHttpTransport;
import dev.syncline.client.internal.watch.WatchHub;
import dev.syncline.core.merge.ThreeWayMerge;
import dev.syncline.core.ConflictResolutionStrategy;
import dev.syncline.core.InvalidInputException;
import dev.syncline.core.Json;
import dev.syncline.core.Names;
import dev.syncline.core.SyncPriority;
import dev.syncline.core.SyncStatus;
import dev.syncline.core.SynclineException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one object an app builds: a replica of its data in one local SQLite file, with typed
 * {@link Repository repositories} per registered {@link EntityType}, untyped {@link Documents},
 * the {@link PendingOperationsManager outbox} and live queries. Every read answers from the local
 * file; every write is on disk, with its outbox operation, before the call returns; the network is
 * never on the write path.
 *
 * <pre>{@code
 * try (SyncClient client = SyncClient.builder()
 *         .database(Path.of("trackflow.db"))
 *         .register(projects).register(tracks)
 *         .build()) {
 *     Repository<AudioTrack> repo = client.repository(AudioTrack.class);
 *     repo.save(new AudioTrack(...));
 * }
 * }</pre>
 *
 * <p>Thread-safe: share one instance per database file for the app's lifetime. A second client
 * on a file that is open already, in this process or another, is refused with
 * {@link DatabaseInUseException} until the first one is closed (or its process ends).
 *
 * <p>Storage: completed outbox operations are kept for {@link Builder#doneOperationRetention} and
 * the logs of settled conflicts and discarded operations to {@link Builder#logRetention}; the
 * {@link BackgroundSyncCoordinator} cleans up on its timer, and an app that does not run it calls
 * {@link #cleanUp()}.
 */
public final class SyncClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SyncClient.class);

    private final Database db;
    private final LocalStore store;
    private final Outbox outbox;
    private final WatchHub watches;
    private final Clock clock;
    private final String clientId;
    private final URI serverUrl;
    private final Supplier<String> tokenProvider;
    private final Map<String, EntityType<?>> typesByName;
    private final Map<Class<?>, EntityType<?>> typesByClass;
    private final Map<String, ConflictResolutionStrategy> policies;
    private final Map<String, Repository<?>> repositories = new HashMap<>();
    private final Documents documents;
    private final PendingOperationsManager pendingOperations;
    private final ExecutorService ownedExecutor;
    private final Conflicts conflictEngine;
    private final ConflictResolutionService conflictService;
    private final SyncEngine engine;
    private final NetworkStateManager network;
    private final BackgroundSyncCoordinator coordinator;
    private final java.util.concurrent.ScheduledExecutorService ownedScheduler;
    private final SyncTransport transport;
    private final StoreMaintenance maintenance;
    private volatile boolean closed;

    private SyncClient(Builder b, Database db) {
        this.db = db;
        this.clock = b.clock;
        this.clientId = LocalStore.metaOrInit(db, "client_id", UUID.randomUUID().toString());
        this.outbox = new Outbox(db, clock, b.retryPolicy, b.random);
        // Resume the clock at the last stamp this replica issued or adopted: never below it, and
        // not ahead of the wall clock.
        this.store = new LocalStore(db, outbox, LocalStore.restoreClock(db, clock, clientId, b.maxClockDrift), clock);
        this.maintenance = new StoreMaintenance(db, outbox, clock, b.doneRetention, b.logMaxRows, b.logMaxAge);
        if (b.serverUrl != null) {
            store.putMeta("server_url", b.serverUrl.toString());
        }
        if (b.token != null) {
            store.putMeta("token", b.token);
        }
        this.serverUrl = b.serverUrl != null ? b.serverUrl : store.meta("server_url").map(URI::create).orElse(null);
        String rememberedToken = b.token != null ? b.token : store.meta("token").orElse(null);
        this.tokenProvider = b.tokenProvider != null ? b.tokenProvider : (rememberedToken == null ? null : () -> rememberedToken);
        if (b.executor != null) {
            this.ownedExecutor = null;
            this.watches = new WatchHub(db, b.executor);
        } else {
            AtomicInteger n = new AtomicInteger();
            this.ownedExecutor = Executors.newFixedThreadPool(2, r -> {
                Thread t = new Thread(r, "syncline-watch-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            this.watches = new WatchHub(db, ownedExecutor);
        }
        this.typesByName = Collections.unmodifiableMap(new LinkedHashMap<>(b.types));
        Map<Class<?>, EntityType<?>> byClass = new HashMap<>();
        for (EntityType<?> t : b.types.values()) {
            // A class used by several types is ambiguous: repository(Class) must then name the type.
            byClass.put(t.javaClass(), byClass.containsKey(t.javaClass()) ? null : t);
            for (String field : t.indexes()) {
                store.declareIndex(t.name(), field);
            }
            store.putPolicy(t.name(), t.conflictStrategy().wire());
        }
        this.typesByClass = byClass;
        for (Map.Entry<String, ConflictResolutionStrategy> e : b.policies.entrySet()) {
            store.putPolicy(e.getKey(), e.getValue().wire());
        }
        Map<String, ConflictResolutionStrategy> remembered = new LinkedHashMap<>();
        store.policies().forEach((type, s) -> remembered.put(type, ConflictResolutionStrategy.fromWire(s)));
        this.policies = Collections.unmodifiableMap(remembered);
        this.documents = new Documents(this);
        this.pendingOperations = new PendingOperationsManager(outbox, store, watches, b.maxPending, b.maxPendingAge);
        this.conflictEngine = new Conflicts(db, store, outbox, clock, this::conflictStrategy, b.merges, b.resolvers,
                this::priorityOf);
        this.conflictService = new ConflictResolutionService(this, db, conflictEngine, watches);
        this.transport = serverUrl == null ? null : openTransport(b.transportFactory,
                new TransportSettings(serverUrl, b.connectTimeout, b.requestTimeout));
        this.engine = new SyncEngine(db, store, outbox, conflictEngine, transport,
                new TokenGate(() -> tokenProvider == null ? null : tokenProvider.get()), clientId, clock, b.nanoTime,
                b.pushBatchSize, b.pullPageSize);
        java.util.concurrent.ScheduledExecutorService scheduler = b.scheduler;
        if (scheduler == null && transport != null) {
            scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "syncline-sync");
                t.setDaemon(true);
                return t;
            });
            this.ownedScheduler = scheduler;
        } else {
            this.ownedScheduler = null;
        }
        Executor callbacks = b.executor != null ? b.executor : ownedExecutor;
        this.network = new NetworkStateManager(transport, scheduler, callbacks, b.connectionTypeProvider,
                b.random, b.nanoTime, b.probeBackoffMax);
        this.coordinator = transport == null ? null : new BackgroundSyncCoordinator(this, engine, outbox, db, network,
                scheduler, clock, b.coordinatorSettings, b.streamThreadFactory, b.nanoTime);
        if (coordinator != null && b.backgroundSync) {
            try {
                coordinator.start();
            } catch (RuntimeException e) {
                // build() closes the file; the threads made here are ours to stop.
                if (ownedScheduler != null) {
                    ownedScheduler.shutdownNow();
                }
                if (ownedExecutor != null) {
                    ownedExecutor.shutdownNow();
                }
                transport.close();
                throw e;
            }
        }
        int recovered = outbox.recoverInFlight();
        log.debug("sync client {} opened {} ({} entity types, {} in-flight operations recovered)", clientId, db.file(),
                typesByName.size(), recovered);
    }

    private static SyncTransport openTransport(SyncTransportFactory factory, TransportSettings settings) {
        SyncTransport t = factory.create(settings);
        if (t == null) {
            throw new InvalidInputException("invalid_setting", "the transport factory returned no transport");
        }
        return t;
    }

    /** @return a new builder */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * @return the repository of the entity type registered for {@code javaClass}
     * @throws InvalidInputException when no type, or more than one, is registered for the class
     */
    @SuppressWarnings("unchecked")
    public <T> Repository<T> repository(Class<T> javaClass) {
        ensureOpen();
        if (javaClass == null) {
            throw new InvalidInputException("unknown_type", "entity class is null");
        }
        if (!typesByClass.containsKey(javaClass)) {
            throw new InvalidInputException("unknown_type", "no entity type is registered for class " + javaClass.getName()
                    + "; register one with SyncClient.builder().register(EntityType.builder(...).build())");
        }
        EntityType<T> type = (EntityType<T>) typesByClass.get(javaClass);
        if (type == null) {
            throw new InvalidInputException("unknown_type", "several entity types use class " + javaClass.getName()
                    + "; call repository(typeName, class)");
        }
        return repository(type.name(), javaClass);
    }

    /**
     * @return the repository of the registered type {@code typeName}
     * @throws InvalidInputException when the type is not registered or is registered with another class
     */
    @SuppressWarnings("unchecked")
    public <T> Repository<T> repository(String typeName, Class<T> javaClass) {
        ensureOpen();
        EntityType<?> type = typesByName.get(typeName);
        if (type == null) {
            throw new InvalidInputException("unknown_type", "entity type '" + typeName + "' is not registered (registered: "
                    + typesByName.keySet() + ")");
        }
        if (javaClass == null || !type.javaClass().equals(javaClass)) {
            throw new InvalidInputException("unknown_type", "entity type '" + typeName + "' is registered with "
                    + type.javaClass().getName() + ", not " + (javaClass == null ? "null" : javaClass.getName()));
        }
        synchronized (repositories) {
            return (Repository<T>) repositories.computeIfAbsent(typeName,
                    n -> new Repository<>(this, (EntityType<T>) type));
        }
    }

    /** @return untyped access to every document, of any type (JSON objects) */
    public Documents documents() {
        ensureOpen();
        return documents;
    }

    /** @return the outbox */
    public PendingOperationsManager pendingOperations() {
        ensureOpen();
        return pendingOperations;
    }

    /** @return this replica's id (a UUID made when the file was created) */
    public String clientId() {
        return clientId;
    }

    /** @return the local database file */
    public Path databaseFile() {
        return db.file();
    }

    /** @return the sync server's URL: the builder's, else the one this replica remembers */
    public Optional<URI> serverUrl() {
        return Optional.ofNullable(serverUrl);
    }

    /** @return true when a token is available (from the builder's provider or remembered) */
    public boolean hasToken() {
        return tokenProvider != null;
    }

    /** @return the registered entity types, by name */
    public Map<String, EntityType<?>> entityTypes() {
        return typesByName;
    }

    /**
     * @return the conflict strategy of {@code type}: registered or remembered, else {@code merge}
     * @throws InvalidInputException when the type name is bad
     */
    public ConflictResolutionStrategy conflictStrategy(String type) {
        Names.requireType(type);
        return policies.getOrDefault(type, ConflictResolutionStrategy.MERGE);
    }

    /** @return the conflict strategies this replica remembers, by type */
    public Map<String, ConflictResolutionStrategy> conflictStrategies() {
        return policies;
    }

    /**
     * Documents of every type whose status is one of {@code statuses} (for badges).
     *
     * @throws InvalidInputException when no status is given or one is null
     */
    public List<Document<ObjectNode>> documentsWithStatus(SyncStatus... statuses) {
        ensureOpen();
        return store.withStatus(null, checkStatuses(statuses)).stream().map(SyncClient::untyped).toList();
    }

    /**
     * @return a snapshot of pending, failed, conflicts, the pull cursor, pull progress per scope and health
     * @throws IllegalStateException when the client is closed
     */
    public ReplicaStatus status() {
        ensureOpen();
        SyncHealth health = pendingOperations.syncHealth();
        List<ScopeProgress> scopes = SyncTables.progress(db).stream()
                .map(p -> new ScopeProgress(p.scope(), p.seq(), java.time.Instant.ofEpochMilli(p.lastPulledAt()))).toList();
        return new ReplicaStatus(health.pendingCount(), health.oldestPendingAge(), health.failedCount(),
                store.openConflicts(), SyncTables.cursor(db), scopes, health);
    }

    /**
     * Cleans up the local file now: removes completed outbox operations acknowledged longer ago
     * than {@link Builder#doneOperationRetention} (never an operation that is pending, in flight
     * or failed), trims the settled-conflict and discard logs to {@link Builder#logRetention},
     * and hands freed pages back to the file system. The {@link BackgroundSyncCoordinator} does
     * this on its timer; an app that does not run it calls this now and then (say, once a day or
     * at start). Blocks for as long as it takes; local writes go on between its steps.
     *
     * @return what was removed
     * @throws IllegalStateException when the client is closed
     */
    public CleanupReport cleanUp() {
        ensureOpen();
        return maintenance.run();
    }

    /** @return the conflict inbox and the record of settled conflicts */
    public ConflictResolutionService conflicts() {
        ensureOpen();
        return conflictService;
    }

    /**
     * Pushes the outbox, then pulls until caught up, retrying transient failures for up to 30
     * seconds. Blocks; apps normally leave syncing to the background coordinator.
     *
     * @return what happened
     * @throws IllegalStateException when the client is closed or has no server URL
     */
    public SyncReport sync() {
        return sync(Duration.ofSeconds(30));
    }

    /**
     * Pushes the outbox, then pulls until caught up (again while resolved values wait to be
     * pushed), retrying transient failures until {@code timeout} has passed. Blocks.
     *
     * @return what happened: caught up, open conflicts, unreachable, or authentication needed
     * @throws InvalidInputException when {@code timeout} is null or not positive
     * @throws IllegalStateException when the client is closed or has no server URL
     */
    public SyncReport sync(Duration timeout) {
        ensureOpen();
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new InvalidInputException("invalid_setting", "sync timeout must be positive: " + timeout);
        }
        if (serverUrl == null) {
            throw new IllegalStateException("this replica has no server URL; build the client with serverUrl(...)");
        }
        return engine.sync(timeout);
    }

    /**
     * Pushes the outbox only (no pull), retrying transient failures until {@code timeout} has
     * passed: for an app about to go away that wants its writes on the server now. Blocks.
     *
     * @return what happened ({@code pulled} is 0)
     * @throws InvalidInputException when {@code timeout} is null or not positive
     * @throws IllegalStateException when the client is closed or has no server URL
     */
    public SyncReport push(Duration timeout) {
        ensureOpen();
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new InvalidInputException("invalid_setting", "push timeout must be positive: " + timeout);
        }
        if (serverUrl == null) {
            throw new IllegalStateException("this replica has no server URL; build the client with serverUrl(...)");
        }
        return engine.sync(timeout, false);
    }

    /**
     * Tells the client the token provider now has a fresh token after the server refused one;
     * syncing resumes, and a running {@link BackgroundSyncCoordinator} syncs at once. (Both also
     * happen by themselves once the provider returns a different token; the coordinator notices
     * within a quarter of a second.)
     *
     * @throws IllegalStateException when the client is closed
     */
    public void tokenRefreshed() {
        ensureOpen();
        engine.tokenRefreshed();
        if (coordinator != null) {
            coordinator.tokenRefreshed();
        }
    }

    /** @return true while the server refuses the current token and syncing is stopped */
    public boolean authenticationNeeded() {
        return engine.authenticationNeeded();
    }

    SyncEngine engine() {
        return engine;
    }

    Conflicts conflictEngine() {
        return conflictEngine;
    }

    /** @return the network state: reachability of the server, link quality, offline mode */
    public NetworkStateManager network() {
        ensureOpen();
        return network;
    }

    /**
     * @return the background sync coordinator (started at build time with
     *     {@code backgroundSync(true)}, or by {@link BackgroundSyncCoordinator#start()})
     * @throws IllegalStateException when the replica has no server URL
     */
    public BackgroundSyncCoordinator coordinator() {
        ensureOpen();
        if (coordinator == null) {
            throw new IllegalStateException("this replica has no server URL, so nothing to sync with");
        }
        return coordinator;
    }

    static List<SyncStatus> checkStatuses(SyncStatus... statuses) {
        if (statuses == null || statuses.length == 0) {
            throw new InvalidInputException("invalid_status", "give at least one sync status");
        }
        for (SyncStatus s : statuses) {
            if (s == null) {
                throw new InvalidInputException("invalid_status", "a sync status is null");
            }
        }
        return Arrays.asList(statuses);
    }

    /** Closes the file and completes every watcher. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        if (coordinator != null) {
            coordinator.close();
        }
        network.close();
        if (ownedScheduler != null) {
            ownedScheduler.shutdownNow();
        }
        watches.completeAll();
        if (ownedExecutor != null) {
            ownedExecutor.shutdown();
        }
        if (transport != null) {
            transport.close();
        }
        db.close();
        log.debug("sync client {} closed {}", clientId, db.file());
    }

    void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("sync client on " + db.file() + " is closed");
        }
    }

    LocalStore store() {
        return store;
    }

    Outbox outbox() {
        return outbox;
    }

    WatchHub watches() {
        return watches;
    }

    Clock clock() {
        return clock;
    }

    EntityType<?> registered(String type) {
        return typesByName.get(type);
    }

    SyncPriority priorityOf(String type) {
        EntityType<?> t = typesByName.get(type);
        return t == null ? SyncPriority.MEDIUM : t.priority();
    }

    static Document<ObjectNode> untyped(StoredDocument d) {
        return new Document<>(d.scope(), d.type(), d.id(), d.data() == null ? null : (ObjectNode) Json.parse(d.data()),
                d.deleted(), d.sync());
    }

    static <T> Document<T> typed(StoredDocument d, Class<T> cls) {
        T value = null;
        if (d.data() != null && !d.deleted()) {
            try {
                value = Json.mapper().readValue(d.data(), cls);
            } catch (java.io.IOException e) {
                throw new SynclineException("stored " + d.type() + " '" + d.id() + "' in scope '" + d.scope()
                        + "' cannot be read as " + cls.getSimpleName() + ": " + e.getMessage(), e);
            }
        }
        return new Document<>(d.scope(), d.type(), d.id(), value, d.deleted(), d.sync());
    }

    /** Default of {@link Builder#maxClockDrift}: 1 minute. */
    public static final Duration DEFAULT_MAX_CLOCK_DRIFT = Duration.ofMinutes(1);
    /** Default of {@link Builder#doneOperationRetention}: 24 hours. */
    public static final Duration DEFAULT_DONE_OPERATION_RETENTION = Duration.ofHours(24);
    /** Default row bound of {@link Builder#logRetention}: 1,000. */
    public static final int DEFAULT_LOG_MAX_ROWS = 1000;
    /** Default age bound of {@link Builder#logRetention}: 30 days. */
    public static final Duration DEFAULT_LOG_MAX_AGE = Duration.ofDays(30);

    /**
     * Builds a {@link SyncClient}. Settings are checked when given and when built; each may be
     * given once. Not thread-safe.
     */
    public static final class Builder {
        private Path database;
        private URI serverUrl;
        private Supplier<String> tokenProvider;
        private String token;
        private Clock clock = Clock.systemUTC();
        private boolean clockSet;
        private Executor executor;
        private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
        private boolean retrySet;
        private DoubleSupplier random;
        private long maxPending = 50;
        private Duration maxPendingAge = Duration.ofMinutes(60);
        private boolean healthSet;
        private Durability durability;
        private final Map<String, EntityType<?>> types = new LinkedHashMap<>();
        private final Map<String, ConflictResolutionStrategy> policies = new LinkedHashMap<>();
        private final Map<String, ThreeWayMerge> merges = new LinkedHashMap<>();
        private final Map<String, ConflictResolver> resolvers = new LinkedHashMap<>();
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private boolean timeoutsSet;
        private int pushBatchSize = SyncEngine.MAX_BATCH;
        private int pullPageSize = 1000;
        private boolean batchSet;
        private boolean backgroundSync;
        private boolean backgroundSet;
        private BackgroundSyncCoordinator.Settings coordinatorSettings = BackgroundSyncCoordinator.Settings.DEFAULT;
        private boolean coordinatorSet;
        private java.util.concurrent.ScheduledExecutorService scheduler;
        private NetworkStateManager.ConnectionTypeProvider connectionTypeProvider = () -> NetworkStateManager.ConnectionType.UNKNOWN;
        private boolean providerSet;
        private LongSupplier nanoTime = System::nanoTime;
        private boolean nanoTimeSet;
        private ThreadFactory streamThreadFactory = r -> {
            Thread t = new Thread(r, "syncline-stream");
            t.setDaemon(true);
            return t;
        };
        private boolean streamThreadFactorySet;
        private SyncTransportFactory transportFactory = JdkHttpTransport.factory();
        private boolean transportSet;
        private Duration probeBackoffMax = NetworkStateManager.DEFAULT_PROBE_BACKOFF_MAX;
        private boolean probeBackoffSet;
        private Duration maxClockDrift = DEFAULT_MAX_CLOCK_DRIFT;
        private boolean driftSet;
        private Duration doneRetention = DEFAULT_DONE_OPERATION_RETENTION;
        private boolean doneRetentionSet;
        private int logMaxRows = DEFAULT_LOG_MAX_ROWS;
        private Duration logMaxAge = DEFAULT_LOG_MAX_AGE;
        private boolean logRetentionSet;

        private Builder() {
        }

        /**
         * Sets how far ahead of this replica's wall clock a pulled write's HLC stamp may be dated
         * and still be adopted by the replica's clock (default 1 minute). A stamp further ahead
         * comes from a replica whose clock is wrong (or this one's is); adopting it would date
         * this replica's own writes, and those of every replica that syncs with it, that far in
         * the future. See {@link dev.syncline.core.HlcClock} for the trade-off. Zero adopts no
         * stamp dated after this replica's clock.
         *
         * @return this builder
         * @throws InvalidInputException when null, negative or set twice
         */
        public Builder maxClockDrift(Duration drift) {
            requireOnce("maxClockDrift", driftSet ? maxClockDrift : null, drift);
            if (drift.isNegative()) {
                throw new InvalidInputException("invalid_setting", "maxClockDrift must be zero or positive: " + drift);
            }
            this.maxClockDrift = drift;
            this.driftSet = true;
            return this;
        }

        /**
         * Sets how long a completed (acknowledged) outbox operation is kept before a cleanup
         * removes it (default 24 hours): long enough to look up what was pushed and to recognise
         * its echo from the server, short enough that the file does not keep every write ever
         * made. Zero removes them at the next cleanup. Operations that are pending, in flight or
         * failed are never removed.
         *
         * @return this builder
         * @throws InvalidInputException when null, negative or set twice
         */
        public Builder doneOperationRetention(Duration retention) {
            requireOnce("doneOperationRetention", doneRetentionSet ? doneRetention : null, retention);
            if (retention.isNegative()) {
                throw new InvalidInputException("invalid_setting", "doneOperationRetention must be zero or positive: "
                        + retention);
            }
            this.doneRetention = retention;
            this.doneRetentionSet = true;
            return this;
        }

        /**
         * Bounds the log of settled conflicts ({@link ConflictResolutionService#settledConflicts()})
         * and the log of discarded operations: a cleanup keeps at most {@code maxRows} of each,
         * the newest, and none older than {@code maxAge} (default 1,000 rows and 30 days).
         *
         * @param maxRows 1 to 10,000,000
         * @param maxAge positive
         * @return this builder
         * @throws InvalidInputException when out of range or set twice
         */
        public Builder logRetention(int maxRows, Duration maxAge) {
            if (logRetentionSet) {
                throw new InvalidInputException("invalid_setting", "logRetention is set twice");
            }
            if (maxRows < 1 || maxRows > 10_000_000) {
                throw new InvalidInputException("invalid_setting", "logRetention maxRows must be 1 to 10000000: " + maxRows);
            }
            if (maxAge == null || maxAge.isNegative() || maxAge.isZero()) {
                throw new InvalidInputException("invalid_setting", "logRetention maxAge must be positive: " + maxAge);
            }
            this.logMaxRows = maxRows;
            this.logMaxAge = maxAge;
            this.logRetentionSet = true;
            return this;
        }

        /**
         * @param enabled true to start the {@link BackgroundSyncCoordinator} when built (default
         *     false: the app calls {@link SyncClient#sync} or starts the coordinator itself)
         * @return this builder
         * @throws InvalidInputException when set twice
         */
        public Builder backgroundSync(boolean enabled) {
            if (backgroundSet) {
                throw new InvalidInputException("invalid_setting", "backgroundSync is set twice");
            }
            this.backgroundSync = enabled;
            this.backgroundSet = true;
            return this;
        }

        /**
         * @param settings debounce, reconnect delay and periodic interval of background sync
         * @return this builder
         * @throws InvalidInputException when null or set twice
         */
        public Builder backgroundSyncSettings(BackgroundSyncCoordinator.Settings settings) {
            requireOnce("backgroundSyncSettings", coordinatorSet ? coordinatorSettings : null, settings);
            this.coordinatorSettings = settings;
            this.coordinatorSet = true;
            return this;
        }

        /**
         * @param scheduler runs background syncs, health probes and timers (default: one daemon
         *     thread owned by the client); it must not run tasks on the submitting thread
         * @return this builder
         * @throws InvalidInputException when null or set twice
         */
        public Builder scheduler(java.util.concurrent.ScheduledExecutorService scheduler) {
            requireOnce("scheduler", this.scheduler, scheduler);
            this.scheduler = scheduler;
            return this;
        }

        /**
         * @param nanoTime monotonic time in nanoseconds, as {@link System#nanoTime()} (the default):
         *     it times round trips (for {@link NetworkStateManager#hasGoodConnection()}), the window
         *     in which recent failures count, and {@link SyncClient#sync(Duration)}'s deadline and
         *     waits between retries. Tests pass a fake; a fake that never moves never lets a sync
         *     time out. Retry times stored with operations outlive the process, so they use
         *     {@link #clock(Clock)} instead. Must be thread-safe.
         * @return this builder
         * @throws InvalidInputException when null or set twice
         */
        public Builder nanoTime(LongSupplier nanoTime) {
            requireOnce("nanoTime", nanoTimeSet ? this.nanoTime : null, nanoTime);
            this.nanoTime = nanoTime;
            this.nanoTimeSet = true;
            return this;
        }

        /**
         * @param factory makes the thread that reads the server's live stream ({@code /v1/stream})
         *     for the {@link BackgroundSyncCoordinator} (default: a daemon thread named
         *     {@code syncline-stream}). It is asked for one thread each time the coordinator
         *     starts and must return it unstarted; the thread blocks on the network for as long
         *     as the coordinator runs.
         * @return this builder
         * @throws InvalidInputException when null or set twice
         */
        public Builder streamThreadFactory(ThreadFactory factory) {
            requireOnce("streamThreadFactory", streamThreadFactorySet ? streamThreadFactory : null, factory);
            this.streamThreadFactory = factory;
            this.streamThreadFactorySet = true;
            return this;
        }

        /**
         * Sets how the client talks to the server (default {@link JdkHttpTransport#factory()}:
         * the JDK {@code HttpClient}, one per client, closed with the client). Pass
         * {@link JdkHttpTransport#factory(java.net.http.HttpClient)} to use the app's own
         * {@code HttpClient} (the client then never closes it), or another platform's
         * {@link SyncTransportFactory}. The factory is called once, at {@link #build()} with a
         * server URL, with that URL and the {@link #timeouts timeouts}; the client closes the
         * transport it made when it closes.
         *
         * @return this builder
         * @throws InvalidInputException when null or set twice
         */
        public Builder transport(SyncTransportFactory factory) {
            requireOnce("transport", transportSet ? transportFactory : null, factory);
            this.transportFactory = factory;
            this.transportSet = true;
            return this;
        }

        /**
         * @param max cap of the health probe's backoff while the server is unreachable, 250 ms to
         *     5 minutes (default {@link NetworkStateManager#DEFAULT_PROBE_BACKOFF_MAX 2 s}): after an
         *     outage ends, a replica notices within about this long (sooner on a network-change
         *     signal, see {@link NetworkStateManager#networkChanged()})
         * @return this builder
         * @throws InvalidInputException when null, out of range or set twice
         */
        public Builder probeBackoffMax(Duration max) {
            requireOnce("probeBackoffMax", probeBackoffSet ? probeBackoffMax : null, max);
            this.probeBackoffMax = NetworkStateManager.requireProbeBackoffMax(max);
            this.probeBackoffSet = true;
            return this;
        }

        /**
         * @param provider tells the link type (the JVM cannot; Android can)
         * @return this builder
         * @throws InvalidInputException when null or set twice
         */
        public Builder connectionTypeProvider(NetworkStateManager.ConnectionTypeProvider provider) {
            requireOnce("connectionTypeProvider", providerSet ? connectionTypeProvider : null, provider);
            this.connectionTypeProvider = provider;
            this.providerSet = true;
            return this;
        }

        /**
         * Sets the field rules the {@code merge} strategy uses for {@code type} (default: every
         * field changed on both sides goes to the later HLC stamp).
         *
         * @return this builder
         * @throws InvalidInputException when the type name is bad, the merge null, or set twice
         */
        public Builder mergeRules(String type, ThreeWayMerge merge) {
            Names.requireType(type);
            if (merge == null) {
                throw new InvalidInputException("invalid_setting", "merge rules of '" + type + "' are null");
            }
            if (merges.putIfAbsent(type, merge) != null) {
                throw new InvalidInputException("invalid_setting", "merge rules of '" + type + "' are set twice");
            }
            return this;
        }

        /**
         * Sets a custom resolver for {@code type}; it decides that type's conflicts instead of the
         * strategy.
         *
         * @return this builder
         * @throws InvalidInputException when the type name is bad, the resolver null, or set twice
         */
        public Builder conflictResolver(String type, ConflictResolver resolver) {
            Names.requireType(type);
            if (resolver == null) {
                throw new InvalidInputException("invalid_setting", "conflict resolver of '" + type + "' is null");
            }
            if (resolvers.putIfAbsent(type, resolver) != null) {
                throw new InvalidInputException("invalid_setting", "conflict resolver of '" + type + "' is set twice");
            }
            return this;
        }

        /**
         * @param connect TCP connect timeout (default 5 s)
         * @param request time allowed for one push or pull answer (default 30 s)
         * @return this builder
         * @throws InvalidInputException when not positive or set twice
         */
        public Builder timeouts(Duration connect, Duration request) {
            if (timeoutsSet) {
                throw new InvalidInputException("invalid_setting", "timeouts are set twice");
            }
            if (connect == null || connect.isNegative() || connect.isZero() || request == null || request.isNegative()
                    || request.isZero()) {
                throw new InvalidInputException("invalid_setting", "timeouts must be positive: connect " + connect
                        + ", request " + request);
            }
            this.connectTimeout = connect;
            this.requestTimeout = request;
            this.timeoutsSet = true;
            return this;
        }

        /**
         * @param pushBatch operations per push, 1 to 500 (default 500)
         * @param pullPage changes per pull page, 1 to 1000 (default 1000)
         * @return this builder
         * @throws InvalidInputException when out of range or set twice
         */
        public Builder batchSizes(int pushBatch, int pullPage) {
            if (batchSet) {
                throw new InvalidInputException("invalid_setting", "batchSizes are set twice");
            }
            if (pushBatch < 1 || pushBatch > SyncEngine.MAX_BATCH || pullPage < 1 || pullPage > 1000) {
                throw new InvalidInputException("invalid_setting", "batchSizes must be 1-500 (push) and 1-1000 (pull): "
                        + pushBatch + ", " + pullPage);
            }
            this.pushBatchSize = pushBatch;
            this.pullPageSize = pullPage;
            this.batchSet = true;
            return this;
        }

        /**
         * @param file the local SQLite file (created with its directory if absent)
         * @return this builder
         * @throws InvalidInputException when null or set twice
         */
        public Builder database(Path file) {
            requireOnce("database", database, file);
            this.database = file;
            return this;
        }

        /**
         * @param url the sync server's base URL (http or https); remembered by the replica
         * @return this builder
         * @throws InvalidInputException when null, set twice, or not an http(s) URL
         */
        public Builder serverUrl(URI url) {
            requireOnce("serverUrl", serverUrl, url);
            if (url.getScheme() == null || !(url.getScheme().equals("http") || url.getScheme().equals("https"))
                    || url.getHost() == null) {
                throw new InvalidInputException("invalid_setting", "serverUrl must be an http(s) URL with a host: " + url);
            }
            this.serverUrl = url;
            return this;
        }

        /**
         * @param url the sync server's base URL as text
         * @return this builder
         * @throws InvalidInputException when null, set twice, or not an http(s) URL
         */
        public Builder serverUrl(String url) {
            if (url == null) {
                throw new InvalidInputException("invalid_setting", "serverUrl is null");
            }
            try {
                return serverUrl(URI.create(url));
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException("invalid_setting", "serverUrl is not a URL: " + url);
            }
        }

        /**
         * @param provider supplies a bearer token whenever the client talks to the server (not stored)
         * @return this builder
         * @throws InvalidInputException when null, set twice or combined with {@link #token}
         */
        public Builder tokenProvider(Supplier<String> provider) {
            requireOnce("tokenProvider", tokenProvider, provider);
            if (token != null) {
                throw new InvalidInputException("invalid_setting", "give token or tokenProvider, not both");
            }
            this.tokenProvider = provider;
            return this;
        }

        /**
         * @param token a fixed bearer token, remembered by the replica (for scripts and the CLI)
         * @return this builder
         * @throws InvalidInputException when blank, set twice or combined with {@link #tokenProvider}
         */
        public Builder token(String token) {
            requireOnce("token", this.token, token);
            if (tokenProvider != null) {
                throw new InvalidInputException("invalid_setting", "give token or tokenProvider, not both");
            }
            if (token.isBlank()) {
                throw new InvalidInputException("invalid_setting", "token is blank");
            }
            this.token = token;
            return this;
        }

        /**
         * @param clock wall time for HLC stamps, timestamps and backoff (tests pass a fake)
         * @return this builder
         * @throws InvalidInputException when null or set twice
         */
        public Builder clock(Clock clock) {
            requireOnce("clock", clockSet ? this.clock : null, clock);
            this.clock = clock;
            this.clockSet = true;
            return this;
        }

        /**
         * @param executor runs live-query work and subscriber callbacks (default: two daemon threads);
         *     it must not run tasks on the submitting thread, which may be a writer holding the write lock
         * @return this builder
         * @throws InvalidInputException when null or set twice
         */
        public Builder executor(Executor executor) {
            requireOnce("executor", this.executor, executor);
            this.executor = executor;
            return this;
        }

        /**
         * @param policy backoff for transient push failures (default {@link RetryPolicy#DEFAULT})
         * @return this builder
         * @throws InvalidInputException when null or set twice
         */
        public Builder retryPolicy(RetryPolicy policy) {
            requireOnce("retryPolicy", retrySet ? retryPolicy : null, policy);
            this.retryPolicy = policy;
            this.retrySet = true;
            return this;
        }

        /**
         * @param random jitter source for backoff: uniform doubles from 0 (inclusive) to 1
         *     (exclusive), called from the client's threads (default: {@code ThreadLocalRandom});
         *     tests pass a seeded one, such as {@code new SplittableRandom(seed)::nextDouble}
         * @return this builder
         * @throws InvalidInputException when null or set twice
         */
        public Builder random(DoubleSupplier random) {
            requireOnce("random", this.random, random);
            this.random = random;
            return this;
        }

        /**
         * Sets when {@link PendingOperationsManager#syncHealth()} reports degraded (default: more
         * than 50 pending, or the oldest older than 60 minutes).
         *
         * @return this builder
         * @throws InvalidInputException when out of range or set twice
         */
        public Builder healthThresholds(long maxPending, Duration maxPendingAge) {
            if (healthSet) {
                throw new InvalidInputException("invalid_setting", "healthThresholds is set twice");
            }
            if (maxPending < 0) {
                throw new InvalidInputException("invalid_setting", "healthThresholds maxPending must not be negative: " + maxPending);
            }
            if (maxPendingAge == null || maxPendingAge.isNegative()) {
                throw new InvalidInputException("invalid_setting", "healthThresholds maxPendingAge must be zero or positive: " + maxPendingAge);
            }
            this.maxPending = maxPending;
            this.maxPendingAge = maxPendingAge;
            this.healthSet = true;
            return this;
        }

        /**
         * @param durability FULL (default) or NORMAL
         * @return this builder
         * @throws InvalidInputException when null or set twice
         */
        public Builder durability(Durability durability) {
            requireOnce("durability", this.durability, durability);
            this.durability = durability;
            return this;
        }

        /**
         * Registers an entity type.
         *
         * @return this builder
         * @throws InvalidInputException when null or when its name is registered already
         */
        public Builder register(EntityType<?> type) {
            if (type == null) {
                throw new InvalidInputException("invalid_setting", "entity type is null");
            }
            if (types.containsKey(type.name())) {
                throw new InvalidInputException("invalid_setting", "entity type '" + type.name() + "' is registered twice");
            }
            types.put(type.name(), type);
            return this;
        }

        /**
         * Sets (and makes the replica remember) the conflict strategy of a type that may not be
         * registered here, such as a type only handled as untyped documents.
         *
         * @return this builder
         * @throws InvalidInputException when the type name is bad, the strategy null, or set twice
         */
        public Builder conflictStrategy(String type, ConflictResolutionStrategy strategy) {
            Names.requireType(type);
            if (strategy == null) {
                throw new InvalidInputException("invalid_setting", "conflict strategy of '" + type + "' is null");
            }
            if (policies.putIfAbsent(type, strategy) != null) {
                throw new InvalidInputException("invalid_setting", "conflict strategy of '" + type + "' is set twice");
            }
            return this;
        }

        /**
         * Opens the local store (creating and migrating it) and returns the client.
         *
         * @throws InvalidInputException when the database is not set, or a registered type's
         *     strategy contradicts one given by {@link #conflictStrategy}
         * @throws DatabaseInUseException when another client, in this process or another one,
         *     has the file open
         * @throws dev.syncline.client.internal.store.LocalStoreException when the file cannot be opened
         */
        public SyncClient build() {
            if (database == null) {
                throw new InvalidInputException("invalid_setting", "database is not set; call database(Path)");
            }
            for (Map.Entry<String, ConflictResolutionStrategy> e : policies.entrySet()) {
                EntityType<?> t = types.get(e.getKey());
                if (t != null && t.conflictStrategy() != e.getValue()) {
                    throw new InvalidInputException("invalid_setting", "conflict strategy of '" + e.getKey()
                            + "' is set to " + e.getValue().wire() + " but its entity type says " + t.conflictStrategy().wire());
                }
            }
            if (random == null) {
                random = () -> java.util.concurrent.ThreadLocalRandom.current().nextDouble();
            }
            Database db = Database.open(database, durability != Durability.NORMAL);
            try {
                return new SyncClient(this, db);
            } catch (RuntimeException e) {
                db.close();
                throw e;
            }
        }

        private static void requireOnce(String setting, Object current, Object value) {
            if (value == null) {
                throw new InvalidInputException("invalid_setting", setting + " is null");
            }
            if (current != null) {
                throw new InvalidInputException("invalid_setting", setting + " is set twice");
            }
        }
    }
}

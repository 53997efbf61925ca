package dev.syncline.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.syncline.client.internal.store.jdbc.JdbcStorageDriver;
import dev.syncline.client.internal.sync.SyncEngine;
import dev.syncline.client.spi.storage.StorageDriver;
import dev.syncline.client.spi.transport.SyncTransportFactory;
import dev.syncline.client.transport.jdk.JdkHttpTransport;
import dev.syncline.core.ConflictResolutionStrategy;
import dev.syncline.core.InvalidInputException;
import dev.syncline.core.Names;
import dev.syncline.core.merge.ThreeWayMerge;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Builds a {@link SyncClient}: {@code SyncClient.builder()...build()}. Settings are checked when
 * given and when built, and each may be given once (a second call is refused rather than
 * silently replacing the first). {@link #build()} takes an immutable snapshot of the settings, so
 * changing the builder afterwards does not change a built client.
 *
 * <p>Not thread-safe: configure it on one thread.
 */
public final class SyncClientBuilder {
    /** Default of {@link #maxClockDrift}: 1 minute. */
    public static final Duration DEFAULT_MAX_CLOCK_DRIFT = Duration.ofMinutes(1);
    /** Default of {@link #doneOperationRetention}: 24 hours. */
    public static final Duration DEFAULT_DONE_OPERATION_RETENTION = Duration.ofHours(24);
    /** Default row bound of {@link #logRetention}: 1,000. */
    public static final int DEFAULT_LOG_MAX_ROWS = 1000;
    /** Default age bound of {@link #logRetention}: 30 days. */
    public static final Duration DEFAULT_LOG_MAX_AGE = Duration.ofDays(30);

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
    private StorageDriver storageDriver;
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
    private SyncTransportFactory transportFactory;
    private Duration probeBackoffMax = NetworkStateManager.DEFAULT_PROBE_BACKOFF_MAX;
    private boolean probeBackoffSet;
    private Duration maxClockDrift = DEFAULT_MAX_CLOCK_DRIFT;
    private boolean driftSet;
    private Duration doneRetention = DEFAULT_DONE_OPERATION_RETENTION;
    private boolean doneRetentionSet;
    private int logMaxRows = DEFAULT_LOG_MAX_ROWS;
    private Duration logMaxAge = DEFAULT_LOG_MAX_AGE;
    private boolean logRetentionSet;
    private ObjectMapper objectMapper;

    SyncClientBuilder() {
    }

    /**
     * Sets the Jackson mapper the app's entities are turned into JSON with, and read back with
     * (default {@link JsonMapping#defaultMapper()}: java.time and {@code Optional} support, dates as
     * ISO-8601 strings). The builder takes a copy now: changing {@code mapper} later changes
     * nothing in the client, and the client never hands its copy out. Start from
     * {@link JsonMapping#defaults()} to keep the default settings and add modules (Kotlin, ...).
     * The wire format and the sync metadata do not depend on it; only the documents' data does,
     * so every replica of a type should map it the same way.
     *
     * @return this builder
     * @throws InvalidInputException when null or set twice
     */
    public SyncClientBuilder objectMapper(ObjectMapper mapper) {
        requireOnce("objectMapper", objectMapper, mapper);
        this.objectMapper = mapper.copy();
        return this;
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
    public SyncClientBuilder maxClockDrift(Duration drift) {
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
    public SyncClientBuilder doneOperationRetention(Duration retention) {
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
    public SyncClientBuilder logRetention(int maxRows, Duration maxAge) {
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
    public SyncClientBuilder backgroundSync(boolean enabled) {
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
    public SyncClientBuilder backgroundSyncSettings(BackgroundSyncCoordinator.Settings settings) {
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
    public SyncClientBuilder scheduler(java.util.concurrent.ScheduledExecutorService scheduler) {
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
    public SyncClientBuilder nanoTime(LongSupplier nanoTime) {
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
    public SyncClientBuilder streamThreadFactory(ThreadFactory factory) {
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
    public SyncClientBuilder transport(SyncTransportFactory factory) {
        requireOnce("transport", transportFactory, factory);
        this.transportFactory = factory;
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
    public SyncClientBuilder probeBackoffMax(Duration max) {
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
    public SyncClientBuilder connectionTypeProvider(NetworkStateManager.ConnectionTypeProvider provider) {
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
    public SyncClientBuilder mergeRules(String type, ThreeWayMerge merge) {
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
     * Sets the app's own conflict policy of a registered entity type, seeing conflicts as the
     * entity class (the typed form of {@link #conflictResolver(String, ConflictResolver)}; a
     * type has one or the other).
     *
     * @return this builder
     * @throws InvalidInputException when {@code type} or {@code resolver} is null, or a resolver
     *     of the type is set twice; {@link #build()} refuses it when the type is not registered
     */
    public <T> SyncClientBuilder conflictResolver(EntityType<T> type, TypedConflictResolver<T> resolver) {
        if (type == null || resolver == null) {
            throw new InvalidInputException("invalid_setting", "typed conflict resolver: "
                    + (type == null ? "entity type" : "resolver of '" + type.name() + "'") + " is null");
        }
        return conflictResolver(type.name(), new TypedValues.Registered<>(type, resolver));
    }

    /**
     * Sets a custom resolver for {@code type}; it decides that type's conflicts instead of the
     * strategy.
     *
     * @return this builder
     * @throws InvalidInputException when the type name is bad, the resolver null, or set twice
     */
    public SyncClientBuilder conflictResolver(String type, ConflictResolver resolver) {
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
    public SyncClientBuilder timeouts(Duration connect, Duration request) {
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
    public SyncClientBuilder batchSizes(int pushBatch, int pullPage) {
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
     * @param driver how the local SQLite file is opened and run (default: the JVM's xerial
     *     sqlite-jdbc driver); see {@link StorageDriver}
     * @return this builder
     * @throws InvalidInputException when null or set twice
     */
    public SyncClientBuilder storageDriver(StorageDriver driver) {
        requireOnce("storageDriver", storageDriver, driver);
        this.storageDriver = driver;
        return this;
    }

    /**
     * @param file the local SQLite file (created with its directory if absent)
     * @return this builder
     * @throws InvalidInputException when null or set twice
     */
    public SyncClientBuilder database(Path file) {
        requireOnce("database", database, file);
        this.database = file;
        return this;
    }

    /**
     * @param url the sync server's base URL (http or https); remembered by the replica
     * @return this builder
     * @throws InvalidInputException when null, set twice, or not an http(s) URL
     */
    public SyncClientBuilder serverUrl(URI url) {
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
    public SyncClientBuilder serverUrl(String url) {
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
    public SyncClientBuilder tokenProvider(Supplier<String> provider) {
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
    public SyncClientBuilder token(String token) {
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
    public SyncClientBuilder clock(Clock clock) {
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
    public SyncClientBuilder executor(Executor executor) {
        requireOnce("executor", this.executor, executor);
        this.executor = executor;
        return this;
    }

    /**
     * @param policy backoff for transient push failures (default {@link RetryPolicy#DEFAULT})
     * @return this builder
     * @throws InvalidInputException when null or set twice
     */
    public SyncClientBuilder retryPolicy(RetryPolicy policy) {
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
    public SyncClientBuilder random(DoubleSupplier random) {
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
    public SyncClientBuilder healthThresholds(long maxPending, Duration maxPendingAge) {
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
    public SyncClientBuilder durability(Durability durability) {
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
    public SyncClientBuilder register(EntityType<?> type) {
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
    public SyncClientBuilder conflictStrategy(String type, ConflictResolutionStrategy strategy) {
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
     * @throws StorageException when the file cannot be opened or migrated
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
        ClientConfig config = new ClientConfig(database, durability != Durability.NORMAL,
                storageDriver != null ? storageDriver : new JdbcStorageDriver(), serverUrl, tokenProvider, token,
                clock, nanoTime, random != null ? random : () -> java.util.concurrent.ThreadLocalRandom.current().nextDouble(),
                executor, scheduler,
                streamThreadFactory, retryPolicy, maxPending, maxPendingAge, frozen(types), frozen(policies), frozen(merges),
                frozen(resolvers), transportFactory != null ? transportFactory : JdkHttpTransport.factory(),
                connectTimeout, requestTimeout, pushBatchSize, pullPageSize, backgroundSync,
                coordinatorSettings, connectionTypeProvider, probeBackoffMax, maxClockDrift, doneRetention, logMaxRows, logMaxAge,
                objectMapper != null ? objectMapper : JsonMapping.defaultMapper());
        return ClientAssembly.open(config);
    }

    private static <K, V> Map<K, V> frozen(Map<K, V> map) {
        return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(map));
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

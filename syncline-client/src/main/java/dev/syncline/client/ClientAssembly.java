package dev.syncline.client;

import dev.syncline.client.internal.events.SyncEvents;
import dev.syncline.client.internal.json.EntityJson;
import dev.syncline.client.internal.outbox.Outbox;
import dev.syncline.client.internal.store.Database;
import dev.syncline.client.internal.store.LocalStore;
import dev.syncline.client.internal.store.StoreMaintenance;
import dev.syncline.client.internal.sync.Conflicts;
import dev.syncline.client.internal.sync.SyncEngine;
import dev.syncline.client.internal.transport.TokenGate;
import dev.syncline.client.internal.watch.WatchHub;
import dev.syncline.client.spi.transport.SyncTransport;
import dev.syncline.client.spi.transport.SyncTransportFactory;
import dev.syncline.client.spi.transport.TransportSettings;
import dev.syncline.core.InvalidInputException;
import dev.syncline.core.ConflictResolutionStrategy;
import dev.syncline.core.SyncPriority;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the parts of one client from its {@link ClientConfig}, in a fixed order, and stops them
 * in the reverse order. Internal: the public face is {@link SyncClient}.
 *
 * <p>Start order, and why: the file (and its lock) first; then the outbox, whose in-flight
 * operations are recovered before anything could push them (a crash may have left some); then the
 * store and its clock (resumed at the last stamp this replica issued); the remembered server URL,
 * token, types and strategies; live queries; conflicts; the transport and sync engine; the
 * scheduler and network state; and last, once the facade exists, the background coordinator,
 * started only when asked. Stop order is the reverse: nothing is stopped while something started
 * after it still runs. A failure while starting stops whatever had started and closes the file.
 *
 * <p>Each part is created here and only here; a part the app passed in (executor, scheduler) is
 * used but never shut down.
 */
final class ClientAssembly {
    private static final Logger log = LoggerFactory.getLogger(ClientAssembly.class);

    final ClientConfig config;
    final Database db;
    final String clientId;
    final Outbox outbox;
    final LocalStore store;
    final StoreMaintenance maintenance;
    final URI serverUrl;
    final Supplier<String> tokenProvider;
    final Executor callbacks;
    final WatchHub watches;
    final Map<String, EntityType<?>> typesByName;
    /** The type of each Java class; null for a class several types use (repository(Class) must then name the type). */
    final Map<Class<?>, EntityType<?>> typesByClass;
    final Map<String, ConflictResolutionStrategy> policies;
    final EntityJson entityJson;
    final TypedValues typedValues;
    /** The sync and conflict engines report here; {@link SyncClient#addSyncListener} listens. */
    final SyncEvents events = new SyncEvents();
    final Conflicts conflicts;
    final SyncTransport transport;
    final SyncEngine engine;
    final ScheduledExecutorService scheduler;
    final NetworkStateManager network;
    private BackgroundSyncCoordinator coordinator;
    /** What to stop on close, newest first. */
    private final Deque<Runnable> stops;

    private ClientAssembly(ClientConfig c, Database db, Deque<Runnable> stops) {
        this.config = c;
        this.stops = stops;
        this.db = db;
        this.clientId = LocalStore.metaOrInit(db, "client_id", UUID.randomUUID().toString());
        this.outbox = new Outbox(db, c.clock(), c.retryPolicy(), c.random());
        int recovered = outbox.recoverInFlight();
        // Resume the clock at the last stamp this replica issued or adopted: never below it, and
        // not ahead of the wall clock.
        this.store = new LocalStore(db, outbox, LocalStore.restoreClock(db, c.clock(), clientId, c.maxClockDrift()),
                c.clock());
        this.maintenance = new StoreMaintenance(db, outbox, c.clock(), c.doneRetention(), c.logMaxRows(), c.logMaxAge());
        if (c.serverUrl() != null) {
            store.putMeta("server_url", c.serverUrl().toString());
        }
        if (c.token() != null) {
            store.putMeta("token", c.token());
        }
        this.serverUrl = c.serverUrl() != null ? c.serverUrl() : store.meta("server_url").map(URI::create).orElse(null);
        String rememberedToken = c.token() != null ? c.token() : store.meta("token").orElse(null);
        this.tokenProvider = c.tokenProvider() != null ? c.tokenProvider()
                : rememberedToken == null ? null : () -> rememberedToken;

        if (c.executor() != null) {
            this.callbacks = c.executor();
        } else {
            AtomicInteger n = new AtomicInteger();
            ExecutorService owned = Executors.newFixedThreadPool(2, r -> {
                Thread t = new Thread(r, "syncline-watch-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            stops.push(owned::shutdown);
            this.callbacks = owned;
        }
        this.watches = new WatchHub(db, callbacks);
        stops.push(watches::completeAll);

        this.typesByName = c.types();
        Map<Class<?>, EntityType<?>> byClass = new HashMap<>();
        for (EntityType<?> t : c.types().values()) {
            byClass.put(t.javaClass(), byClass.containsKey(t.javaClass()) ? null : t);
            for (String field : t.indexes()) {
                store.declareIndex(t.name(), field);
            }
            store.putPolicy(t.name(), t.conflictStrategy().wire());
        }
        this.typesByClass = Collections.unmodifiableMap(byClass);
        for (Map.Entry<String, ConflictResolutionStrategy> e : c.policies().entrySet()) {
            store.putPolicy(e.getKey(), e.getValue().wire());
        }
        Map<String, ConflictResolutionStrategy> remembered = new LinkedHashMap<>();
        store.policies().forEach((type, s) -> remembered.put(type, ConflictResolutionStrategy.fromWire(s)));
        this.policies = Collections.unmodifiableMap(remembered);

        this.entityJson = new EntityJson(c.objectMapper());
        this.typedValues = new TypedValues(entityJson, typesByName);
        this.conflicts = new Conflicts(db, store, outbox, c.clock(), this::conflictStrategy, c.merges(),
                typedValues.bind(c.resolvers()), this::priorityOf, typedValues, events);
        this.transport = serverUrl == null ? null
                : openTransport(c.transportFactory(), new TransportSettings(serverUrl, c.connectTimeout(), c.requestTimeout()));
        if (transport != null) {
            stops.push(transport::close);
        }
        this.engine = new SyncEngine(db, store, outbox, conflicts, transport,
                new TokenGate(() -> tokenProvider == null ? null : tokenProvider.get()), clientId, c.clock(), c.nanoTime(),
                c.pushBatchSize(), c.pullPageSize(), events);

        ScheduledExecutorService s = c.scheduler();
        if (s == null && transport != null) {
            ScheduledExecutorService owned = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "syncline-sync");
                t.setDaemon(true);
                return t;
            });
            stops.push(owned::shutdownNow);
            s = owned;
        }
        this.scheduler = s;
        this.network = new NetworkStateManager(transport, scheduler, c.connectionTypeProvider(), c.random(),
                c.nanoTime(), c.probeBackoffMax());
        stops.push(network::close);
        log.debug("sync client {} opened {} ({} entity types, {} in-flight operations recovered)", clientId, db.file(),
                typesByName.size(), recovered);
    }

    /**
     * Opens the file and builds every part but the coordinator, then the facade, then the
     * coordinator (started when the config asks).
     */
    static SyncClient open(ClientConfig config) {
        Database db = Database.open(config.database(), config.fullDurability(), config.storageDriver());
        Deque<Runnable> stops = new ArrayDeque<>();
        ClientAssembly parts;
        try {
            parts = new ClientAssembly(config, db, stops);
        } catch (RuntimeException e) {
            // The constructor failed part-way: stop what it had started, then close the file.
            runAll(stops, "?");
            db.close();
            throw e;
        }
        try {
            SyncClient client = new SyncClient(parts);
            parts.startCoordinator(client);
            return client;
        } catch (RuntimeException e) {
            parts.close();
            throw e;
        }
    }

    private void startCoordinator(SyncClient client) {
        if (transport == null) {
            return;
        }
        coordinator = new BackgroundSyncCoordinator(client, engine, outbox, db, network, scheduler, config.clock(),
                config.coordinatorSettings(), config.streamThreadFactory(), config.nanoTime());
        stops.push(coordinator::close);
        if (config.backgroundSync()) {
            coordinator.start();
        }
    }

    private static SyncTransport openTransport(SyncTransportFactory factory, TransportSettings settings) {
        SyncTransport t = factory.create(settings);
        if (t == null) {
            throw new InvalidInputException("invalid_setting", "the transport factory returned no transport");
        }
        return t;
    }

    /** @return the coordinator, or null when the replica has no server URL */
    BackgroundSyncCoordinator coordinator() {
        return coordinator;
    }

    ConflictResolutionStrategy conflictStrategy(String type) {
        return policies.getOrDefault(type, ConflictResolutionStrategy.MERGE);
    }

    SyncPriority priorityOf(String type) {
        EntityType<?> t = typesByName.get(type);
        return t == null ? SyncPriority.MEDIUM : t.priority();
    }

    /** Stops every part in the reverse of the order started, then closes the file. Call once. */
    void close() {
        runAll(stops, clientId);
        db.close();
        log.debug("sync client {} closed {}", clientId, db.file());
    }

    private static void runAll(Deque<Runnable> stops, String clientId) {
        while (!stops.isEmpty()) {
            try {
                stops.pop().run();
            } catch (RuntimeException e) {
                log.warn("sync client {}: stopping a part failed: {}", clientId, e.toString());
            }
        }
    }
}

package dev.syncline.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.client.internal.outbox.Outbox;
import dev.syncline.client.internal.store.LocalStore;
import dev.syncline.client.internal.store.StoredDocument;
import dev.syncline.client.internal.store.SyncTables;
import dev.syncline.client.internal.sync.Conflicts;
import dev.syncline.client.internal.sync.SyncEngine;
import dev.syncline.client.internal.watch.WatchHub;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
 * <p>Storage: completed outbox operations are kept for {@link SyncClientBuilder#doneOperationRetention} and
 * the logs of settled conflicts and discarded operations to {@link SyncClientBuilder#logRetention}; the
 * {@link BackgroundSyncCoordinator} cleans up on its timer, and an app that does not run it calls
 * {@link #cleanUp()}.
 */
public final class SyncClient implements AutoCloseable {

    private final ClientAssembly parts;
    private final Map<String, Repository<?>> repositories = new HashMap<>();
    private final Documents documents;
    private final PendingOperationsManager pendingOperations;
    private final ConflictResolutionService conflictService;
    private volatile boolean closed;

    SyncClient(ClientAssembly parts) {
        this.parts = parts;
        this.documents = new Documents(this);
        this.pendingOperations = new PendingOperationsManager(parts.outbox, parts.store, parts.watches,
                parts.config.maxPending(), parts.config.maxPendingAge());
        this.conflictService = new ConflictResolutionService(this, parts.db, parts.conflicts, parts.watches);
    }

    /** @return a new builder */
    public static SyncClientBuilder builder() {
        return new SyncClientBuilder();
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
        if (!parts.typesByClass.containsKey(javaClass)) {
            throw new InvalidInputException("unknown_type", "no entity type is registered for class " + javaClass.getName()
                    + "; register one with SyncClient.builder().register(EntityType.builder(...).build())");
        }
        EntityType<T> type = (EntityType<T>) parts.typesByClass.get(javaClass);
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
        EntityType<?> type = parts.typesByName.get(typeName);
        if (type == null) {
            throw new InvalidInputException("unknown_type", "entity type '" + typeName + "' is not registered (registered: "
                    + parts.typesByName.keySet() + ")");
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
        return parts.clientId;
    }

    /** @return the local database file */
    public Path databaseFile() {
        return parts.db.file();
    }

    /** @return the sync server's URL: the builder's, else the one this replica remembers */
    public Optional<URI> serverUrl() {
        return Optional.ofNullable(parts.serverUrl);
    }

    /** @return true when a token is available (from the builder's provider or remembered) */
    public boolean hasToken() {
        return parts.tokenProvider != null;
    }

    /** @return the registered entity types, by name */
    public Map<String, EntityType<?>> entityTypes() {
        return parts.typesByName;
    }

    /**
     * @return the conflict strategy of {@code type}: registered or remembered, else {@code merge}
     * @throws InvalidInputException when the type name is bad
     */
    public ConflictResolutionStrategy conflictStrategy(String type) {
        Names.requireType(type);
        return parts.conflictStrategy(type);
    }

    /** @return the conflict strategies this replica remembers, by type */
    public Map<String, ConflictResolutionStrategy> conflictStrategies() {
        return parts.policies;
    }

    /**
     * Documents of every type whose status is one of {@code statuses} (for badges).
     *
     * @throws InvalidInputException when no status is given or one is null
     */
    public List<Document<ObjectNode>> documentsWithStatus(SyncStatus... statuses) {
        ensureOpen();
        return parts.store.withStatus(null, checkStatuses(statuses)).stream().map(SyncClient::untyped).toList();
    }

    /**
     * @return a snapshot of pending, failed, conflicts, the pull cursor, pull progress per scope and health
     * @throws IllegalStateException when the client is closed
     */
    public ReplicaStatus status() {
        ensureOpen();
        SyncHealth health = pendingOperations.syncHealth();
        List<ScopeProgress> scopes = SyncTables.progress(parts.db).stream()
                .map(p -> new ScopeProgress(p.scope(), p.seq(), java.time.Instant.ofEpochMilli(p.lastPulledAt()))).toList();
        return new ReplicaStatus(health.pendingCount(), health.oldestPendingAge(), health.failedCount(),
                parts.store.openConflicts(), SyncTables.cursor(parts.db), scopes, health);
    }

    /**
     * Adds a listener told about every push batch and pull page the sync engine exchanges with the
     * server (with its latency) and every conflict it decides (with the strategy that decided):
     * the feed for meters such as {@code syncline-micrometer}. See {@link SyncListener} for the
     * thread it is called on. Thread-safe.
     *
     * @param listener told about each {@link SyncEvent}
     * @return closing it removes the listener
     * @throws InvalidInputException when {@code listener} is null
     * @throws IllegalStateException when the client is closed
     */
    public ListenerToken addSyncListener(SyncListener listener) {
        ensureOpen();
        return parts.events.add(listener);
    }

    /**
     * Cleans up the local file now: removes completed outbox operations acknowledged longer ago
     * than {@link SyncClientBuilder#doneOperationRetention} (never an operation that is pending, in flight
     * or failed), trims the settled-conflict and discard logs to {@link SyncClientBuilder#logRetention},
     * and hands freed pages back to the file system. The {@link BackgroundSyncCoordinator} does
     * this on its timer; an app that does not run it calls this now and then (say, once a day or
     * at start). Blocks for as long as it takes; local writes go on between its steps.
     *
     * @return what was removed
     * @throws IllegalStateException when the client is closed
     */
    public CleanupReport cleanUp() {
        ensureOpen();
        return parts.maintenance.run();
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
        if (parts.serverUrl == null) {
            throw new IllegalStateException("this replica has no server URL; build the client with serverUrl(...)");
        }
        return parts.engine.sync(timeout);
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
        if (parts.serverUrl == null) {
            throw new IllegalStateException("this replica has no server URL; build the client with serverUrl(...)");
        }
        return parts.engine.sync(timeout, false);
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
        parts.engine.tokenRefreshed();
        if (parts.coordinator() != null) {
            parts.coordinator().tokenRefreshed();
        }
    }

    /** @return true while the server refuses the current token and syncing is stopped */
    public boolean authenticationNeeded() {
        return parts.engine.authenticationNeeded();
    }

    SyncEngine engine() {
        return parts.engine;
    }

    Conflicts conflictEngine() {
        return parts.conflicts;
    }

    /** @return the network state: reachability of the server, link quality, offline mode */
    public NetworkStateManager network() {
        ensureOpen();
        return parts.network;
    }

    /**
     * @return the background sync coordinator (started at build time with
     *     {@code backgroundSync(true)}, or by {@link BackgroundSyncCoordinator#start()})
     * @throws IllegalStateException when the replica has no server URL
     */
    public BackgroundSyncCoordinator coordinator() {
        ensureOpen();
        BackgroundSyncCoordinator coordinator = parts.coordinator();
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
        parts.close();
    }

    void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("sync client on " + parts.db.file() + " is closed");
        }
    }

    LocalStore store() {
        return parts.store;
    }

    Outbox outbox() {
        return parts.outbox;
    }

    WatchHub watches() {
        return parts.watches;
    }

    dev.syncline.client.internal.json.EntityJson entityJson() {
        return parts.entityJson;
    }

    TypedValues typedValues() {
        return parts.typedValues;
    }

    Clock clock() {
        return parts.config.clock();
    }

    EntityType<?> registered(String type) {
        return parts.typesByName.get(type);
    }

    SyncPriority priorityOf(String type) {
        return parts.priorityOf(type);
    }

    static Document<ObjectNode> untyped(StoredDocument d) {
        return new Document<>(d.scope(), d.type(), d.id(), d.data() == null ? null : (ObjectNode) Json.parse(d.data()),
                d.deleted(), d.sync());
    }

}

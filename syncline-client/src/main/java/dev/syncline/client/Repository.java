package dev.syncline.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.client.internal.json.EntityJson;
import dev.syncline.client.internal.store.DocumentChanged;
import dev.syncline.client.internal.store.LocalStore;
import dev.syncline.client.internal.store.StoredDocument;
import dev.syncline.core.InvalidInputException;
import dev.syncline.core.Json;
import dev.syncline.core.Names;
import dev.syncline.core.SyncConflict;
import dev.syncline.core.SyncStatus;
import dev.syncline.core.SynclineException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The cache-aside repository of one entity type: reads answer from the local store at once, and
 * each write changes the document, its {@link dev.syncline.core.SyncMetadata} and the outbox in
 * one SQLite transaction, on disk before the method returns. Watchers
 * ({@link #watch}, {@link #watchAll}, {@link #watchQuery}) get the current result at once and
 * again after every change, on the client's executor, never on the writer's thread.
 *
 * <p>Every method checks its arguments first and throws {@link InvalidInputException} naming the
 * problem; then nothing is written. Thread-safe.
 *
 * @param <T> the entity class
 */
public final class Repository<T> {
    private final SyncClient client;
    private final EntityType<T> type;
    private final LocalStore store;
    private final EntityJson json;

    Repository(SyncClient client, EntityType<T> type) {
        this.client = client;
        this.type = type;
        this.store = client.store();
        this.json = client.entityJson();
    }

    /** @return the entity type of this repository */
    public EntityType<T> entityType() {
        return type;
    }

    /**
     * Creates or replaces {@code entity} locally and queues it for push.
     *
     * @return the stored document with its sync metadata
     * @throws InvalidInputException when {@code entity} is null, its scope or id is missing or
     *     breaks the name rules, or it does not serialise to a JSON object of at most 256 KiB
     */
    public Document<T> save(T entity) {
        client.ensureOpen();
        String json = toJson(entity);
        String scope = type.scopeOf(entity);
        String id = type.idOf(entity);
        LocalStore.WriteOutcome out = store.write(scope, type.name(), id, new LocalStore.Put(json), type.priority(), null);
        return new Document<>(scope, type.name(), id, entity, false, out.after().sync());
    }

    /**
     * Sets some top-level fields of an existing entity locally and queues the result for push.
     *
     * @param fields field name to new value (a value is mapped with Jackson; null sets JSON null)
     * @return the stored document
     * @throws InvalidInputException when a name is bad, {@code fields} is null or empty, the entity
     *     does not exist, or the patched data no longer reads as the entity class
     */
    public Document<T> patch(String scope, String id, Map<String, ?> fields) {
        client.ensureOpen();
        checkKey(scope, id);
        if (fields == null || fields.isEmpty()) {
            throw new InvalidInputException("invalid_data", type.name() + " patch of '" + id + "' has no fields");
        }
        ObjectNode patch = Json.object();
        for (Map.Entry<String, ?> e : fields.entrySet()) {
            if (e.getKey() == null || e.getKey().isEmpty()) {
                throw new InvalidInputException("invalid_data", type.name() + " patch of '" + id + "' has an empty field name");
            }
            try {
                patch.set(e.getKey(), json.tree(e.getValue()));
            } catch (IllegalArgumentException ex) {
                throw new InvalidInputException("invalid_data", type.name() + " patch of '" + id + "': field '" + e.getKey()
                        + "' cannot be serialised: " + ex.getMessage());
            }
        }
        LocalStore.WriteOutcome out = store.write(scope, type.name(), id, new LocalStore.Patch(patch), type.priority(),
                this::checkReadable);
        return typed(out.after());
    }

    /**
     * Deletes the entity locally (a tombstone, queued for push).
     *
     * @return true when it existed; false when there was nothing to delete (nothing is written)
     * @throws InvalidInputException when a name is bad
     */
    public boolean delete(String scope, String id) {
        client.ensureOpen();
        checkKey(scope, id);
        return store.write(scope, type.name(), id, new LocalStore.Delete(), type.priority(), null).changed();
    }

    /**
     * Deletes {@code entity} (found by its scope and id).
     *
     * @return true when it existed
     * @throws InvalidInputException when {@code entity} is null or its scope or id is bad
     */
    public boolean delete(T entity) {
        requireEntity(entity);
        return delete(type.scopeOf(entity), type.idOf(entity));
    }

    /**
     * @return the live entity, or empty when absent or deleted
     * @throws InvalidInputException when a name is bad
     */
    public Optional<T> get(String scope, String id) {
        return document(scope, id).filter(d -> !d.deleted()).map(Document::value);
    }

    /**
     * @return the document with its sync metadata, tombstones included
     * @throws InvalidInputException when a name is bad
     */
    public Optional<Document<T>> document(String scope, String id) {
        client.ensureOpen();
        checkKey(scope, id);
        return store.get(scope, type.name(), id).map(d -> typed(d));
    }

    /**
     * Runs {@code query} over this type's live entities, answered from the declared fields'
     * indexes (see {@link Query} for how values compare and sort).
     *
     * @throws InvalidInputException when the query is null, or filters or sorts on a field that is
     *     not a declared index ({@code id} may always be a sort key)
     */
    public List<T> query(Query query) {
        client.ensureOpen();
        checkQuery(query);
        return run(query);
    }

    /** @return every live entity of this type, ordered by id */
    public List<T> all() {
        return query(Query.all());
    }

    /**
     * Documents of this type whose status is one of {@code statuses} (for badges).
     *
     * @throws InvalidInputException when no status is given or one is null
     */
    public List<Document<T>> withStatus(SyncStatus... statuses) {
        client.ensureOpen();
        return store.withStatus(type.name(), SyncClient.checkStatuses(statuses)).stream()
                .map(d -> typed(d)).toList();
    }

    /** @return documents with a change waiting or being pushed */
    public List<Document<T>> pending() {
        return withStatus(SyncStatus.PENDING, SyncStatus.SYNCING);
    }

    /** @return documents whose push failed permanently */
    public List<Document<T>> failed() {
        return withStatus(SyncStatus.ERROR);
    }

    /** @return documents in an open conflict */
    public List<Document<T>> inConflict() {
        return withStatus(SyncStatus.CONFLICT);
    }

    /**
     * @return the open conflicts of this type, oldest first, with both sides as {@code T}
     * @throws dev.syncline.core.SynclineException when a stored side no longer reads as {@code T}
     */
    public List<TypedConflict<T>> conflicts() {
        client.ensureOpen();
        return client.conflicts().openConflicts().stream().filter(c -> c.type().equals(type.name()))
                .map(c -> client.typedValues().typed(type, c)).toList();
    }

    /**
     * @return the open conflict {@code conflictId} as {@code T}, if it is open
     * @throws InvalidInputException when the id is blank or the conflict is of another type
     */
    public Optional<TypedConflict<T>> conflict(String conflictId) {
        return client.conflicts().openConflict(conflictId).map(this::conflict);
    }

    /**
     * Reads any conflict of this type as {@code T}: one from the inbox or its watch, one a
     * {@link ConflictResolver} receives, or one {@link ConflictResolutionService#detectConflict}
     * found.
     *
     * @throws InvalidInputException when {@code conflict} is null or of another type
     */
    public TypedConflict<T> conflict(SyncConflict conflict) {
        return client.typedValues().typed(type, conflict);
    }

    /**
     * Settles an open conflict of this type with {@code value} ({@link Resolution#useEntity}),
     * queued to be pushed on top of the server's version.
     *
     * @return the document afterwards
     * @throws InvalidInputException when the conflict is null, not open, of another type, or
     *     {@code value} is null or another document (scope or id); nothing is written
     */
    public Document<T> resolve(TypedConflict<T> conflict, T value) {
        return resolve(conflict, Resolution.useEntity(value));
    }

    /**
     * Settles an open conflict of this type ({@link ConflictResolutionService#resolve}).
     *
     * @return the document afterwards
     * @throws InvalidInputException as {@link ConflictResolutionService#resolve} does, or when the
     *     conflict is null or of another type
     */
    public Document<T> resolve(TypedConflict<T> conflict, Resolution resolution) {
        client.ensureOpen();
        if (conflict == null) {
            throw new InvalidInputException("invalid_conflict", type.name() + ": conflict is null");
        }
        if (!conflict.json().type().equals(type.name())) {
            throw new InvalidInputException("invalid_conflict", "conflict " + conflict.conflictId() + " is of type '"
                    + conflict.json().type() + "', not '" + type.name() + "'");
        }
        if (conflict.conflictId() == null) {
            throw new InvalidInputException("invalid_conflict", type.name() + " '" + conflict.id()
                    + "': only an open conflict can be resolved; this one was only detected");
        }
        client.conflicts().resolve(conflict.conflictId(), resolution);
        return document(conflict.scope(), conflict.id()).orElseGet(() -> new Document<>(conflict.scope(), type.name(),
                conflict.id(), null, true, new dev.syncline.core.SyncMetadata(0, "", null, false, SyncStatus.SYNCED, 0, null)));
    }

    /**
     * Watches one entity: calls {@code listener} with its current value at once (empty when absent
     * or deleted), then with its value after every committed change to it, in commit order, none
     * skipped. Calls come on the client's executor, never on the writer's thread, one at a time
     * (never overlapping), each after the one before; a slow listener delays only its own watch.
     * When a background sync coordinator is running, watching also asks it for a sync of this
     * type (the seed's cache-aside read: local data first, then a sync in the background), without
     * waiting for it. For a {@code Flow.Publisher}, see {@link dev.syncline.client.flow.SynclineFlow}.
     *
     * @param listener receives the values; should be quick; an exception it throws is logged
     * @return the handle that ends the watch
     * @throws InvalidInputException when a name is bad or {@code listener} is null
     */
    public ListenerToken watch(String scope, String id, Consumer<Optional<T>> listener) {
        client.ensureOpen();
        checkKey(scope, id);
        requireListener(listener);
        ListenerToken token = client.watches().document(scope, type.name(), id,
                c -> LocalStore.get(c, scope, type.name(), id).orElse(null),
                (StoredDocument d) -> d == null || d.deleted() ? Optional.<T>empty()
                        : Optional.ofNullable(typed(d).value()),
                DocumentChanged::after, listener);
        syncInBackground();
        return token;
    }

    /**
     * Watches every live entity of this type (see {@link #watchQuery}).
     *
     * @return the handle that ends the watch
     * @throws InvalidInputException when {@code listener} is null
     */
    public ListenerToken watchAll(Consumer<List<T>> listener) {
        return watchQuery(Query.all(), listener);
    }

    /**
     * Watches a query: calls {@code listener} with its result at once and again after every commit
     * that changes a document of this type. When commits come faster than the listener takes
     * them, it gets the newest result (never an older one after a newer). Threading and the
     * background sync as for {@link #watch}.
     *
     * @return the handle that ends the watch
     * @throws InvalidInputException when the query is null or filters on an undeclared field, or
     *     {@code listener} is null
     */
    public ListenerToken watchQuery(Query query, Consumer<List<T>> listener) {
        client.ensureOpen();
        checkQuery(query);
        requireListener(listener);
        String name = type.name();
        ListenerToken token = client.watches().query(e -> e instanceof DocumentChanged d && d.type().equals(name),
                () -> run(query), listener);
        syncInBackground();
        return token;
    }

    /** As the seed's repository does on watch: ask for a sync of this type, never wait for it. */
    private void syncInBackground() {
        if (client.serverUrl().isPresent()) {
            client.coordinator().watched(type.name());
        }
    }

    private void requireListener(Object listener) {
        if (listener == null) {
            throw new InvalidInputException("invalid_listener", type.name() + ": listener is null");
        }
    }

    private List<T> run(Query q) {
        return store.query(type.name(), q, false).stream().map(d -> typed(d).value()).toList();
    }

    private void checkQuery(Query query) {
        if (query == null) {
            throw new InvalidInputException("invalid_query", type.name() + ": query is null");
        }
        for (Query.Condition c : query.conditions()) {
            requireDeclared(c.field(), "field");
        }
        for (Query.SortKey k : query.sortKeys()) {
            if (!k.field().equals("id")) { // the document id: always ordered by the primary key
                requireDeclared(k.field(), "order field");
            }
        }
    }

    private void requireDeclared(String field, String what) {
        if (!type.indexes().contains(field)) {
            throw new InvalidInputException("invalid_query", type.name() + ": " + what + " '" + field
                    + "' is not a declared index (declared: " + new java.util.TreeSet<>(type.indexes())
                    + "); declare it with EntityType.Builder.index(\"" + field + "\")");
        }
    }

    private void checkKey(String scope, String id) {
        type.requireName(() -> Names.requireScope(scope));
        type.requireName(() -> Names.requireId(id));
    }

    private void requireEntity(T entity) {
        if (entity == null) {
            throw new InvalidInputException("invalid_data", type.name() + ": entity is null");
        }
        if (!type.javaClass().isInstance(entity)) {
            throw new InvalidInputException("invalid_data", type.name() + ": expected " + type.javaClass().getName()
                    + " but got " + entity.getClass().getName());
        }
    }

    /** Serialises straight to text (one pass; the store needs nothing else). */
    private String toJson(T entity) {
        requireEntity(entity);
        String text;
        try {
            text = json.write(entity);
        } catch (com.fasterxml.jackson.core.JsonProcessingException | RuntimeException e) {
            String why = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.toString();
            throw new InvalidInputException("invalid_data", type.name() + ": cannot serialise "
                    + entity.getClass().getSimpleName() + ": " + why);
        }
        if (text.isEmpty() || text.charAt(0) != '{') {
            throw new InvalidInputException("invalid_data", type.name() + ": " + entity.getClass().getSimpleName()
                    + " does not serialise to a JSON object");
        }
        return text;
    }

    /** Reads a stored row as this type's entity, with the client's mapper. */
    Document<T> typed(StoredDocument d) {
        T value = null;
        if (d.data() != null && !d.deleted()) {
            try {
                value = json.read(d.data(), type.javaClass());
            } catch (java.io.IOException e) {
                throw new SynclineException("stored " + d.type() + " '" + d.id() + "' in scope '" + d.scope()
                        + "' cannot be read as " + type.javaClass().getSimpleName() + ": " + e.getMessage(), e);
            }
        }
        return new Document<>(d.scope(), d.type(), d.id(), value, d.deleted(), d.sync());
    }

    private ObjectNode checkReadable(ObjectNode data) {
        try {
            json.read(data, type.javaClass());
            return data;
        } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
            throw new InvalidInputException("invalid_data", type.name() + ": the data no longer reads as "
                    + type.javaClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}

package dev.syncline.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.client.internal.store.DocumentChanged;
import dev.syncline.client.internal.store.LocalStore;
import dev.syncline.core.InvalidInputException;
import dev.syncline.core.Json;
import dev.syncline.core.Names;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Untyped access to the replica: documents of any type as JSON objects, written with the same
 * guarantees as a {@link Repository} (document, metadata and outbox in one transaction). A type
 * registered with an {@link EntityType} keeps its priority, and its data must still read as the
 * entity class. For tools and scripts (the {@code syncline client} command). Thread-safe.
 */
public final class Documents {
    private final SyncClient client;
    private final LocalStore store;

    Documents(SyncClient client) {
        this.client = client;
        this.store = client.store();
    }

    /**
     * Creates or replaces a document.
     *
     * @return the document with its sync metadata
     * @throws InvalidInputException when a name is bad, {@code data} is null or larger than 256 KiB,
     *     or the type is registered and {@code data} does not read as its class
     */
    public Document<ObjectNode> put(String scope, String type, String id, ObjectNode data) {
        client.ensureOpen();
        checkKey(scope, type, id);
        if (data == null) {
            throw new InvalidInputException("invalid_data", "data of " + type + " '" + id + "' is missing");
        }
        return SyncClient.untyped(store.write(scope, type, id, new LocalStore.Put(Json.write(data)),
                client.priorityOf(type), checker(type)).after());
    }

    /**
     * Sets some top-level fields of an existing document.
     *
     * @throws InvalidInputException when a name is bad, {@code fields} is null or empty, or the
     *     document does not exist (or is deleted)
     */
    public Document<ObjectNode> patch(String scope, String type, String id, ObjectNode fields) {
        client.ensureOpen();
        checkKey(scope, type, id);
        if (fields == null || fields.isEmpty()) {
            throw new InvalidInputException("invalid_data", "patch of " + type + " '" + id + "' has no fields");
        }
        return SyncClient.untyped(store.write(scope, type, id, new LocalStore.Patch(fields.deepCopy()),
                client.priorityOf(type), checker(type)).after());
    }

    /**
     * Deletes a document (a tombstone, queued for push).
     *
     * @return the tombstone; empty when nothing remains locally because the document was created
     *     here and never pushed (its create and this delete cancelled out)
     * @throws InvalidInputException with code {@code not_found} when there is no live document
     */
    public Optional<Document<ObjectNode>> delete(String scope, String type, String id) {
        client.ensureOpen();
        checkKey(scope, type, id);
        LocalStore.WriteOutcome out = store.write(scope, type, id, new LocalStore.Delete(), client.priorityOf(type), null);
        if (!out.changed()) {
            throw new InvalidInputException("not_found", "cannot delete " + type + " '" + id + "' in scope '" + scope
                    + "': no such document");
        }
        return Optional.ofNullable(out.after()).map(SyncClient::untyped);
    }

    /**
     * @return the local copy, tombstones included ({@link Document#deleted()})
     * @throws InvalidInputException when a name is bad
     */
    public Optional<Document<ObjectNode>> get(String scope, String type, String id) {
        client.ensureOpen();
        checkKey(scope, type, id);
        return store.get(scope, type, id).map(SyncClient::untyped);
    }

    /**
     * @return every local document of {@code type} in {@code scope}, tombstones included, by id
     * @throws InvalidInputException when a name is bad
     */
    public List<Document<ObjectNode>> list(String scope, String type) {
        client.ensureOpen();
        Names.requireScope(scope);
        Names.requireType(type);
        return store.query(type, Query.all().inScope(scope), true).stream()
                .map(SyncClient::untyped).toList();
    }

    /**
     * Watches one document: calls {@code listener} with its current state at once (empty when
     * absent), then with its state after every committed change, in commit order, none skipped;
     * on the client's executor, one call at a time. (No background sync is asked for: this is the
     * tools' view; a {@link Repository} watch asks for one.)
     *
     * @return the handle that ends the watch
     * @throws InvalidInputException when a name is bad or {@code listener} is null
     */
    public ListenerToken watch(String scope, String type, String id, Consumer<Optional<Document<ObjectNode>>> listener) {
        client.ensureOpen();
        checkKey(scope, type, id);
        if (listener == null) {
            throw new InvalidInputException("invalid_listener", "listener of " + type + " '" + id + "' is null");
        }
        return client.watches().document(scope, type, id, c -> LocalStore.get(c, scope, type, id).orElse(null),
                d -> Optional.ofNullable(d).map(SyncClient::untyped), DocumentChanged::after, listener);
    }

    private UnaryOperator<ObjectNode> checker(String type) {
        EntityType<?> registered = client.registered(type);
        if (registered == null) {
            return null;
        }
        return data -> {
            try {
                client.entityJson().read(data, registered.javaClass());
                return data;
            } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
                throw new InvalidInputException("invalid_data", type + ": data does not read as "
                        + registered.javaClass().getSimpleName() + ": " + e.getMessage());
            }
        };
    }

    private static void checkKey(String scope, String type, String id) {
        Names.requireScope(scope);
        Names.requireType(type);
        Names.requireId(id);
    }
}

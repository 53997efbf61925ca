package dev.syncline.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.client.internal.store.ConflictsChanged;
import dev.syncline.client.internal.store.Database;
import dev.syncline.client.internal.store.SyncTables;
import dev.syncline.client.internal.sync.Conflicts;
import dev.syncline.client.internal.watch.WatchHub;
import dev.syncline.core.ConflictResolutionStrategy;
import dev.syncline.core.ConflictType;
import dev.syncline.core.InvalidInputException;
import dev.syncline.core.Json;
import dev.syncline.core.Names;
import dev.syncline.core.SyncConflict;
import dev.syncline.core.SyncMetadata;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The conflict inbox of a replica. Conflicts are detected from server versions during push and
 * pull and settled by each entity type's policy ({@link dev.syncline.core.ConflictResolutionStrategy}
 * or a {@link ConflictResolver}); those the policy leaves to a person ({@code manual}) wait here,
 * durably (they survive restarts), with the local value still visible and marked
 * {@code conflict}, until {@link #resolve} (a person's choice) or {@link #resolveConflict} (a
 * strategy) settles them. Settled conflicts stay on record in {@link #settledConflicts()}. This is
 * the JSON view; {@link Repository#conflicts()} gives the same conflicts as the entity class.
 * Thread-safe.
 */
public final class ConflictResolutionService {
    private final SyncClient client;
    private final Database db;
    private final Conflicts conflicts;
    private final WatchHub watches;

    ConflictResolutionService(SyncClient client, Database db, Conflicts conflicts, WatchHub watches) {
        this.client = client;
        this.db = db;
        this.conflicts = conflicts;
        this.watches = watches;
    }

    /**
     * A conflict that was settled, by policy or by a person.
     *
     * @param conflictId id
     * @param scope scope
     * @param type type
     * @param id document id
     * @param conflictType how the sides related
     * @param resolvedBy the strategy's short name, {@code custom}, or {@code manual:local|remote|value|delete}
     * @param local the local side (null: deleted)
     * @param remote the server's side (null: deleted or absent)
     * @param result what was kept (null: deleted)
     */
    public record SettledConflict(String conflictId, String scope, String type, String id, ConflictType conflictType,
            String resolvedBy, ObjectNode local, ObjectNode remote, ObjectNode result) {
    }

    /** @return the open conflicts, oldest first */
    public List<SyncConflict> openConflicts() {
        client.ensureOpen();
        return SyncTables.conflicts(db).stream().map(Conflicts::view).toList();
    }

    /**
     * @return the open conflict {@code conflictId}, if it is open
     * @throws InvalidInputException when the id is blank
     */
    public Optional<SyncConflict> openConflict(String conflictId) {
        client.ensureOpen();
        requireId(conflictId);
        return SyncTables.conflict(db, conflictId).map(Conflicts::view);
    }

    /**
     * Watches the inbox: calls {@code listener} with the open conflicts at once, then again
     * whenever they change, on the client's executor, one call at a time.
     *
     * @return the handle that ends the watch
     * @throws InvalidInputException when {@code listener} is null
     */
    public ListenerToken watchOpenConflicts(Consumer<List<SyncConflict>> listener) {
        client.ensureOpen();
        if (listener == null) {
            throw new InvalidInputException("invalid_listener", "open conflicts listener is null");
        }
        return watches.query(e -> e == ConflictsChanged.INSTANCE, this::openConflicts, listener);
    }

    /**
     * Settles an open conflict: {@link Resolution#useLocal()} keeps this replica's current value,
     * {@link Resolution#useRemote()} takes the server's, {@link Resolution#useValue} writes the
     * given data, {@link Resolution#useEntity} writes the given entity (converted with the
     * client's mapper), {@link Resolution#delete()} deletes. Anything but the server's value is
     * queued to be pushed on top of the server's version.
     *
     * @return the document afterwards
     * @throws InvalidInputException when the id is blank, no such conflict is open, the
     *     resolution is null or manual, or a {@code useEntity} value is not the conflict's own
     *     document (its type's class, scope and id) or does not map to a JSON object; then nothing
     *     is written
     */
    public Document<ObjectNode> resolve(String conflictId, Resolution resolution) {
        client.ensureOpen();
        requireId(conflictId);
        SyncConflict c = openConflict(conflictId).orElseThrow(() -> new InvalidInputException("not_found",
                "no open conflict " + conflictId));
        conflicts.resolve(conflictId, resolution);
        return client.documents().get(c.scope(), c.type(), c.id()).orElseGet(
                () -> new Document<>(c.scope(), c.type(), c.id(), null, true,
                        new dev.syncline.core.SyncMetadata(0, "", null, false, dev.syncline.core.SyncStatus.SYNCED, 0, null)));
    }

    /**
     * The seed's {@code detectConflict}: classifies a local and a remote state of one document from
     * their server versions (never from clocks), without touching the store. The sync engine does
     * this itself on every push and pull; this is for an app that fetched a server state on its own.
     *
     * @param localVersion this replica's data (null: deleted here)
     * @param remoteVersion the server's data (null: deleted there, or never there)
     * @param localMetadata this replica's metadata: {@code version} is the server version the local
     *     state was made on, {@code needsSync} whether it is a change not yet pushed
     * @param remoteMetadata the server's metadata: its {@code version} and {@code lastModified} HLC
     * @return the conflict (with no id: it is not in the inbox) when both sides changed since the
     *     common version; empty when they agree or only one side moved
     * @throws InvalidInputException when a name is bad or a metadata is null
     */
    public Optional<SyncConflict> detectConflict(String scope, String type, String id, ObjectNode localVersion,
            ObjectNode remoteVersion, SyncMetadata localMetadata, SyncMetadata remoteMetadata) {
        Names.requireScope(scope);
        Names.requireType(type);
        Names.requireId(id);
        if (localMetadata == null || remoteMetadata == null) {
            throw new InvalidInputException("invalid_metadata", type + " '" + id + "': "
                    + (localMetadata == null ? "local" : "remote") + " metadata is null");
        }
        ConflictType ct = ConflictType.classify(localMetadata.version(), localMetadata.needsSync(), localVersion == null,
                remoteMetadata.version(), remoteVersion == null);
        if (ct == null || !ct.isConflict()) {
            return Optional.empty();
        }
        return Optional.of(new SyncConflict(null, scope, type, id, ct, localVersion == null ? null : localVersion.deepCopy(),
                remoteVersion == null ? null : remoteVersion.deepCopy(), null, localMetadata.lastModified(),
                remoteMetadata.lastModified(), remoteMetadata.version()));
    }

    /**
     * The seed's {@code resolveConflict(conflict, strategy)}: settles an open conflict by what
     * {@code strategy} decides for it (as the type's policy would have: {@code local},
     * {@code remote}, {@code latest} by HLC, {@code highest}, or {@code merge} with the type's
     * field rules). A person's own choice goes through {@link #resolve} instead.
     *
     * @return the document afterwards
     * @throws InvalidInputException when {@code conflict} or {@code strategy} is null, the
     *     strategy is {@code manual} (the conflict already waits for a person), the conflict has
     *     no id (it was only detected) or is no longer open; then nothing is written
     */
    public Document<ObjectNode> resolveConflict(SyncConflict conflict, ConflictResolutionStrategy strategy) {
        client.ensureOpen();
        if (conflict == null) {
            throw new InvalidInputException("invalid_conflict", "conflict is null");
        }
        if (strategy == null) {
            throw new InvalidInputException("invalid_strategy", "strategy of conflict " + conflict.conflictId() + " is null");
        }
        if (strategy == ConflictResolutionStrategy.MANUAL) {
            throw new InvalidInputException("invalid_strategy", "conflict " + conflict.conflictId()
                    + ": manual leaves it to a person; resolve it with resolve(conflictId, Resolution) and their choice");
        }
        if (conflict.conflictId() == null) {
            throw new InvalidInputException("invalid_conflict", conflict.type() + " '" + conflict.id()
                    + "': only an open conflict (from openConflicts()) can be resolved; this one was only detected");
        }
        return resolve(conflict.conflictId(), conflicts.decide(conflict.conflictId(), strategy));
    }

    /**
     * @return the settled conflicts on record, oldest first: the log keeps the newest ones within
     *     {@link SyncClientBuilder#logRetention} (by default 1,000, none older than 30 days)
     */
    public List<SettledConflict> settledConflicts() {
        client.ensureOpen();
        return SyncTables.conflictLog(db).stream().map(l -> new SettledConflict(l.conflictId(), l.scope(), l.type(), l.id(),
                type(l.conflictType()), l.resolvedBy(), obj(l.localData()), obj(l.remoteData()), obj(l.resultData()))).toList();
    }

    private static ConflictType type(String wire) {
        for (ConflictType t : ConflictType.values()) {
            if (t.wire().equals(wire)) {
                return t;
            }
        }
        return ConflictType.CONCURRENT_MODIFICATION;
    }

    private static ObjectNode obj(String json) {
        return json == null ? null : (ObjectNode) Json.parse(json);
    }

    private static void requireId(String conflictId) {
        if (conflictId == null || conflictId.isBlank()) {
            throw new InvalidInputException("invalid_conflict", "conflictId is missing");
        }
    }
}

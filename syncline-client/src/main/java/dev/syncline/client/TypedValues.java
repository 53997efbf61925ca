package dev.syncline.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.client.internal.json.EntityJson;
import dev.syncline.client.internal.sync.Conflicts;
import dev.syncline.core.InvalidInputException;
import dev.syncline.core.SyncConflict;
import java.util.Map;

/**
 * Turns typed conflict resolutions ({@link Resolution.UseEntity}) into JSON with the client's
 * mapper, and reads conflicts as entities. Checks that an entity is the conflict's own document
 * (its type's class, scope and id) so a resolution can never write another document. Thread-safe.
 */
final class TypedValues implements Conflicts.EntityValues {
    private final EntityJson json;
    private final Map<String, EntityType<?>> types;

    TypedValues(EntityJson json, Map<String, EntityType<?>> types) {
        this.json = json;
        this.types = types;
    }

    @Override
    @SuppressWarnings("unchecked")
    public ObjectNode toData(SyncConflict conflict, Object entity) {
        EntityType<Object> type = (EntityType<Object>) types.get(conflict.type());
        if (type == null) {
            throw new InvalidInputException("invalid_resolution", "conflict " + conflict.conflictId() + " is of type '"
                    + conflict.type() + "', which has no registered entity class; resolve it with Resolution.useValue(ObjectNode)");
        }
        if (entity == null || !type.javaClass().isInstance(entity)) {
            throw new InvalidInputException("invalid_resolution", conflict.type() + ": a resolution of '" + conflict.id()
                    + "' must be a " + type.javaClass().getName() + ", not "
                    + (entity == null ? "null" : entity.getClass().getName()));
        }
        String scope = type.scopeOf(entity);
        String id = type.idOf(entity);
        if (!scope.equals(conflict.scope()) || !id.equals(conflict.id())) {
            throw new InvalidInputException("invalid_resolution", conflict.type() + ": the conflict"
                    + (conflict.conflictId() == null ? "" : " " + conflict.conflictId()) + " is about '" + conflict.id()
                    + "' in scope '" + conflict.scope() + "', but the resolution is '" + id + "' in scope '" + scope + "'");
        }
        ObjectNode data;
        try {
            data = json.object(entity);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("invalid_resolution", conflict.type() + ": cannot serialise "
                    + entity.getClass().getSimpleName() + ": " + e.getMessage());
        }
        if (data == null) {
            throw new InvalidInputException("invalid_resolution", conflict.type() + ": " + entity.getClass().getSimpleName()
                    + " does not serialise to a JSON object");
        }
        return data;
    }

    /** @return {@code conflict} with its sides read as {@code type}'s class */
    <T> TypedConflict<T> typed(EntityType<T> type, SyncConflict conflict) {
        if (conflict == null) {
            throw new InvalidInputException("invalid_conflict", type.name() + ": conflict is null");
        }
        if (!conflict.type().equals(type.name())) {
            throw new InvalidInputException("invalid_conflict", "conflict " + conflict.conflictId() + " is of type '"
                    + conflict.type() + "', not '" + type.name() + "'");
        }
        return new TypedConflict<>(conflict, read(type, conflict, conflict.local(), "local"),
                read(type, conflict, conflict.remote(), "remote"), read(type, conflict, conflict.base(), "base"));
    }

    private <T> T read(EntityType<T> type, SyncConflict c, ObjectNode data, String side) {
        if (data == null) {
            return null;
        }
        try {
            return json.read(data, type.javaClass());
        } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
            throw new dev.syncline.core.SynclineException("the " + side + " side of conflict " + c.conflictId() + " on "
                    + c.type() + " '" + c.id() + "' cannot be read as " + type.javaClass().getSimpleName() + ": "
                    + e.getMessage(), e);
        }
    }
}

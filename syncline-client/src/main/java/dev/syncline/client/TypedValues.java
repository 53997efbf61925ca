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

    /** A typed resolver registered for {@code type}, until a client binds it to its mapper. */
    record Registered<T>(EntityType<T> type, TypedConflictResolver<T> resolver) implements ConflictResolver {
        @Override
        public Resolution resolve(dev.syncline.core.SyncConflict conflict) {
            throw new IllegalStateException("typed resolver of '" + type.name() + "' used before a client bound it");
        }

        /** @return the resolver as this client runs it: the conflict read with its mapper */
        ConflictResolver bind(TypedValues values) {
            return conflict -> resolver.resolve(values.typed(type, conflict));
        }
    }

    /** @return {@code resolvers} with each typed one bound to this client's mapper */
    Map<String, ConflictResolver> bind(Map<String, ConflictResolver> resolvers) {
        Map<String, ConflictResolver> out = new java.util.LinkedHashMap<>();
        resolvers.forEach((name, r) -> {
            if (r instanceof Registered<?> typed) {
                EntityType<?> registered = types.get(name);
                if (registered == null || !registered.javaClass().equals(typed.type().javaClass())) {
                    throw new InvalidInputException("invalid_setting", "typed conflict resolver of '" + name
                            + "': register the entity type '" + name + "' (" + typed.type().javaClass().getName()
                            + ") with the same builder");
                }
                out.put(name, typed.bind(this));
            } else {
                out.put(name, r);
            }
        });
        return out;
    }
}

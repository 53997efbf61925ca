package dev.syncline.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.core.InvalidInputException;
import dev.syncline.core.SyncConflict;

/**
 * What settles a {@link SyncConflict}: keep this replica's side, take the server's, write a given
 * value (JSON, or the app's entity with {@link #useEntity}), delete, or leave it to a person
 * ({@link #manual()}). Immutable and thread-safe (a {@link UseEntity} as far as its entity is).
 */
public sealed interface Resolution {
    /** Keep this replica's data (or its delete) and push it on top of the server's version. */
    record UseLocal() implements Resolution {
    }

    /** Take the server's state and drop the local change. */
    record UseRemote() implements Resolution {
    }

    /**
     * Write {@code value} on top of the server's version.
     *
     * @param value the new data
     */
    record UseValue(ObjectNode value) implements Resolution {
        /** @throws InvalidInputException when {@code value} is null */
        public UseValue {
            if (value == null) {
                throw new InvalidInputException("invalid_resolution", "a supplied value must be a JSON object, not null");
            }
            value = value.deepCopy();
        }
    }

    /**
     * Write the app's entity {@code entity} on top of the server's version: the typed form of
     * {@link UseValue}. It is turned into JSON with the client's mapper when the conflict is
     * settled, and must be an instance of the type's entity class with the conflict's scope and id.
     *
     * @param entity the new value
     */
    record UseEntity(Object entity) implements Resolution {
        /** @throws InvalidInputException when {@code entity} is null */
        public UseEntity {
            if (entity == null) {
                throw new InvalidInputException("invalid_resolution", "a supplied entity must not be null; use delete() to delete");
            }
        }
    }

    /** Delete the document on top of the server's version. */
    record Delete() implements Resolution {
    }

    /** Park the conflict in the inbox for a person. */
    record Manual() implements Resolution {
    }

    /** @return keep the local side */
    static Resolution useLocal() {
        return new UseLocal();
    }

    /** @return take the server's side */
    static Resolution useRemote() {
        return new UseRemote();
    }

    /**
     * @return write {@code value}
     * @throws InvalidInputException when {@code value} is null
     */
    static Resolution useValue(ObjectNode value) {
        return new UseValue(value);
    }

    /**
     * @return write the app's entity {@code entity} (converted with the client's mapper)
     * @throws InvalidInputException when {@code entity} is null
     */
    static <T> Resolution useEntity(T entity) {
        return new UseEntity(entity);
    }

    /** @return delete the document */
    static Resolution delete() {
        return new Delete();
    }

    /** @return leave it to a person */
    static Resolution manual() {
        return new Manual();
    }
}

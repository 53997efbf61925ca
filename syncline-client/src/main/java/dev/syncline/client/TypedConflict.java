package dev.syncline.client;

import dev.syncline.core.ConflictType;
import dev.syncline.core.InvalidInputException;
import dev.syncline.core.SyncConflict;

/**
 * A {@link SyncConflict} with both sides and their base as the app's entity class, read with the
 * client's mapper (see {@link Repository#conflicts()}). The JSON view stays available as
 * {@link #json()}. Resolve it with {@link Repository#resolve(TypedConflict, Object)} or
 * {@link Resolution#useEntity}. Immutable and thread-safe as far as {@code T} is.
 *
 * @param json the conflict as JSON
 * @param local this replica's side (null: deleted here)
 * @param remote the server's side (null: deleted on the server, or never there)
 * @param base the server state the local change was made on (null: none)
 * @param <T> the entity class
 */
public record TypedConflict<T>(SyncConflict json, T local, T remote, T base) {
    /** @throws InvalidInputException when {@code json} is null */
    public TypedConflict {
        if (json == null) {
            throw new InvalidInputException("invalid_conflict", "conflict is null");
        }
    }

    /** @return the conflict's id (null while a policy is deciding it, or when only detected) */
    public String conflictId() {
        return json.conflictId();
    }

    /** @return the scope */
    public String scope() {
        return json.scope();
    }

    /** @return the document id */
    public String id() {
        return json.id();
    }

    /** @return how the two sides relate */
    public ConflictType conflictType() {
        return json.conflictType();
    }

    /** @return {@link ConflictType#requiresUserInput()} of this conflict's type */
    public boolean requiresUserInput() {
        return json.requiresUserInput();
    }

    /** @return the server's version */
    public long remoteVersion() {
        return json.remoteVersion();
    }
}

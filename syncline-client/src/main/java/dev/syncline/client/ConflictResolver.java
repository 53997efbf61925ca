package dev.syncline.client;

import dev.syncline.core.SyncConflict;

/**
 * An app's own conflict policy for an entity type. Called by the sync engine outside any database
 * lock, on a sync thread; the local state is re-checked afterwards and the resolver called again
 * (a bounded number of times) when the app wrote the document meanwhile. Must be thread-safe and
 * should be quick; throwing parks the conflict for a person.
 *
 * <p>The conflict comes as JSON; {@code repository.conflict(conflict)} reads it as the entity
 * class ({@link TypedConflict}), and {@link Resolution#useEntity} answers with an entity (converted
 * with the client's mapper; one of another type or document parks the conflict instead).
 */
@FunctionalInterface
public interface ConflictResolver {
    /**
     * @param conflict both sides and their base
     * @return how to settle it
     */
    Resolution resolve(SyncConflict conflict);
}

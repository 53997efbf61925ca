package dev.syncline.client;

import dev.syncline.core.SyncMetadata;

/**
 * A document of the local store with its sync metadata. Immutable when {@code value} is.
 *
 * @param scope the scope
 * @param type the entity type
 * @param id the id
 * @param value the entity (an {@code ObjectNode} for untyped documents); null when deleted
 * @param deleted true for a tombstone not yet (or already) pushed
 * @param sync the document's sync metadata
 * @param <T> the entity class
 */
public record Document<T>(String scope, String type, String id, T value, boolean deleted, SyncMetadata sync) {
}

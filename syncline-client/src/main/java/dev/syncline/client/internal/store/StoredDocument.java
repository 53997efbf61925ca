package dev.syncline.client.internal.store;

import dev.syncline.core.SyncMetadata;

/**
 * A row of the documents table. Immutable.
 *
 * @param scope scope
 * @param type type
 * @param id id
 * @param data the JSON object text, or null for a tombstone
 * @param deleted tombstone flag
 * @param sync sync metadata
 */
public record StoredDocument(String scope, String type, String id, String data, boolean deleted, SyncMetadata sync) {
}

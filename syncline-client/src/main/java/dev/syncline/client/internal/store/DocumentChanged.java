package dev.syncline.client.internal.store;

/**
 * Commit event: a document row changed. {@code after} is its state once committed, or null when
 * the row was removed (a create cancelled by a delete before it was ever pushed).
 *
 * @param scope scope
 * @param type type
 * @param id id
 * @param after the committed row, or null
 */
public record DocumentChanged(String scope, String type, String id, StoredDocument after) {
}

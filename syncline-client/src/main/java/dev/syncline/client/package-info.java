/**
 * The Syncline client library: the API an app embeds. Build one {@link dev.syncline.client.SyncClient}
 * per local database file, register {@link dev.syncline.client.EntityType}s, and use their
 * {@link dev.syncline.client.Repository repositories}; the outbox is the
 * {@link dev.syncline.client.PendingOperationsManager}. Everything under {@code .internal} is
 * implementation and may change.
 */
package dev.syncline.client;

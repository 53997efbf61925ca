/**
 * The parts of the {@link dev.syncline.client.BackgroundSyncCoordinator}: {@link
 * dev.syncline.client.internal.coordinator.SyncRuns} (one run per sync key at a time, debounced),
 * {@link dev.syncline.client.internal.coordinator.SyncPass} (what one run does: push then pull,
 * and when to retry), {@link dev.syncline.client.internal.coordinator.LiveStreamReader} (the
 * server's live stream, reopened with backoff), {@link dev.syncline.client.internal.coordinator.PokeFilter}
 * (which pokes need a pull) and {@link dev.syncline.client.internal.coordinator.StatusBoard} (the
 * status snapshot and its listeners). Every wait goes through the client's scheduler and its
 * monotonic time source; no part sleeps. Not API.
 */
package dev.syncline.client.internal.coordinator;

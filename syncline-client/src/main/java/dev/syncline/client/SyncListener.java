package dev.syncline.client;

/**
 * Told about each {@link SyncEvent}; registered with {@link SyncClient#addSyncListener}.
 *
 * <p>Called on the thread that runs the sync (never the app's writing thread), after the event
 * happened and outside any database transaction; keep it short, since the sync waits for it. One
 * listener is called by one sync at a time, but the app's other threads may read what it records,
 * so it must be thread-safe. An exception it throws is logged and ignored.
 */
@FunctionalInterface
public interface SyncListener {
    /**
     * @param event what happened
     */
    void onEvent(SyncEvent event);
}

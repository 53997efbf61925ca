package dev.syncline.client.internal.store;

/** Commit event: the outbox changed (an operation was added, merged, moved or removed). */
public enum OutboxChanged {
    /** The only instance. */
    INSTANCE
}

package dev.syncline.client.internal.store;

/** Commit event: the open conflicts changed. */
public enum ConflictsChanged {
    /** The only instance. */
    INSTANCE
}

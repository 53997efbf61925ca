package dev.syncline.client.spi.storage;

/** SQLite's {@code PRAGMA synchronous} levels that the client uses (in WAL mode). */
public enum Synchronous {
    /** A commit that returned survives a crash of the process and of the machine (fsync per commit). */
    FULL,
    /** A commit that returned survives a crash of the process; a machine crash may lose the newest commits. */
    NORMAL
}

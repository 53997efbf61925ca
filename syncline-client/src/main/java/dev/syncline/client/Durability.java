package dev.syncline.client;

/** How hard the local store works to keep a returned write through a crash. */
public enum Durability {
    /** {@code synchronous=FULL}: a write that returned survives a process crash and a power loss. The default. */
    FULL,
    /** {@code synchronous=NORMAL}: a write that returned survives a process crash; a power loss may lose the last ones. */
    NORMAL
}

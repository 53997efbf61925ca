package dev.syncline.core;

import com.fasterxml.jackson.annotation.JsonValue;

/** Where a document stands with the server, as an app shows it (a badge per document). */
public enum SyncStatus {
    /** Changed locally; the change waits in the outbox. */
    PENDING("pending"),
    /** The change is being pushed now. */
    SYNCING("syncing"),
    /** The local copy equals the server's last known version. */
    SYNCED("synced"),
    /** The push failed permanently; the change is kept and can be retried. */
    ERROR("error"),
    /** The server holds a different version; the conflict waits to be resolved. */
    CONFLICT("conflict");

    private final String wire;

    SyncStatus(String wire) {
        this.wire = wire;
    }

    /** @return the lower-case name used in JSON and in the local store */
    @JsonValue
    public String wire() {
        return wire;
    }

    /**
     * @return the status named {@code wire}
     * @throws InvalidInputException when no status has that name
     */
    public static SyncStatus fromWire(String wire) {
        for (SyncStatus s : values()) {
            if (s.wire.equals(wire)) {
                return s;
            }
        }
        throw new InvalidInputException("invalid_status", "unknown sync status: " + wire);
    }
}

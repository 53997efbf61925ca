package dev.syncline.core;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * How urgently an entity type's changes are pushed. Operations are pushed in this order (critical
 * first), but never out of order within one document.
 */
public enum SyncPriority {
    /** Pushed before everything else (for example a payment or a share). */
    CRITICAL("critical"),
    /** Pushed before medium and low. */
    HIGH("high"),
    /** The default. */
    MEDIUM("medium"),
    /** Pushed last (for example analytics or view counts). */
    LOW("low");

    private final String wire;

    SyncPriority(String wire) {
        this.wire = wire;
    }

    /** @return the lower-case name used in JSON */
    @JsonValue
    public String wire() {
        return wire;
    }

    /** @return 0 for critical up to 3 for low; smaller is pushed first */
    public int rank() {
        return ordinal();
    }

    /**
     * @return the priority whose {@link #rank()} is {@code rank}
     * @throws InvalidInputException when {@code rank} is not 0 to 3
     */
    public static SyncPriority fromRank(int rank) {
        if (rank < 0 || rank >= values().length) {
            throw new InvalidInputException("invalid_priority", "priority rank must be 0 to 3: " + rank);
        }
        return values()[rank];
    }

    /**
     * @return the priority named {@code wire} (case-insensitive)
     * @throws InvalidInputException when no priority has that name
     */
    public static SyncPriority fromWire(String wire) {
        for (SyncPriority p : values()) {
            if (p.wire.equalsIgnoreCase(String.valueOf(wire))) {
                return p;
            }
        }
        throw new InvalidInputException("invalid_priority",
                "unknown priority '" + wire + "' (expected critical, high, medium or low)");
    }
}

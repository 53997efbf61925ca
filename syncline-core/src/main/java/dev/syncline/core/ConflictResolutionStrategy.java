package dev.syncline.core;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * How the conflicts of an entity type are settled when the server holds a version the local edit
 * was not made on. Conflicts are detected from server versions, never from clocks.
 */
public enum ConflictResolutionStrategy {
    /** Keep the local data and push it on top of the server's version. */
    USE_LOCAL("local"),
    /** Take the server's data and drop the local edit. */
    USE_REMOTE("remote"),
    /** Keep whichever side has the later HLC stamp. */
    USE_LATEST("latest"),
    /** Keep whichever side has the higher version. */
    USE_HIGHEST_VERSION("highest"),
    /** Three-way merge field by field against the stored base; fields changed on both sides use latest. */
    MERGE("merge"),
    /** Park the conflict for a person; the local value stays visible, marked conflict. */
    MANUAL("manual");

    private final String wire;

    ConflictResolutionStrategy(String wire) {
        this.wire = wire;
    }

    /** @return the short name used by the command line and in JSON ({@code local}, {@code merge}, ...) */
    @JsonValue
    public String wire() {
        return wire;
    }

    /**
     * @return the strategy named {@code wire} (the short name, case-insensitive)
     * @throws InvalidInputException naming the accepted names when there is none
     */
    public static ConflictResolutionStrategy fromWire(String wire) {
        for (ConflictResolutionStrategy s : values()) {
            if (s.wire.equalsIgnoreCase(String.valueOf(wire))) {
                return s;
            }
        }
        throw new InvalidInputException("invalid_strategy", "unknown conflict strategy '" + wire
                + "' (expected local, remote, latest, highest, merge or manual)");
    }
}

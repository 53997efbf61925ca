package dev.syncline.core;

import com.fasterxml.jackson.annotation.JsonValue;

/** What a queued local change does to its document. */
public enum OperationType {
    /** The document did not exist on the server when the change was made. */
    CREATE("create"),
    /** The document's data is replaced on top of a known server version. */
    UPDATE("update"),
    /** The document is replaced by a tombstone. */
    DELETE("delete");

    private final String wire;

    OperationType(String wire) {
        this.wire = wire;
    }

    /** @return the lower-case name used in JSON */
    @JsonValue
    public String wire() {
        return wire;
    }

    /**
     * @return the type named {@code wire}
     * @throws InvalidInputException when no type has that name
     */
    public static OperationType fromWire(String wire) {
        for (OperationType t : values()) {
            if (t.wire.equals(wire)) {
                return t;
            }
        }
        throw new InvalidInputException("invalid_operation_type", "unknown operation type: " + wire);
    }
}

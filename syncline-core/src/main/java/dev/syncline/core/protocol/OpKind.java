package dev.syncline.core.protocol;

import com.fasterxml.jackson.annotation.JsonValue;

/** What a pushed operation does to its document. */
public enum OpKind {
    /** Create the document or replace its data. */
    UPSERT("upsert"),
    /** Replace the document with a tombstone. */
    DELETE("delete");

    private final String wire;

    OpKind(String wire) {
        this.wire = wire;
    }

    /** @return the name used on the wire */
    @JsonValue
    public String wire() {
        return wire;
    }

    /** @return the kind named {@code wire}, or null when there is none */
    public static OpKind fromWire(String wire) {
        for (OpKind k : values()) {
            if (k.wire.equals(wire)) {
                return k;
            }
        }
        return null;
    }
}

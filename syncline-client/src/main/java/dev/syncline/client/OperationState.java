package dev.syncline.client;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.EnumSet;
import java.util.Set;

/**
 * The life of an outbox operation, with its legal moves:
 * {@code PENDING → IN_FLIGHT} (claimed for a push), {@code IN_FLIGHT → DONE} (the server applied
 * it), {@code IN_FLIGHT → PENDING} (transient failure or a crash mid-push; retried later),
 * {@code IN_FLIGHT → FAILED} (permanent failure; kept as a dead letter) and {@code FAILED → PENDING}
 * (the app retries it), and {@code PENDING → DONE} (a sent operation whose acknowledgement was
 * lost, recognised in the server's copy of the document: its echo). Nothing else is allowed. A FAILED operation can also be discarded by the
 * app, which removes it (and the later operations of its document) instead of moving it.
 */
public enum OperationState {
    /** Waiting to be pushed (possibly until a backoff delay has passed). */
    PENDING("pending"),
    /** Claimed by a push that has not answered yet. */
    IN_FLIGHT("in_flight"),
    /** Applied by the server; removed by cleanup. */
    DONE("done"),
    /** Failed permanently; kept with its data and error until the app retries or discards it. */
    FAILED("failed");

    private final String wire;

    OperationState(String wire) {
        this.wire = wire;
    }

    /** @return the lower-case name used in JSON and in the local store */
    @JsonValue
    public String wire() {
        return wire;
    }

    /** @return the states this one may move to */
    public Set<OperationState> next() {
        return switch (this) {
            case PENDING -> EnumSet.of(IN_FLIGHT, DONE);
            case IN_FLIGHT -> EnumSet.of(DONE, PENDING, FAILED);
            case FAILED -> EnumSet.of(PENDING);
            case DONE -> EnumSet.noneOf(OperationState.class);
        };
    }

    /** @return true when moving from this state to {@code to} is legal */
    public boolean canMoveTo(OperationState to) {
        return next().contains(to);
    }

    /**
     * @return the state named {@code wire}
     * @throws IllegalArgumentException when there is none
     */
    public static OperationState fromWire(String wire) {
        for (OperationState s : values()) {
            if (s.wire.equals(wire)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown operation state: " + wire);
    }
}

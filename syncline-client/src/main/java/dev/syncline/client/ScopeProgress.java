package dev.syncline.client;

import dev.syncline.core.InvalidInputException;
import java.time.Instant;

/**
 * How far this replica has pulled one scope's change feed. Immutable and thread-safe.
 *
 * <p>{@code seq} is the highest feed position of the scope among the changes the replica has
 * pulled: the stored pull cursor is past it, so every change of the scope up to {@code seq} is in
 * the replica (or superseded there by a later state of its document). It moves only when a pull
 * brings a change of the scope; the replica's own pushes do not move it until a pull brings them
 * back. A scope appears once a pull has brought a change of it.
 *
 * @param scope the scope
 * @param seq the highest position of the scope's feed the replica has pulled
 * @param lastPulledAt when the pulled page that carried {@code seq} was applied (the replica's clock)
 */
public record ScopeProgress(String scope, long seq, Instant lastPulledAt) {
    /** @throws InvalidInputException when the scope is missing, seq is negative, or lastPulledAt is null */
    public ScopeProgress {
        if (scope == null || scope.isBlank()) {
            throw new InvalidInputException("invalid_name", "scope is missing");
        }
        if (seq < 0) {
            throw new InvalidInputException("invalid_seq", "seq of scope '" + scope + "' must not be negative: " + seq);
        }
        if (lastPulledAt == null) {
            throw new InvalidInputException("invalid_time", "lastPulledAt of scope '" + scope + "' is missing");
        }
    }
}

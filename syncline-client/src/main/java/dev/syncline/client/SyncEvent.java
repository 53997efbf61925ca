package dev.syncline.client;

import dev.syncline.core.InvalidInputException;
import java.time.Duration;

/**
 * Something the sync engine did, as told to a {@link SyncListener}: one exchange with the server
 * (a push batch, a pull page) or one conflict settled. Records, immutable and thread-safe; meant
 * for meters and traces (the optional {@code syncline-micrometer} module is built on them), not
 * for driving the app's logic, which reads {@link SyncClient#status()} instead.
 *
 * <p>Each record's constructor throws {@link InvalidInputException} when a field is null.
 */
public sealed interface SyncEvent {
    /**
     * The server answered a push batch.
     *
     * @param operations operations in the batch
     * @param applied operations the server applied
     * @param conflicts operations the server refused for a newer version (settled next by policy)
     * @param rejected operations the server rejected for good (dead letters)
     * @param latency from sending the batch to reading the answer
     */
    record PushAnswered(int operations, int applied, int conflicts, int rejected, Duration latency)
            implements SyncEvent {
        /** @throws InvalidInputException when {@code latency} is null */
        public PushAnswered {
            required(latency, "latency");
        }
    }

    /**
     * A push batch got no answer it could use (network, 5xx, 401, 413...); its operations are
     * back in the queue or, for a request the server refused as a whole, failed.
     *
     * @param operations operations in the batch
     * @param error the error code (such as {@code network}, {@code unauthorized})
     * @param latency from sending the batch to the failure
     */
    record PushFailed(int operations, String error, Duration latency) implements SyncEvent {
        /** @throws InvalidInputException when a field is null */
        public PushFailed {
            required(error, "error");
            required(latency, "latency");
        }
    }

    /**
     * The server answered a pull with a page of changes (applied locally right after).
     *
     * @param changes changes in the page
     * @param hasMore whether more pages follow
     * @param latency from sending the request to reading the page
     */
    record PullAnswered(int changes, boolean hasMore, Duration latency) implements SyncEvent {
        /** @throws InvalidInputException when {@code latency} is null */
        public PullAnswered {
            required(latency, "latency");
        }
    }

    /**
     * A pull request failed.
     *
     * @param error the error code (such as {@code network}, {@code unauthorized})
     * @param latency from sending the request to the failure
     */
    record PullFailed(String error, Duration latency) implements SyncEvent {
        /** @throws InvalidInputException when a field is null */
        public PullFailed {
            required(error, "error");
            required(latency, "latency");
        }
    }

    /**
     * A conflict was decided by the engine: settled by a strategy, or parked for a person.
     *
     * @param scope the document's scope
     * @param type the document's type
     * @param id the document's id
     * @param by what decided: a strategy's wire name ({@code local}, {@code remote}, {@code latest},
     *     {@code highest}, {@code merge}), {@code custom} (the type's resolver), {@code same-value}
     *     or {@code both-deleted} (the sides agreed), or {@code manual} / {@code custom-failed} when
     *     parked for a person
     * @param parked true when it now waits for a person
     */
    record ConflictDecided(String scope, String type, String id, String by, boolean parked) implements SyncEvent {
        /** @throws InvalidInputException when a field is null */
        public ConflictDecided {
            required(scope, "scope");
            required(type, "type");
            required(id, "id");
            required(by, "by");
        }
    }

    private static void required(Object value, String name) {
        if (value == null) {
            throw new InvalidInputException("invalid_event", name + " must not be null");
        }
    }
}

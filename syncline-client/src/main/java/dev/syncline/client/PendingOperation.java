package dev.syncline.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.core.OperationType;
import dev.syncline.core.SyncPriority;
import java.time.Instant;

/**
 * One operation of the outbox, as stored. Immutable and thread-safe (do not modify {@code data}).
 *
 * @param opId stable idempotency key (a UUID), kept across restarts and retries
 * @param scope the document's scope
 * @param type the document's type
 * @param id the document's id
 * @param operationType create, update or delete
 * @param priority push priority
 * @param state where it is in its life
 * @param baseVersion the server version the change was made on (0: create)
 * @param data the document's new data; null for a delete
 * @param hlc the HLC stamp of the (latest coalesced) local write
 * @param attempts how many pushes of it have failed
 * @param nextAttemptAt not pushed before this instant (backoff)
 * @param error the last failure, or null
 * @param createdAt when it was first queued
 */
public record PendingOperation(String opId, String scope, String type, String id, OperationType operationType,
        SyncPriority priority, OperationState state, long baseVersion, ObjectNode data, String hlc, int attempts,
        Instant nextAttemptAt, String error, Instant createdAt) {
}

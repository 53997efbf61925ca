package dev.syncline.core.protocol;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One operation of a push.
 *
 * @param opId idempotency key (a UUID)
 * @param scope the document's scope
 * @param type the document's type
 * @param id the document's id
 * @param kind upsert or delete
 * @param baseVersion the version the change was made on; 0 creates
 * @param data the new data for an upsert; null for a delete
 * @param hlc the writer's HLC stamp, or null to let the server stamp it
 */
public record PushOp(String opId, String scope, String type, String id, OpKind kind, long baseVersion,
        ObjectNode data, String hlc) {
}

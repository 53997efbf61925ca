package dev.syncline.core.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A document's state as the server stores it and the change feed returns it.
 *
 * @param scope scope name
 * @param type type name
 * @param id document id
 * @param version 1 on create, +1 on every accepted write
 * @param deleted true for a tombstone
 * @param data the document's data; null for a tombstone
 * @param hlc the HLC stamp of the write that made this version
 * @param updatedBy user id of that write
 * @param seq position of this version in its scope's change feed
 * @param opId the push operation that produced this version; null when the server does not say
 *     (a writer recognises the echo of its own operation by it)
 */
public record Change(String scope, String type, String id, long version, boolean deleted,
        @JsonInclude(JsonInclude.Include.ALWAYS) ObjectNode data, String hlc, String updatedBy, long seq,
        @JsonInclude(JsonInclude.Include.NON_NULL) String opId) {
}

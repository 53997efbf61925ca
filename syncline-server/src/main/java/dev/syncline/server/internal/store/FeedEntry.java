package dev.syncline.server.internal.store;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonRawValue;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.core.Json;
import dev.syncline.core.protocol.Change;

/**
 * A change as the feed reads it: like {@link Change}, but {@code data} stays the JSON text the
 * store holds and is written to the response as it is, so a pull never parses and re-serialises
 * documents. Serialises to exactly the JSON of a {@link Change}.
 *
 * @param scope scope
 * @param type type
 * @param id id
 * @param version version
 * @param deleted tombstone
 * @param data the data's JSON text, null for a tombstone
 * @param hlc HLC stamp of the write
 * @param updatedBy writer
 * @param seq feed position
 * @param opId the operation that produced this version, null when unknown
 */
@JsonPropertyOrder({"scope", "type", "id", "version", "deleted", "data", "hlc", "updatedBy", "seq", "opId"})
public record FeedEntry(String scope, String type, String id, long version, boolean deleted,
        @JsonRawValue @JsonInclude(JsonInclude.Include.ALWAYS) String data, String hlc, String updatedBy, long seq,
        @JsonInclude(JsonInclude.Include.NON_NULL) String opId) {

    /** @return this entry with its data parsed */
    public Change toChange() {
        return new Change(scope, type, id, version, deleted, data == null ? null : (ObjectNode) Json.parse(data), hlc,
                updatedBy, seq, opId);
    }
}

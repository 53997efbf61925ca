package dev.syncline.core.merge;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Decides one field's value when both sides changed it differently since the base. A side that
 * removed the field passes {@code null}. Returning {@code null} removes the field. Implementations
 * must be pure and thread-safe: they may be called from any thread, more than once.
 */
@FunctionalInterface
public interface FieldRule {
    /**
     * @param base the field's value in the common base, or null when absent there
     * @param local this replica's value, or null when it removed the field
     * @param remote the server's value, or null when it removed the field
     * @param localIsLatest true when the local change has the later HLC stamp
     * @return the merged value, or null to leave the field out
     */
    JsonNode merge(JsonNode base, JsonNode local, JsonNode remote, boolean localIsLatest);
}
